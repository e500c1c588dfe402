import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-ec2';
import { GetParametersByPathCommand, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import type { RemediationTrigger } from '../../lambda/ami-compliance/contract';
import type { InstanceFacts } from '../../lambda/ami-compliance/evaluate';
import { MAX_RECHECKS_PER_SWEEP, parseRemediationTrigger, Rechecks } from '../../lambda/ami-compliance/retrigger';
import { awsError, clientsWith, mockedClients, quietConsole } from './fixtures/aws-fakes';

quietConsole();

const NOW = new Date('2026-06-15T12:00:00Z');
const trigger: RemediationTrigger = {
  documentName: 'AmiGuard-Remediate-NotifyOrTerminate',
  mode: 'terminate',
  parameters: { Mode: 'terminate', TopicArn: 'arn:aws:sns:eu-west-1:222222222222:ami-guard-remediation' },
  expireEvidence: true,
};
const instance = (i: number, tags: Record<string, string> = {}): InstanceFacts => ({
  instanceId: `i-${i.toString(16).padStart(17, '0')}`,
  imageId: 'ami-0aaaaaaaaaaaaaaa1',
  state: 'running',
  tags,
});
/** A running instance past its deadline. */
const due = (i: number): InstanceFacts => instance(i, { AmiGuardDeadline: '2026-06-14T00:00Z' });

/** Fake clients whose SSM starts every runbook (execution `exec-<instance>`) and whose EC2 has no evidence images. */
function fakes() {
  const m = mockedClients();
  m.ssmMock.on(StartAutomationExecutionCommand).callsFake((input: { Parameters: { InstanceId: string[] } }) => ({
    AutomationExecutionId: `exec-${input.Parameters.InstanceId[0]}`,
  }));
  m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
  return m;
}

describe('parseRemediationTrigger', () => {
  test('reads the JSON the stack writes; absent means no follow-up', () => {
    expect(parseRemediationTrigger(JSON.stringify(trigger))).toEqual(trigger);
    expect(parseRemediationTrigger(undefined)).toBeUndefined();
    expect(parseRemediationTrigger(' ')).toBeUndefined();
  });

  test.each([
    '{',
    '{"documentName":""}',
    JSON.stringify({ ...trigger, parameters: { Mode: 1 } }),
    JSON.stringify({ ...trigger, expireEvidence: 'yes' }),
    JSON.stringify({ ...trigger, mode: 'notify' }),
    JSON.stringify({ ...trigger, mode: undefined }),
  ])('a broken value %p throws naming the variable', (raw) => {
    expect(() => parseRemediationTrigger(raw)).toThrow(/AMI_GUARD_REMEDIATION .*Fix: redeploy the stack/);
  });
});

describe('Rechecks.followUp', () => {
  test(`starts at most ${MAX_RECHECKS_PER_SWEEP} runbooks per sweep; the rest wait for the next`, async () => {
    const m = fakes();
    const rechecks = new Rechecks(NOW, 'terminate');
    for (let i = 1; i <= MAX_RECHECKS_PER_SWEEP + 7; i++) rechecks.consider(due(i), 'NON_COMPLIANT');
    const summary = await rechecks.followUp(clientsWith(m), trigger, 'sweep-1');
    expect(summary.started).toHaveLength(MAX_RECHECKS_PER_SWEEP);
    expect(summary.deferred).toBe(7);
    const first = m.ssmMock.commandCalls(StartAutomationExecutionCommand)[0].args[0].input;
    expect(first).toMatchObject({
      DocumentName: 'AmiGuard-Remediate-NotifyOrTerminate',
      Parameters: { Mode: ['terminate'], TopicArn: [trigger.parameters.TopicArn], InstanceId: [due(1).instanceId] },
    });
  });

  test('tries every start, then throws naming the ones that failed', async () => {
    const m = fakes();
    m.ssmMock
      .on(StartAutomationExecutionCommand, { Parameters: { InstanceId: [due(2).instanceId] } } as never)
      .rejects(awsError('AccessDeniedException', 'not allowed'));
    const rechecks = new Rechecks(NOW, 'terminate');
    [1, 2, 3].forEach((i) => rechecks.consider(due(i), 'NON_COMPLIANT'));
    await expect(rechecks.followUp(clientsWith(m), trigger, 'sweep-1')).rejects.toThrow(
      /Remediation follow-up failed for 1 item\(s\) after the evaluations were stored: i-00000000000000002: AccessDeniedException not allowed/,
    );
    expect(m.ssmMock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(3);
  });

  test('deregisters evidence images after their keep-until day, then their evidence snapshots; keeps the rest', async () => {
    const m = fakes();
    const evidence = (id: string, until: string, name = `ami-guard-evidence-i-0123456789abcdef0-exec-${id}`) => ({
      ImageId: id,
      Name: name,
      Tags: [
        { Key: 'AmiGuardEvidenceUntil', Value: until },
        { Key: 'AmiGuardEvidenceOf', Value: 'i-0123456789abcdef0' },
      ],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: `snap-${id.slice(4)}` } }],
    });
    const golden = {
      ImageId: 'ami-0000000000000000d',
      Name: 'golden-2026-06',
      Tags: [{ Key: 'AmiGuardEvidenceUntil', Value: '2000-01-01' }],
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0000000000000000d' } }],
    };
    const renamed = { ...evidence('ami-0000000000000000e', '2000-01-01'), Name: 'golden-with-evidence-tags' };
    m.ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        evidence('ami-0000000000000000a', '2026-06-14'),
        evidence('ami-0000000000000000b', '2026-06-15'),
        evidence('ami-0000000000000000c', 'someday'),
        golden,
        renamed,
      ],
    });
    m.ec2Mock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-0000000000000000a' }] });
    const summary = await new Rechecks(NOW, 'terminate').followUp(clientsWith(m), trigger, 'sweep-1');
    expect(summary.expiredImages).toEqual(['ami-0000000000000000a']);
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toMatchObject({
      Owners: ['self'],
      Filters: [
        { Name: 'name', Values: ['ami-guard-evidence-*'] },
        { Name: 'tag-key', Values: ['AmiGuardEvidenceUntil'] },
      ],
    });
    expect(m.ec2Mock.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId)).toEqual(['ami-0000000000000000a']);
    expect(m.ec2Mock.commandCalls(DescribeSnapshotsCommand)[0].args[0].input).toMatchObject({
      SnapshotIds: ['snap-0000000000000000a'],
      Filters: [{ Name: 'tag:AmiGuardEvidenceOf', Values: ['i-0123456789abcdef0'] }],
    });
    expect(m.ec2Mock.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual([
      'snap-0000000000000000a',
    ]);
  });

  test('starts no runbook once under 2 s of the invocation are left: the rest, and the evidence, wait for the next sweep', async () => {
    // GIVEN three due instances and time for two starts
    const m = fakes();
    const rechecks = new Rechecks(NOW, 'terminate');
    [1, 2, 3].forEach((i) => rechecks.consider(due(i), 'NON_COMPLIANT'));
    let asked = 0;
    const budget = { remainingMs: () => (++asked <= 2 ? 5_000 : 1_500) };
    // WHEN the follow-up runs
    const summary = await rechecks.followUp(clientsWith(m), trigger, 'sweep-1', budget);
    // THEN two start, one is deferred, and no evidence image is looked for
    expect(summary.started.map((s) => s.instanceId)).toEqual([due(1).instanceId, due(2).instanceId]);
    expect(summary.deferred).toBe(1);
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  test('outside terminate mode, no evidence is looked for', async () => {
    const m = fakes();
    await new Rechecks(NOW, 'terminate').followUp(clientsWith({ ssm: m.ssm }), { ...trigger, expireEvidence: false }, 'sweep-1');
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });
});

describe('Rechecks.forSweep: notice records', () => {
  const record = (i: number) => ({
    Name: `/ami-guard/notices/${instance(i).instanceId}`,
    Value: '{"deadline":"2026-06-14T00:00Z"}',
  });

  test('GIVEN records over two pages THEN a compliant instance with a record and no tag gets the runbook; one without a record does not', async () => {
    const m = fakes();
    m.ssmMock
      .on(GetParametersByPathCommand, { NextToken: undefined } as never)
      .resolves({ Parameters: [record(1), { Name: '/ami-guard/notices/not-an-instance', Value: '{}' }], NextToken: 't1' })
      .on(GetParametersByPathCommand, { NextToken: 't1' } as never)
      .resolves({ Parameters: [record(2)] });
    const rechecks = await Rechecks.forSweep(m.ssm, NOW, 'stop');
    rechecks.consider(instance(1), 'COMPLIANT');
    rechecks.consider(instance(2), 'NOT_APPLICABLE');
    rechecks.consider(instance(3), 'COMPLIANT');
    const summary = await rechecks.followUp(clientsWith(m), { ...trigger, mode: 'stop', expireEvidence: false }, 'sweep-1');
    expect(summary.started).toEqual([
      {
        instanceId: instance(1).instanceId,
        reason: 'compliant with a notice record: delete it',
        executionId: `exec-${instance(1).instanceId}`,
      },
    ]);
    const asked = m.ssmMock.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(asked).toEqual([
      { Path: '/ami-guard/notices', Recursive: false, MaxResults: 10, NextToken: undefined },
      { Path: '/ami-guard/notices', Recursive: false, MaxResults: 10, NextToken: 't1' },
    ]);
  });

  test('GIVEN the records cannot be listed THEN marked instances are still followed up, then the follow-up fails naming the listing and the fix', async () => {
    const m = fakes();
    m.ssmMock.on(GetParametersByPathCommand).rejects(awsError('AccessDeniedException', 'not authorized'));
    const rechecks = await Rechecks.forSweep(m.ssm, NOW, 'terminate');
    rechecks.consider(due(1), 'NON_COMPLIANT');
    rechecks.consider(instance(2), 'COMPLIANT');
    await expect(rechecks.followUp(clientsWith(m), { ...trigger, expireEvidence: false }, 'sweep-1')).rejects.toThrow(
      /failed for 1 item\(s\) after the evaluations were stored: notice records: AccessDeniedException not authorized\. Fix: if access was denied, redeploy the stack \(it grants ssm:GetParametersByPath on \/ami-guard\/notices\)/,
    );
    expect(m.ssmMock.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input.Parameters!.InstanceId)).toEqual([
      [due(1).instanceId],
    ]);
  });
});
