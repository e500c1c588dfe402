/**
 * Locks the harness leaves behind, and only those, released on the way out. A Terraform command that is
 * killed (its safety limit, a signal) or fails can leave its S3 backend lock, a DynamoDB item holding
 * `{ ID, Operation, Who, Created }`, in the lock table; every later command of that state then waits for
 * it and fails with "Error acquiring the state lock", the cleanup's destroy included. After such a
 * command the harness reads the lock item of the command's state: when Terraform wrote it as this user
 * on this host since the command started, the harness runs `terraform force-unlock -force <ID>` and says
 * so. A lock of anyone else (another process, a person, the suite's own lock probe) is never touched.
 * https://developer.hashicorp.com/terraform/cli/commands/force-unlock
 */
import * as os from 'node:os';

/** The lock information Terraform writes into the lock item's `Info` attribute (the fields read here). */
export interface LockInfo {
  readonly ID: string;
  readonly Operation?: string;
  readonly Who?: string;
  readonly Created?: string;
  readonly Path?: string;
}

/** Where one stack directory's state lock lives. */
export interface StateLockWatch {
  /** The lock, e.g. `ami-guard-e2e-locks/ami-guard-e2e-state/ami-guard/123456789012/eu-west-1/terraform.tfstate`. */
  readonly where: string;
  /** Reads the lock item's Info; undefined when the state is not locked. */
  readonly read: () => Promise<LockInfo | undefined>;
}

/** `user@host`, as Terraform writes the lock's `Who`. */
export const HARNESS_WHO = `${os.userInfo().username}@${os.hostname()}`;

const watches = new Map<string, StateLockWatch>();
let reporter: ((line: string) => void) | undefined;

/** Watches the state lock of the terraform commands run in `dir` (its backend is S3 with a lock table). */
export function watchStateLock(dir: string, watch: StateLockWatch): void {
  watches.set(dir, watch);
}

/** Stops watching, e.g. when the run that owned the directory ends. */
export function unwatchStateLocks(): void {
  watches.clear();
}

/** Where each force-unlock is said. @default nowhere but the command's result */
export function reportLockReleases(report: ((line: string) => void) | undefined): void {
  reporter = report;
}

/** The watched directories, for the sweep on the way out. */
export function watchedDirs(): string[] {
  return [...watches.keys()];
}

/** Terraform writes `Created` with nanoseconds; Date.parse takes milliseconds. */
function createdMs(created: string | undefined): number {
  return created ? Date.parse(created.replace(/(\.\d{3})\d+/, '$1')) : NaN;
}

/** True when Terraform took this lock for this user on this host at or after `sinceMs`. */
export function lockedByHarness(info: LockInfo, sinceMs: number): boolean {
  // one second of slack: Terraform and the harness read the same clock, but Created is written after start
  return info.Who === HARNESS_WHO && createdMs(info.Created) >= sinceMs - 1000;
}

/**
 * After a command in `dir` that started at `sinceMs` and failed or was killed: when it left its lock,
 * releases it with `forceUnlock(id)` (run in the same directory, in the same turn of the state).
 * @returns what was released, for the step's report; undefined when there was nothing of the harness's
 */
export async function releaseLeftLock(
  dir: string,
  sinceMs: number,
  what: string,
  forceUnlock: (id: string) => Promise<{ code: number | null; stderr: string; stdout: string }>,
): Promise<string | undefined> {
  const watch = watches.get(dir);
  if (!watch) return undefined;
  let info: LockInfo | undefined;
  try {
    info = await watch.read();
  } catch (err) {
    // e.g. the lock table is gone with the state-backend stack: nothing to release, but said
    reporter?.(`locks     could not read the lock ${watch.where} after ${what}: ${(err as Error).message}`);
    return undefined;
  }
  if (!info || !lockedByHarness(info, sinceMs)) return undefined;
  const result = await forceUnlock(info.ID);
  const line =
    result.code === 0
      ? `force-unlocked lock ${info.ID} (${info.Operation ?? 'operation?'}, created ${info.Created}) that ${what} left on ${watch.where}`
      : `terraform force-unlock ${info.ID} failed (exit ${result.code}) after ${what}: ${(result.stderr || result.stdout).trim()}`;
  reporter?.(`unlock    ${line}`);
  return line;
}
