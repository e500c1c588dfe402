/**
 * The e2e harness applies a variant of each stack without what moto cannot do. These pin how that
 * variant is derived: by resource type (and predicate), transitively through references, and never
 * more than that.
 */
import { deniesObjectAccessInMoto, MOTO_GAPS } from '../../e2e/moto-gaps';
import { parseJsonPlan } from '../../e2e/terraform';
import { applyVariant, configAddress, groupByGap } from '../../e2e/variant';
import { TerraformJson } from '../../test-support/terraform-json';

const DENY_INSECURE = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    },
  ],
});

function stack(): TerraformJson {
  return {
    '//': { metadata: { stackName: 's' } },
    provider: { aws: [{ region: 'eu-west-1' }] },
    resource: {
      aws_config_config_rule: { rule: { name: 'r', '//': { metadata: { path: 's/rule' } } } },
      aws_ssm_document: { runbook: { name: 'stop' } },
      aws_config_remediation_configuration: {
        remediation: { config_rule_name: '${aws_config_config_rule.rule.name}', target_id: '${aws_ssm_document.runbook.name}' },
      },
      aws_sns_topic: {
        after: { name: 't', depends_on: ['aws_config_remediation_configuration.remediation'] },
        // A name that merely starts like a skipped address is not a reference to it.
        unrelated: { name: '${aws_config_remediation_configuration.remediation_other.id}' },
      },
    },
    data: { aws_iam_policy_document: { doc: { statement: [{ resources: ['${aws_sns_topic.after.arn}'] }] } } },
    output: {
      remediation_id: { value: '${aws_config_remediation_configuration.remediation.id}' },
      rule: { value: '${aws_config_config_rule.rule.arn}' },
    },
  };
}

describe('applyVariant', () => {
  test('GIVEN a resource type moto lacks THEN it and everything referring to it, directly or not, is left out', () => {
    const { json, skipped } = applyVariant(stack());

    expect(skipped.map((s) => [s.address, s.via])).toEqual([
      ['aws_config_remediation_configuration.remediation', undefined],
      ['aws_sns_topic.after', 'aws_config_remediation_configuration.remediation'],
      ['data.aws_iam_policy_document.doc', 'aws_sns_topic.after'],
      ['output.remediation_id', 'aws_config_remediation_configuration.remediation'],
    ]);
    expect(Object.keys(json.resource!).sort()).toEqual(['aws_config_config_rule', 'aws_sns_topic', 'aws_ssm_document']);
    expect(Object.keys(json.resource!.aws_sns_topic)).toEqual(['unrelated']);
    expect(json.data).toBeUndefined();
    expect(Object.keys(json.output!)).toEqual(['rule']);
    expect(json.provider).toEqual(stack().provider);
  });

  test('GIVEN nothing moto lacks THEN the stack is applied as synthesized', () => {
    const input = stack();
    delete input.resource!.aws_config_remediation_configuration;
    const variant = applyVariant(input);
    expect(variant.skipped).toEqual([]);
    expect(variant.json).toBe(input);
  });

  test('the input is not modified', () => {
    const input = stack();
    applyVariant(input);
    expect(input).toEqual(stack());
  });

  test('lines group the skipped blocks under the API moto lacks', () => {
    const groups = groupByGap(applyVariant(stack()).skipped);
    expect([...groups.keys()]).toEqual(['moto lacks config:PutRemediationConfigurations']);
    expect(groups.get('moto lacks config:PutRemediationConfigurations')).toContain(
      'aws_sns_topic.after (refers to aws_config_remediation_configuration.remediation)',
    );
  });

  test('every gap names the moto source that shows it', () => {
    for (const gap of MOTO_GAPS) expect(gap.source).toMatch(/^moto\/\S+\.py:\d+/);
  });
});

describe('the state bucket policy gap', () => {
  const withPolicy = (bucketName: string, policy: string): TerraformJson => ({
    resource: {
      aws_s3_bucket: { bucket: { bucket: bucketName } },
      aws_s3_bucket_policy: { policy: { bucket: '${aws_s3_bucket.bucket.id}', policy } },
      aws_config_delivery_channel: { channel: { s3_bucket_name: bucketName, depends_on: ['aws_s3_bucket_policy.policy'] } },
    },
  });

  test('GIVEN the state bucket with a conditional Deny on objects THEN its policy is planned, not applied', () => {
    const { skipped } = applyVariant(withPolicy('tfstate', DENY_INSECURE), { stateBuckets: ['tfstate'] });
    expect(skipped.map((s) => s.address)).toEqual(['aws_s3_bucket_policy.policy', 'aws_config_delivery_channel.channel']);
  });

  test('GIVEN another bucket with the same policy THEN it is applied (moto never touches its objects)', () => {
    expect(applyVariant(withPolicy('config-bucket', DENY_INSECURE), { stateBuckets: ['tfstate'] }).skipped).toEqual([]);
  });

  test('GIVEN the state bucket with only Allow statements THEN its policy is applied', () => {
    const allow = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 's3:PutObject', Condition: {} }],
    });
    expect(applyVariant(withPolicy('tfstate', allow), { stateBuckets: ['tfstate'] }).skipped).toEqual([]);
  });

  test.each([
    ['s3:*', true],
    ['s3:Get*', true],
    ['s3:PutObject', true],
    ['s3:ListBucket', false],
  ])('a conditional Deny of %s denies object access in moto: %s', (action, expected) => {
    const policy = JSON.stringify({
      Statement: { Effect: 'Deny', Action: action, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    });
    expect(deniesObjectAccessInMoto({ policy })).toBe(expected);
  });
});

describe('plan and state addresses', () => {
  test('count and for_each keys are dropped to find the config block', () => {
    expect(configAddress('aws_iam_role_policy_attachment.attach["developers"]')).toBe('aws_iam_role_policy_attachment.attach');
    expect(configAddress('aws_sns_topic.topic[0]')).toBe('aws_sns_topic.topic');
    expect(configAddress('aws_sns_topic.topic')).toBe('aws_sns_topic.topic');
  });

  test('terraform plan -json: planned changes and error diagnostics are read, reads and no-ops ignored', () => {
    const lines = [
      { type: 'version', terraform: '1.11.4' },
      { type: 'planned_change', change: { resource: { addr: 'aws_sns_topic.b' }, action: 'create' } },
      { type: 'planned_change', change: { resource: { addr: 'aws_iam_policy.a' }, action: 'create' } },
      { type: 'planned_change', change: { resource: { addr: 'data.aws_caller_identity.me' }, action: 'read' } },
      {
        type: 'diagnostic',
        '@level': 'error',
        diagnostic: { severity: 'error', summary: 'Invalid value', detail: 'expected one of', address: 'aws_x.y' },
      },
      { type: 'diagnostic', '@level': 'warn', diagnostic: { severity: 'warning', summary: 'Deprecated' } },
    ];
    const plan = parseJsonPlan(`${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`);
    expect(plan.changes).toEqual([
      { address: 'aws_iam_policy.a', action: 'create' },
      { address: 'aws_sns_topic.b', action: 'create' },
    ]);
    expect(plan.errors).toEqual(['Error: Invalid value\n  with aws_x.y\nexpected one of']);
    expect(plan.warnings).toEqual(['Deprecated']);
  });
});
