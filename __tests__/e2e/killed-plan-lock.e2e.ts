/**
 * Harness self-test (run by `npm run e2e`: it needs terraform and moto_server). A plan killed while it
 * holds its S3 backend lock leaves the lock item in DynamoDB, which would stop every later command of the
 * state ("Error acquiring the state lock"). The harness force-unlocks it before the next command of the
 * state, says so, and never touches a lock someone else holds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../../config/load';
import { buildApp } from '../../modules/stacks/app';
import { Emulator, EmulatorError } from '../../e2e/emulator';
import { wireToEmulator } from '../../e2e/emulator-wiring';
import { MotoServer, startMoto } from '../../e2e/moto';
import { missingPrerequisites } from '../../e2e/prerequisites';
import { HARNESS_WHO, unwatchStateLocks, watchStateLock, type LockInfo } from '../../e2e/state-lock';
import { E2E_CONFIG, SynthesizedStack, synthesizeApp } from '../../e2e/synth';
import { killAllCommands, terraform, TIMEOUTS } from '../../e2e/terraform';

const MOTO_START_MS = 60_000;
/** Safety net only: init, two plans and a force-unlock, each bounded by its own limit. */
const TEST_MS = TIMEOUTS.init + 3 * TIMEOUTS.plan + TIMEOUTS.state;

let moto: MotoServer;
let workDir: string;

beforeAll(async () => {
  const missing = missingPrerequisites();
  if (missing.length > 0) throw new Error(`the e2e self-test needs terraform and moto_server:\n  ${missing.join('\n  ')}`);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-e2e-lock-'));
  moto = await startMoto({ timeoutMs: MOTO_START_MS });
}, MOTO_START_MS + 10_000);

afterAll(async () => {
  unwatchStateLocks();
  await moto?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

/** One small account stack of the e2e config, its backend (bucket, lock table) made straight in moto, initialized. */
async function initializedStack(): Promise<{ stack: SynthesizedStack; emulator: Emulator; table: string; lockId: string }> {
  const raw = JSON.parse(fs.readFileSync(E2E_CONFIG, 'utf8')) as { accounts: unknown[] };
  raw.accounts = [
    {
      stackName: 'e2e-lock',
      accountId: '123456789012',
      attachTo: { roles: ['e2e-lock-role'] },
      detection: { enabled: false },
      remediation: { mode: 'off' },
    },
  ];
  const config = parseConfig(raw, 'template.json');
  const emulator = new Emulator(moto.url, config.backend.region);
  const alreadyThere = (err: unknown) => {
    if (!(err instanceof EmulatorError) || !/BucketAlreadyOwnedByYou|ResourceInUseException/.test(err.code ?? '')) throw err;
  };
  await emulator.createBucket(config.backend.bucket).catch(alreadyThere);
  await emulator.createLockTable(config.backend.lockTable).catch(alreadyThere);
  const stack = synthesizeApp(wireToEmulator(buildApp(config, { outdir: path.join(workDir, 'out') }), moto.url)).find(
    (s) => s.name === 'e2e-lock',
  )!;
  const init = await terraform(stack.dir, ['init', '-input=false', '-no-color'], TIMEOUTS.init);
  if (init.code !== 0) throw new Error(`terraform init failed:\n${init.stderr}${init.stdout}`);
  const table = config.backend.lockTable;
  const lockId = `${config.backend.bucket}/${config.backend.keyPrefix}/123456789012/${config.accounts[0].region}/terraform.tfstate`;
  watchStateLock(stack.dir, {
    where: `${table}/${lockId}`,
    read: async () => {
      const info = (await emulator.getLockItem(table, lockId))?.Info?.S;
      return info ? (JSON.parse(info) as LockInfo) : undefined;
    },
  });
  return { stack, emulator, table, lockId };
}

const planArgs = ['plan', '-input=false', '-no-color', '-lock-timeout=0s'];

test(
  'GIVEN a plan killed (SIGKILL) while it holds the state lock THEN the harness force-unlocks that lock, says so, and the next plan runs',
  async () => {
    const { stack, emulator, table, lockId } = await initializedStack();

    // WHEN a plan is killed as soon as its lock is in the table (SIGKILL: Terraform cannot release it itself)
    let seen: LockInfo | undefined;
    const plan = terraform(stack.dir, planArgs, TIMEOUTS.plan);
    const killer = (async () => {
      const deadline = Date.now() + TIMEOUTS.plan;
      while (Date.now() < deadline) {
        const info = (await emulator.getLockItem(table, lockId))?.Info?.S;
        if (info) {
          seen = JSON.parse(info) as LockInfo;
          killAllCommands('SIGKILL', false);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const [killed] = await Promise.all([plan, killer]);

    // THEN the lock was the plan's own (this user on this host) and the harness released it, naming it
    expect(seen).toMatchObject({ Operation: 'OperationTypePlan', Who: HARNESS_WHO });
    expect(killed.code).not.toBe(0);
    expect(killed.unlocked).toMatch(
      new RegExp(
        `^force-unlocked lock ${seen!.ID} \\(OperationTypePlan, created .*\\) that terraform plan \\(killed\\) left on ${table}/`,
      ),
    );
    expect(await emulator.getLockItem(table, lockId)).toBeUndefined();
    // AND the next command of the state is not stopped by a lock
    const next = await terraform(stack.dir, planArgs, TIMEOUTS.plan);
    expect(`${next.stdout}${next.stderr}`).not.toContain('Error acquiring the state lock');
    expect(next.code).toBe(0);
  },
  TEST_MS,
);

test(
  'GIVEN a lock someone else holds THEN a plan that fails on it leaves that lock where it is',
  async () => {
    const { stack, emulator, table, lockId } = await initializedStack();
    const foreign = await emulator.putLockItem(table, lockId, {
      id: 'someone-elses-lock',
      operation: 'OperationTypeApply',
      who: 'someone@elsewhere',
      version: '1.11.4',
    });
    try {
      const plan = await terraform(stack.dir, planArgs, TIMEOUTS.plan);
      expect(plan.code).not.toBe(0);
      expect(`${plan.stdout}${plan.stderr}`).toContain('Error acquiring the state lock');
      expect(plan.unlocked).toBeUndefined();
      expect((await emulator.getLockItem(table, lockId))?.Info?.S).toBe(foreign);
    } finally {
      await emulator.deleteLockItem(table, lockId);
    }
  },
  TEST_MS,
);
