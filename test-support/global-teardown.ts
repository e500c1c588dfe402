import { changedSharedOutdirs } from './shared-outdir';
import { releaseRunTempFolder, runTempFolder } from './temp-root';

/**
 * Ends a run: removes its temp folder, and fails when a test changed an output shared by the run's test
 * files, or left a project directory behind.
 * @throws naming what was changed or left, and the fix
 */
export function finishRun(env: NodeJS.ProcessEnv): void {
  const root = runTempFolder(env);
  const changed = root ? changedSharedOutdirs(root) : [];
  const left = releaseRunTempFolder(env);
  const problems: string[] = [];
  if (changed.length > 0) {
    problems.push(
      `Tests changed ${changed.length} shared output${changed.length === 1 ? '' : 's'}: ${changed.join(', ')}. ` +
        'Fix: a test that writes into a synth output or compares two synths uses synthConfig() (an output of its own), not sharedSynth().',
    );
  }
  if (left.length > 0) {
    problems.push(
      `Tests left ${left.length} temporary director${left.length === 1 ? 'y' : 'ies'} behind: ${left.join(', ')}. ` +
        'Fix: make them with tempDir() from test-support/temp.ts (removed after each test file), or remove them in afterAll/finally.',
    );
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/** jest globalTeardown. */
export default function globalTeardown(): void {
  finishRun(process.env);
}
