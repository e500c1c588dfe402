/**
 * The runbook's paths, run whole: the TypeScript check mode answers for a fake instance, the runbook
 * runs as SSM Automation would (scripts in python3, API actions answered by the stub), and the tests
 * read the calls it made, in order. Nothing is stopped or terminated before a fresh REMEDIATE after the
 * deadline, and nothing at all when an Auto Scaling group, a protection or an exception forbids it.
 */
import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { runCheck } from '../../lambda/ami-compliance/check';
import { CHECK_EVENT_KEY, RULE_PARAMETERS_ENV } from '../../lambda/ami-compliance/contract';
import {
  CHECK_STEP,
  remediationDocument,
  type ActingMode,
  type AutomationDocument,
} from '../../modules/correct/remediation-document';
import { pythonUnavailableReason, runAutomation, type Boto3Stub, type StubCall } from '../../test-support/runbook';
import { CHECK_RULE_PARAMETERS } from '../../test-support/rule-parameters';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { awsError, clientsWith, ec2Image, ec2Instance, mockedClients } from '../lambda/fixtures/aws-fakes';

const ID = 'i-0123456789abcdef0';
const AMI = 'ami-0aaaaaaaaaaaaaaa1';
const NOW = new Date('2026-06-15T12:00:00Z');
const TOPIC = 'arn:aws:sns:eu-west-1:222222222222:ami-guard-remediation';
const ESCALATION = 'arn:aws:sns:eu-west-1:222222222222:ami-guard-escalation';
const ROLE = 'arn:aws:iam::222222222222:role/ami-guard/ami-guard-remediation-eu-west-1';
const PASSED = '2026-06-15T11:00Z';
const AHEAD = '2026-06-16T08:00Z';

const skip = pythonUnavailableReason();
if (skip) console.warn(`!!!!! RUNBOOK PATH TESTS SKIPPED: ${skip} -- the runbook's Python was not executed !!!!!`);
const withPython = skip ? describe.skip : describe;

interface Instance {
  /** The AMI's Environment tag: `Prod` is approved, anything else is not. */
  readonly environment?: string;
  readonly tags?: Record<string, string>;
  /** The instance's Auto Scaling group. */
  readonly group?: string;
  /**
   * The deadline of its notice record (which only AMI Guard writes). @default the deadline tag's value:
   * AMI Guard wrote both. `null`: no record (the tag, if any, was written by someone else).
   */
  readonly record?: string | null;
  /** The AMI's creation date. @default none */
  readonly created?: string;
  /** Rule parameters beyond the tag rule and owner keys (freshness). */
  readonly rules?: Record<string, string>;
}

/** What the TypeScript check mode answers for the instance, as the runbook would ask it. */
async function checkAnswer(instance: Instance, mode: ActingMode, graceHours: number | undefined) {
  const m = mockedClients();
  m.ec2Mock.on(DescribeInstancesCommand, { InstanceIds: [ID] }).resolves({
    Reservations: [
      { Instances: [{ ...ec2Instance(ID, AMI, instance.tags ?? {}), LaunchTime: new Date('2026-06-10T08:15:40Z') }] },
    ],
  });
  m.ec2Mock.on(DescribeImagesCommand).resolves({
    Images: [
      {
        ...ec2Image(AMI, '111111111111', { Environment: instance.environment ?? 'prod' }),
        ...(instance.created ? { CreationDate: instance.created } : {}),
      },
    ],
  });
  m.cloudTrailMock.on(LookupEventsCommand).resolves({ Events: [] });
  m.autoScalingMock.on(DescribeAutoScalingInstancesCommand).resolves({
    AutoScalingInstances: instance.group ? [{ InstanceId: ID, AutoScalingGroupName: instance.group } as never] : [],
  });
  m.autoScalingMock.on(DescribeAutoScalingGroupsCommand).resolves({
    AutoScalingGroups: [
      {
        AutoScalingGroupName: instance.group,
        LaunchTemplate: { LaunchTemplateName: 'web', LaunchTemplateId: 'lt-0abc', Version: '3' },
      } as never,
    ],
  });
  const record = instance.record === undefined ? instance.tags?.AmiGuardDeadline : instance.record;
  if (record) m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ deadline: record }) } });
  else m.ssmMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
  const env = {
    [RULE_PARAMETERS_ENV]: JSON.stringify({ ...CHECK_RULE_PARAMETERS, ...instance.rules }),
  };
  const event = { [CHECK_EVENT_KEY]: { instanceId: ID, mode, ...(graceHours === undefined ? {} : { graceHours }) } };
  return runCheck(event, clientsWith(m), env, NOW);
}

/** The stub's answers: every call the runbook may make succeeds, unless `extra` says otherwise. */
function stubFor(answer: unknown, instance: Instance, extra: Boto3Stub = {}): Boto3Stub {
  return {
    'lambda.invoke': { StatusCode: 200, Payload: JSON.stringify(answer) },
    'sns.publish': { MessageId: 'm-1' },
    'ec2.create_tags': {},
    'ec2.delete_tags': {},
    'ssm.put_parameter': { Version: 1 },
    'ssm.delete_parameter': {},
    'ec2.stop_instances': {},
    'ec2.terminate_instances': {},
    'autoscaling.describe_auto_scaling_instances': {
      AutoScalingInstances: instance.group ? [{ InstanceId: ID, AutoScalingGroupName: instance.group }] : [],
    },
    'ec2.describe_instance_attribute': { DisableApiStop: { Value: false }, DisableApiTermination: { Value: false } },
    'ec2.create_image': { ImageId: 'ami-0eeeeeeeeeeeeeee1' },
    'ec2.describe_images': [{ Images: [{ State: 'pending' }] }, { Images: [{ State: 'available' }] }],
    ...extra,
  };
}

interface Scenario {
  readonly mode: ActingMode;
  readonly instance: Instance;
  readonly graceHours?: number;
  readonly keepEvidenceDays?: number;
  readonly extra?: Boto3Stub;
}

/** Runs the runbook of `mode` on the instance; the document and what it did. */
async function run(s: Scenario) {
  const doc: AutomationDocument = remediationDocument({
    checkFunctionName: 'ami-guard-ami-compliance',
    mode: s.mode,
    graceHours: s.graceHours,
    keepEvidenceDays: s.keepEvidenceDays,
  });
  const grace = s.mode === 'notify' ? undefined : (s.graceHours ?? 24);
  const answer = await checkAnswer(s.instance, s.mode, grace);
  const result = runAutomation(doc, {
    parameters: {
      InstanceId: ID,
      Mode: s.mode,
      TopicArn: TOPIC,
      EscalationTopicArn: ESCALATION,
      EscalateAfterHours: '72',
      AutomationAssumeRole: ROLE,
    },
    stub: stubFor(answer, s.instance, s.extra),
    now: NOW,
  });
  return { doc, answer, result };
}

/** The calls as `service.method`, the way a reader follows them. */
const names = (calls: readonly StubCall[]) => calls.map((c) => `${c.service}.${c.method}`);
/** The `action` attribute of every message published. */
const published = (calls: readonly StubCall[]) =>
  calls
    .filter((c) => c.method === 'publish')
    .map((c) => (c.kwargs.MessageAttributes as Record<string, { StringValue: string }>).action.StringValue);
const changes = (calls: readonly StubCall[]) =>
  calls.filter((c) => ['stop_instances', 'terminate_instances', 'create_image'].includes(c.method));

withPython('the runbook, run whole against fakes', () => {
  describe.each<ActingMode>(['stop', 'terminate'])('%s mode', (mode) => {
    const act = mode === 'stop' ? 'ec2.stop_instances' : 'ec2.terminate_instances';

    test('GIVEN a first REMEDIATE THEN it publishes the notice with the deadline, then records and tags it, and changes nothing else', async () => {
      const { result } = await run({ mode, instance: { tags: { Owner: 'alice@example.org', Team: 'payments' } } });
      expect(result.status).toBe('Success');
      expect(names(result.calls)).toEqual(['lambda.invoke', 'sns.publish', 'ssm.put_parameter', 'ec2.create_tags']);
      expect(published(result.calls)).toEqual(['notice']);
      const [, notice, record, tag] = result.calls;
      expect(record.kwargs).toMatchObject({
        Name: `/ami-guard/notices/${ID}`,
        Type: 'String',
        Overwrite: true,
      });
      expect(JSON.parse(String(record.kwargs.Value))).toMatchObject({ deadline: '2026-06-16T12:00Z' });
      expect(notice.kwargs.Subject).toBe(
        `AMI Guard: ${ID} will be ${mode === 'stop' ? 'stopped' : 'terminated'} after 2026-06-16T12:00Z UTC`,
      );
      expect(notice.kwargs.Message).toContain('Deadline: 2026-06-16T12:00Z UTC.');
      expect(notice.kwargs.MessageAttributes).toEqual({
        owner: { DataType: 'String', StringValue: 'alice@example.org' },
        team: { DataType: 'String', StringValue: 'payments' },
        accountId: { DataType: 'String', StringValue: '222222222222' },
        region: { DataType: 'String', StringValue: 'eu-west-1' },
        action: { DataType: 'String', StringValue: 'notice' },
      });
      expect(tag.kwargs).toEqual({ Resources: [ID], Tags: [{ Key: 'AmiGuardDeadline', Value: '2026-06-16T12:00Z' }] });
    });

    test('GIVEN a REMEDIATE before the deadline THEN nothing is published; the tag is shown again from the record', async () => {
      const { result } = await run({ mode, instance: { tags: { AmiGuardDeadline: AHEAD } } });
      expect(result.status).toBe('Success');
      expect(names(result.calls)).toEqual(['lambda.invoke', 'ec2.create_tags']);
      expect(result.steps).toEqual([CHECK_STEP, 'Decide', 'RestoreDeadline']);
    });

    test('GIVEN the owner deleted the tag after the notice THEN the record restores it, and no new grace starts', async () => {
      const { result } = await run({ mode, instance: { tags: {}, record: AHEAD } });
      expect(published(result.calls)).toEqual([]);
      expect(result.calls.at(-1)!.kwargs).toEqual({ Resources: [ID], Tags: [{ Key: 'AmiGuardDeadline', Value: AHEAD }] });
    });

    test('GIVEN the owner deleted the tag and the recorded deadline passed THEN it acts at the original deadline', async () => {
      const { result } = await run({ mode, instance: { tags: {}, record: PASSED }, keepEvidenceDays: 0 });
      expect(names(result.calls)).toContain(act);
      const tag = result.calls.find((c) => c.method === 'create_tags')!;
      expect(tag.kwargs).toEqual({ Resources: [ID], Tags: [{ Key: 'AmiGuardDeadline', Value: PASSED }] });
    });

    test('GIVEN a backdated deadline tag written by someone else (no record) THEN a notice comes first, with a full grace', async () => {
      const { result, answer } = await run({ mode, instance: { tags: { AmiGuardDeadline: '2000-01-01T00:00Z' }, record: null } });
      expect(answer.reason).toContain('not set by an AMI Guard notice');
      expect(changes(result.calls)).toEqual([]);
      expect(names(result.calls)).toEqual(['lambda.invoke', 'sns.publish', 'ssm.put_parameter', 'ec2.create_tags']);
      expect(published(result.calls)).toEqual(['notice']);
      expect(result.calls.at(-1)!.kwargs).toEqual({
        Resources: [ID],
        Tags: [{ Key: 'AmiGuardDeadline', Value: '2026-06-16T12:00Z' }],
      });
    });

    test('GIVEN a recorded deadline more than escalateAfterHours ago THEN it escalates (escalation topic) and acts', async () => {
      const { result } = await run({ mode, instance: { tags: { AmiGuardDeadline: '2026-06-12T11:00Z' } }, keepEvidenceDays: 0 });
      expect(published(result.calls)).toEqual([
        'escalate',
        mode === 'stop' ? 'stopping' : 'terminating',
        mode === 'stop' ? 'stopped' : 'terminated',
      ]);
      expect(result.calls.find((c) => c.method === 'publish')!.kwargs.TopicArn).toBe(ESCALATION);
      const { result: recent } = await run({
        mode,
        instance: { tags: { AmiGuardDeadline: '2026-06-12T13:00Z' } },
        keepEvidenceDays: 0,
      });
      expect(published(recent.calls)).not.toContain('escalate');
    });

    test(`GIVEN a REMEDIATE after the deadline THEN it checks safety, re-tags, announces, ${mode === 'stop' ? 'stops' : 'takes the evidence image, then terminates'}`, async () => {
      const { result } = await run({ mode, instance: { tags: { AmiGuardDeadline: PASSED } } });
      expect(result.status).toBe('Success');
      const before = [
        'lambda.invoke',
        'autoscaling.describe_auto_scaling_instances',
        'ec2.describe_instance_attribute',
        'ec2.create_tags',
        'sns.publish',
      ];
      expect(names(result.calls)).toEqual(
        mode === 'stop'
          ? [...before, 'ec2.stop_instances', 'sns.publish']
          : [
              ...before,
              'ec2.create_image',
              'ec2.describe_images',
              'ec2.describe_images',
              'lambda.invoke',
              'ec2.terminate_instances',
              'sns.publish',
            ],
      );
      expect(published(result.calls)).toEqual(mode === 'stop' ? ['stopping', 'stopped'] : ['terminating', 'terminated']);
      expect(result.calls.find((c) => c.method === 'describe_instance_attribute')?.kwargs).toEqual({
        InstanceId: ID,
        Attribute: mode === 'stop' ? 'disableApiStop' : 'disableApiTermination',
      });
      expect(result.calls.find((c) => c.method === act.split('.')[1])?.kwargs).toEqual({ InstanceIds: [ID] });
      if (mode === 'terminate') {
        const image = result.calls.find((c) => c.method === 'create_image')!.kwargs;
        const tags = [
          { Key: 'AmiGuardEvidenceOf', Value: ID },
          { Key: 'AmiGuardEvidenceUntil', Value: '2026-06-29' },
          { Key: 'AmiGuardFinding', Value: expect.stringContaining(`AMI ${AMI}`) },
        ];
        expect(image).toMatchObject({
          InstanceId: ID,
          NoReboot: true,
          TagSpecifications: [
            { ResourceType: 'image', Tags: tags },
            { ResourceType: 'snapshot', Tags: tags },
          ],
        });
        expect(result.calls.at(-1)!.kwargs.Message).toContain('Evidence image: ami-0eeeeeeeeeeeeeee1, kept until 2026-06-29.');
      }
    });

    test('GIVEN grace 0 THEN the first REMEDIATE acts at once, after tagging the deadline', async () => {
      const { result } = await run({ mode, instance: {}, graceHours: 0, keepEvidenceDays: 0 });
      expect(names(result.calls)).toEqual([
        'lambda.invoke',
        'autoscaling.describe_auto_scaling_instances',
        'ec2.describe_instance_attribute',
        'ec2.create_tags',
        'sns.publish',
        ...(mode === 'terminate' ? ['lambda.invoke'] : []),
        act,
        'sns.publish',
      ]);
      expect(result.calls[3].kwargs).toEqual({
        Resources: [ID],
        Tags: [{ Key: 'AmiGuardDeadline', Value: '2026-06-15T12:00Z' }],
      });
    });

    test.each<[string, Instance]>([
      ['a compliant instance', { environment: 'Prod', tags: { AmiGuardDeadline: PASSED } }],
      ['a valid exception', { tags: { AmiGuardDeadline: PASSED, AmiGuardException: 'CHG-1234 until 2026-07-15' } }],
    ])(
      'GIVEN %s with a deadline THEN the record and the deadline are removed and the owner told, nothing else',
      async (_, instance) => {
        const { result } = await run({ mode, instance });
        expect(names(result.calls)).toEqual(['lambda.invoke', 'ssm.delete_parameter', 'ec2.delete_tags', 'sns.publish']);
        expect(result.calls[1].kwargs).toEqual({ Name: `/ami-guard/notices/${ID}` });
        expect(result.calls[2].kwargs).toEqual({ Resources: [ID], Tags: [{ Key: 'AmiGuardDeadline' }] });
        expect(published(result.calls)).toEqual(['cleared']);
      },
    );

    test('GIVEN an instance in an Auto Scaling group after the deadline THEN no action: the group and template are published', async () => {
      const { result, answer } = await run({
        mode,
        instance: { group: 'web-asg', tags: { AmiGuardDeadline: PASSED, Team: 'web' } },
      });
      expect(answer.autoScaling).toBe('group web-asg, launch template web (lt-0abc) version 3');
      expect(changes(result.calls)).toEqual([]);
      expect(names(result.calls)).not.toContain('ec2.create_tags');
      expect(published(result.calls)).toEqual(['blocked', 'escalate']);
      const [blocked, escalation] = result.calls.filter((c) => c.method === 'publish');
      expect([blocked.kwargs.TopicArn, escalation.kwargs.TopicArn]).toEqual([TOPIC, ESCALATION]);
      const message = String(blocked.kwargs.Message);
      expect(message).toContain(
        `but AMI Guard did not ${mode} the instance: it belongs to Auto Scaling group web-asg: ${mode === 'stop' ? 'stopping' : 'terminating'} it would only make the group launch a replacement from the same launch template.`,
      );
      expect(message).toContain('Auto Scaling: group web-asg, launch template web (lt-0abc) version 3');
      expect(message).toContain(
        'Fix: Point the launch template web (lt-0abc) version 3 of Auto Scaling group web-asg at an approved AMI',
      );
    });

    test(`GIVEN ${mode} protection after the deadline THEN no action, and the reason is published`, async () => {
      const key = mode === 'stop' ? 'DisableApiStop' : 'DisableApiTermination';
      const { result } = await run({
        mode,
        instance: { tags: { AmiGuardDeadline: PASSED } },
        extra: { 'ec2.describe_instance_attribute': { [key]: { Value: true } } },
      });
      expect(changes(result.calls)).toEqual([]);
      expect(published(result.calls)).toEqual(['blocked', 'escalate']);
      expect(result.calls.at(-2)!.kwargs.Message).toContain(
        `AMI Guard did not ${mode} the instance: ${mode === 'stop' ? 'stop' : 'termination'} protection (${key}) is on.`,
      );
    });

    test('GIVEN the safety lookups fail THEN no action: doubt forbids it', async () => {
      const { result } = await run({
        mode,
        instance: { tags: { AmiGuardDeadline: PASSED } },
        extra: { 'autoscaling.describe_auto_scaling_instances': { raise: 'AccessDenied' } },
      });
      expect(changes(result.calls)).toEqual([]);
      expect(result.calls.at(-1)!.kwargs.Message).toMatch(
        /AMI Guard could not confirm that (stopping|terminating) it is safe \(ReadTimeoutError: AccessDenied\)/,
      );
    });

    test('GIVEN the action fails THEN the failure is published', async () => {
      const { result } = await run({
        mode,
        instance: { tags: { AmiGuardDeadline: PASSED } },
        keepEvidenceDays: 0,
        extra: { [act]: { raise: 'IncorrectInstanceState' } },
      });
      expect(published(result.calls)).toEqual([mode === 'stop' ? 'stopping' : 'terminating', 'failed']);
      expect(result.steps.at(-1)).toBe('FailedNotOverdue');
    });
  });

  describe('terminate mode: the evidence image', () => {
    test('GIVEN the image never becomes available THEN the instance is not terminated', async () => {
      const { result } = await run({
        mode: 'terminate',
        instance: { tags: { AmiGuardDeadline: PASSED } },
        extra: { 'ec2.describe_images': { Images: [{ State: 'failed' }] } },
      });
      expect(names(result.calls)).not.toContain('ec2.terminate_instances');
      expect(published(result.calls)).toEqual(['terminating', 'failed']);
      expect(result.steps).toContain('NotifyEvidenceFailed');
    });

    test('GIVEN CreateImage fails THEN the instance is not terminated', async () => {
      const { result } = await run({
        mode: 'terminate',
        instance: { tags: { AmiGuardDeadline: PASSED } },
        extra: { 'ec2.create_image': { raise: 'UnauthorizedOperation' } },
      });
      expect(names(result.calls)).not.toContain('ec2.terminate_instances');
      expect(result.steps).toContain('NotifyEvidenceFailed');
    });

    test('GIVEN an exception granted while the evidence image was taken THEN the last check decides: no terminate', async () => {
      const { answer } = await run({ mode: 'terminate', instance: { tags: { AmiGuardDeadline: PASSED } } });
      const excepted = await checkAnswer(
        { tags: { AmiGuardDeadline: PASSED, AmiGuardException: 'CHG-1234 until 2026-07-15' } },
        'terminate',
        24,
      );
      const { result } = await run({
        mode: 'terminate',
        instance: { tags: { AmiGuardDeadline: PASSED } },
        extra: {
          'lambda.invoke': [
            { StatusCode: 200, Payload: JSON.stringify(answer) },
            { StatusCode: 200, Payload: JSON.stringify(excepted) },
          ],
        },
      });
      expect(names(result.calls)).toContain('ec2.create_image');
      expect(names(result.calls)).not.toContain('ec2.terminate_instances');
      expect(published(result.calls)).toEqual(['terminating', 'skipped']);
      expect(result.calls.at(-1)!.kwargs.Message).toContain('Exception CHG-1234');
    });

    test('GIVEN keepEvidenceDays 0 THEN no image is taken', async () => {
      const { result, doc } = await run({
        mode: 'terminate',
        instance: { tags: { AmiGuardDeadline: PASSED } },
        keepEvidenceDays: 0,
      });
      expect(names(result.calls)).not.toContain('ec2.create_image');
      expect(names(result.calls)).toContain('ec2.terminate_instances');
      expect(doc.mainSteps.map((s) => s.action)).not.toContain('aws:waitForAwsResourceProperty');
    });
  });

  describe('notify mode', () => {
    test('GIVEN a REMEDIATE, even with a passed deadline tag, THEN it publishes the finding to its owner and changes nothing', async () => {
      const { result } = await run({ mode: 'notify', instance: { tags: { AmiGuardDeadline: PASSED, Team: 'payments' } } });
      expect(names(result.calls)).toEqual(['lambda.invoke', 'sns.publish']);
      expect(published(result.calls)).toEqual(['notify']);
      expect((result.calls[1].kwargs.MessageAttributes as Record<string, { StringValue: string }>).team.StringValue).toBe(
        'payments',
      );
    });

    test('GIVEN a valid exception THEN it reports the skip with the exception', async () => {
      const { result } = await run({ mode: 'notify', instance: { tags: { AmiGuardException: 'CHG-1234 until 2026-07-15' } } });
      expect(published(result.calls)).toEqual(['skipped']);
      expect(result.calls.at(-1)!.kwargs.Message).toContain('Exception CHG-1234');
    });
  });

  describe('a stale AMI in stop mode', () => {
    const stale: Instance = {
      environment: 'Prod',
      tags: { Owner: 'alice@example.org', Team: 'payments' },
      created: '2025-01-01T00:00:00.000Z',
      rules: { maxImageAgeDays: '90' },
    };

    test("GIVEN enforceFreshness off THEN it ends in the notify step with the check's Chatbot-capable notice and never stops", async () => {
      const { answer, result } = await run({ mode: 'stop', instance: stale });
      expect(answer).toMatchObject({ finding: 'stale', phase: 'notify' });
      expect(result.status).toBe('Success');
      expect(result.steps).toEqual([CHECK_STEP, 'Decide', 'NotifyFinding']);
      expect(names(result.calls)).toEqual(['lambda.invoke', 'sns.publish']);
      const message = result.calls[1].kwargs;
      expect(message.MessageStructure).toBe('json');
      expect(message.Subject).toBe(`AMI Guard: ${ID} runs a stale AMI`);
      expect(String(message.Subject).length).toBeLessThan(100);
      const body = JSON.parse(String(message.Message)) as Record<string, string>;
      expect(body.default).toContain('Reason (stale)');
      expect(body.default).toContain('will not stop it');
      const chat = JSON.parse(body.https) as { version: string; source: string; content: { title: string } };
      expect(chat).toMatchObject({ version: '1.0', source: 'custom', content: { title: `AMI Guard: ${ID} runs a stale AMI` } });
      expect(published(result.calls)).toEqual(['notify']);
      expect((message.MessageAttributes as Record<string, { StringValue: string }>).team.StringValue).toBe('payments');
    });

    test('GIVEN enforceFreshness on THEN a notice with a deadline comes first, and the stop follows after the grace', async () => {
      const rules = { ...stale.rules, enforceFreshness: 'true' };
      const first = await run({ mode: 'stop', instance: { ...stale, rules } });
      expect(first.answer).toMatchObject({ finding: 'stale', phase: 'notice' });
      expect(names(first.result.calls)).not.toContain('ec2.stop_instances');
      expect(published(first.result.calls)).toEqual(['notice']);
      const later = await run({ mode: 'stop', instance: { ...stale, rules, tags: { ...stale.tags, AmiGuardDeadline: PASSED } } });
      expect(later.answer).toMatchObject({ finding: 'stale', phase: 'act' });
      expect(names(later.result.calls)).toContain('ec2.stop_instances');
      const acting = later.result.calls.find((c) => c.method === 'publish')!;
      expect(acting.kwargs.Subject).toBe(`AMI Guard: stopping ${ID} (stale AMI)`);
    });
  });

  test('a valid exception without a deadline skips the terminate with a published reason', async () => {
    const { result } = await run({ mode: 'terminate', instance: { tags: { AmiGuardException: 'CHG-1234 until 2026-07-15' } } });
    expect(changes(result.calls)).toEqual([]);
    expect(published(result.calls)).toEqual(['skipped']);
    expect(result.calls.at(-1)!.kwargs.Message).toContain('Exception CHG-1234 (tag AmiGuardException) valid until 2026-07-15');
  });

  test('a message without owner tags says unknown, because SNS refuses empty attributes', async () => {
    const { result } = await run({ mode: 'stop', instance: {} });
    const attributes = result.calls[1].kwargs.MessageAttributes as Record<string, { StringValue: string }>;
    expect([attributes.owner.StringValue, attributes.team.StringValue]).toEqual(['unknown', 'unknown']);
    expect(result.calls[1].kwargs.Message).toContain('Owner: unknown (team unknown)');
  });
});
