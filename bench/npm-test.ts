/**
 * `npm run bench -- --npm-test`: the wall time of `npm test` (jest, every test file, the run's own
 * settings) in this tree against the commit before the test-loop work (NPM_TEST_BASELINE), side by side
 * in one run on the same machine. Each tree runs once to warm its caches (ts-jest's transforms, the Lambda
 * package in its dist/), then the two are timed alternately, and the medians compared. Jest's JSON report
 * gives the number of tests, which must not shrink.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { median } from './common';
import type { Row } from './table';

/** The commit the test loop was measured against: main before the work on `npm test`'s time. */
export const NPM_TEST_BASELINE = '2961717';

/** The value of `--npm-test-runs N` (1 without it); anything but a whole number from 1 to 9 is refused. */
export function npmTestRuns(argv: readonly string[]): number {
  const at = argv.indexOf('--npm-test-runs');
  if (at < 0) return 1;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1 || runs > 9) {
    throw new Error(
      `--npm-test-runs ${argv[at + 1] ?? ''}: give a whole number of timed runs from 1 to 9, e.g. --npm-test-runs 3.`,
    );
  }
  return runs;
}

interface JestRun {
  readonly ms: number;
  readonly tests: number;
  readonly failed: number;
  readonly files: number;
  /** The slowest test files, with their time in s as jest reports it (a profile per file). */
  readonly slowest: Record<string, number>;
}

/** One `npx jest` in `root`, timed from outside, with jest's own counts. */
function jestRun(root: string, out: string): JestRun {
  const started = performance.now();
  const run = spawnSync('npx', ['jest', '--ci', '--json', `--outputFile=${out}`], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
    // TZ as .ci/run sets it, so both trees run the tests that depend on it the same way
    env: { ...process.env, TZ: 'America/Los_Angeles' },
  });
  const ms = performance.now() - started;
  if (!fs.existsSync(out)) throw new Error(`npx jest in ${root} wrote no report (${run.status ?? run.signal}):\n${run.stderr}`);
  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as {
    numTotalTests: number;
    numFailedTests: number;
    numTotalTestSuites: number;
    testResults: { name: string; startTime: number; endTime: number }[];
  };
  const slowest = Object.fromEntries(
    report.testResults
      .map((t) => [path.relative(root, t.name), Number(((t.endTime - t.startTime) / 1000).toFixed(1))] as const)
      .sort((x, y) => y[1] - x[1])
      .slice(0, 8),
  );
  return { ms, tests: report.numTotalTests, failed: report.numFailedTests, files: report.numTotalTestSuites, slowest };
}

/** The Lambda package in a tree's dist/ cache, as a developer has it after the first synth. */
function warmLambdaPackage(root: string): void {
  const code = "require('./modules/detect/lambda-asset').amiComplianceZip()";
  const run = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', code], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`building the Lambda package in ${root} failed:\n${run.stderr}`);
}

/**
 * Measures `npm test` here against `baseline` (a tree of NPM_TEST_BASELINE sharing node_modules).
 * @param runs timed runs of each tree, after one warm-up each
 */
export function benchNpmTest(repo: string, baseline: string, work: string, runs = 1): Row {
  for (const root of [baseline, repo]) warmLambdaPackage(root);
  const report = (name: string) => path.join(work, `jest-${name}.json`);
  jestRun(baseline, report('baseline-warm'));
  jestRun(repo, report('ours-warm'));
  const ours: JestRun[] = [];
  const theirs: JestRun[] = [];
  for (let i = 0; i < runs; i++) {
    theirs.push(jestRun(baseline, report(`baseline-${i}`)));
    ours.push(jestRun(repo, report(`ours-${i}`)));
  }
  const [a, b] = [median(ours.map((r) => r.ms)), median(theirs.map((r) => r.ms))];
  const [testsOurs, testsTheirs] = [ours[0].tests, theirs[0].tests];
  const failed = [...ours, ...theirs].reduce((n, r) => n + r.failed, 0);
  return {
    what: `npm test, ${testsOurs} tests (vs ${NPM_TEST_BASELINE}, ${testsTheirs} tests)`,
    ours: `${(a / 1000).toFixed(1)} s`,
    baseline: `${(b / 1000).toFixed(1)} s`,
    ratio: b / a,
    target: '>= 2x, no fewer tests',
    met: b / a >= 2 && testsOurs >= testsTheirs && failed === 0,
    detail: { runs, oursMs: ours.map((r) => r.ms), baselineMs: theirs.map((r) => r.ms), ours, baseline: theirs },
  };
}
