import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/**
 * moto's own server app behind a lock (one request at a time: moto is not concurrency safe), run
 * with the `python3` that has moto installed. See the file's docstring.
 */
export const MOTO_SERVER_SCRIPT = path.join(__dirname, 'moto_server.py');

/** A running moto server (moto_server.py) on 127.0.0.1. */
export interface MotoServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly port: number;
  /** The process ID of the moto server (for a person to stop a server left running). */
  readonly pid: number;
  /** Stops the server; safe to call twice. */
  stop(): Promise<void>;
}

/** Why moto cannot be used on this machine, or undefined when `python3` can import moto's server. */
export function motoUnavailableReason(): string | undefined {
  const probe = spawnSync('python3', [MOTO_SERVER_SCRIPT, '--probe'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    return 'moto\'s server cannot be imported by python3 on the PATH: install it with `pip install "moto[server]"`';
  }
  return undefined;
}

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the moto server exited with code ${child.exitCode} before it answered on ${url}`);
    }
    try {
      const res = await fetch(`${url}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the moto server did not answer on ${url} within ${timeoutMs} ms`);
}

/** Starts moto's server (moto_server.py: one request at a time) on a free loopback port and waits until it answers. */
export async function startMoto(
  options: {
    timeoutMs?: number;
    env?: Readonly<Record<string, string>>;
    /** Also write moto's whole request and error log here, to read after a failed run. @default none */
    logFile?: string;
    /**
     * Let moto outlive this process (`npm run demo -- --keep`): its output goes straight to `logFile`
     * instead of through a pipe that would close with this process. Needs `logFile`. @default false
     */
    outliveProcess?: boolean;
  } = {},
): Promise<MotoServer> {
  const reason = motoUnavailableReason();
  if (reason) throw new Error(reason);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  if (options.outliveProcess && !options.logFile) throw new Error('startMoto: outliveProcess needs a logFile');
  const output = options.outliveProcess ? fs.openSync(options.logFile!, 'a') : undefined;
  const child = spawn('python3', [MOTO_SERVER_SCRIPT, '-H', '127.0.0.1', '-p', String(port)], {
    // Variables for moto itself (e.g. MOTO_IAM_LOAD_MANAGED_POLICIES); jest's process.env is not the one a child inherits.
    env: { ...process.env, ...options.env },
    stdio: output === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', output, output],
    detached: true,
  });
  if (output !== undefined) {
    fs.closeSync(output);
    child.unref();
  }
  let stderr = '';
  const log = options.logFile && output === undefined ? fs.createWriteStream(options.logFile) : undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    log?.write(chunk);
  });
  child.once('exit', () => log?.end());
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilUp(url, child, options.timeoutMs ?? 20000);
  } catch (err) {
    await stop();
    const tail = output === undefined ? stderr : fs.readFileSync(options.logFile!, 'utf8').slice(-4000);
    throw new Error(`${(err as Error).message}\n${tail}`, { cause: err });
  }
  return { url, port, pid: child.pid!, stop };
}
