/**
 * A private temporary folder for one jest run, and the check that tests leave nothing in it.
 * globalSetup points TMPDIR at a fresh folder (jest's workers and every process they start inherit it,
 * and os.tmpdir() reads it), so other programs using the system temp folder at the same time cannot
 * disturb the check. globalTeardown lists the folder, removes it, and fails the run when a test left a
 * project directory (`ami-guard-*`) behind.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The environment variable holding the run's temp folder, and the one holding the TMPDIR it replaced. */
const ROOT_ENV = 'AMI_GUARD_TEST_TMPDIR';
const SAVED_ENV = 'AMI_GUARD_TEST_SAVED_TMPDIR';

/** Directories the project's code and tests create in the temp folder start with this. */
const PROJECT_TEMP_PREFIX = 'ami-guard-';

/** This jest run's temp folder (globalSetup made it), or undefined outside a jest run. */
export function runTempFolder(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[ROOT_ENV] || undefined;
}

/** Makes the run's temp folder inside the current temp folder and points TMPDIR at it. */
export function useRunTempFolder(env: NodeJS.ProcessEnv = process.env): string {
  const root = fs.mkdtempSync(path.join(env.TMPDIR || os.tmpdir(), 'jest-run-'));
  env[SAVED_ENV] = env.TMPDIR ?? '';
  env[ROOT_ENV] = root;
  env.TMPDIR = root;
  return root;
}

/**
 * Lists what the run left in its temp folder, removes the folder and restores TMPDIR.
 * @returns the project directories (`ami-guard-*`) tests left behind
 */
export function releaseRunTempFolder(env: NodeJS.ProcessEnv = process.env): string[] {
  const root = env[ROOT_ENV];
  if (!root) return [];
  const left = fs.readdirSync(root).filter((name) => name.startsWith(PROJECT_TEMP_PREFIX));
  fs.rmSync(root, { recursive: true, force: true });
  if (env[SAVED_ENV]) env.TMPDIR = env[SAVED_ENV];
  else delete env.TMPDIR;
  delete env[ROOT_ENV];
  delete env[SAVED_ENV];
  return left;
}
