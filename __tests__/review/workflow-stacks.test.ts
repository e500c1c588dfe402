/**
 * The workflow's stacks come from the synthesized output and the config: one matrix entry per
 * account stack with its OIDC roles (planRoleArn defaulting to deployRoleArn), state-backend apart,
 * and in CI each stack gets an override so Terraform uses the job's role and keeps state-backend's
 * own state in its bucket.
 */
import { ConfigError } from '../../config/load';
import {
  ciOverride,
  planMatrix,
  stateBackendStateKey,
  WorkflowConfigError,
  workflowStacks,
} from '../../modules/review/workflow-stacks';
import { exampleConfig, exampleVariant } from '../../test-support/example-config';

const SYNTHESIZED = ['analytics-prod', 'image-pipeline', 'payments-prod', 'state-backend'];

describe('planRoleArn in the config', () => {
  test('GIVEN the example THEN payments-prod plans with its plan role, the others with their deploy role', () => {
    const accounts = Object.fromEntries(exampleConfig().accounts.map((a) => [a.stackName, a.planRoleArn]));

    expect(accounts).toEqual({
      'image-pipeline': 'arn:aws:iam::111111111111:role/ami-guard-deploy',
      'payments-prod': 'arn:aws:iam::222222222222:role/ami-guard-plan',
      'analytics-prod': 'arn:aws:iam::333333333333:role/ami-guard-deploy',
    });
  });

  test.each([
    [
      'not a role ARN',
      'arn:aws:iam::222222222222:user/plan',
      /accounts\[1\]\.planRoleArn: expected an IAM role ARN such as "arn:aws:iam::111122223333:role\/ami-guard-plan"/,
    ],
    [
      'a role of another account',
      'arn:aws:iam::999999999999:role/plan',
      /accounts\[1\]\.planRoleArn: the role is in account 999999999999, but accountId is 222222222222/,
    ],
  ])('GIVEN %s THEN the config is refused with the field and the fix', (_what, arn, message) => {
    expect(() => exampleVariant((j) => (j.accounts[1].planRoleArn = arn))).toThrow(ConfigError);
    expect(() => exampleVariant((j) => (j.accounts[1].planRoleArn = arn))).toThrow(message);
  });
});

describe('workflowStacks', () => {
  test('GIVEN the synthesized example THEN the account matrix follows the manifest, with both roles per stack', () => {
    const stacks = workflowStacks(exampleConfig(), SYNTHESIZED);

    expect(stacks.accounts).toEqual([
      {
        stack: 'analytics-prod',
        region: 'eu-central-1',
        planRoleArn: 'arn:aws:iam::333333333333:role/ami-guard-deploy',
        deployRoleArn: 'arn:aws:iam::333333333333:role/ami-guard-deploy',
      },
      {
        stack: 'image-pipeline',
        region: 'eu-west-1',
        planRoleArn: 'arn:aws:iam::111111111111:role/ami-guard-deploy',
        deployRoleArn: 'arn:aws:iam::111111111111:role/ami-guard-deploy',
      },
      {
        stack: 'payments-prod',
        region: 'eu-west-1',
        planRoleArn: 'arn:aws:iam::222222222222:role/ami-guard-plan',
        deployRoleArn: 'arn:aws:iam::222222222222:role/ami-guard-deploy',
      },
    ]);
  });

  test('GIVEN a stack only in the config, or only synthesized THEN the manifest decides, and the stranger is skipped with a reason', () => {
    const stacks = workflowStacks(exampleConfig(), ['payments-prod', 'sandbox']);

    expect(stacks.accounts.map((a) => a.stack)).toEqual(['payments-prod']);
    expect(stacks.skipped).toEqual([{ stack: 'sandbox', reason: 'neither an account of the config nor state-backend' }]);
  });

  test('GIVEN an organization section THEN the organization stack is planned with organization.planRoleArn and applied with its deploy role', () => {
    const stacks = workflowStacks(exampleConfig(), [...SYNTHESIZED, 'organization']);

    expect(stacks.organization).toEqual({
      stack: 'organization',
      region: 'eu-west-1',
      planRoleArn: 'arn:aws:iam::999999999999:role/ami-guard-org-plan',
      deployRoleArn: 'arn:aws:iam::999999999999:role/ami-guard-org-deploy',
    });
    expect(planMatrix(stacks).map((s) => s.stack)).toEqual(['analytics-prod', 'image-pipeline', 'payments-prod', 'organization']);
    expect(stacks.accounts.map((s) => s.stack)).not.toContain('organization');
  });

  test('GIVEN an organization section without roles THEN the workflow config is refused naming the fields', () => {
    const config = exampleVariant((j) => {
      delete j.organization.deployRoleArn;
      delete j.organization.planRoleArn;
    });

    expect(() => workflowStacks(config, [...SYNTHESIZED, 'organization'])).toThrow(
      /organization: .* set organization\.deployRoleArn \(and a read-only organization\.planRoleArn\)/,
    );
  });

  test('GIVEN state-backend THEN it uses the state role (variable, else backend.roleArn), or is skipped with what to set', () => {
    const withVariable = workflowStacks(exampleConfig(), SYNTHESIZED, 'arn:aws:iam::111111111111:role/ami-guard-state');
    const withoutRole = workflowStacks(exampleConfig(), SYNTHESIZED);

    expect(withVariable.stateBackend).toEqual({
      stack: 'state-backend',
      region: 'eu-west-1',
      planRoleArn: 'arn:aws:iam::111111111111:role/ami-guard-state',
      deployRoleArn: 'arn:aws:iam::111111111111:role/ami-guard-state',
    });
    expect(withoutRole.stateBackend).toBeUndefined();
    expect(withoutRole.skipped[0].reason).toMatch(/AMI_GUARD_STATE_ROLE_ARN or backend\.roleArn/);
  });

  test('GIVEN an account without any role THEN the workflow refuses it, naming the account and the field', () => {
    const config = exampleVariant((j) => delete j.accounts[0].deployRoleArn);

    expect(() => workflowStacks(config, SYNTHESIZED)).toThrow(WorkflowConfigError);
    expect(() => workflowStacks(config, SYNTHESIZED)).toThrow(/accounts\[0\] \(image-pipeline\): .*set deployRoleArn/);
  });
});

describe('ciOverride', () => {
  test('GIVEN an account stack THEN the provider stops assuming the deploy role: the job holds the account role already', () => {
    expect(ciOverride(exampleConfig(), 'payments-prod')).toEqual({ provider: { aws: [{ assume_role: [{ role_arn: '' }] }] } });
  });

  test('GIVEN state-backend THEN its own state goes to the shared bucket, locked and encrypted, under the key prefix', () => {
    const config = exampleConfig();

    expect(stateBackendStateKey(config)).toBe('ami-guard/state-backend/terraform.tfstate');
    expect(ciOverride(config, 'state-backend')).toEqual({
      terraform: {
        backend: {
          s3: {
            bucket: 'example-org-ami-guard-tfstate',
            key: 'ami-guard/state-backend/terraform.tfstate',
            region: 'eu-west-1',
            dynamodb_table: 'ami-guard-tf-locks',
            encrypt: true,
          },
        },
      },
    });
  });
});
