/**
 * AWS Config starts the runbook only when an instance becomes NON_COMPLIANT. After a notice, nothing in
 * Config runs it again when the deadline passes, so the scheduled sweep does. End to end with fakes:
 * the synthesized stack gives the Lambda's environment and the runbook; the sweep (the real handler)
 * starts executions on a fake SSM; each started execution then runs the stack's runbook against the
 * same fake instances, with the real check mode answering.
 */
import { PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeImagesCommand, DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { GetParameterCommand, GetParametersByPathCommand, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import { runCheck } from '../../lambda/ami-compliance/check';
import {
  CHECK_EVENT_KEY,
  RULE_PARAMETERS_ENV,
  REMEDIATION_TRIGGER_ENV,
  type ActingMode,
} from '../../lambda/ami-compliance/contract';
import { handleConfigEvent } from '../../lambda/ami-compliance/handler';
import { parseRemediationTrigger } from '../../lambda/ami-compliance/retrigger';
import type { AutomationDocument } from '../../modules/correct/remediation-document';
import { pythonUnavailableReason, runAutomation, type StubCall } from '../../test-support/runbook';
import { exampleConfig, exampleVariant, onlyResource, sharedSynth, type RawJson } from '../../test-support/synth';
import {
  awsError,
  clientsWith,
  configEvent,
  ec2Image,
  ec2Instance,
  mockedClients,
  quietConsole,
} from '../lambda/fixtures/aws-fakes';
import scheduledEvent from '../lambda/fixtures/scheduled.invoking-event.json';

const NOW = new Date('2026-06-15T12:00:00Z');
const APPROVED = 'ami-0aaaaaaaaaaaaaaa1';
const UNAPPROVED = 'ami-0bbbbbbbbbbbbbbb2';

const skip = pythonUnavailableReason();
const withPython = skip ? describe.skip : describe;

// GIVEN the payments-prod stack of the example (stop, automatic), as synthesized
const stack = sharedSynth(exampleConfig()).stacks['payments-prod'];
const variables = lambdaVariables(stack);
// AND the same account in terminate mode
const terminateStack = sharedSynth(
  exampleVariant((j: RawJson) => {
    j.accounts[1].remediation = { ...j.accounts[1].remediation, mode: 'terminate' };
  }),
).stacks['payments-prod'];

function lambdaVariables(tf: typeof stack): Record<string, string> {
  return (onlyResource(tf, 'aws_lambda_function').environment as { variables: Record<string, string> }).variables;
}
function runbookOf(tf: typeof stack): AutomationDocument {
  return JSON.parse(String(onlyResource(tf, 'aws_ssm_document').content)) as AutomationDocument;
}

// AND a fleet: one instance for each case the sweep must tell apart
const fleet: Record<string, Instance> = {
  pastDeadline: ec2Instance('i-0000000000000000a', UNAPPROVED, { AmiGuardDeadline: '2026-06-15T09:00Z', Team: 'payments' }),
  beforeDeadline: ec2Instance('i-0000000000000000b', UNAPPROVED, { AmiGuardDeadline: '2026-06-16T09:00Z' }),
  excepted: ec2Instance('i-0000000000000000c', UNAPPROVED, {
    AmiGuardDeadline: '2026-06-14T09:00Z',
    AmiGuardException: 'CHG-77 until 2026-07-01',
  }),
  unmarked: ec2Instance('i-0000000000000000d', UNAPPROVED, {}),
  stoppedPastDeadline: ec2Instance('i-0000000000000000e', UNAPPROVED, { AmiGuardDeadline: '2026-06-10T09:00Z' }, 'stopped'),
  compliant: ec2Instance('i-0000000000000000f', APPROVED, {}),
};

/** The notice records AMI Guard wrote (instance -> deadline): every marked instance of the fleet was noticed. */
const noticed: Record<string, string> = Object.fromEntries(
  Object.values(fleet).flatMap((i) => {
    const deadline = i.Tags?.find((t) => t.Key === 'AmiGuardDeadline')?.Value;
    return deadline ? [[i.InstanceId!, deadline]] : [];
  }),
);

/** Fake AWS for the fleet; `log` records the order of Config and SSM calls across clients. */
function fakeAws(log: string[], records: Record<string, string> = noticed) {
  const m = mockedClients();
  m.ec2Mock.on(DescribeInstancesCommand).callsFake((input: { InstanceIds?: string[] }) => {
    const all = Object.values(fleet);
    const chosen = input.InstanceIds ? all.filter((i) => input.InstanceIds!.includes(i.InstanceId!)) : all;
    return { Reservations: [{ Instances: chosen }] };
  });
  m.ec2Mock.on(DescribeImagesCommand).resolves({
    Images: [
      ec2Image(APPROVED, '111111111111', { Environment: 'Prod' }),
      ec2Image(UNAPPROVED, '111111111111', { Environment: 'Test' }),
    ],
  });
  m.configMock.on(PutEvaluationsCommand).callsFake(() => {
    log.push('config.PutEvaluations');
    return { FailedEvaluations: [] };
  });
  // The example approves AMIs by ID too; none of the fleet's.
  m.ssmMock.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    if (!input.Name.startsWith('/ami-guard/notices/')) return { Parameter: { Value: 'ami-0ccccccccccccccc3' } };
    const deadline = records[input.Name.slice('/ami-guard/notices/'.length)];
    if (!deadline) throw awsError('ParameterNotFound');
    return { Parameter: { Value: JSON.stringify({ deadline }) } };
  });
  // The sweep lists the records (one page here).
  m.ssmMock.on(GetParametersByPathCommand, { Path: '/ami-guard/notices' } as never).callsFake(() => ({
    Parameters: Object.entries(records).map(([id, deadline]) => ({
      Name: `/ami-guard/notices/${id}`,
      Value: JSON.stringify({ deadline }),
    })),
  }));
  let n = 0;
  m.ssmMock.on(StartAutomationExecutionCommand).callsFake(() => {
    log.push('ssm.StartAutomationExecution');
    return { AutomationExecutionId: `exec-${++n}` };
  });
  m.cloudTrailMock.on(LookupEventsCommand).resolves({ Events: [] });
  m.autoScalingMock.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
  return m;
}

async function sweep(
  log: string[] = [],
  notificationCreationTime = '2026-06-15T12:00:00.000Z',
  env = variables,
  records: Record<string, string> = noticed,
) {
  const m = fakeAws(log, records);
  const event = configEvent(
    { ...scheduledEvent, notificationCreationTime },
    JSON.parse(env[RULE_PARAMETERS_ENV]) as Record<string, string>,
  );
  const result = await handleConfigEvent(event, clientsWith(m), {
    now: NOW,
    remediation: parseRemediationTrigger(env[REMEDIATION_TRIGGER_ENV]),
  });
  const starts = m.ssmMock.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input);
  return { m, result, starts };
}

describe('the scheduled sweep starts the runbook again', () => {
  quietConsole();

  test('for marked instances past their deadline and marked instances now compliant, after storing the evaluations', async () => {
    const log: string[] = [];
    const { result, starts } = await sweep(log);
    expect(result.reported).toBe(6);
    expect(starts.map((s) => s.Parameters?.InstanceId)).toEqual([
      ['i-0000000000000000a'],
      ['i-0000000000000000c'],
      ['i-0000000000000000d'],
    ]);
    expect(log).toEqual([
      'config.PutEvaluations',
      'ssm.StartAutomationExecution',
      'ssm.StartAutomationExecution',
      'ssm.StartAutomationExecution',
    ]);
    // THEN with the stack's own runbook and the parameters AWS Config passes
    const config = onlyResource(stack, 'aws_config_remediation_configuration');
    const staticNames = (config.parameter as { name: string; static_value?: string }[])
      .filter((p) => p.static_value !== undefined)
      .map((p) => p.name);
    for (const start of starts) {
      expect(start.DocumentName).toBe(onlyResource(stack, 'aws_ssm_document').name);
      expect(Object.keys(start.Parameters ?? {}).sort()).toEqual([...staticNames, 'InstanceId'].sort());
      expect(start.Parameters).toMatchObject({
        Mode: ['stop'],
        TopicArn: ['arn:aws:sns:eu-west-1:222222222222:ami-guard-remediation'],
        EscalationTopicArn: ['arn:aws:sns:eu-west-1:222222222222:ami-guard-escalation'],
        EscalateAfterHours: ['72'],
        AutomationAssumeRole: ['arn:aws:iam::222222222222:role/ami-guard/ami-guard-remediation-eu-west-1'],
      });
    }
    expect(result.remediation?.started.map((s) => s.reason)).toEqual([
      'deadline 2026-06-15T09:00Z passed',
      'compliant with a deadline tag: remove it',
      'non-compliant without a deadline tag: recover it from the notice record, or give notice',
    ]);
  });

  test('a retried sweep starts the same executions (same client tokens); the next sweep starts new ones', async () => {
    const first = (await sweep()).starts.map((s) => s.ClientToken);
    const retried = (await sweep()).starts.map((s) => s.ClientToken);
    const next = (await sweep([], '2026-06-16T12:00:00.000Z')).starts.map((s) => s.ClientToken);
    expect(first).toEqual(retried);
    expect(first.every((t) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(t ?? ''))).toBe(true);
    expect(new Set(first).size).toBe(3);
    expect(next.some((t) => first.includes(t))).toBe(false);
  });

  test('a sweep cut short by the time budget starts the runbook only for the instances it judged', async () => {
    // GIVEN an invocation whose time runs low after the first two instances: the context is asked once
    // for the budget, once before the page and once before each instance
    let asked = 0;
    const context = { getRemainingTimeInMillis: () => (++asked <= 4 ? 60_000 : 2_500) };
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const m = fakeAws([]);
    const event = configEvent(scheduledEvent, JSON.parse(variables[RULE_PARAMETERS_ENV]) as Record<string, string>);
    // WHEN the sweep runs
    const result = await handleConfigEvent(event, clientsWith(m), {
      now: NOW,
      context,
      remediation: parseRemediationTrigger(variables[REMEDIATION_TRIGGER_ENV]),
    });
    // THEN it judged a and b only; of the marked instances only a was judged, so only a is started again
    expect(result).toMatchObject({ reported: 2, complete: false, notEvaluated: 4 });
    const starts = m.ssmMock.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input.Parameters?.InstanceId);
    expect(starts).toEqual([['i-0000000000000000a']]);
    expect(result.remediation).toMatchObject({ deferred: 0 });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('Sweep stopped by the time budget after reporting 2 instance(s)'));
  });

  test('in terminate mode, also for a stopped instance past its deadline: it can be started again on the same AMI', async () => {
    const { starts, result } = await sweep([], undefined, lambdaVariables(terminateStack));
    expect(starts.map((s) => s.Parameters?.InstanceId)).toEqual([
      ['i-0000000000000000a'],
      ['i-0000000000000000c'],
      ['i-0000000000000000d'],
      ['i-0000000000000000e'],
    ]);
    for (const start of starts) expect(start.Parameters).toMatchObject({ Mode: ['terminate'] });
    expect(result.remediation?.started.map((s) => s.reason)).toEqual([
      'deadline 2026-06-15T09:00Z passed',
      'compliant with a deadline tag: remove it',
      'non-compliant without a deadline tag: recover it from the notice record, or give notice',
      'deadline 2026-06-10T09:00Z passed',
    ]);
  });

  test('without the trigger (notify, or manual remediation) the sweep starts nothing', async () => {
    const m = fakeAws([]);
    const event = configEvent(scheduledEvent, JSON.parse(variables[RULE_PARAMETERS_ENV]) as Record<string, string>);
    await handleConfigEvent(event, clientsWith({ ec2: m.ec2, config: m.config, ssm: m.ssm }), NOW);
    expect(m.ssmMock.commandCalls(StartAutomationExecutionCommand)).toHaveLength(0);
  });
});

withPython('the runbooks the sweep started', () => {
  quietConsole();

  /** Runs the stack's runbook with the parameters the sweep passed, the check answered by the real check mode. */
  async function execute(parameters: Record<string, string[]>, tf = stack, records = noticed) {
    const instanceId = parameters.InstanceId[0];
    const m = fakeAws([], records);
    const runbook = runbookOf(tf);
    const grace = (runbook.mainSteps[0].inputs.InputPayload as { GraceHours: number }).GraceHours;
    const answer = await runCheck(
      { [CHECK_EVENT_KEY]: { instanceId, mode: parameters.Mode[0] as ActingMode, graceHours: grace } },
      clientsWith(m),
      { [RULE_PARAMETERS_ENV]: lambdaVariables(tf)[RULE_PARAMETERS_ENV] },
      NOW,
    );
    return runAutomation(runbook, {
      parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, v[0]])),
      now: NOW,
      stub: {
        'lambda.invoke': { StatusCode: 200, Payload: JSON.stringify(answer) },
        'sns.publish': { MessageId: 'm-1' },
        'ec2.create_tags': {},
        'ec2.delete_tags': {},
        'ssm.put_parameter': { Version: 1 },
        'ssm.delete_parameter': {},
        'ec2.stop_instances': {},
        'ec2.terminate_instances': {},
        'autoscaling.describe_auto_scaling_instances': { AutoScalingInstances: [] },
        'ec2.describe_instance_attribute': { DisableApiStop: { Value: false }, DisableApiTermination: { Value: false } },
        'ec2.create_image': { ImageId: 'ami-0eeeeeeeeeeeeeee1' },
        'ec2.describe_images': [{ Images: [{ State: 'available' }] }],
      },
    });
  }
  const names = (calls: readonly StubCall[]) => calls.map((c) => `${c.service}.${c.method}`);

  test('stop the instance past its deadline, and remove the deadline of the excepted one', async () => {
    const { starts } = await sweep();
    const [past, excepted, unmarked] = await Promise.all(starts.map((s) => execute(s.Parameters as Record<string, string[]>)));
    expect(past.status).toBe('Success');
    expect(names(past.calls)).toContain('ec2.stop_instances');
    expect(past.calls.find((c) => c.method === 'stop_instances')?.kwargs).toEqual({ InstanceIds: ['i-0000000000000000a'] });
    expect(names(excepted.calls)).toEqual(['lambda.invoke', 'ssm.delete_parameter', 'ec2.delete_tags', 'sns.publish']);
    expect(excepted.calls[2].kwargs).toEqual({ Resources: ['i-0000000000000000c'], Tags: [{ Key: 'AmiGuardDeadline' }] });
    // Never noticed: the runbook gives the notice now, and records it.
    expect(names(unmarked.calls)).toEqual(['lambda.invoke', 'sns.publish', 'ssm.put_parameter', 'ec2.create_tags']);
  });

  test('an owner who deletes the tag after the notice gains nothing: the instance is stopped at the original deadline', async () => {
    // GIVEN instance d was noticed with the deadline 2026-06-15T11:00Z, and its owner deleted the tag
    const records = { ...noticed, 'i-0000000000000000d': '2026-06-15T11:00Z' };
    // WHEN the first sweep after the deadline (12:00) runs
    const { starts } = await sweep();
    const start = starts.find((s) => s.Parameters?.InstanceId?.[0] === 'i-0000000000000000d')!;
    const run = await execute(start.Parameters as Record<string, string[]>, stack, records);
    // THEN the runbook shows the recorded deadline again (the permission to stop requires the tag) and stops it
    expect(names(run.calls)).toContain('ec2.stop_instances');
    expect(run.calls.find((c) => c.method === 'create_tags')?.kwargs).toEqual({
      Resources: ['i-0000000000000000d'],
      Tags: [{ Key: 'AmiGuardDeadline', Value: '2026-06-15T11:00Z' }],
    });
    expect(names(run.calls)).not.toContain('ssm.put_parameter');
  });

  test('a backdated deadline someone else wrote leads to a notice first, and action only after the grace', async () => {
    // GIVEN instance a carries a deadline in the past that AMI Guard never recorded
    const records = Object.fromEntries(Object.entries(noticed).filter(([id]) => id !== 'i-0000000000000000a'));
    const { starts } = await sweep();
    const start = starts.find((s) => s.Parameters?.InstanceId?.[0] === 'i-0000000000000000a')!;
    const run = await execute(start.Parameters as Record<string, string[]>, stack, records);
    // THEN the runbook gives notice with a full grace (24 h from now), and changes nothing
    expect(names(run.calls)).toEqual(['lambda.invoke', 'sns.publish', 'ssm.put_parameter', 'ec2.create_tags']);
    expect(run.calls.at(-1)?.kwargs).toEqual({
      Resources: ['i-0000000000000000a'],
      Tags: [{ Key: 'AmiGuardDeadline', Value: '2026-06-16T12:00Z' }],
    });
  });

  test('an owner who deletes the tag, then fixes the instance, leaves no record behind: the sweep has the runbook clear it', async () => {
    // GIVEN compliant instance f was noticed (record 2026-06-14T09:00Z), and its owner deleted the tag, then moved it to an approved AMI
    const records = { ...noticed, 'i-0000000000000000f': '2026-06-14T09:00Z' };
    // WHEN the sweep runs
    const { starts, result } = await sweep([], undefined, variables, records);
    // THEN it starts the runbook for f too, which deletes the record and the tag and tells the owner; nothing is stopped
    expect(result.remediation?.started.find((s) => s.instanceId === 'i-0000000000000000f')?.reason).toBe(
      'compliant with a notice record: delete it',
    );
    const start = starts.find((s) => s.Parameters?.InstanceId?.[0] === 'i-0000000000000000f')!;
    const run = await execute(start.Parameters as Record<string, string[]>, stack, records);
    expect(names(run.calls)).toEqual(['lambda.invoke', 'ssm.delete_parameter', 'ec2.delete_tags', 'sns.publish']);
    expect(run.calls[1].kwargs).toEqual({ Name: '/ami-guard/notices/i-0000000000000000f' });
    // AND without the record, the sweep leaves f alone (the first test: three starts, none for f)
  });

  test('in terminate mode, terminate the stopped instance past its deadline, after its evidence image', async () => {
    const { starts } = await sweep([], undefined, lambdaVariables(terminateStack));
    const stopped = starts.find((s) => s.Parameters?.InstanceId?.[0] === 'i-0000000000000000e')!;
    const run = await execute(stopped.Parameters as Record<string, string[]>, terminateStack);
    expect(run.status).toBe('Success');
    const acts = names(run.calls).filter((n) =>
      ['ec2.create_image', 'ec2.terminate_instances', 'ec2.stop_instances'].includes(n),
    );
    expect(acts).toEqual(['ec2.create_image', 'ec2.terminate_instances']);
    expect(run.calls.find((c) => c.method === 'terminate_instances')?.kwargs).toEqual({ InstanceIds: ['i-0000000000000000e'] });
  });
});
