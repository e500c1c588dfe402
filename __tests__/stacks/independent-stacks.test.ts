import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { loadConfig } from '../../config/load';
import { buildApp } from '../../modules/stacks/app';
import { CrossStackReferenceError, IndependentStack, undeclaredReferences } from '../../modules/stacks/independent-stack';
import { skipTokenCreationStacks } from '../../modules/stacks/token-creation-stacks';
import { filesUnder } from '../../test-support/files';
import { exampleConfig, tempDir } from '../../test-support/synth';

function twoStacks(): { app: App; a: IndependentStack; b: IndependentStack; bucket: S3Bucket } {
  const app = new App({ outdir: tempDir() });
  const a = new IndependentStack(app, 'payments-prod');
  const b = new IndependentStack(app, 'analytics-prod');
  for (const stack of [a, b]) new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const bucket = new S3Bucket(a, 'logs', { bucket: 'payments-logs' });
  return { app, a, b, bucket };
}

describe('IndependentStack: stacks that share nothing', () => {
  test('GIVEN one stack using another stack’s attribute WHEN synthesized THEN it fails naming the stack, the address and where it stands', () => {
    const { app, b, bucket } = twoStacks();
    new IamPolicy(b, 'read-logs', {
      name: 'read-logs',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: bucket.arn }],
      }),
    });
    expect(() => app.synth()).toThrow(CrossStackReferenceError);
    expect(() => app.synth()).toThrow(
      /Stack analytics-prod refers to an address it does not declare: aws_s3_bucket\.logs \(at resource\.aws_iam_policy\.read-logs\.policy\)\..*Fix: pass the value in through the config/,
    );
  });

  test('GIVEN a dependency on another stack’s resource WHEN synthesized THEN it fails on the depends_on entry', () => {
    const { app, b, bucket } = twoStacks();
    new S3BucketPolicy(b, 'policy', { bucket: 'analytics-logs', policy: '{}', dependsOn: [bucket] });
    expect(() => app.synth()).toThrow(/aws_s3_bucket\.logs \(at resource\.aws_s3_bucket_policy\.policy\.depends_on\[0\]\)/);
  });

  test('GIVEN references within the stack WHEN synthesized THEN it writes the stack, and nothing was wired through remote state', () => {
    const { app, a, bucket } = twoStacks();
    const me = new DataAwsCallerIdentity(a, 'me');
    new S3BucketPolicy(a, 'policy', { bucket: bucket.id, policy: `{"Principal":"${me.accountId}"}`, dependsOn: [bucket] });
    app.synth();
    const tf = JSON.parse(fs.readFileSync(path.join(app.outdir, 'stacks', 'payments-prod', 'cdk.tf.json'), 'utf8'));
    expect(tf.resource.aws_s3_bucket_policy.policy).toMatchObject({
      bucket: '${aws_s3_bucket.logs.id}',
      policy: '{"Principal":"${data.aws_caller_identity.me.account_id}"}',
      depends_on: ['aws_s3_bucket.logs'],
    });
    expect(tf.data.terraform_remote_state).toBeUndefined();
    expect(tf.output).toBeUndefined();
  });

  test('GIVEN HCL output, which is written without the JSON check WHEN synthesized THEN cdktf’s own preparing pass runs', () => {
    const app = new App({ outdir: tempDir(), hclOutput: true });
    const stack = new IndependentStack(app, 'payments-prod');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const cdktfPrepare = jest.spyOn(TerraformStack.prototype, 'prepareStack');
    try {
      app.synth();
      expect(cdktfPrepare).toHaveBeenCalledTimes(1);
    } finally {
      cdktfPrepare.mockRestore();
    }
  });

  describe('undeclaredReferences', () => {
    const declared = { resource: { aws_s3_bucket: { logs: {} } }, data: { aws_region: { here: {} } } };
    test.each([
      ['an escaped interpolation', '$${aws_iam_role.elsewhere.arn}', []],
      ['a string literal inside an expression', '${lookup(var.m, "aws_iam_role.elsewhere")}', []],
      ['variables, locals and iterators', '${var.tag_key}-${local.names.x_y}-${each.value.role_arn}', []],
      ['a declared resource with an attribute chain', '${aws_s3_bucket.logs.tags_all.Owner_Team}', []],
      ['a declared data source', '${data.aws_region.here.name}', []],
      ['an undeclared data source', '${data.aws_region.there.name}', ['data.aws_region.there']],
      [
        'an undeclared resource in a function call',
        '${jsonencode([aws_s3_bucket.logs.arn, aws_sns_topic.t.arn])}',
        ['aws_sns_topic.t'],
      ],
      ['an interpolation after an escaped one', '$${x} ${aws_sns_topic.t.arn}', ['aws_sns_topic.t']],
      [
        'a reference after nested braces',
        '${merge({}, { arn = aws_sns_topic.t.arn })} ${aws_s3_bucket.logs.id}',
        ['aws_sns_topic.t'],
      ],
      [
        'two interpolations in one string',
        'arn:${aws_sns_topic.a.arn}/${aws_sns_topic.b.arn}',
        ['aws_sns_topic.a', 'aws_sns_topic.b'],
      ],
    ])('%s', (_what, value, expected) => {
      const found = undeclaredReferences({ ...declared, output: { o: { value } } });
      expect(found.map((f) => f.address)).toEqual(expected);
      for (const f of found) expect(f.at).toBe('output.o.value');
    });
  });
});

describe('the synthesized app is the same without the preparing pass and without token creation stacks', () => {
  const configs = { example: exampleConfig(), e2e: loadConfig(path.join(__dirname, '..', '..', 'config', 'accounts.e2e.json')) };

  test.each(Object.keys(configs) as (keyof typeof configs)[])('%s config: every file byte for byte', (name) => {
    const config = configs[name];
    // cdktf's own behaviour: the preparing resolve of every element, and a creation stack on every token.
    const prepare = jest.spyOn(IndependentStack.prototype, 'prepareStack').mockImplementation(function (this: TerraformStack) {
      TerraformStack.prototype.prepareStack.call(this);
    });
    const cdktfWay = tempDir();
    try {
      buildApp(config, { outdir: cdktfWay }).synth();
      expect(prepare).toHaveBeenCalledTimes(fs.readdirSync(path.join(cdktfWay, 'stacks')).length);
    } finally {
      prepare.mockRestore();
    }
    const restore = skipTokenCreationStacks({});
    const cdktfPrepare = jest.spyOn(TerraformStack.prototype, 'prepareStack');
    const ours = tempDir();
    try {
      buildApp(config, { outdir: ours }).synth();
      expect(cdktfPrepare).not.toHaveBeenCalled();
    } finally {
      cdktfPrepare.mockRestore();
      restore();
    }
    const [theirs, mine] = [filesUnder(cdktfWay), filesUnder(ours)];
    expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [file, bytes] of theirs) expect({ file, same: bytes.equals(mine.get(file)!) }).toEqual({ file, same: true });
  });
});
