import { Testing } from 'cdktf';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamGroupPolicyAttachment } from '@cdktf/provider-aws/lib/iam-group-policy-attachment';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AccountStack } from '../modules/stacks/account-stack';
import { exampleConfig, resourcesOf } from '../test-support/synth';

// cdktf's matchers: toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...
Testing.setupJest();

const config = exampleConfig();
const account = (name: string) => config.accounts.find((a) => a.stackName === name)!;

function synthAccount(name: string) {
  const app = Testing.app();
  const stack = new AccountStack(app, name, { account: account(name), backend: config.backend });
  return { stack, json: JSON.parse(Testing.synth(stack)), text: Testing.synth(stack) };
}

describe('account stack', () => {
  test('keeps its state in the shared bucket under its own account/region key, encrypted and locked', () => {
    const { json } = synthAccount('analytics-prod');
    expect(json.terraform.backend.s3).toEqual({
      bucket: 'example-org-ami-guard-tfstate',
      key: 'ami-guard/333333333333/eu-central-1/terraform.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      dynamodb_table: 'ami-guard-tf-locks',
    });
  });

  test('deploys through the account deploy role, pinned to its account and region, tagging everything', () => {
    const { json } = synthAccount('payments-prod');
    expect(json.provider.aws).toEqual([
      {
        region: 'eu-west-1',
        allowed_account_ids: ['222222222222'],
        assume_role: [{ role_arn: 'arn:aws:iam::222222222222:role/ami-guard-deploy', session_name: 'ami-guard-deploy' }],
        default_tags: [{ tags: { ManagedBy: 'ami-guard', CostCenter: 'platform' } }],
      },
    ]);
  });

  test('renders both policies as literal JSON, named per region', () => {
    const { text, json } = synthAccount('analytics-prod');
    expect(text).toHaveResourceWithProperties(IamPolicy, { name: 'ami-guard-launch-policy-eu-central-1', path: '/ami-guard/' });
    expect(text).toHaveResourceWithProperties(IamPolicy, { name: 'ami-guard-tag-guard-eu-central-1' });
    for (const { policy } of resourcesOf(json, 'aws_iam_policy')) {
      expect(policy).not.toContain('${');
      expect(() => JSON.parse(String(policy))).not.toThrow();
    }
    expect(json.data?.aws_iam_policy_document).toBeUndefined();
  });

  test('attaches both policies to every configured role and group', () => {
    const { text, json } = synthAccount('payments-prod');
    for (const role of ['app-deployer', 'ops-admin']) {
      expect(text).toHaveResourceWithProperties(IamRolePolicyAttachment, { role });
    }
    expect(text).toHaveResourceWithProperties(IamGroupPolicyAttachment, { group: 'developers' });
    const attached = (type: string) =>
      resourcesOf(json, type)
        .map((a) => String(a.policy_arn))
        .filter((arn) => /aws_iam_policy\.(launch-policy|image-tag-guard)_/.test(arn));
    expect(attached('aws_iam_role_policy_attachment')).toHaveLength(4);
    expect(attached('aws_iam_group_policy_attachment')).toHaveLength(2);
  });

  test('exports the policy ARNs and names as Terraform outputs', () => {
    const { json } = synthAccount('payments-prod');
    expect(Object.keys(json.output)).toEqual(
      expect.arrayContaining([
        'launch_policy_arn',
        'launch_policy_name',
        'image_tag_guard_policy_arn',
        'image_tag_guard_policy_name',
      ]),
    );
    expect(json.output.launch_policy_arn.value).toMatch(/^\$\{aws_iam_policy\.launch-policy_.*\.arn\}$/);
  });
});
