/**
 * The runbook's Python is the last gate before StopInstances. These tests run every
 * `aws:executeScript` step of every mode with python3 against a stub boto3, feed it answers the
 * TypeScript check mode really produces (and broken ones), and follow the branch: only a fresh
 * REMEDIATE for the same instance may reach the stop step.
 */
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { runCheck } from '../../lambda/ami-compliance/check';
import { CHECK_EVENT_KEY, RULE_PARAMETERS_ENV, type CheckResult } from '../../lambda/ami-compliance/contract';
import { CHECK_STEP, remediationDocument, STOP_STEP, type ActingMode } from '../../modules/correct/remediation-document';
import {
  branchTarget,
  pythonUnavailableReason,
  runScriptStep,
  scriptStep,
  stepOutputs,
  type Boto3Stub,
} from '../../test-support/runbook';
import { clientsWith, ec2Image, ec2Instance, mockedClients } from '../lambda/fixtures/aws-fakes';

const ID = 'i-0123456789abcdef0';
const OTHER = 'i-0fedcba9876543210';
const AMI = 'ami-0aaaaaaaaaaaaaaa1';
const NOW = new Date('2026-06-15T12:00:00Z');
const MODES: readonly ActingMode[] = ['notify', 'stop'];

const skip = pythonUnavailableReason();
if (skip) {
  console.warn(`!!!!! RUNBOOK SCRIPT TESTS SKIPPED: ${skip} -- the runbook's Python was not executed !!!!!`);
}
const withPython = skip ? describe.skip : describe;

/** What the TypeScript check mode answers for an instance whose AMI carries `Environment=<value>`. */
async function realCheck(environment: string, mode: ActingMode = 'notify', state = 'running'): Promise<CheckResult> {
  const m = mockedClients();
  m.ec2Mock
    .on(DescribeInstancesCommand, { InstanceIds: [ID] })
    .resolves({ Reservations: [{ Instances: [ec2Instance(ID, AMI, {}, state)] }] });
  m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [ec2Image(AMI, '111111111111', { Environment: environment })] });
  const env = { [RULE_PARAMETERS_ENV]: JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod' }) };
  return runCheck({ [CHECK_EVENT_KEY]: { instanceId: ID, mode } }, clientsWith({ ec2: m.ec2 }), env, NOW);
}

/** A Lambda invoke answer carrying `body`. */
function invoked(body: unknown, extra: Record<string, unknown> = { StatusCode: 200 }): Boto3Stub {
  return { 'lambda.invoke': { ...extra, Payload: typeof body === 'string' ? body : JSON.stringify(body) } };
}

/** Runs the check step of `mode` on ID and, when it returns, the Decide branch; the step the runbook goes to next. */
function runCheckStep(mode: ActingMode, stub: Boto3Stub) {
  const doc = remediationDocument({ checkFunctionName: 'ami-guard-ami-compliance', mode });
  const step = scriptStep(doc, CHECK_STEP);
  const run = runScriptStep(step, { FunctionName: 'ami-guard-ami-compliance', InstanceId: ID, Mode: mode }, stub);
  const next = run.payload
    ? branchTarget(doc, 'Decide', { ...stepOutputs(step, run.payload), Mode: mode, InstanceId: ID })
    : undefined;
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
  }
  return seen;
}

withPython('runbook check step, run with python3 against a stub boto3', () => {
  test('GIVEN every mode THEN each aws:executeScript step is the contract-generated check and aborts on failure', () => {
    for (const mode of MODES) {
      const doc = remediationDocument({ checkFunctionName: 'fn', mode });
      const scripts = doc.mainSteps.filter((s) => s.action === 'aws:executeScript');
      expect(scripts.map((s) => s.name)).toEqual([CHECK_STEP]);
      expect(scripts[0].onFailure).toBe('Abort');
    }
  });

  describe.each(MODES)('%s mode', (mode) => {
    test('GIVEN a real REMEDIATE answer for the instance THEN it reaches the finding, and in stop mode the stop step', async () => {
      const answer = await realCheck('prod');
      expect(answer).toMatchObject({ verdict: 'REMEDIATE', compliance: 'NON_COMPLIANT' });
      const { run, next, doc } = runCheckStep(mode, invoked(answer));
      expect(run.error).toBeUndefined();
      expect(run.payload).toMatchObject({ verdict: 'REMEDIATE', compliance: 'NON_COMPLIANT', imageId: AMI });
      expect(run.calls).toEqual([
        {
          service: 'lambda',
          method: 'invoke',
          kwargs: { FunctionName: 'ami-guard-ami-compliance', Payload: { [CHECK_EVENT_KEY]: { instanceId: ID, mode } } },
        },
      ]);
      expect(next).toBe(mode === 'stop' ? 'NotifyStopping' : 'NotifyNonCompliant');
      expect(reachable(doc, next!).has(STOP_STEP)).toBe(mode === 'stop');
    });

    test('GIVEN a real SKIP answer THEN it only reports the skip', async () => {
      const answer = await realCheck('Prod');
      expect(answer.verdict).toBe('SKIP');
      const { run, next, doc } = runCheckStep(mode, invoked(answer));
      expect(run.payload).toMatchObject({ verdict: 'SKIP', compliance: 'COMPLIANT' });
      expect(next).toBe('NotifySkipped');
      expect(reachable(doc, next!).has(STOP_STEP)).toBe(false);
    });

    test('GIVEN a real answer for a non-compliant instance that is already stopped THEN nothing is stopped again', async () => {
      const answer = await realCheck('prod', mode, 'stopped');
      expect(answer.verdict).toBe(mode === 'stop' ? 'SKIP' : 'REMEDIATE');
      const { next, doc } = runCheckStep(mode, invoked(answer));
      expect(next).toBe(mode === 'stop' ? 'NotifySkipped' : 'NotifyNonCompliant');
      expect(reachable(doc, next!).has(STOP_STEP)).toBe(false);
    });

    const remediate = { instanceId: ID, imageId: AMI, compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE', reason: 'r' };
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
    ])('GIVEN %s THEN the step raises and nothing is notified or stopped', (_, stub, message) => {
      const { run, next } = runCheckStep(mode, stub);
      expect(run.payload).toBeUndefined();
      expect(run.error).toMatch(/^AMI Guard check failed, nothing was changed: /);
      expect(run.error).toMatch(message);
      expect(next).toBeUndefined();
    });
  });
});
