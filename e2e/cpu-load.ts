/**
 * A bounded CPU hog for the e2e-under-load check (`npm run e2e -- --load`): one busy-loop `node` per core,
 * each ending by itself at a hard cap, and killed by {@link CpuLoad.stop} (called in a `finally`) or when
 * the harness exits, whichever comes first. It stands in for a CI machine with other work on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';

/** The running hog. */
export interface CpuLoad {
  /** Process IDs of the busy loops. */
  readonly pids: readonly number[];
  /** Kills every busy loop; safe to call twice. */
  stop(): void;
}

/**
 * Starts `processes` busy loops (@default one per core) that each stop by themselves after `capMs`.
 * @param capMs the hard cap of each loop, whatever happens to the harness
 */
export function startCpuLoad(capMs: number, processes: number = os.cpus().length): CpuLoad {
  const children: ChildProcess[] = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${Math.round(capMs)}; while (Date.now() < end) {}`], {
      stdio: 'ignore',
    }),
  );
  const stop = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    process.removeListener('exit', stop);
  };
  process.on('exit', stop);
  return { pids: children.map((c) => c.pid!), stop };
}
