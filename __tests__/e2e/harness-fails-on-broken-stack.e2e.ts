/**
 * Harness self-test (run by `npm run e2e`, not `npm test`: it needs terraform and moto_server).
 * A deliberately broken stack must fail the harness's per-stack run, and the report must carry
 * Terraform's own error text.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../../modules/stacks/app';
import { STATE_BACKEND_STACK } from '../../config/schema';
import { StateBackendStack } from '../../modules/stacks/state-backend-stack';
import { Emulator, EmulatorError } from '../../e2e/emulator';
import { missingPrerequisites } from '../../e2e/prerequisites';
import { StackRun } from '../../e2e/stack';
import { TIMEOUTS } from '../../e2e/terraform';
import { E2E_CONFIG, SynthesizedStack, synthesizeApp } from '../../e2e/synth';
import { wireToEmulator } from '../../e2e/emulator-wiring';
import { loadConfig, parseConfig } from '../../config/load';
import { motoForBlock } from './moto-block';

let workDir: string;

/**
 * A test's limit is the sum of the harness's own per-command limits for the steps it runs (each command
 * fails its step when it passes its limit), plus room for synth and emulator calls: only a real failure
 * or a hung command fails the test, never a slow machine.
 */
const withinStepLimits = (...steps: (keyof typeof TIMEOUTS)[]) => steps.reduce((ms, step) => ms + TIMEOUTS[step], 60_000);

beforeAll(() => {
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(`the e2e self-test needs terraform and moto_server:\n  ${missing.join('\n  ')}`);
});

beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-e2e-selftest-'));
});

afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

test(
  'GIVEN an invalid enum value in a stack THEN the run fails at validate with the provider message',
  async () => {
    // validate reads no API, so the endpoint is never contacted.
    const app = wireToEmulator(buildApp(loadConfig(E2E_CONFIG), { outdir: path.join(workDir, 'out') }), 'http://127.0.0.1:9');
    (app.node.findChild(STATE_BACKEND_STACK) as StateBackendStack).lockTable.addOverride('billing_mode', 'PAY_PER_QUERY');
    const stack = synthesizeApp(app).find((s) => s.name === STATE_BACKEND_STACK)!;
    const lines: string[] = [];

    const run = new StackRun({ name: stack.name, dir: stack.dir, report: (l) => lines.push(l) });
    const deployed = await run.deploy();

    expect(deployed).toBe(false);
    const result = run.result();
    expect(result.ok).toBe(false);
    expect(result.failure?.step).toBe('validate');
    expect(result.failure?.error).toMatch(/expected billing_mode to be one of \[.*"PAY_PER_REQUEST".*\], got PAY_PER_QUERY/);
    expect(lines.join('\n')).toMatch(/^state-backend {2}validate FAIL .*\n[\s\S]*Error: expected billing_mode to be one of/m);
    expect(result.steps.map((s) => s.step)).toEqual(['init', 'validate']);
  },
  withinStepLimits('init', 'validate'),
);

describe('against moto', () => {
  const moto = motoForBlock();

  /** One small account stack (no detection) of the e2e config, with its backend straight in moto. */
  async function accountStack(stackName: string, attachToRole: string): Promise<SynthesizedStack> {
    const raw = JSON.parse(fs.readFileSync(E2E_CONFIG, 'utf8')) as { accounts: unknown[] };
    raw.accounts = [
      {
        stackName,
        accountId: '123456789012',
        attachTo: { roles: [attachToRole] },
        detection: { enabled: false },
        remediation: { mode: 'off' },
      },
    ];
    const config = parseConfig(raw, 'template.json');
    // The state backend without the state-backend stack: a bucket and a lock table created directly.
    const emulator = new Emulator(moto().url, config.backend.region);
    await emulator.createBucket(config.backend.bucket).catch(alreadyThere);
    await emulator.createLockTable(config.backend.lockTable).catch(alreadyThere);
    const app = wireToEmulator(buildApp(config, { outdir: path.join(workDir, 'out') }), moto().url);
    return synthesizeApp(app).find((s) => s.name === stackName)!;
  }

  function alreadyThere(err: unknown): void {
    if (!(err instanceof EmulatorError) || !/BucketAlreadyOwnedByYou|ResourceInUseException/.test(err.code ?? '')) throw err;
  }

  test(
    'GIVEN a stack whose apply fails in the emulator THEN the run fails at apply with the AWS error and cleans up',
    async () => {
      const stack = await accountStack('e2e-broken', 'e2e-role-that-does-not-exist');
      const lines: string[] = [];

      const run = new StackRun({ name: stack.name, dir: stack.dir, report: (l) => lines.push(l) });
      const deployed = await run.deploy();
      const result = run.result();
      const cleanedUp = await run.destroy();

      expect(deployed).toBe(false);
      expect(result.failure?.step).toBe('apply');
      expect(result.failure?.error).toMatch(
        /Error: attaching IAM Policy .* to IAM Role \(e2e-role-that-does-not-exist\)[\s\S]*NoSuchEntity/,
      );
      expect(lines.join('\n')).toMatch(/^e2e-broken {2}apply {4}FAIL /m);
      expect(cleanedUp).toBe(true);
      expect(result.steps.map((s) => s.step)).toEqual(['init', 'validate', 'plan', 'apply']);
      expect(run.result().steps.map((s) => s.step)).toEqual(['init', 'validate', 'plan', 'apply', 'cleanup']);
    },
    withinStepLimits('init', 'validate', 'plan', 'apply', 'state', 'destroy'),
  );

  test(
    'GIVEN a difference right after apply THEN the second plan fails the run and prints the diff',
    async () => {
      const stack = await accountStack('e2e-drift', 'e2e-drift-role');
      await new Emulator(moto().url, 'eu-west-1').ensurePrincipal('role', 'e2e-drift-role');
      // A check between apply and the second plan changes the launch policy, as a perpetual diff would.
      const drift = {
        step: 'drift',
        run: async () => {
          const file = path.join(stack.dir, 'cdk.tf.json');
          fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('AllowTaggingOnLaunch', 'AllowTaggingOnLaunchChanged'));
          return 'launch policy statement id changed';
        },
      };
      const lines: string[] = [];

      const run = new StackRun({ name: stack.name, dir: stack.dir, report: (l) => lines.push(l), checks: [drift] });
      const deployed = await run.deploy();
      const result = run.result();
      await run.destroy();

      expect(deployed).toBe(false);
      expect(result.failure?.step).toBe('replan');
      expect(result.failure?.detail).toMatch(/^perpetual diff right after apply: 0 to add, 1 to change, 0 to destroy$/);
      expect(result.failure?.error).toMatch(/# aws_iam_policy\.\S+ will be updated in-place[\s\S]*AllowTaggingOnLaunchChanged/);
      expect(lines.join('\n')).toMatch(/^e2e-drift {2}replan {3}FAIL /m);
    },
    withinStepLimits('init', 'validate', 'plan', 'apply', 'state', 'plan', 'destroy'),
  );
});
