/**
 * `npm run e2e [-- --jobs N] [--keep] [--config FILE] [--no-self-test] [--load]`
 *
 * Deploys every stack with Terraform against moto (see e2e/suite.ts), then runs the
 * jest tests that need terraform or moto (the `.e2e.ts` files under __tests__: harness self-tests such as
 * "a broken stack must fail the harness", terraform validate of the example stacks, the rule Lambda
 * bundle against moto, `npm run demo -- --quiet`). Prints
 * one line per stack per step and ends with exactly `N passed, M failed`; exits 1 if M > 0.
 * `--load` runs all of it while one busy loop per core keeps the machine loaded (e2e/cpu-load.ts): the
 * check that time limits are safety nets, not thresholds, on a CI machine with other work on it.
 */
import { spawn } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCpuLoad } from '../e2e/cpu-load';
import { awsProviderVersion, missingPrerequisites, terraformVersion } from '../e2e/prerequisites';
import { seconds, StackResult } from '../e2e/stack';
import { runSuite } from '../e2e/suite';
import { E2E_CONFIG } from '../e2e/synth';
import { cliConfigFile } from '../e2e/terraform';

interface Args {
  readonly jobs: number;
  readonly keep: boolean;
  readonly config: string;
  readonly selfTest: boolean;
  readonly load: boolean;
}

const USAGE = 'usage: npm run e2e [-- --jobs N] [--keep] [--config FILE] [--no-self-test] [--load]';
/** The hard cap of the CPU hog of `--load`: above the longest run measured under load, so it covers the whole run. */
const LOAD_CAP_MS = 45 * 60_000;

function parseArgs(argv: readonly string[]): Args {
  const args = { jobs: 3, keep: false, config: E2E_CONFIG, selfTest: true, load: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs') args.jobs = Number(argv[++i]);
    else if (a === '--keep') args.keep = true;
    else if (a === '--config') args.config = path.resolve(argv[++i] ?? '');
    else if (a === '--no-self-test') args.selfTest = false;
    else if (a === '--load') args.load = true;
    else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!Number.isInteger(args.jobs) || args.jobs < 1) throw new Error(`--jobs must be a whole number >= 1\n${USAGE}`);
  return args;
}

const ROOT = path.resolve(__dirname, '..');

/** Runs the jest tests that need terraform or moto; they are not part of `npm test`, which needs only Node. */
function selfTest(): Promise<{ ok: boolean; ms: number; output: string }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const jest = spawn(
      process.execPath,
      [require.resolve('jest/bin/jest'), '--testMatch', '**/__tests__/**/*.e2e.ts', '--runInBand', '--ci'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    jest.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    jest.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    jest.on('close', (code) => resolve({ ok: code === 0, ms: Date.now() - started, output }));
  });
}

/** jest's own count line, e.g. "Tests: 12 passed, 12 total". */
function jestSummary(output: string): string {
  return /^Tests:\s+(.*)$/m.exec(output)?.[1] ?? 'no jest summary';
}

function summaryLine(r: StackResult, width: number): string {
  const ms = r.steps.reduce((sum, s) => sum + s.ms, 0);
  if (r.ok) return `PASS  ${r.stack.padEnd(width)}  ${r.steps.length} steps, ${seconds(ms)} of terraform and checks`;
  return `FAIL  ${r.stack.padEnd(width)}  ${r.failure?.step}: ${r.failure?.detail}`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const missing = missingPrerequisites();
  if (missing.length > 0) {
    console.error(`e2e cannot run on this machine:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    return 1;
  }
  const log = (line: string) => console.log(line);
  log(
    `terraform ${terraformVersion()}, hashicorp/aws ${awsProviderVersion()}, CLI config ${cliConfigFile()}, config ${path.relative(ROOT, args.config)}`,
  );
  const load = args.load ? startCpuLoad(LOAD_CAP_MS) : undefined;
  try {
    if (load)
      log(
        `load      ${load.pids.length} busy loops on ${os.cpus().length} cores (pids ${load.pids.join(', ')}), each capped at ${seconds(LOAD_CAP_MS)}`,
      );
    return await runAll(args, started, log);
  } finally {
    if (load) {
      load.stop();
      log(
        `load      busy loops stopped; load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' / ')} (1 / 5 / 15 min)`,
      );
    }
  }
}

async function runAll(args: Args, started: number, log: (line: string) => void): Promise<number> {
  const suite = await runSuite({ configTemplate: args.config, jobs: args.jobs, keep: args.keep, report: log });

  const items: { ok: boolean }[] = [...suite.results];
  log('');
  const width = Math.max(...suite.results.map((r) => r.stack.length), 9);
  for (const r of suite.results) log(summaryLine(r, width));
  if (suite.workDir) log(`work dir kept: ${suite.workDir}`);

  if (args.selfTest) {
    log('');
    log('tool tests __tests__/**/*.e2e.ts (jest) ...');
    const st = await selfTest();
    items.push(st);
    if (!st.ok) log(st.output.trimEnd());
    log(`${st.ok ? 'PASS' : 'FAIL'}  ${'tool tests'.padEnd(width)}  ${seconds(st.ms)}, ${jestSummary(st.output)}`);
  }
  const failed = items.filter((i) => !i.ok).length;
  log(`total ${seconds(Date.now() - started)}`);
  log(`${items.length - failed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`e2e harness error: ${err.stack ?? err}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
