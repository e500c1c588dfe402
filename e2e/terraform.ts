/**
 * Running the Terraform CLI for the e2e suite: a hermetic environment (no real AWS credentials, no
 * checkpoint calls, the repo's provider mirror) and every command bounded by a timeout.
 */
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { releaseLeftLock, watchedDirs } from './state-lock';

/** The repo's Terraform CLI config: hashicorp/* providers from the filesystem mirror. */
export const REPO_CLI_CONFIG = path.resolve(__dirname, '..', 'terraform.rc');

/**
 * Safety nets per command, in ms: a hung command is stopped and its step names the command and the time
 * it ran; a slow machine never fails a correct stack. Each is at least 3x the slowest run measured on the
 * 2-core machine, in two runs of every stack of config/accounts.e2e.json on 2026-12-04 (load average
 * 10-15 from other work, then 20 with `--load` on top; the organization stack's two providers counted
 * once): init 2.4 s, validate 35.8 s, plan 74.6 s, apply 140.2 s, destroy 116.9 s, state list 2.8 s.
 * docs/benchmarks.md has both runs.
 */
export const TIMEOUTS: Readonly<Record<'init' | 'validate' | 'plan' | 'apply' | 'destroy' | 'state', number>> = {
  init: 120_000,
  validate: 180_000,
  plan: 300_000,
  apply: 450_000,
  destroy: 450_000,
  state: 60_000,
};

/** The commands that start and configure one provider process per provider configuration. */
const PER_PROVIDER_COMMANDS = ['validate', 'plan', 'apply', 'destroy'] as const;

/**
 * The time limits of one stack: {@link TIMEOUTS}, with the commands that start a provider process
 * per provider configuration scaled by the stack's number of AWS provider configurations (the
 * organization stack has two: the management and the aggregator account).
 */
export function stackTimeouts(stack: { provider?: { aws?: readonly unknown[] } }): typeof TIMEOUTS {
  const providers = Math.max(1, stack.provider?.aws?.length ?? 1);
  const scaled = { ...TIMEOUTS };
  for (const command of PER_PROVIDER_COMMANDS) scaled[command] = TIMEOUTS[command] * providers;
  return scaled;
}

/**
 * The CLI config to use: $TF_CLI_CONFIG_FILE when it names an existing file (a mirror or registry
 * set up by the developer), else the repo's terraform.rc.
 */
export function cliConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const own = env.TF_CLI_CONFIG_FILE;
  return own && fs.existsSync(own) ? path.resolve(own) : REPO_CLI_CONFIG;
}

/**
 * The environment of every terraform command: AWS_* and TF_* variables replaced, so a developer's
 * real credentials, profile or shared config files can never reach a command; instance metadata
 * off; no checkpoint calls. TF_PLUGIN_CACHE_DIR and TF_LOG are kept.
 */
export function terraformEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) if (!key.startsWith('AWS_') && !key.startsWith('TF_')) clean[key] = value;
  return {
    ...clean,
    TF_CLI_CONFIG_FILE: cliConfigFile(env),
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_CONFIG_FILE: '/dev/null',
    ...(env.TF_PLUGIN_CACHE_DIR ? { TF_PLUGIN_CACHE_DIR: env.TF_PLUGIN_CACHE_DIR } : {}),
    ...(env.TF_LOG ? { TF_LOG: env.TF_LOG, TF_LOG_PATH: env.TF_LOG_PATH ?? 'terraform.log' } : {}),
  };
}

/** What one command did. */
export interface CommandResult {
  /** Exit code; null when killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
  /** The lock this command left and the harness force-unlocked (e2e/state-lock.ts), said in the step's report. */
  readonly unlocked?: string;
}

const running = new Set<ChildProcess>();
let stopping = false;

/**
 * Stops every command still running (their whole process groups, provider plugins included). With
 * `refuseNew` (on a signal) later commands are not started: the exit would orphan them.
 */
export function killAllCommands(signal: NodeJS.Signals = 'SIGTERM', refuseNew = true): void {
  if (refuseNew) stopping = true;
  for (const child of running) {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  }
}

/** The last command queued per directory: one directory is one state, and one state gets one terraform at a time. */
const turns = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier command queued for `dir`, whatever became of them. */
function inTurn<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const key = path.resolve(dir);
  const mine = (turns.get(key) ?? Promise.resolve()).then(work, work);
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  turns.set(key, settled);
  void settled.then(() => {
    if (turns.get(key) === settled) turns.delete(key);
  });
  return mine;
}

/**
 * Runs `terraform <args>` in `cwd`, after any other terraform command of the same directory (state):
 * at most one Terraform process per state at any time. On its safety limit it sends SIGINT (Terraform
 * stops gracefully and releases its lock), then SIGKILL to the process group 15 s later. A command that
 * failed or was killed and left its own state lock gets it force-unlocked before the next command of
 * the state starts (e2e/state-lock.ts); the result says so in `unlocked`.
 */
export function terraform(
  cwd: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = terraformEnv(),
): Promise<CommandResult> {
  return commandOnState(cwd, 'terraform', cwd, args, timeoutMs, env);
}

/**
 * Runs `command <args>` in `cwd` as a command on the state of `stateDir` (e.g. `npx cdktf deploy`, which
 * runs terraform in the synthesized stack directory): in turn with every other command of that state,
 * and followed by the release of a lock it left (see {@link terraform}).
 */
export function commandOnState(
  stateDir: string,
  command: string,
  cwd: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = terraformEnv(),
): Promise<CommandResult> {
  return inTurn(stateDir, async () => {
    const started = Date.now();
    const result = await runCommand(command, cwd, args, timeoutMs, env);
    if (result.code === 0 && !result.timedOut) return result;
    const how = result.timedOut
      ? `stopped at its safety limit after ${seconds(result.ms)}`
      : result.code === null
        ? 'killed'
        : `exit ${result.code}`;
    const what = `${command} ${args
      .filter((a) => !a.startsWith('-'))
      .slice(0, 2)
      .join(' ')} (${how})`;
    const unlocked = await releaseLeftLock(stateDir, started, what, (id) =>
      runCommand('terraform', stateDir, ['force-unlock', '-force', '-no-color', id], TIMEOUTS.state, env),
    );
    return unlocked ? { ...result, unlocked } : result;
  });
}

/**
 * Releases, in turn with the state's commands, every lock the harness's commands left in the watched
 * directories since `sinceMs` (a command killed by a signal never reached its own release).
 * @returns one line per lock released
 */
export async function releaseLeftLocks(sinceMs: number, env: NodeJS.ProcessEnv = terraformEnv()): Promise<string[]> {
  const lines: string[] = [];
  for (const dir of watchedDirs()) {
    const line = await inTurn(dir, () =>
      releaseLeftLock(dir, sinceMs, 'a terraform command of this run', (id) =>
        runCommand('terraform', dir, ['force-unlock', '-force', '-no-color', id], TIMEOUTS.state, env),
      ),
    );
    if (line) lines.push(line);
  }
  return lines;
}

/** A duration, e.g. `12.3 s`. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Runs `command <args>` in `cwd` in its own process group, bounded like {@link terraform}: SIGINT at
 * the time limit, SIGKILL to the group 15 s later. Used for terraform itself and for the cdktf CLI,
 * which runs terraform as its child.
 */
export function runCommand(
  command: string,
  cwd: string,
  args: readonly string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = terraformEnv(),
): Promise<CommandResult> {
  const started = Date.now();
  if (stopping)
    return Promise.resolve({ code: null, stdout: '', stderr: 'not started: the harness is stopping', timedOut: false, ms: 0 });
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      signal('SIGINT');
      killTimer = setTimeout(() => signal('SIGKILL'), 15_000);
    }, timeoutMs);
    const finish = (code: number | null, error?: Error) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      running.delete(child);
      resolve({ code, stdout, stderr: error ? `${stderr}${error.message}` : stderr, timedOut, ms: Date.now() - started });
    };
    child.on('error', (err) => finish(null, err));
    child.on('close', (code) => finish(code));
  });
}

/** Terraform's own error text from a failed command (its `Error:` blocks), trimmed for a report. */
export function errorText(result: CommandResult, maxLines = 40): string {
  const source = result.stderr.trim() || result.stdout.trim();
  let lines = source.split('\n');
  const first = lines.findIndex((l) => /^(│\s*)?Error: /.test(l));
  if (first > 0) lines = lines.slice(first);
  if (result.timedOut) {
    // What was still running: the last "Still creating..." line of each resource.
    const still = new Map<string, string>();
    for (const m of result.stdout.matchAll(/^(\S+): Still [a-z]+\.\.\. \[.*\]$/gm)) still.set(m[1], m[0]);
    const tail = still.size > 0 ? [...still.values()].slice(-5) : result.stdout.trim().split('\n').slice(-8);
    lines = [
      '--- still running when the time limit was reached ---',
      ...tail,
      '--- terraform after SIGINT ---',
      ...lines.slice(0, maxLines - tail.length - 2),
    ];
  }
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines), `... (${lines.length - maxLines} more lines)`].join('\n')
    : lines.join('\n');
}

/** Distinct `Warning: <summary>` lines of a command's output. */
export function warningsOf(result: CommandResult): string[] {
  const found = `${result.stdout}\n${result.stderr}`.match(/^(?:│\s*)?Warning: (.+)$/gm) ?? [];
  return [...new Set(found.map((l) => l.replace(/^(?:│\s*)?Warning: /, '').trim()))];
}

/** One line of `terraform plan -json` output (the fields the harness reads). */
interface PlanMessage {
  readonly type?: string;
  readonly '@level'?: string;
  readonly change?: { readonly action?: string; readonly resource?: { readonly addr?: string } };
  readonly changes?: { readonly add?: number; readonly change?: number; readonly remove?: number };
  readonly diagnostic?: {
    readonly severity?: string;
    readonly summary?: string;
    readonly detail?: string;
    readonly address?: string;
  };
}

/** What `terraform plan -json` reported. */
export interface JsonPlan {
  /** Addresses of managed resources the plan would create, update, replace or delete, sorted. */
  readonly changes: readonly { readonly address: string; readonly action: string }[];
  /** Error diagnostics, formatted like Terraform's human output. */
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

/** Parses the machine-readable output of `terraform plan -json`. */
export function parseJsonPlan(stdout: string): JsonPlan {
  const changes: { address: string; action: string }[] = [];
  const errors: string[] = [];
  const warnings = new Set<string>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let msg: PlanMessage;
    try {
      msg = JSON.parse(line) as PlanMessage;
    } catch {
      continue;
    }
    if (
      msg.type === 'planned_change' &&
      msg.change?.resource?.addr &&
      msg.change.action !== 'noop' &&
      msg.change.action !== 'read'
    ) {
      changes.push({ address: msg.change.resource.addr, action: msg.change.action ?? '?' });
    } else if (msg.type === 'diagnostic' && msg.diagnostic) {
      const d = msg.diagnostic;
      if (d.severity === 'error')
        errors.push(
          [`Error: ${d.summary ?? ''}`, d.address ? `  with ${d.address}` : '', d.detail ?? ''].filter(Boolean).join('\n'),
        );
      else if (d.summary) warnings.add(d.summary);
    }
  }
  changes.sort((a, b) => a.address.localeCompare(b.address));
  return { changes, errors, warnings: [...warnings] };
}
