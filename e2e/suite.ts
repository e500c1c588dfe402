/**
 * The e2e suite: moto on a free loopback port, the e2e config synthesized in local-endpoint mode,
 * the state-backend stack deployed first, then one account stack through `npx cdktf deploy`/`destroy`
 * (the command teams run), then every account stack through StackRun, then the state-backend stack
 * destroyed. moto is stopped whatever happens (finally + signal handlers).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AmiGuardConfig, ORGANIZATION_STACK, STATE_BACKEND_STACK } from '../config/schema';
import { MotoServer, startMoto } from './moto';
import { Emulator } from './emulator';
import { MOTO_RUNTIME_GAPS } from './moto-gaps';
import { OrganizationFixture } from './organization';
import { seconds, StackResult, StackRun } from './stack';
import { parseConfig } from '../config/load';
import { routineChangeChecks } from './routine-check';
import { E2E_ROUTINE_CHANGES, routineChangeAccount } from './routine-changes';
import { nonLocalSettings, readStack, SynthesizedStack, synthesize } from './synth';
import { killAllCommands, releaseLeftLocks, terraformEnv } from './terraform';
import { reportLockReleases, unwatchStateLocks, watchStateLock } from './state-lock';
import { cdktfRunName, runWithCdktf } from './cdktf-run';
import { applyVariant } from './variant';
import {
  ATTACHMENTS,
  attachmentCheck,
  expectedStateKey,
  lockWatch,
  organizationChecks,
  resourcesInStateCheck,
  stateChecks,
} from './stack-checks';

export interface SuiteOptions {
  /** The account file to deploy (a production config; the harness wires it to the emulator). */
  readonly configTemplate: string;
  /** Account stacks deployed at once. @default 3 */
  readonly jobs?: number;
  /** Keep the work directory even when every stack passed. @default false */
  readonly keep?: boolean;
  /** Receives one finished line at a time. */
  readonly report: (line: string) => void;
}

export interface SuiteResult {
  readonly results: readonly StackResult[];
  readonly ms: number;
  /** The work directory (synthesized stacks, state, logs), when kept. */
  readonly workDir?: string;
}

/** Creates in moto the IAM principals the config attaches policies to, as they exist in a real account. */
async function createPrincipals(config: AmiGuardConfig, emulator: Emulator): Promise<string[]> {
  const created: string[] = [];
  for (const account of config.accounts) {
    for (const [kind, names] of [
      ['role', account.attachTo.roles],
      ['group', account.attachTo.groups],
      ['user', account.attachTo.users],
    ] as const) {
      for (const name of names) if (await emulator.ensurePrincipal(kind, name)) created.push(`${kind} ${name}`);
    }
  }
  return created;
}

async function pool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** What the suite reads of the config file before it is validated: where the organization lives. */
interface ConfigTemplate {
  readonly backend: { readonly region: string };
  readonly defaults?: { readonly region?: string };
  readonly organization?: { readonly region?: string; readonly targets: { id: string }[] };
}

/** Runs the suite; never throws for a stack failure, only for a broken environment. */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const started = Date.now();
  const { report } = options;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-e2e-'));
  // AWS managed policies (AWS_ConfigRole, AWSLambdaBasicExecutionRole, ...) exist in moto only with this.
  process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
  let moto: MotoServer | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    report(`${signal}: stopping terraform and moto`);
    killAllCommands('SIGTERM');
    void (moto?.stop() ?? Promise.resolve()).finally(() => {
      killAllCommands('SIGKILL');
      process.exit(128 + (os.constants.signals[signal] ?? 15));
    });
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.once(signal, onSignal);
  const results: StackResult[] = [];
  reportLockReleases(report);
  let emulatorUp = false;
  let swept = false;
  const sweepLocks = async () => {
    swept = true;
    const released = await releaseLeftLocks(started);
    report(
      `locks     ${released.length === 0 ? 'none left by this run' : `${released.length} left by this run, force-unlocked`}`,
    );
  };
  try {
    moto = await startMoto({ logFile: path.join(workDir, 'moto.log') });
    const emulatorUrl = moto.url;
    report(`moto      ${moto.url} (moto's server on 127.0.0.1:${moto.port}, one request at a time); work dir ${workDir}`);
    // The organization the organization stack is deployed into exists before AMI Guard runs, and its
    // root and OU IDs are moto's: the config's target IDs are replaced by them, then the config is
    // validated like any production config.
    const raw = JSON.parse(fs.readFileSync(options.configTemplate, 'utf8')) as ConfigTemplate;
    let fixture: OrganizationFixture | undefined;
    if (raw.organization) {
      fixture = new OrganizationFixture(moto.url, raw.organization.region ?? raw.defaults?.region ?? raw.backend.region);
      const targets = raw.organization.targets;
      const ids = await fixture.create(targets.map((t) => t.id));
      report(
        `fixtures  organization in moto, targets ${targets.map((t) => (ids.get(t.id) === t.id ? t.id : `${t.id} -> ${ids.get(t.id)}`)).join(', ')}`,
      );
      for (const target of targets) target.id = ids.get(target.id)!;
    }
    const config = parseConfig(raw, options.configTemplate);
    const synthStarted = Date.now();
    const stacks = synthesize(config, path.join(workDir, 'cdktf.out'), moto.url);
    report(`synth     ${stacks.length} stacks in ${seconds(Date.now() - synthStarted)}: ${stacks.map((s) => s.name).join(', ')}`);
    for (const stack of stacks) {
      const problems = nonLocalSettings(readStack(stack), moto.url);
      if (problems.length > 0)
        throw new Error(`refusing to deploy ${stack.name}: it is not pointed at the emulator only:\n  ${problems.join('\n  ')}`);
    }
    const emulator = new Emulator(moto.url, config.backend.region);
    emulatorUp = true;
    const created = await createPrincipals(config, emulator);
    report(`fixtures  IAM principals the config attaches to: ${created.join(', ') || 'none'}`);
    report(`note      not exercised against moto: ${MOTO_RUNTIME_GAPS.map((g) => g.api).join('; ')}`);

    const routine = routineChangeAccount(config);
    report(
      routine
        ? `routine   ${routine.stackName} plans ${E2E_ROUTINE_CHANGES.length} routine changes after apply: ${E2E_ROUTINE_CHANGES.map((c) => c.name).join('; ')}`
        : 'routine   no account has detection on and remediation "notify": routine changes not planned',
    );

    const env = terraformEnv();
    const nameWidth = Math.max(...stacks.map((s) => cdktfRunName(s.name).length));
    const runFor = (stack: SynthesizedStack) => {
      const json = readStack(stack);
      const attaches = Object.keys(ATTACHMENTS).some((type) => json.resource?.[type]);
      const checks = [
        ...stateChecks(stack, json, config, emulator, env),
        ...(attaches ? [attachmentCheck(stack, emulator)] : []),
        ...(stack.name === ORGANIZATION_STACK && fixture ? organizationChecks(stack, config, fixture) : []),
        ...(stack.name === routine?.stackName
          ? routineChangeChecks({ stack, config, emulatorUrl, workDir, env, stateBuckets: [config.backend.bucket] })
          : []),
      ];
      return new StackRun({
        name: stack.name,
        dir: stack.dir,
        report,
        checks,
        env,
        nameWidth,
        stateBuckets: [config.backend.bucket],
      });
    };

    const backendStack = stacks.find((s) => s.name === STATE_BACKEND_STACK);
    if (!backendStack) throw new Error(`the app has no ${STATE_BACKEND_STACK} stack`);
    const backendRun = runFor(backendStack);
    const backendOk = await backendRun.deploy();
    const accountStacks = stacks.filter((s) => s !== backendStack);
    if (backendOk) {
      // One stack the way teams deploy it (cdktf deploy/destroy), alongside the terraform runs of the other
      // account stacks: the first account stack moto can apply whole, as cdktf applies every resource it
      // synthesizes. Its own terraform run waits for the cdktf run (the same state key, so its state
      // starts empty), and is queued last.
      const stateBuckets = [config.backend.bucket];
      const whole = accountStacks.find(
        (s) => s.name !== ORGANIZATION_STACK && applyVariant(readStack(s), { stateBuckets }).skipped.length === 0,
      );
      let cdktfDone: Promise<void> = Promise.resolve();
      const cdktfTask = async () => {
        if (!whole) {
          const step = { step: 'cdktf', ok: false, ms: 0, detail: 'no account stack moto can apply whole: cdktf deploy not run' };
          results.push({ stack: 'cdktf deploy', ok: false, steps: [step], notApplied: [], failure: step });
          return;
        }
        // The config as the suite validated it (organization target IDs are moto's).
        const configFile = path.join(workDir, 'accounts.cdktf.json');
        fs.writeFileSync(configFile, JSON.stringify(raw, null, 2));
        const cdktfResult = await runWithCdktf({
          stack: whole.name,
          configFile,
          emulatorUrl: moto!.url,
          workDir,
          env,
          report,
          nameWidth,
          watchLock: (dir) => {
            const account = config.accounts.find((a) => a.stackName === whole.name)!;
            const key = expectedStateKey(config, account.accountId, account.region);
            watchStateLock(dir, lockWatch(emulator, config.backend.lockTable, `${config.backend.bucket}/${key}`));
          },
          checks: (dir) => [
            ...stateChecks({ name: whole.name, dir }, readStack({ name: whole.name, dir }), config, emulator, env).filter(
              (c) => c.step === 'state',
            ),
            resourcesInStateCheck(dir, env),
          ],
        });
        results.push(cdktfResult);
      };
      const runStack = async (stack: SynthesizedStack) => {
        if (stack === whole) await cdktfDone;
        const run = runFor(stack);
        await run.deploy();
        await run.destroy();
        results.push(run.result());
      };
      // The organization stack belongs to another account (the management account) and is applied on
      // its own, after the account stacks: moto then serves one stack's requests, as AWS serves each
      // account's. moto's log of the run is moto.log in the work dir.
      const accountRuns = accountStacks.filter((s) => s.name !== ORGANIZATION_STACK && s !== whole);
      type Task = { cdktf: true } | { stack: SynthesizedStack };
      const tasks: Task[] = [{ cdktf: true }, ...accountRuns.map((stack) => ({ stack })), ...(whole ? [{ stack: whole }] : [])];
      await pool(tasks, options.jobs ?? 3, async (task) => {
        if ('cdktf' in task) {
          cdktfDone = cdktfTask();
          await cdktfDone;
        } else await runStack(task.stack);
      });
      await pool(
        accountStacks.filter((s) => s.name === ORGANIZATION_STACK),
        1,
        runStack,
      );
      const order = (r: StackResult) => stacks.findIndex((s) => s.name === r.stack || cdktfRunName(s.name) === r.stack);
      results.sort((a, b) => order(a) - order(b));
    } else {
      for (const stack of accountStacks) {
        const step = { step: 'not run', ok: false, ms: 0, detail: `${STATE_BACKEND_STACK} failed` };
        results.push({ stack: stack.name, ok: false, steps: [step], notApplied: [], failure: step });
      }
    }
    // On the way out, while the lock table still exists: a lock a command of this run left (and nothing
    // else) is force-unlocked, and said.
    await sweepLocks();
    await backendRun.destroy();
    results.unshift(backendRun.result());
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
    killAllCommands('SIGKILL', false); // none are left unless the suite itself threw
    // The suite itself threw before its own sweep: sweep now.
    if (emulatorUp && !swept) await sweepLocks().catch((err: Error) => report(`locks     could not sweep: ${err.message}`));
    unwatchStateLocks();
    reportLockReleases(undefined);
    await moto?.stop();
  }
  const allPassed = results.length > 0 && results.every((r) => r.ok);
  if (allPassed && !options.keep) fs.rmSync(workDir, { recursive: true, force: true });
  return { results, ms: Date.now() - started, workDir: allPassed && !options.keep ? undefined : workDir };
}
