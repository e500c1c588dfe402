/**
 * One long-lived python3 process that runs runbook script steps (test-support/runbook_driver.py), so a
 * test file starts Python once, not once per step. Requests go over two named pipes, synchronously:
 * the runbook simulator is synchronous, and a step's answer is needed before the next step runs.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './temp';

/** One request: a script, its handler and events, and the stub table. */
export interface DriverRequest {
  readonly script: string;
  readonly handler: string;
  readonly events: Record<string, unknown>;
  /** `"service.method"` -> answers. */
  readonly stub?: unknown;
  /** Calls the stub does not list go to the real boto3 (e.g. against moto). @default false */
  readonly real?: boolean;
  /** Calls made earlier in the same automation, as `[service, method, kwargs]`. */
  readonly priorCalls?: readonly unknown[];
  /** The clock `utc_now()` returns, ISO 8601. */
  readonly now?: string;
}

export interface DriverAnswer {
  readonly payload?: Record<string, unknown>;
  readonly error?: string;
  readonly calls: readonly [string, string, Record<string, unknown>][];
}

/** How long one request may take before the driver is declared stuck (a safety net, not a measure). */
const REQUEST_TIMEOUT_MS = 60_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class RunbookDriver {
  private readonly child: ChildProcess;
  private readonly requests: number;
  private readonly answers: number;
  private readonly stderr: string;
  private pending = '';
  private stopped = false;

  /** @param env the Python process's environment (PATH is added) */
  constructor(env: Readonly<Record<string, string>> = {}) {
    const dir = tempDir('ami-guard-runbook-driver-');
    const requestPipe = path.join(dir, 'requests');
    const answerPipe = path.join(dir, 'answers');
    const made = spawnSync('mkfifo', [requestPipe, answerPipe]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr?.toString() ?? made.error}`);
    this.stderr = path.join(dir, 'stderr.txt');
    // Read-write and non-blocking opens never wait for the other side, so a Python that fails to start cannot hang the test.
    this.requests = fs.openSync(requestPipe, fs.constants.O_RDWR);
    this.answers = fs.openSync(answerPipe, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const err = fs.openSync(this.stderr, 'w');
    this.child = spawn('python3', [path.join(__dirname, 'runbook_driver.py'), requestPipe, answerPipe], {
      stdio: ['ignore', 'ignore', err],
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    fs.closeSync(err);
    this.child.unref();
  }

  /** Makes one real boto3 call (`ec2`, `create_tags`, kwargs); its reply, or the error as `error`. */
  call(service: string, method: string, kwargs: Record<string, unknown>): { payload?: Record<string, unknown>; error?: string } {
    return this.send({ call: { service, method, kwargs } });
  }

  /** Runs one request and waits for its answer. */
  run(request: DriverRequest): DriverAnswer {
    return this.send(request);
  }

  private send(request: object): DriverAnswer {
    if (this.stopped) throw new Error('the runbook driver was stopped');
    fs.writeSync(this.requests, `${JSON.stringify(request)}\n`);
    const line = this.readLine();
    const answer = JSON.parse(line) as DriverAnswer & { crash?: string };
    if (answer.crash) throw new Error(`the runbook driver could not run the step: ${answer.crash}`);
    return answer;
  }

  private readLine(): string {
    const deadline = Date.now() + REQUEST_TIMEOUT_MS;
    const buffer = Buffer.alloc(1 << 16);
    for (;;) {
      const newline = this.pending.indexOf('\n');
      if (newline >= 0) {
        const line = this.pending.slice(0, newline);
        this.pending = this.pending.slice(newline + 1);
        return line;
      }
      let read = 0;
      try {
        read = fs.readSync(this.answers, buffer, 0, buffer.length, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      if (read > 0) {
        this.pending += buffer.subarray(0, read).toString('utf8');
        continue;
      }
      if (!this.alive() || Date.now() > deadline) {
        const why = fs.existsSync(this.stderr) ? fs.readFileSync(this.stderr, 'utf8').slice(-2000) : '';
        throw new Error(`python3 (runbook driver) gave no answer${this.alive() ? ' in time' : ': it exited'}. ${why}`);
      }
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }

  /** Whether the Python process still runs (the event loop is blocked, so its exit event cannot be awaited). */
  private alive(): boolean {
    try {
      const stat = fs.readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) [ZX]/.test(stat);
    } catch {
      return false;
    }
  }

  /** Ends the Python process; safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    fs.closeSync(this.requests);
    fs.closeSync(this.answers);
    this.child.kill();
  }
}

let shared: RunbookDriver | undefined;

/** The test file's driver for stubbed runs, started on first use. */
export function sharedRunbookDriver(): RunbookDriver {
  return (shared ??= new RunbookDriver());
}

/** Stops the shared driver (the jest setup does this after each test file). */
export function stopSharedRunbookDriver(): void {
  shared?.stop();
  shared = undefined;
}
