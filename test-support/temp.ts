/**
 * Temporary directories for tests. Each one {@link tempDir} makes is removed when its test file ends
 * (test-support/setup.ts), and test-support/temp-root.ts fails the run if a test leaves one behind anyway.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Directories made by {@link tempDir} in this test file. */
const made: string[] = [];

/** Makes a fresh temporary directory, removed when the test file ends, passed or failed. */
export function tempDir(prefix = 'ami-guard-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes every directory {@link tempDir} made so far. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
