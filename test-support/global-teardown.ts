import { releaseRunTempFolder } from './temp-root';

/** jest globalTeardown: fails the run when a test left a project directory in the temp folder. */
export default function globalTeardown(): void {
  const left = releaseRunTempFolder();
  if (left.length > 0) {
    throw new Error(
      `Tests left ${left.length} temporary director${left.length === 1 ? 'y' : 'ies'} behind: ${left.join(', ')}. ` +
        'Fix: make them with tempDir() from test-support/temp.ts (removed after each test file), or remove them in afterAll/finally.',
    );
  }
}
