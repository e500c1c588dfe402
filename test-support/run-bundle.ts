/**
 * The rule Lambda's package, built at most once per jest run and shared by every test file that needs
 * "a build of the current sources" to compare with: a content-keyed cache (modules/detect/lambda-asset.ts)
 * in the run's private temp folder (test-support/temp-root.ts), so it is fresh each run and goes with it.
 * Tests of the build itself still build where the behaviour under test is the building.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { amiComplianceZip, type LambdaZip } from '../modules/detect/lambda-asset';
import { runTempFolder } from './temp-root';

/** The run's folder (set by globalSetup); a file run outside jest's globalSetup gets the system temp folder. */
const runFolder = () => runTempFolder() ?? os.tmpdir();

/**
 * This run's package of the current sources: index.js, index.js.map and the zip, in one folder apart
 * from the repository's dist/ cache, so comparing it with a synth's zip compares two separate builds.
 */
export function runBuild(): LambdaZip & { readonly bundle: string } {
  const zip = amiComplianceZip({ cacheDir: path.join(runFolder(), 'run-lambda-build') });
  return { ...zip, bundle: path.join(path.dirname(zip.path), 'index.js') };
}
