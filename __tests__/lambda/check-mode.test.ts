import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeImagesCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { runCheck } from '../../lambda/ami-compliance/check';
import { RULE_PARAMETERS_ENV } from '../../lambda/ami-compliance/contract';
import { awsError, clientsWith, ec2Image, ec2Instance, mockedClients, quietConsole } from './fixtures/aws-fakes';
import runInstances from './fixtures/cloudtrail-run-instances.reply.json';
import runByAutoScaling from './fixtures/cloudtrail-run-instances-by-autoscaling.reply.json';
import { CHECK_RULE_PARAMETERS } from '../../test-support/rule-parameters';

const ID = 'i-0123456789abcdef0';
const AMI = 'ami-0aaaaaaaaaaaaaaa1';
const env = { [RULE_PARAMETERS_ENV]: JSON.stringify(CHECK_RULE_PARAMETERS) };
const NOW = new Date('2026-06-15T12:00:00Z');
const check = { amiGuardCheck: { instanceId: ID } };

/**
 * EC2 that knows the instance (with `tags`) and, unless `image` is null, its image; a CloudTrail
 * without events and an Auto Scaling without the instance, unless a test says otherwise.
 */
function ec2With(tags: Record<string, string>, image: ReturnType<typeof ec2Image> | null, state = 'running', launched?: Date) {
  const m = mockedClients();
  m.cloudTrailMock.on(LookupEventsCommand).resolves({ Events: [] });
  m.autoScalingMock.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
  const instance = ec2Instance(ID, AMI, tags, state);
  m.ec2Mock
    .on(DescribeInstancesCommand, { InstanceIds: [ID] })
    .resolves({ Reservations: [{ Instances: [{ ...instance, LaunchTime: launched ?? instance.LaunchTime }] }] });
  if (image) m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [image] });
  else
    m.ec2Mock
      .on(DescribeImagesCommand)
      .rejects(awsError('InvalidAMIID.NotFound'))
      .on(DescribeImagesCommand, { Filters: [{ Name: 'image-id', Values: [AMI] }] })
      .resolves({ Images: [] });
  return m;
}

describe('check mode', () => {
  test('an instance on an approved AMI is SKIP', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'Prod' }));
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toEqual({
      instanceId: ID,
      imageId: AMI,
      compliance: 'COMPLIANT',
      verdict: 'SKIP',
      reason: `AMI ${AMI} (owner 111111111111) is approved: Environment="Prod".`,
      phase: 'skip',
      deadline: null,
      owner: null,
      team: null,
      launcher: '',
      autoScaling: null,
      fix: '',
      finding: null,
      replacement: null,
      subject: '',
      notice: '',
      chatNotice: '',
      snsMessage: '',
    });
  });

  test('an instance on an unapproved AMI is REMEDIATE, with the reason', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }));
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE', imageId: AMI, phase: 'notify' });
    expect(result.reason).toContain('has Environment="prod" (wrong case)');
    expect(result.fix).toBe(
      'Relaunch it from an approved AMI, or grant a time-boxed exception: tag the instance AmiGuardException="<ticket> until YYYY-MM-DD".',
    );
  });

  test('a valid exception is SKIP', async () => {
    const m = ec2With({ AmiGuardException: 'CHG-1234 until 2026-07-15' }, ec2Image(AMI, '111111111111'));
    const result = await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW);
    expect(result).toMatchObject({ compliance: 'COMPLIANT', verdict: 'SKIP' });
    expect(result.reason).toContain('CHG-1234');
  });

  test('an expired exception is REMEDIATE', async () => {
    const m = ec2With({ AmiGuardException: 'CHG-1234 until 2026-06-14' }, ec2Image(AMI, '111111111111'));
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    expect(result.reason).toContain('expired at the end of 2026-06-14 UTC');
  });

  test('an exception dated beyond the 90-day limit is REMEDIATE: the runbook does not skip it', async () => {
    const m = ec2With({ AmiGuardException: 'CHG-3 until 9999-12-31' }, ec2Image(AMI, '111111111111'));
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    expect(result.reason).toContain('exceeds the 90-day limit');
  });

  test('an AMI that is not found is REMEDIATE', async () => {
    const m = ec2With({}, null);
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    expect(result.reason).toContain('not found (deregistered');
  });

  test('an instance that is gone is SKIP with no image', async () => {
    // GIVEN EC2 no longer knows the instance: nothing else may be asked
    const m = mockedClients();
    m.ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toEqual({
      instanceId: ID,
      imageId: null,
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: `Instance ${ID} no longer exists.`,
      phase: 'skip',
      deadline: null,
      owner: null,
      team: null,
      launcher: '',
      autoScaling: null,
      fix: '',
      finding: null,
      replacement: null,
      subject: '',
      notice: '',
      chatNotice: '',
      snsMessage: '',
    });
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(0);
  });

  test('a terminated instance is SKIP', async () => {
    const m = ec2With({}, null, 'terminated');
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toMatchObject({
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: `Instance ${ID} is terminated.`,
    });
  });

  test('in stop mode, a non-compliant instance that is already stopped is SKIP "already stopped"', async () => {
    // GIVEN an instance on an unapproved AMI that is stopped already
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }), 'stopped');
    // WHEN the stop runbook asks
    const result = await runCheck({ amiGuardCheck: { instanceId: ID, mode: 'stop' } }, clientsWith({ ec2: m.ec2 }), env, NOW);
    // THEN it is still NON_COMPLIANT, but there is nothing to stop: SKIP, saying so
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'SKIP' });
    expect(result.reason).toMatch(/^Instance i-0123456789abcdef0 is already stopped; not stopped again\. AMI /);
  });

  test('in notify mode, a stopped non-compliant instance is still REMEDIATE (its owners hear of it)', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }), 'stopped');
    const result = await runCheck({ amiGuardCheck: { instanceId: ID, mode: 'notify' } }, clientsWith(m), env, NOW);
    expect(result).toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
  });

  test('in stop mode, a running non-compliant instance is REMEDIATE', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }));
    const result = await runCheck({ amiGuardCheck: { instanceId: ID, mode: 'stop' } }, clientsWith(m), env, NOW);
    expect(result.verdict).toBe('REMEDIATE');
  });

  test('the approved-ID list applies in check mode too', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111'));
    m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: AMI } });
    const withList = {
      [RULE_PARAMETERS_ENV]: JSON.stringify({
        tagKey: 'Environment',
        tagValues: 'Prod',
        approvedImageIdsParameter: '/ids',
      }),
    };
    expect(await runCheck(check, clientsWith({ ec2: m.ec2, ssm: m.ssm }), withList, NOW)).toMatchObject({
      verdict: 'SKIP',
    });
  });
});

/** A LookupEvents reply fixture, with EventTime as the SDK returns it (a Date). */
function trail(reply: { Events: Record<string, unknown>[] }) {
  return { Events: reply.Events.map((e) => ({ ...e, EventTime: new Date(e.EventTime as string) })) };
}

describe('check mode: who owns, who launched, what to change', () => {
  quietConsole();
  const unapproved = () => ec2Image(AMI, '111111111111', { Environment: 'prod' });
  const LAUNCHED = new Date('2026-06-10T08:15:40Z'); // five days before NOW, as in the CloudTrail fixtures

  test('the owner and team come from the owner tags, most specific first', async () => {
    const m = ec2With({ Owner: 'alice@example.org', Team: 'payments' }, unapproved());
    expect(await runCheck(check, clientsWith(m), env, NOW)).toMatchObject({ owner: 'alice@example.org', team: 'payments' });
    const teamOnly = ec2With({ Team: 'payments' }, unapproved());
    expect(await runCheck(check, clientsWith(teamOnly), env, NOW)).toMatchObject({ owner: 'payments', team: 'payments' });
    const none = ec2With({ Name: 'web' }, unapproved());
    expect(await runCheck(check, clientsWith(none), env, NOW)).toMatchObject({ owner: null, team: null });
  });

  test('the launcher is the RunInstances event of CloudTrail, looked up around the first launch', async () => {
    // GIVEN CloudTrail holds a CreateTags and the RunInstances event of the instance
    const m = ec2With({}, unapproved(), 'running', LAUNCHED);
    m.cloudTrailMock.on(LookupEventsCommand).resolves(trail(runInstances));
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result.launcher).toBe('arn:aws:sts::222222222222:assumed-role/ci-deployer/run-4711 at 2026-06-10T08:15Z');
    // AND the lookup asked for this instance, an hour either side of its launch
    const [call] = m.cloudTrailMock.commandCalls(LookupEventsCommand);
    expect(call.args[0].input).toMatchObject({
      LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: ID }],
      StartTime: new Date('2026-06-10T07:15:40Z'),
      EndTime: new Date('2026-06-10T09:15:40Z'),
    });
  });

  test('an instance Auto Scaling launched names the service too', async () => {
    const m = ec2With({}, unapproved(), 'running', LAUNCHED);
    m.cloudTrailMock.on(LookupEventsCommand).resolves(trail(runByAutoScaling));
    expect((await runCheck(check, clientsWith(m), env, NOW)).launcher).toBe(
      'arn:aws:sts::222222222222:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling via autoscaling.amazonaws.com at 2026-06-10T08:15Z',
    );
  });

  test('an instance launched more than 90 days ago has an unknown launcher, and CloudTrail is not asked', async () => {
    const m = ec2With({}, unapproved());
    const later = new Date('2026-05-01T00:00:00Z'); // the fixture instance was launched on 2026-01-10
    const result = await runCheck(check, clientsWith(m), env, later);
    expect(result.launcher).toBe("unknown (launched 2026-01-10, older than CloudTrail's 90-day event history)");
    expect(m.cloudTrailMock.commandCalls(LookupEventsCommand)).toHaveLength(0);
  });

  test('no RunInstances event means an unknown launcher', async () => {
    const m = ec2With({}, unapproved(), 'running', LAUNCHED);
    expect((await runCheck(check, clientsWith(m), env, NOW)).launcher).toMatch(/^unknown \(no RunInstances event/);
  });

  test('a CloudTrail error leaves the verdict unchanged and is reported as the launcher', async () => {
    const m = ec2With({ Owner: 'alice@example.org' }, unapproved(), 'running', LAUNCHED);
    m.cloudTrailMock.on(LookupEventsCommand).rejects(awsError('AccessDeniedException'));
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result).toMatchObject({
      verdict: 'REMEDIATE',
      compliance: 'NON_COMPLIANT',
      owner: 'alice@example.org',
      launcher: 'unknown (CloudTrail lookup failed: AccessDeniedException)',
    });
  });

  test('an instance in an Auto Scaling group reports the group and the launch template to change', async () => {
    const m = ec2With({}, unapproved());
    m.autoScalingMock.on(DescribeAutoScalingInstancesCommand, { InstanceIds: [ID] }).resolves({
      AutoScalingInstances: [
        {
          InstanceId: ID,
          AutoScalingGroupName: 'web-asg',
          LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', LaunchTemplateName: 'web', Version: '6' },
        } as never,
      ],
    });
    m.autoScalingMock.on(DescribeAutoScalingGroupsCommand, { AutoScalingGroupNames: ['web-asg'] }).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'web-asg',
          LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0', LaunchTemplateName: 'web', Version: '7' },
        } as never,
      ],
    });
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result.verdict).toBe('REMEDIATE');
    // THEN the group's current template is reported: that is what launches the replacements
    expect(result.autoScaling).toBe('group web-asg, launch template web (lt-0123456789abcdef0) version 7');
    expect(result.fix).toMatch(
      /^Point the launch template web \(lt-0123456789abcdef0\) version 7 of Auto Scaling group web-asg at an approved AMI and start an instance refresh/,
    );
  });

  test('an Auto Scaling error leaves the verdict unchanged and says the group is unknown', async () => {
    const m = ec2With({}, unapproved());
    m.autoScalingMock.on(DescribeAutoScalingInstancesCommand).rejects(awsError('Throttling'));
    const result = await runCheck(check, clientsWith(m), env, NOW);
    expect(result).toMatchObject({ verdict: 'REMEDIATE', autoScaling: 'unknown (Auto Scaling lookup failed: Throttling)' });
    expect(result.fix).toContain("If it belongs to an Auto Scaling group, fix the group's launch template instead.");
  });

  test('a compliant instance is not looked up in CloudTrail or Auto Scaling', async () => {
    const m = ec2With({ Owner: 'alice@example.org' }, ec2Image(AMI, '111111111111', { Environment: 'Prod' }));
    expect(await runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).toMatchObject({ verdict: 'SKIP', launcher: '' });
  });
});

describe('check mode: the deadline (stop and terminate modes)', () => {
  const unapproved = () => ec2Image(AMI, '111111111111', { Environment: 'prod' });
  const withGrace = (graceHours: number) => ({ amiGuardCheck: { instanceId: ID, graceHours } });
  /** The instance, with a notice record holding its deadline tag's value (AMI Guard wrote both), unless `record` says otherwise. */
  const marked = (
    tags: Record<string, string>,
    image: ReturnType<typeof ec2Image> | null,
    state = 'running',
    record?: string,
  ) => {
    const m = ec2With(tags, image, state);
    const deadline = record ?? tags.AmiGuardDeadline;
    if (deadline) m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ deadline }) } });
    else m.ssmMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    return m;
  };

  test.each<[string, Record<string, string>, number, object]>([
    ['a first REMEDIATE sets a deadline grace hours away', {}, 24, { phase: 'notice', deadline: '2026-06-16T12:00Z' }],
    [
      'a REMEDIATE before the deadline waits',
      { AmiGuardDeadline: '2026-06-16T00:00Z' },
      24,
      { phase: 'wait', deadline: '2026-06-16T00:00Z' },
    ],
    [
      'a REMEDIATE after the deadline acts',
      { AmiGuardDeadline: '2026-06-15T11:59Z' },
      24,
      { phase: 'act', deadline: '2026-06-15T11:59Z' },
    ],
    ['grace 0 acts at once, with the deadline now', {}, 0, { phase: 'act', deadline: '2026-06-15T12:00Z' }],
    [
      'a deadline pushed beyond the grace is reset',
      { AmiGuardDeadline: '2027-01-01T00:00Z' },
      24,
      { phase: 'notice', deadline: '2026-06-16T12:00Z' },
    ],
    [
      'an unreadable deadline never acts sooner: it is reset',
      { AmiGuardDeadline: 'yesterday' },
      24,
      { phase: 'notice', deadline: '2026-06-16T12:00Z' },
    ],
  ])('%s', async (_, tags, graceHours, expected) => {
    const m = marked(tags, unapproved());
    const result = await runCheck(withGrace(graceHours), clientsWith(m), env, NOW);
    expect(result).toMatchObject({ verdict: 'REMEDIATE', ...expected });
    if ('AmiGuardDeadline' in tags && (expected as { phase: string }).phase === 'notice') {
      expect(result.reason).toMatch(/(it was reset|a notice comes first)\.$/);
    }
  });

  test('a compliant instance with a deadline clears it; a valid exception counts as compliant', async () => {
    const fixed = marked({ AmiGuardDeadline: '2026-06-16T00:00Z' }, ec2Image(AMI, '111111111111', { Environment: 'Prod' }));
    expect(await runCheck(withGrace(24), clientsWith(fixed), env, NOW)).toMatchObject({ phase: 'clear', deadline: null });
    const excepted = marked(
      { AmiGuardDeadline: '2026-06-16T00:00Z', AmiGuardException: 'CHG-1234 until 2026-07-15' },
      unapproved(),
    );
    expect(await runCheck(withGrace(24), clientsWith(excepted), env, NOW)).toMatchObject({ verdict: 'SKIP', phase: 'clear' });
  });

  test('notify mode (no grace) sets no deadline', async () => {
    const m = marked({ AmiGuardDeadline: '2026-06-15T00:00Z' }, unapproved());
    expect(await runCheck(check, clientsWith(m), env, NOW)).toMatchObject({ phase: 'notify', deadline: null });
  });

  test('a grace in notify mode is rejected: notify sets no deadline', async () => {
    const event = { amiGuardCheck: { instanceId: ID, mode: 'notify', graceHours: 24 } } as const;
    await expect(runCheck(event, clientsWith({}), env, NOW)).rejects.toThrow(
      /amiGuardCheck\.graceHours applies to stop and terminate mode only/,
    );
  });

  test('in stop mode, a stopped instance past its deadline is SKIP and keeps its deadline; terminate mode still acts on it', async () => {
    // GIVEN a stopped non-compliant instance whose deadline passed
    const tags = { AmiGuardDeadline: '2026-06-15T11:00Z' };
    const stop = { amiGuardCheck: { instanceId: ID, mode: 'stop', graceHours: 24 } } as const;
    const terminate = { amiGuardCheck: { instanceId: ID, mode: 'terminate', graceHours: 24 } } as const;
    // WHEN the stop runbook asks THEN there is nothing to stop: no action, the mark stays
    const stopped = await runCheck(stop, clientsWith(marked(tags, unapproved(), 'stopped')), env, NOW);
    expect(stopped).toMatchObject({ verdict: 'SKIP', compliance: 'NON_COMPLIANT', phase: 'skip', deadline: '2026-06-15T11:00Z' });
    expect(stopped.reason).toMatch(/^Instance i-0123456789abcdef0 is already stopped; not stopped again\./);
    // WHEN the terminate runbook asks THEN it acts: a stopped instance can be started again on the same AMI
    const m = marked(tags, unapproved(), 'stopped');
    expect(await runCheck(terminate, clientsWith(m), env, NOW)).toMatchObject({ verdict: 'REMEDIATE', phase: 'act' });
  });

  test.each([-1, 1.5, 721, '24'])('graceHours %p is rejected', async (graceHours) => {
    const event = { amiGuardCheck: { instanceId: ID, graceHours } } as unknown as typeof check;
    await expect(runCheck(event, clientsWith({}), env, NOW)).rejects.toThrow(/amiGuardCheck\.graceHours must be a whole number/);
  });
});

describe('check mode reads the notice record, not the tag', () => {
  test('a deleted tag: the record still decides; a tag without a record: notice first', async () => {
    const unapproved = ec2Image(AMI, '111111111111', { Environment: 'prod' });
    const event = { amiGuardCheck: { instanceId: ID, mode: 'stop', graceHours: 24 } } as const;
    const deleted = ec2With({}, unapproved);
    deleted.ssmMock
      .on(GetParameterCommand, { Name: `/ami-guard/notices/${ID}` })
      .resolves({ Parameter: { Value: JSON.stringify({ deadline: '2026-06-15T11:00Z' }) } });
    expect(await runCheck(event, clientsWith(deleted), env, NOW)).toMatchObject({ phase: 'act', deadline: '2026-06-15T11:00Z' });
    const forged = ec2With({ AmiGuardDeadline: '2000-01-01T00:00Z' }, unapproved);
    forged.ssmMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    expect(await runCheck(event, clientsWith(forged), env, NOW)).toMatchObject({
      phase: 'notice',
      deadline: '2026-06-16T12:00Z',
    });
  });

  test('an error reading the record other than ParameterNotFound stops the check', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'prod' }));
    m.ssmMock.on(GetParameterCommand).rejects(awsError('AccessDeniedException'));
    const event = { amiGuardCheck: { instanceId: ID, mode: 'stop', graceHours: 24 } } as const;
    await expect(runCheck(event, clientsWith(m), env, NOW)).rejects.toThrow('AccessDeniedException');
  });
});

describe('check mode failures stop the automation instead of guessing', () => {
  quietConsole();

  test('an API error rejects', async () => {
    const m = ec2With({}, ec2Image(AMI, '111111111111', { Environment: 'Prod' }));
    m.ec2Mock.on(DescribeImagesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(runCheck(check, clientsWith({ ec2: m.ec2 }), env, NOW)).rejects.toThrow('UnauthorizedOperation');
  });

  test('an unknown mode is rejected', async () => {
    const event = { amiGuardCheck: { instanceId: ID, mode: 'reboot' } } as unknown as typeof check;
    await expect(runCheck(event, clientsWith({}), env, NOW)).rejects.toThrow(
      /amiGuardCheck\.mode must be one of notify, stop, terminate, got "reboot"/,
    );
  });

  test('missing AMI_GUARD_RULE_PARAMETERS throws naming the variable', async () => {
    await expect(runCheck(check, clientsWith({}), {}, NOW)).rejects.toThrow(/AMI_GUARD_RULE_PARAMETERS is not set/);
  });

  test('invalid rule parameters throw naming the parameter', async () => {
    const bad = { [RULE_PARAMETERS_ENV]: JSON.stringify({ tagKey: 'Environment' }) };
    await expect(runCheck(check, clientsWith({}), bad, NOW)).rejects.toThrow(/tagValues is required/);
  });

  test.each([undefined, '', 'i-123', 'ami-0123456789abcdef0'])('instanceId %p is rejected', async (instanceId) => {
    const event = { amiGuardCheck: { instanceId } } as unknown as typeof check;
    await expect(runCheck(event, clientsWith({}), env, NOW)).rejects.toThrow(/amiGuardCheck\.instanceId must be an instance ID/);
  });
});

describe('the bundle entry (index.ts)', () => {
  const saved = process.env[RULE_PARAMETERS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[RULE_PARAMETERS_ENV];
    else process.env[RULE_PARAMETERS_ENV] = saved;
  });

  test('routes { amiGuardCheck } to the check mode, with parameters from the environment', async () => {
    // GIVEN every EC2Client is mocked (index.ts creates its own)
    const ec2Mock = mockClient(EC2Client);
    ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    process.env[RULE_PARAMETERS_ENV] = env[RULE_PARAMETERS_ENV];
    try {
      const { handler } = await import('../../lambda/ami-compliance/index');
      // WHEN a check event arrives THEN the check answers
      await expect(handler(check)).resolves.toMatchObject({ instanceId: ID, verdict: 'SKIP' });
    } finally {
      ec2Mock.restore();
    }
  });

  test('routes everything else to the Config handler', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { handler } = await import('../../lambda/ami-compliance/index');
    await expect(handler({ resultToken: 'x' })).rejects.toThrow(/no invokingEvent/);
  });
});
