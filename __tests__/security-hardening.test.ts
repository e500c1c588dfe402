/**
 * The security defaults a scanner reads in the synthesized JSON (docs/security.md), and the optional
 * customer managed KMS key and state-bucket access logging that answer the findings a team may have.
 */
import { simulate } from '../test-support/iam';
import { exampleConfig, exampleVariant, onlyResource, resourcesOf, sharedSynth, type RawJson } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';

const KEY = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const STATE_KEY = 'arn:aws:kms:eu-west-1:111111111111:key/mrk-0123456789abcdef0123456789abcdef';

/** The rule of a bucket's default encryption, by the bucket construct's name. */
function sseRules(stack: TerraformJson): Record<string, unknown>[] {
  return resourcesOf(stack, 'aws_s3_bucket_server_side_encryption_configuration').flatMap(
    (r) => r.rule as Record<string, unknown>[],
  );
}

/** The parsed inline policy of the role whose policy name is `name`. */
function inlinePolicy(stack: TerraformJson, name: string) {
  const found = resourcesOf(stack, 'aws_iam_role_policy').find((p) => p.name === name);
  if (!found) throw new Error(`no aws_iam_role_policy named ${name}`);
  return JSON.parse(String(found.policy));
}

describe('by default (no encryption settings)', () => {
  const { stacks } = sharedSynth(exampleConfig());

  test('every bucket uses SSE-S3, without bucket_key_enabled (an S3 Bucket Key has no effect on SSE-S3)', () => {
    const rules = Object.values(stacks).flatMap(sseRules);
    expect(rules.length).toBeGreaterThanOrEqual(2); // the state bucket and a Config bucket at least
    for (const rule of rules) {
      expect(rule).toEqual({ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } });
    }
  });

  test('the Lambda log group names no KMS key, and the state bucket has no access logging', () => {
    expect(onlyResource(stacks['payments-prod'], 'aws_cloudwatch_log_group').kms_key_id).toBeUndefined();
    expect(resourcesOf(stacks['state-backend'], 'aws_s3_bucket_logging')).toEqual([]);
    expect(onlyResource(stacks['payments-prod'], 'aws_config_delivery_channel').s3_kms_key_arn).toBeUndefined();
  });

  test('the Config delivery role may put objects only into a bucket of its own account (aws:ResourceAccount)', async () => {
    const policy = inlinePolicy(stacks['payments-prod'], 'config-delivery');
    const put = (resourceAccount: string) =>
      simulate({
        policies: [policy],
        principal: 'arn:aws:iam::222222222222:role/ami-guard-config-recorder-eu-west-1',
        // a bucket that lets anyone write: only the role's own policy can stop the delivery
        resourcePolicy: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:PutObject', Resource: '*' }],
        },
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::ami-guard-config-222222222222-eu-west-1/AWSLogs/222222222222/Config/x.json.gz',
        resourceAccount,
        context: { 's3:x-amz-acl': 'bucket-owner-full-control' },
      });
    await expect(put('222222222222')).resolves.toBe('Allowed');
    await expect(put('999999999999')).resolves.toBe('ImplicitlyDenied');
    const deliver = policy.Statement.find((s: { Sid: string }) => s.Sid === 'Deliver');
    expect(deliver.Condition.StringEquals['aws:ResourceAccount']).toBe('222222222222');
  });
});

describe('with encryption.kmsKeyArn', () => {
  const config = exampleVariant((j) => {
    j.accounts[1].encryption = { kmsKeyArn: KEY };
    j.backend.encryption = { kmsKeyArn: STATE_KEY };
    j.backend.accessLogs = { bucket: 'acme-access-logs', prefix: 'state/' };
  });
  const { stacks } = sharedSynth(config);
  const payments = stacks['payments-prod'];

  test('the Config bucket uses SSE-KMS with the key and an S3 Bucket Key, and Config delivers with it', () => {
    expect(sseRules(payments)).toEqual([
      { apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: KEY }, bucket_key_enabled: true },
    ]);
    expect(onlyResource(payments, 'aws_config_delivery_channel').s3_kms_key_arn).toBe(KEY);
    const policy = inlinePolicy(payments, 'config-delivery');
    expect(policy.Statement).toContainEqual({
      Sid: 'EncryptDeliveries',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: KEY,
    });
  });

  test('the rule Lambda log group is encrypted with the key', () => {
    expect(onlyResource(payments, 'aws_cloudwatch_log_group').kms_key_id).toBe(KEY);
  });

  test('only the account that names a key gets it', () => {
    expect(onlyResource(stacks['analytics-prod'], 'aws_cloudwatch_log_group').kms_key_id).toBeUndefined();
  });

  test('the state bucket uses SSE-KMS with its own key, and logs its access into the named bucket', () => {
    const state = stacks['state-backend'];
    expect(sseRules(state)).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: STATE_KEY },
        bucket_key_enabled: true,
      },
    ]);
    expect(onlyResource(state, 'aws_s3_bucket_logging')).toMatchObject({
      target_bucket: 'acme-access-logs',
      target_prefix: 'state/',
    });
  });

  test('access logs default to the prefix ami-guard-state/', () => {
    const { backend } = exampleVariant((j) => (j.backend.accessLogs = { bucket: 'acme-access-logs' }));
    expect(backend.accessLogs).toEqual({ bucket: 'acme-access-logs', prefix: 'ami-guard-state/' });
  });
});

describe('a key that cannot work is a config error naming the field, the value and the fix', () => {
  test.each([
    [
      'an alias instead of a key ARN',
      (j: RawJson) => (j.accounts[1].encryption = { kmsKeyArn: 'arn:aws:kms:eu-west-1:222222222222:alias/ami-guard' }),
      /accounts\[1\]\.encryption\.kmsKeyArn: expected a KMS key ARN such as .*\(not an alias\)/,
    ],
    [
      'a key of another region',
      (j: RawJson) => (j.accounts[1].encryption = { kmsKeyArn: KEY.replace('eu-west-1', 'us-east-1') }),
      /accounts\[1\]\.encryption\.kmsKeyArn: the key is in region us-east-1, but the resources it encrypts are in eu-west-1; use a key of eu-west-1/,
    ],
    [
      'a key of another account',
      (j: RawJson) => (j.accounts[1].encryption = { kmsKeyArn: KEY.replace('222222222222', '999999999999') }),
      /accounts\[1\]\.encryption\.kmsKeyArn: the key is in account 999999999999, but accountId is 222222222222; use a key of the account being deployed/,
    ],
    [
      'a state key of another region than the backend',
      (j: RawJson) => (j.backend.encryption = { kmsKeyArn: STATE_KEY.replace('eu-west-1', 'eu-central-1') }),
      /backend\.encryption\.kmsKeyArn: the key is in region eu-central-1, but the resources it encrypts are in eu-west-1/,
    ],
  ])('%s', (_what, edit, message) => {
    expect(() => exampleVariant(edit)).toThrow(message);
  });
});
