/**
 * What the roles may do, proven with iam-simulate on the policies of synthesized stacks: terminate
 * exists only where an account spelled out `terminate`, acts only on this account's instances that
 * carry the deadline tag, the automation role writes no tag but the deadline, and only the rule Lambda
 * reads CloudTrail.
 */
import * as path from 'node:path';
import { loadConfig } from '../../config/load';
import { simulate } from '../../test-support/iam';
import { exampleConfig, exampleVariant, resourcesOf, sharedSynth } from '../../test-support/synth';
import type { TerraformJson } from '../../test-support/terraform-json';

const ACCOUNT = '222222222222';
const INSTANCE = `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-0123456789abcdef0`;
const MARKED = { 'aws:ResourceTag/AmiGuardDeadline': '2026-06-16T12:00Z' };

const example = sharedSynth(exampleConfig()).stacks;
const variantOf = (mode: string, extra: Record<string, unknown> = {}) =>
  sharedSynth(
    exampleVariant((j) => {
      j.accounts[1].remediation = { ...j.accounts[1].remediation, mode, ...extra };
    }),
  ).stacks['payments-prod'];
const byMode: Record<string, TerraformJson> = {
  notify: variantOf('notify'),
  stop: example['payments-prod'],
  terminate: variantOf('terminate'),
};

/** The parsed inline policy named `name` (the automation role: `remediation`; the rule Lambda: `ami-compliance`). */
function rolePolicy(stack: TerraformJson, name: string): unknown {
  const found = resourcesOf(stack, 'aws_iam_role_policy').find((p) => p.name === name);
  if (!found) throw new Error(`no role policy ${name}`);
  return JSON.parse(String(found.policy));
}

/** Every policy document of a stack: inline, managed, and resource policies. */
function allPolicies(stack: TerraformJson): string[] {
  return [
    ...resourcesOf(stack, 'aws_iam_role_policy'),
    ...resourcesOf(stack, 'aws_iam_policy'),
    ...resourcesOf(stack, 'aws_sns_topic_policy'),
    ...resourcesOf(stack, 'aws_s3_bucket_policy'),
  ].map((p) => String(p.policy));
}

describe('terminate appears only where an account spelled it out', () => {
  const configs = {
    example: path.join(__dirname, '..', '..', 'config', 'accounts.example.json'),
    e2e: path.join(__dirname, '..', '..', 'config', 'accounts.e2e.json'),
  };

  test.each(Object.entries(configs))('in every stack of the %s config', (_, file) => {
    const config = loadConfig(file);
    const { stacks } = sharedSynth(config);
    const modes = new Map(config.accounts.map((a) => [a.stackName, a.remediation.mode]));
    expect(Object.keys(stacks).length).toBeGreaterThan(config.accounts.length);
    for (const [name, stack] of Object.entries(stacks)) {
      const text = JSON.stringify(stack);
      const terminate = modes.get(name) === 'terminate';
      expect([name, text.includes('ec2:TerminateInstances')]).toEqual([name, terminate]);
      expect([name, text.includes('\\"DesiredState\\": \\"terminated\\"')]).toEqual([name, terminate]);
    }
  });

  test('and the synthesized terminate variant has both', () => {
    const text = JSON.stringify(byMode.terminate);
    expect(text).toContain('ec2:TerminateInstances');
    expect(text).toContain('\\"DesiredState\\": \\"terminated\\"');
  });
});

describe('the automation role', () => {
  const can = (mode: string, action: string, resource: string, context?: Record<string, string | string[]>) =>
    simulate({ policies: [rolePolicy(byMode[mode], 'remediation')], action, resource, context });

  test('may terminate only in terminate mode, only instances of this account carrying the deadline tag', async () => {
    await expect(can('terminate', 'ec2:TerminateInstances', INSTANCE, MARKED)).resolves.toBe('Allowed');
    await expect(can('terminate', 'ec2:TerminateInstances', INSTANCE)).resolves.not.toBe('Allowed');
    const elsewhere = INSTANCE.replace(ACCOUNT, '999999999999');
    await expect(
      simulate({
        policies: [rolePolicy(byMode.terminate, 'remediation')],
        action: 'ec2:TerminateInstances',
        resource: elsewhere,
        resourceAccount: '999999999999',
        context: MARKED,
      }),
    ).resolves.not.toBe('Allowed');
    for (const mode of ['notify', 'stop']) {
      await expect(can(mode, 'ec2:TerminateInstances', INSTANCE, MARKED)).resolves.not.toBe('Allowed');
    }
  });

  test('may stop only in stop mode, only marked instances', async () => {
    await expect(can('stop', 'ec2:StopInstances', INSTANCE, MARKED)).resolves.toBe('Allowed');
    await expect(can('stop', 'ec2:StopInstances', INSTANCE)).resolves.not.toBe('Allowed');
    for (const mode of ['notify', 'terminate']) {
      await expect(can(mode, 'ec2:StopInstances', INSTANCE, MARKED)).resolves.not.toBe('Allowed');
    }
  });

  describe.each(['stop', 'terminate'])('(%s) writes and removes only the deadline tag, only on instances', (mode) => {
    test.each(['ec2:CreateTags', 'ec2:DeleteTags'])('%s', async (action) => {
      await expect(can(mode, action, INSTANCE, { 'aws:TagKeys': ['AmiGuardDeadline'] })).resolves.toBe('Allowed');
      for (const keys of [['Owner'], ['AmiGuardDeadline', 'Owner'], ['AmiGuardException'], ['Environment']]) {
        await expect(can(mode, action, INSTANCE, { 'aws:TagKeys': keys })).resolves.not.toBe('Allowed');
      }
      // DeleteTags without a tag list deletes every tag and carries no aws:TagKeys.
      await expect(can(mode, action, INSTANCE)).resolves.not.toBe('Allowed');
      for (const other of [
        `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-0123456789abcdef0`,
        'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0',
        `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
      ]) {
        await expect(can(mode, action, other, { 'aws:TagKeys': ['AmiGuardDeadline'] })).resolves.not.toBe('Allowed');
      }
    });
  });

  test('notify mode may not tag at all', async () => {
    await expect(can('notify', 'ec2:CreateTags', INSTANCE, { 'aws:TagKeys': ['AmiGuardDeadline'] })).resolves.not.toBe('Allowed');
  });

  test('terminate mode may take the evidence image, tagged at creation, and nothing without the tag', async () => {
    const image = 'arn:aws:ec2:eu-west-1::image/ami-0eeeeeeeeeeeeeee1';
    const tagged = { 'aws:RequestTag/AmiGuardEvidenceOf': 'i-0123456789abcdef0' };
    await expect(can('terminate', 'ec2:CreateImage', INSTANCE, tagged)).resolves.toBe('Allowed');
    await expect(can('terminate', 'ec2:CreateImage', image, tagged)).resolves.toBe('Allowed');
    await expect(can('terminate', 'ec2:CreateImage', image)).resolves.not.toBe('Allowed');
    await expect(can('terminate', 'ec2:CreateTags', image, { 'ec2:CreateAction': 'CreateImage' })).resolves.toBe('Allowed');
    await expect(can('terminate', 'ec2:CreateTags', image)).resolves.not.toBe('Allowed');
    await expect(can('stop', 'ec2:CreateImage', INSTANCE, tagged)).resolves.not.toBe('Allowed');
  });

  test('may not read CloudTrail', async () => {
    for (const mode of Object.keys(byMode)) {
      await expect(can(mode, 'cloudtrail:LookupEvents', '*')).resolves.not.toBe('Allowed');
    }
  });
});

describe('the rule Lambda', () => {
  const lambda = (stack: TerraformJson) => rolePolicy(stack, 'ami-compliance');
  const can = (stack: TerraformJson, action: string, resource: string, context?: Record<string, string | string[]>) =>
    simulate({ policies: [lambda(stack)], action, resource, context });
  const document = (name: string) => `arn:aws:ssm:eu-west-1:${ACCOUNT}:document/${name}`;

  test('alone reads CloudTrail: no other policy of any stack names it', async () => {
    await expect(can(byMode.stop, 'cloudtrail:LookupEvents', '*')).resolves.toBe('Allowed');
    let lambdas = 0;
    for (const stack of [...Object.values(example), ...Object.values(byMode)]) {
      for (const policy of allPolicies(stack)) {
        const own = resourcesOf(stack, 'aws_iam_role_policy').some((p) => p.name === 'ami-compliance' && p.policy === policy);
        lambdas += own ? 1 : 0;
        if (!own) expect(policy).not.toContain('cloudtrail:');
      }
    }
    expect(lambdas).toBeGreaterThanOrEqual(5);
  });

  test('where remediation is off, does not read CloudTrail either', async () => {
    await expect(can(example['image-pipeline'], 'cloudtrail:LookupEvents', '*')).resolves.not.toBe('Allowed');
  });

  test('may start this one runbook again, passing only the automation role to SSM', async () => {
    const stack = byMode.terminate;
    const start = (resource: string) => can(stack, 'ssm:StartAutomationExecution', resource);
    await expect(start(document('AmiGuard-Remediate'))).resolves.toBe('Allowed');
    await expect(start(document('AWS-TerminateEC2Instance'))).resolves.not.toBe('Allowed');
    await expect(start(document('AmiGuard-Remediate-Other'))).resolves.not.toBe('Allowed');
    const role = `arn:aws:iam::${ACCOUNT}:role/ami-guard/ami-guard-remediation-eu-west-1`;
    await expect(can(stack, 'iam:PassRole', role, { 'iam:PassedToService': 'ssm.amazonaws.com' })).resolves.toBe('Allowed');
    await expect(can(stack, 'iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' })).resolves.not.toBe('Allowed');
    await expect(
      can(stack, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`, { 'iam:PassedToService': 'ssm.amazonaws.com' }),
    ).resolves.not.toBe('Allowed');
  });

  test('may list the notice records path, and no other path', async () => {
    const path = (name: string) => `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter${name}`;
    for (const mode of ['stop', 'terminate'] as const) {
      await expect(can(byMode[mode], 'ssm:GetParametersByPath', path('/ami-guard/notices'))).resolves.toBe('Allowed');
      await expect(can(byMode[mode], 'ssm:GetParametersByPath', path('/ami-guard'))).resolves.not.toBe('Allowed');
      await expect(can(byMode[mode], 'ssm:GetParametersByPath', path('/prod/db'))).resolves.not.toBe('Allowed');
    }
    await expect(can(byMode.notify, 'ssm:GetParametersByPath', path('/ami-guard/notices'))).resolves.not.toBe('Allowed');
  });

  test('starts nothing where remediation is manual or only notifies', async () => {
    const manual = variantOf('stop', { automatic: false });
    for (const stack of [manual, byMode.notify]) {
      await expect(can(stack, 'ssm:StartAutomationExecution', document('AmiGuard-Remediate'))).resolves.not.toBe('Allowed');
      expect(JSON.stringify(stack)).not.toContain('AMI_GUARD_REMEDIATION');
    }
  });

  test('in terminate mode, may delete only evidence images and snapshots', async () => {
    const image = 'arn:aws:ec2:eu-west-1::image/ami-0eeeeeeeeeeeeeee1';
    const snapshot = 'arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0';
    const evidence = {
      'aws:ResourceTag/AmiGuardEvidenceUntil': '2026-06-29',
      'aws:ResourceTag/AmiGuardEvidenceOf': 'i-0123456789abcdef0',
    };
    await expect(can(byMode.terminate, 'ec2:DeregisterImage', image, evidence)).resolves.toBe('Allowed');
    await expect(can(byMode.terminate, 'ec2:DeleteSnapshot', snapshot, evidence)).resolves.toBe('Allowed');
    // A golden image someone tagged with a keep-until date alone is not evidence.
    const untilOnly = { 'aws:ResourceTag/AmiGuardEvidenceUntil': '2000-01-01' };
    await expect(can(byMode.terminate, 'ec2:DeregisterImage', image, untilOnly)).resolves.not.toBe('Allowed');
    await expect(can(byMode.terminate, 'ec2:DeleteSnapshot', snapshot, untilOnly)).resolves.not.toBe('Allowed');
    await expect(can(byMode.terminate, 'ec2:DeregisterImage', image)).resolves.not.toBe('Allowed');
    await expect(can(byMode.terminate, 'ec2:DeleteSnapshot', snapshot)).resolves.not.toBe('Allowed');
    await expect(can(byMode.stop, 'ec2:DeregisterImage', image, evidence)).resolves.not.toBe('Allowed');
  });
});
