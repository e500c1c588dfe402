/**
 * Prevent: the launch policy and the image tag guard as deployed (read back from IAM in moto), put
 * through @cloud-copilot/iam-simulate, the simulator the policy tests use.
 */
import { GetPolicyCommand, GetPolicyVersionCommand, IAMClient } from '@aws-sdk/client-iam';
import { simulate } from '../test-support/iam';

/** One simulated request and its outcome. */
export interface Simulated {
  readonly what: string;
  readonly expected: string;
  readonly result: string;
}

/** The default version of a customer-managed policy in moto, as a parsed document. */
async function deployedPolicy(iam: IAMClient, arn: string): Promise<unknown> {
  const policy = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
  const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: policy.Policy!.DefaultVersionId! }));
  // IAM returns policy documents URL-encoded (RFC 3986):
  // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicyVersion.html
  return JSON.parse(decodeURIComponent(version.PolicyVersion!.Document!));
}

/**
 * Simulates, with the deployed documents: launching the golden and the unapproved AMI, and a
 * developer (who may otherwise tag anything) tagging an AMI `<tagKey>=<value>`.
 */
export async function simulateDeployedPolicies(options: {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly launchPolicyArn: string;
  readonly tagGuardPolicyArn: string;
  readonly tagKey: string;
  readonly tagValue: string;
  readonly golden: string;
  readonly unapproved: string;
}): Promise<Simulated[]> {
  const iam = new IAMClient({
    region: 'us-east-1',
    endpoint: options.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const launch = await deployedPolicy(iam, options.launchPolicyArn);
    const guard = await deployedPolicy(iam, options.tagGuardPolicyArn);
    const image = (id: string) => `arn:aws:ec2:${options.region}::image/${id}`;
    const developer = `arn:aws:iam::${options.accountId}:role/developer`;
    const tagAnything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*' }] };
    const tag = `${options.tagKey}=${options.tagValue}`;
    return [
      {
        what: `RunInstances from the golden AMI ${options.golden} (${tag}, own account)`,
        expected: 'Allowed',
        result: await simulate({
          policies: [launch],
          action: 'ec2:RunInstances',
          resource: image(options.golden),
          principal: developer,
          resourceAccount: options.accountId,
          context: { [`ec2:ResourceTag/${options.tagKey}`]: options.tagValue, 'ec2:Owner': options.accountId },
        }),
      },
      {
        what: `RunInstances from the unapproved AMI ${options.unapproved} (no ${options.tagKey} tag)`,
        expected: 'ExplicitlyDenied',
        result: await simulate({
          policies: [launch],
          action: 'ec2:RunInstances',
          resource: image(options.unapproved),
          principal: developer,
          resourceAccount: options.accountId,
          context: { 'ec2:Owner': options.accountId },
        }),
      },
      {
        what: `a developer tags ${options.unapproved} ${tag} (a policy lets them tag anything)`,
        expected: 'ExplicitlyDenied',
        result: await simulate({
          policies: [guard, tagAnything],
          action: 'ec2:CreateTags',
          resource: image(options.unapproved),
          principal: developer,
          resourceAccount: options.accountId,
          context: { 'aws:PrincipalArn': developer, 'aws:TagKeys': [options.tagKey] },
        }),
      },
    ];
  } finally {
    iam.destroy();
  }
}
