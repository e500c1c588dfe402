/**
 * Outputs built once per jest run and shared by every test file that asks for the same key: a synth of one
 * config, read by a dozen files, is made once instead of a dozen times. They live in the run's private
 * temp folder (test-support/temp-root.ts), so they are fresh each run and go with it.
 *
 * Shared outputs are read-only. Each one's digest is written when it is made; globalTeardown compares,
 * and fails the run naming the output a test changed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder of shared outputs inside a run's temp folder (not `ami-guard-*`: those are leftovers). */
const SHARED_DIR = 'shared-outputs';
const DIGEST_SUFFIX = '.sha256';

/** The digest of every file under `dir`: paths and bytes, in a stable order. */
function digestOf(dir: string): string {
  const hash = createHash('sha256');
  const files = fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(dir, file)))
      .update('\0');
  return hash.digest('hex');
}

/**
 * The output for `key`, made by `build(dir)` the first time any test file of this run asks for it.
 * Several workers may build the same key at once: each builds in its own folder, and the first to
 * rename it into place wins (the others' outputs are the same, and are removed).
 * @param root the run's temp folder (runTempFolder() in temp-root.ts); none outside a jest run
 * @returns the output's folder, or undefined outside a jest run (the caller then builds its own)
 * @throws whatever `build` throws; nothing is left in place then
 */
export function sharedOutdir(key: string, build: (dir: string) => void, root: string | undefined): string | undefined {
  if (!root) return undefined;
  const name = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const shared = path.join(root, SHARED_DIR);
  const dir = path.join(shared, name);
  if (fs.existsSync(`${dir}${DIGEST_SUFFIX}`)) return dir;
  fs.mkdirSync(shared, { recursive: true });
  const temp = fs.mkdtempSync(path.join(shared, `${name}.tmp-`));
  try {
    build(temp);
    const digest = digestOf(temp);
    try {
      fs.renameSync(temp, dir);
    } catch (err) {
      if (!fs.existsSync(`${dir}${DIGEST_SUFFIX}`) && !fs.existsSync(dir)) throw err;
      return dir; // another worker was first; its output is the same
    }
    fs.writeFileSync(`${dir}${DIGEST_SUFFIX}`, digest);
    return dir;
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * The shared outputs of the run in `root` whose files differ from when they were made.
 * @returns their folders
 */
export function changedSharedOutdirs(root: string): string[] {
  const shared = path.join(root, SHARED_DIR);
  if (!fs.existsSync(shared)) return [];
  return fs
    .readdirSync(shared)
    .filter((f) => f.endsWith(DIGEST_SUFFIX))
    .map((f) => path.join(shared, f.slice(0, -DIGEST_SUFFIX.length)))
    .filter((dir) => !fs.existsSync(dir) || digestOf(dir) !== fs.readFileSync(`${dir}${DIGEST_SUFFIX}`, 'utf8'));
}
