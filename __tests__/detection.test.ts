import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_FUNCTION_MEMORY_MB, DEFAULT_FUNCTION_TIMEOUT_SECONDS } from '../lambda/ami-compliance/contract';
import { parseRuleParameters } from '../lambda/ami-compliance/params';
import { Testing, TerraformStack } from 'cdktf';
import { AmiComplianceFunction } from '../modules/detect/ami-compliance-function';
import { encodeRuleParameters } from '../modules/detect/ami-compliance-rule';
import { amiComplianceZip } from '../modules/detect/lambda-asset';
import { simulate } from '../test-support/iam';
import { runBuild } from '../test-support/run-bundle';
import { exampleConfig, exampleVariant, onlyResource, resourcesOf, sharedSynth, synthConfig } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';

const { outdir, stacks } = sharedSynth(exampleConfig());
const payments = stacks['payments-prod']; // recorder: create
const pipeline = stacks['image-pipeline']; // recorder: existing

/** The `${type.name}` reference of the one resource of a type, as depends_on spells it. */
function ref(stack: TerraformJson, type: string): string {
  const names = Object.keys(stack.resource?.[type] ?? {});
  expect(names).toHaveLength(1);
  return `${type}.${names[0]}`;
}

describe('AWS Config recorder (recorder: "create")', () => {
  test('records only the configured resource types, with the Config role', () => {
    const recorder = onlyResource(payments, 'aws_config_configuration_recorder');
    expect(recorder.recording_group).toEqual({
      all_supported: false,
      include_global_resource_types: false,
      resource_types: ['AWS::EC2::Instance'],
      recording_strategy: [{ use_only: 'INCLUSION_BY_RESOURCE_TYPES' }],
    });
    const attachment = resourcesOf(payments, 'aws_iam_role_policy_attachment').find((a) =>
      String(a.policy_arn).endsWith('service-role/AWS_ConfigRole'),
    );
    expect(attachment).toBeDefined();
  });

  test('creates the channel after the recorder and the bucket policy, and enables the recorder last', () => {
    const channel = onlyResource(payments, 'aws_config_delivery_channel');
    expect(channel.depends_on).toEqual(
      expect.arrayContaining([
        ref(payments, 'aws_config_configuration_recorder'),
        expect.stringMatching(/^aws_s3_bucket_policy\.config-recorder_/),
      ]),
    );
    const status = onlyResource(payments, 'aws_config_configuration_recorder_status');
    expect(status.is_enabled).toBe(true);
    expect(status.depends_on).toEqual([ref(payments, 'aws_config_delivery_channel')]);
  });

  test("lets only this account's Config deliver into a private, encrypted bucket", async () => {
    const bucketPolicy = resourcesOf(payments, 'aws_s3_bucket_policy').find((p) =>
      String(p.policy).includes('AWSConfigBucketDelivery'),
    );
    const policy = JSON.parse(String(bucketPolicy!.policy));
    const put = (sourceAccount: string) =>
      simulate({
        policies: [],
        principal: 'config.amazonaws.com',
        resourcePolicy: policy,
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::ami-guard-config-222222222222-eu-west-1/AWSLogs/222222222222/Config/x.json.gz',
        context: {
          'aws:SourceAccount': sourceAccount,
          's3:x-amz-acl': 'bucket-owner-full-control',
          'aws:SecureTransport': 'true',
        },
      });
    await expect(put('222222222222')).resolves.toBe('Allowed');
    await expect(put('999999999999')).resolves.not.toBe('Allowed');
    expect(resourcesOf(payments, 'aws_s3_bucket_public_access_block').length).toBeGreaterThanOrEqual(1);
  });

  test('is not created where another stack owns the recorder (recorder: "existing")', () => {
    for (const type of [
      'aws_config_configuration_recorder',
      'aws_config_delivery_channel',
      'aws_config_configuration_recorder_status',
    ]) {
      expect(resourcesOf(pipeline, type)).toEqual([]);
    }
    expect(resourcesOf(pipeline, 'aws_config_config_rule')).toHaveLength(1);
  });
});

describe('custom Config rule', () => {
  test('runs the Lambda on changes, oversized changes and on the configured schedule, for instances only', () => {
    const rule = onlyResource(stacks['analytics-prod'], 'aws_config_config_rule');
    expect(rule.scope).toEqual({ compliance_resource_types: ['AWS::EC2::Instance'] });
    expect(rule.source).toEqual({
      owner: 'CUSTOM_LAMBDA',
      source_identifier: expect.stringMatching(/^\$\{aws_lambda_function\..*\.arn\}$/),
      source_detail: [
        { event_source: 'aws.config', message_type: 'ConfigurationItemChangeNotification' },
        { event_source: 'aws.config', message_type: 'OversizedConfigurationItemChangeNotification' },
        { event_source: 'aws.config', message_type: 'ScheduledNotification', maximum_execution_frequency: 'Twelve_Hours' },
      ],
    });
  });

  test('passes the account approval rule as string parameters, the same ones the Lambda gets', () => {
    const rule = onlyResource(payments, 'aws_config_config_rule');
    const fn = onlyResource(payments, 'aws_lambda_function');
    const expected = {
      tagKey: 'Environment',
      tagValues: 'Prod',
      trustedOwners: '111111111111',
      approvedImageIdsParameter: '/ami-guard/approved-image-ids',
      exceptionTagKey: 'AmiGuardException',
      maxExceptionDays: '90',
      exceptionTicketPattern: '^[A-Za-z0-9][A-Za-z0-9-]{2,}$',
      ownerTagKeys: 'Owner,Team',
    };
    expect(JSON.parse(String(rule.input_parameters))).toEqual(expected);
    const { variables } = fn.environment as { variables: Record<string, string> };
    expect(JSON.parse(variables.AMI_GUARD_RULE_PARAMETERS)).toEqual(expected);
  });

  test.each([
    [{ tagKey: 'Environment', tagValues: ['Prod', 'Gold Image'] }],
    [
      {
        tagKey: 'Env',
        tagValues: ['Prod'],
        trustedOwners: ['111111111111', 'amazon'],
        approvedImageIdsParameter: '/a/b',
        exceptionTagKey: 'Exc',
        maxExceptionDays: 30,
        exceptionTicketPattern: '^CHG-[0-9]+$',
        ownerTagKeys: ['Owner', 'Cost Center', 'Team'],
      },
    ],
  ])('encodes parameters that the Lambda parses back unchanged: %j', (parameters) => {
    expect(parseRuleParameters(JSON.stringify(encodeRuleParameters(parameters)))).toEqual(parameters);
  });

  test('refuses tag values that the comma-separated encoding cannot carry', () => {
    expect(() => encodeRuleParameters({ tagKey: 'Environment', tagValues: ['Prod,Dev'] })).toThrow(/tagValues/);
  });

  test('refuses a tag value with whitespace at an end, with the same contract check as the Lambda and the policies', () => {
    expect(() => encodeRuleParameters({ tagKey: 'Environment', tagValues: ['Prod '] })).toThrow(
      /`tagValues` "Prod " has whitespace at the start or end.*write "Prod"/,
    );
    expect(() => encodeRuleParameters({ tagKey: 'Environment ', tagValues: ['Prod'] })).toThrow(/`tagKey` "Environment "/);
    expect(() => encodeRuleParameters({ tagKey: 'Environment', tagValues: ['Prod'], ownerTagKeys: ['Owner', ' Team'] })).toThrow(
      /`ownerTagKeys` " Team" has whitespace at the start or end/,
    );
  });

  test('is created after the invoke permission and the running recorder', () => {
    const rule = onlyResource(payments, 'aws_config_config_rule');
    expect(rule.depends_on).toEqual([
      ref(payments, 'aws_lambda_permission'),
      ref(payments, 'aws_config_configuration_recorder_status'),
    ]);
    expect(onlyResource(pipeline, 'aws_config_config_rule').depends_on).toEqual([ref(pipeline, 'aws_lambda_permission')]);
  });

  test('lets only AWS Config of this account invoke the function', () => {
    expect(onlyResource(payments, 'aws_lambda_permission')).toMatchObject({
      action: 'lambda:InvokeFunction',
      principal: 'config.amazonaws.com',
      source_account: '222222222222',
    });
  });

  test('is absent with its Lambda when detection is disabled', () => {
    const config = exampleVariant((j) => {
      j.accounts[0].detection = { enabled: false };
    });
    const stack = sharedSynth(config).stacks['image-pipeline'];
    for (const type of [
      'aws_config_config_rule',
      'aws_lambda_function',
      'aws_lambda_permission',
      'aws_config_configuration_recorder',
    ]) {
      expect(resourcesOf(stack, type)).toEqual([]);
    }
  });
});

describe('rule Lambda', () => {
  const fn = onlyResource(payments, 'aws_lambda_function');

  test('runs the bundled handler on Node.js 22 and logs to its own log group with retention', () => {
    expect(fn).toMatchObject({ runtime: 'nodejs22.x', handler: 'index.handler', function_name: 'ami-guard-ami-compliance' });
    expect(onlyResource(payments, 'aws_cloudwatch_log_group')).toMatchObject({
      name: '/aws/lambda/ami-guard-ami-compliance',
      retention_in_days: 90,
    });
    expect(fn.depends_on).toEqual(expect.arrayContaining([ref(payments, 'aws_cloudwatch_log_group')]));
  });

  test('gets the default memory and timeout, or those of the config', () => {
    expect(fn).toMatchObject({ memory_size: DEFAULT_FUNCTION_MEMORY_MB, timeout: DEFAULT_FUNCTION_TIMEOUT_SECONDS });
    const config = exampleVariant((j) => {
      j.accounts[1].detection = { memoryMb: 2048, timeoutSeconds: 900 };
    });
    expect(onlyResource(sharedSynth(config).stacks['payments-prod'], 'aws_lambda_function')).toMatchObject({
      memory_size: 2048,
      timeout: 900,
    });
  });

  test.each([
    ['memoryMb', 64, /detection\.memoryMb.*at least 128/],
    ['memoryMb', 20000, /detection\.memoryMb.*at most 10240/],
    ['timeoutSeconds', 901, /detection\.timeoutSeconds.*at most 900/],
    ['timeoutSeconds', 10, /detection\.timeoutSeconds.*at least 30/],
  ])('a config with %s %s is refused, naming the field and the limit', (field, value, message) => {
    expect(() =>
      exampleVariant((j) => {
        j.accounts[1].detection = { [field]: value };
      }),
    ).toThrow(message);
  });

  test('the construct refuses a size Lambda does not offer, naming the prop, the value and a fix', () => {
    const stack = new TerraformStack(Testing.app(), 'sizes');
    const props = {
      accountId: '222222222222',
      region: 'eu-west-1',
      ruleParameters: {},
      code: { path: __filename, sha256: 'x', sourceMap: '' },
    };
    expect(() => new AmiComplianceFunction(stack, 'small', { ...props, memoryMb: 64 })).toThrow(
      'AmiComplianceFunction memoryMb: expected whole MB from 128 to 10240, got 64. Fix: e.g. 1024.',
    );
    expect(() => new AmiComplianceFunction(stack, 'long', { ...props, timeoutSeconds: 3600 })).toThrow(
      /timeoutSeconds: expected whole seconds from 30 to 900, got 3600/,
    );
  });

  test('carries a source_code_hash that is the SHA-256 of the packaged zip', () => {
    const zip = fs.readFileSync(path.join(outdir, 'stacks', 'payments-prod', String(fn.filename)));
    expect(fn.source_code_hash).toBe(createHash('sha256').update(zip).digest('base64'));
  });

  describe('role (least privilege)', () => {
    const rolePolicy = resourcesOf(payments, 'aws_iam_role_policy').find((p) => p.name === 'ami-compliance');
    const policy = JSON.parse(String(rolePolicy!.policy));
    const can = (action: string, resource: string) => simulate({ policies: [policy], action, resource });

    test.each([
      ['ec2:DescribeInstances', '*'],
      ['ec2:DescribeImages', '*'],
      ['config:PutEvaluations', '*'],
      ['config:GetResourceConfigHistory', '*'],
      ['ssm:GetParameter', 'arn:aws:ssm:eu-west-1:222222222222:parameter/ami-guard/approved-image-ids'],
      ['logs:PutLogEvents', 'arn:aws:logs:eu-west-1:222222222222:log-group:/aws/lambda/ami-guard-ami-compliance:log-stream:x'],
    ])('allows %s on %s', async (action, resource) => {
      await expect(can(action, resource)).resolves.toBe('Allowed');
    });

    test.each([
      ['ec2:StopInstances', 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0'],
      ['ec2:CreateTags', 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0'],
      ['ssm:GetParameter', 'arn:aws:ssm:eu-west-1:222222222222:parameter/prod/db-password'],
      ['logs:PutLogEvents', 'arn:aws:logs:eu-west-1:222222222222:log-group:/aws/lambda/other:log-stream:x'],
    ])('does not allow %s on %s', async (action, resource) => {
      await expect(can(action, resource)).resolves.toBe('ImplicitlyDenied');
    });
  });
});

describe('synthesis', () => {
  test('is deterministic: two synths write byte-identical stacks and zip', () => {
    const second = synthConfig(exampleConfig());
    for (const name of Object.keys(stacks)) {
      const a = fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'));
      const b = fs.readFileSync(path.join(second.outdir, 'stacks', name, 'cdk.tf.json'));
      expect(b.equals(a)).toBe(true);
    }
    const zipOf = (synth: { outdir: string; stacks: Record<string, TerraformJson> }) =>
      fs.readFileSync(
        path.join(
          synth.outdir,
          'stacks',
          'payments-prod',
          String(onlyResource(synth.stacks['payments-prod'], 'aws_lambda_function').filename),
        ),
      );
    expect(zipOf(second).equals(zipOf({ outdir, stacks }))).toBe(true);
  });

  test('bundles and zips the Lambda to the same bytes every time it is built', () => {
    // the synth's package (the repository's cache) against this run's own build of the same sources
    const first = amiComplianceZip();
    const second = runBuild();
    expect(second.path).not.toBe(first.path);
    expect(fs.readFileSync(second.path).equals(fs.readFileSync(first.path))).toBe(true);
    expect(second.sha256).toBe(first.sha256);
  });
});
