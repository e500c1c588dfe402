/**
 * The runbook's check step is the last gate before any stop or terminate. These tests run it in every
 * mode with python3 against a stub boto3, feed it answers the TypeScript check mode really produces
 * (and broken ones), and follow the branch: only a fresh REMEDIATE for the same instance, after its
 * deadline, may lead towards the action. The whole runbook's paths are in runbook-paths.test.ts.
 */
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { runCheck } from '../../lambda/ami-compliance/check';
import { CHECK_EVENT_KEY, RULE_PARAMETERS_ENV, type CheckResult } from '../../lambda/ami-compliance/contract';
import {
  CHECK_STEP,
  RECHECK_STEP,
  remediationDocument,
  SAFETY_STEP,
  STOP_STEP,
  TERMINATE_STEP,
  type ActingMode,
} from '../../modules/correct/remediation-document';
import {
  branchTarget,
  pythonUnavailableReason,
  runScriptStep,
  scriptStep,
  stepOutputs,
  substitute,
  type Boto3Stub,
} from '../../test-support/runbook';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { awsError, clientsWith, ec2Image, ec2Instance, mockedClients } from '../lambda/fixtures/aws-fakes';

const ID = 'i-0123456789abcdef0';
const OTHER = 'i-0fedcba9876543210';
const AMI = 'ami-0aaaaaaaaaaaaaaa1';
const NOW = new Date('2026-06-15T12:00:00Z');
const MODES: readonly ActingMode[] = ['notify', 'stop', 'terminate'];
const ACTIONS = [STOP_STEP, TERMINATE_STEP];

const skip = pythonUnavailableReason();
if (skip) {
  console.warn(`!!!!! RUNBOOK SCRIPT TESTS SKIPPED: ${skip} -- the runbook's Python was not executed !!!!!`);
}
const withPython = skip ? describe.skip : describe;

/**
 * What the TypeScript check mode answers, in `mode`, for an instance in `state` whose AMI carries
 * `Environment=<value>` and whose deadline tag is `deadline`.
 */
async function realCheck(environment: string, mode: ActingMode, deadline?: string, state = 'running'): Promise<CheckResult> {
  const m = mockedClients();
  const tags: Record<string, string> = deadline ? { AmiGuardDeadline: deadline } : {};
  m.ec2Mock
    .on(DescribeInstancesCommand, { InstanceIds: [ID] })
    .resolves({ Reservations: [{ Instances: [ec2Instance(ID, AMI, tags, state)] }] });
  m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [ec2Image(AMI, '111111111111', { Environment: environment })] });
  m.cloudTrailMock.on(LookupEventsCommand).resolves({ Events: [] });
  m.autoScalingMock.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
  // A deadline comes with its notice record: AMI Guard wrote both.
  if (deadline) m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ deadline }) } });
  else m.ssmMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
  const env = { [RULE_PARAMETERS_ENV]: JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod' }) };
  const event = { [CHECK_EVENT_KEY]: { instanceId: ID, mode, ...(mode === 'notify' ? {} : { graceHours: 24 }) } };
  return runCheck(event, clientsWith(m), env, NOW);
}

/** A Lambda invoke answer carrying `body`. */
function invoked(body: unknown, extra: Record<string, unknown> = { StatusCode: 200 }): Boto3Stub {
  return { 'lambda.invoke': { ...extra, Payload: typeof body === 'string' ? body : JSON.stringify(body) } };
}

/** Runs the check step of `mode` on ID and, when it returns, the Decide branch; the step the runbook goes to next. */
function runCheckStep(mode: ActingMode, stub: Boto3Stub) {
  const doc = remediationDocument({ checkFunctionName: 'ami-guard-ami-compliance', mode });
  const step = scriptStep(doc, CHECK_STEP);
  const parameters = { Mode: mode, InstanceId: ID, EscalateAfterHours: '72' };
  const payload = step.inputs.InputPayload as Record<string, unknown>;
  const events = Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [k, typeof v === 'string' ? substitute(v, parameters) : v]),
  );
  const run = runScriptStep(step, events, stub, { now: NOW });
  const next = run.payload ? branchTarget(doc, 'Decide', { ...stepOutputs(step, run.payload), ...parameters }) : undefined;
  return { doc, step, run, next };
}

/** Every step reachable from `start` through nextStep / onFailure links. */
function reachable(doc: ReturnType<typeof remediationDocument>, start: string): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const step = doc.mainSteps.find((s) => s.name === name)!;
    if (step.nextStep) queue.push(step.nextStep);
    if (step.onFailure?.startsWith('step:')) queue.push(step.onFailure.slice(5));
    if (step.action === 'aws:branch') {
      const inputs = step.inputs as { Choices: { NextStep: string }[]; Default?: string };
      queue.push(...inputs.Choices.map((c) => c.NextStep), ...(inputs.Default ? [inputs.Default] : []));
    }
  }
  return seen;
}

const reachesAction = (doc: ReturnType<typeof remediationDocument>, from: string) =>
  ACTIONS.some((action) => reachable(doc, from).has(action));

withPython('runbook check step, run with python3 against a stub boto3', () => {
  test('GIVEN every mode THEN the scripts are the contract-generated check (and, where it acts, the clear, the safety check and, before a terminate, the check again), aborting on failure', () => {
    const expected = {
      notify: [CHECK_STEP],
      stop: [CHECK_STEP, 'RemoveDeadline', SAFETY_STEP],
      terminate: [CHECK_STEP, 'RemoveDeadline', SAFETY_STEP, RECHECK_STEP],
    };
    for (const mode of MODES) {
      const doc = remediationDocument({ checkFunctionName: 'fn', mode });
      const scripts = doc.mainSteps.filter((s) => s.action === 'aws:executeScript');
      expect(scripts.map((s) => s.name)).toEqual(expected[mode]);
      for (const script of scripts) expect(script.onFailure).toBe('Abort');
    }
  });

  describe.each(MODES)('%s mode', (mode) => {
    test('GIVEN a real first REMEDIATE answer THEN it reaches the finding (notify) or the notice, never an action', async () => {
      const answer = await realCheck('prod', mode);
      expect(answer).toMatchObject({ verdict: 'REMEDIATE', compliance: 'NON_COMPLIANT' });
      const { run, next, doc } = runCheckStep(mode, invoked(answer));
      expect(run.error).toBeUndefined();
      expect(run.payload).toMatchObject({ verdict: 'REMEDIATE', compliance: 'NON_COMPLIANT', imageId: AMI });
      const request = { instanceId: ID, mode, ...(mode === 'notify' ? {} : { graceHours: 24 }) };
      expect(run.calls).toEqual([
        {
          service: 'lambda',
          method: 'invoke',
          kwargs: { FunctionName: 'ami-guard-ami-compliance', Payload: { [CHECK_EVENT_KEY]: request } },
        },
      ]);
      expect(next).toBe(mode === 'notify' ? 'NotifyFinding' : 'NotifyNotice');
      expect(reachesAction(doc, next!)).toBe(false);
    });

    test('GIVEN a real REMEDIATE answer after the deadline THEN only the acting modes go towards the action', async () => {
      const answer = await realCheck('prod', mode, '2026-06-15T11:00Z');
      const { next, doc } = runCheckStep(mode, invoked(answer));
      expect(next).toBe(mode === 'notify' ? 'NotifyFinding' : SAFETY_STEP);
      expect(reachesAction(doc, next!)).toBe(mode !== 'notify');
    });

    test('GIVEN a real SKIP answer THEN it only reports the skip', async () => {
      const answer = await realCheck('Prod', mode);
      expect(answer.verdict).toBe('SKIP');
      const { run, next, doc } = runCheckStep(mode, invoked(answer));
      expect(run.payload).toMatchObject({ verdict: 'SKIP', compliance: 'COMPLIANT' });
      expect(next).toBe('NotifySkipped');
      expect(reachesAction(doc, next!)).toBe(false);
    });

    test('GIVEN a real answer for a non-compliant instance that is already stopped THEN only stop mode skips it, and nothing acts', async () => {
      const answer = await realCheck('prod', mode, undefined, 'stopped');
      expect(answer.verdict).toBe(mode === 'stop' ? 'SKIP' : 'REMEDIATE');
      const { next, doc } = runCheckStep(mode, invoked(answer));
      expect(next).toBe({ notify: 'NotifyFinding', stop: 'NotifySkipped', terminate: 'NotifyNotice' }[mode]);
      expect(reachesAction(doc, next!)).toBe(false);
    });

    const phase = mode === 'notify' ? 'notify' : 'act';
    const remediate = {
      instanceId: ID,
      imageId: AMI,
      compliance: 'NON_COMPLIANT',
      verdict: 'REMEDIATE',
      reason: 'r',
      phase,
      deadline: mode === 'notify' ? null : '2026-06-15T11:00Z',
    };
    test.each<[string, Boto3Stub, RegExp]>([
      ['a FunctionError', invoked({ errorMessage: 'boom' }, { StatusCode: 200, FunctionError: 'Unhandled' }), /raised Unhandled/],
      ['malformed JSON', invoked('{"verdict": "REMEDIATE"'), /not JSON/],
      ['a JSON answer that is not an object', invoked('["REMEDIATE"]'), /not a JSON object/],
      ["another instance's ID", invoked({ ...remediate, instanceId: OTHER }), /another instance/],
      ['no instance ID', invoked({ ...remediate, instanceId: undefined }), /another instance/],
      ['a timeout', { 'lambda.invoke': { raise: 'Read timeout on endpoint URL' } }, /Read timeout/],
      ['REMEDIATE with compliance COMPLIANT', invoked({ ...remediate, compliance: 'COMPLIANT' }), /not NON_COMPLIANT/],
      ['REMEDIATE without compliance', invoked({ ...remediate, compliance: undefined }), /unexpected verdict or compliance/],
      ['StatusCode 500 without FunctionError', invoked(remediate, { StatusCode: 500 }), /status 500/],
      ['no StatusCode', invoked(remediate, {}), /status null/],
      ['an unknown verdict', invoked({ ...remediate, verdict: 'STOP' }), /unexpected verdict/],
      ['an unknown phase', invoked({ ...remediate, phase: 'stop' }), /unexpected phase "stop"/],
      [
        'a SKIP verdict with an acting phase',
        invoked({ ...remediate, verdict: 'SKIP', compliance: 'COMPLIANT' }),
        /does not match the verdict/,
      ],
      [
        'a phase of the other kind of mode',
        invoked({ ...remediate, phase: mode === 'notify' ? 'notice' : 'notify' }),
        mode === 'notify' ? /unexpected phase "notice" without a grace period/ : /unexpected phase "notify" with a grace period/,
      ],
    ])('GIVEN %s THEN the step raises and nothing is notified or stopped', (_, stub, message) => {
      const { run, next } = runCheckStep(mode, stub);
      expect(run.payload).toBeUndefined();
      expect(run.error).toMatch(/^AMI Guard check failed, nothing was changed: /);
      expect(run.error).toMatch(message);
      expect(next).toBeUndefined();
    });
  });

  describe.each<ActingMode>(['stop', 'terminate'])('%s mode: the deadline in the answer', (mode) => {
    const act = { instanceId: ID, imageId: AMI, compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE', reason: 'r', phase: 'act' };
    test.each<[string, Boto3Stub, RegExp]>([
      [
        'act before the deadline',
        invoked({ ...act, deadline: '2026-06-15T12:01Z' }),
        /acting before the deadline 2026-06-15T12:01Z/,
      ],
      ['act without a deadline', invoked({ ...act, deadline: null }), /a deadline phase without a deadline/],
      ['a malformed deadline', invoked({ ...act, deadline: '2026-06-15 11:00' }), /a deadline phase without a deadline/],
      [
        'clear for a non-compliant instance',
        invoked({ ...act, verdict: 'SKIP', phase: 'clear', deadline: null }),
        /removing the deadline of an instance that is not COMPLIANT/,
      ],
    ])('GIVEN %s THEN the step raises and nothing is changed', (_, stub, message) => {
      const { run, next } = runCheckStep(mode, stub);
      expect(run.error).toMatch(/^AMI Guard check failed, nothing was changed: /);
      expect(run.error).toMatch(message);
      expect(next).toBeUndefined();
    });
  });
});
