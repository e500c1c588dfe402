/**
 * `npm run bench`: this project against a baseline doing the same work, measured side by side in one
 * run, printed as ratios and written to bench/results.json. Nothing here is a test: a ratio below its
 * target is flagged, not failed.
 *
 *  - synth of 3 / 100 / 300 accounts through `npx cdktf synth`, against the naive cdktf idiom (bench/naive-app.ts)
 *  - the app's own part (the `app` command of cdktf.json) for 100 accounts, against this repository
 *    before the scale work (BASELINE_COMMIT, extracted with `git archive`)
 *  - the scheduled sweep of 2,500 / 25,000 / 100,000 instances under the latency model (bench/sweep.ts),
 *    against the same sweep done strictly sequentially
 *  - cold load of the Lambda bundle in a fresh `node`, SDK bundled against SDK from the runtime
 *  - API calls of the 100,000-instance sweep against the floor, asset size, peak heap against the memory setting
 *  - `npm run report`'s scan of 300 accounts x 3 regions x 1,000 instances under a latency model (bench/report.ts),
 *    accounts read concurrently against one after the other (measured on a tenth, times ten), and its peak heap
 *    against a quarter of the fleet
 *
 * `npm run bench -- --quick` leaves out the 300-account synth and the 100,000-instance sweeps, and scans 30
 * accounts instead of 300 for the report.
 * `npm run bench -- --npm-test` measures only `npm test` against the commit before the test-loop work
 * (bench/npm-test.ts; several minutes of full test runs), and writes its row into bench/results.json beside
 * the others; `--npm-test` with `--all` measures it with everything else. `--npm-test-runs N` times each tree N
 * times (alternately, after one warm-up each) and compares the medians; the default is 1.
 * The run ends with the Markdown table for the table of docs/benchmarks.md; `npm run bench -- --table`
 * prints it again from bench/results.json without measuring anything.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAmiComplianceBundle } from '../lambda/ami-compliance/build';
import { amiComplianceZip } from '../modules/detect/lambda-asset';
import { add, median, REPO, rows, run, seconds } from './common';
import { benchReport } from './report-rows';
import { benchSweeps } from './sweep-rows';
import { benchNpmTest, NPM_TEST_BASELINE, npmTestRuns } from './npm-test';
import { markdownTable, type BenchResults, type Machine } from './table';

/** This repository before the scale work: the "current version" the app's own synth is compared with. */
const BASELINE_COMMIT = 'f188dbe';
const QUICK = process.argv.includes('--quick');
const NPM_TEST = process.argv.includes('--npm-test') || process.argv.includes('--npm-test-runs');
/** Timed runs of each tree for the npm test row (`--npm-test-runs N`). */
const NPM_TEST_RUNS = npmTestRuns(process.argv);
/** With --npm-test: every other row too; without it, the npm test row alone, merged into the results. */
const ALL = !NPM_TEST || process.argv.includes('--all');
const RESULTS = path.join(__dirname, 'results.json');

/** Created by main(), so `--table` makes no temp folder. */
let work = '';
const toolEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: path.join(REPO, 'terraform.rc') };

/** A config of `n` accounts made from the example of the tree at `root`: its second account, renumbered. */
function accountsConfig(root: string, n: number): string {
  const example = JSON.parse(fs.readFileSync(path.join(root, 'config', 'accounts.example.json'), 'utf8'));
  delete example.$schema;
  const template = example.accounts[1];
  // Every ARN in the template's account (deploy role, plan role, ...) moves to the new account with it.
  const text = JSON.stringify(template);
  example.accounts = Array.from({ length: n }, (_, i) => {
    const accountId = String(100000000000 + i);
    return { ...JSON.parse(text.replaceAll(template.accountId, accountId)), stackName: `workload-${i}` };
  });
  // An organization of that size trusts its deploy role by name, as the SCP size error advises (one ARN in
  // the tag guard SCP instead of one per account). Only trees whose config has iamAdminPrincipals know it.
  const deployRole = /:role\/(.+)$/.exec(String(template.deployRoleArn ?? ''))?.[1];
  if (Array.isArray(example.organization?.iamAdminPrincipals) && deployRole) {
    example.organization.iamAdminPrincipals.push(`arn:aws:iam::*:role/${deployRole}`);
  }
  const file = path.join(work, `${path.basename(root)}-${n}-accounts.json`);
  fs.writeFileSync(file, JSON.stringify(example, null, 2));
  return file;
}

/** A cdktf project folder whose app is the naive idiom. */
function naiveProject(): string {
  const dir = path.join(work, 'naive');
  fs.mkdirSync(dir);
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const cdktf = JSON.parse(fs.readFileSync(path.join(REPO, 'cdktf.json'), 'utf8'));
  fs.writeFileSync(
    path.join(dir, 'cdktf.json'),
    JSON.stringify({ ...cdktf, app: `npx tsx ${path.join(REPO, 'bench', 'naive-app.ts')}` }),
  );
  return dir;
}

/** A baseline tree: this repository at `commit` (default BASELINE_COMMIT), sharing node_modules. */
function baselineTree(commit = BASELINE_COMMIT): string {
  const dir = path.join(work, `baseline-${commit}`);
  fs.mkdirSync(dir);
  const archive = spawnSync('git', ['-C', REPO, 'archive', commit], { maxBuffer: 256 * 2 ** 20 });
  if (archive.status !== 0) throw new Error(`git archive ${commit} failed: ${archive.stderr}`);
  run('tar', ['-x', '-C', dir], { input: archive.stdout });
  fs.symlinkSync(fs.realpathSync(path.join(REPO, 'node_modules')), path.join(dir, 'node_modules'));
  return dir;
}

function dirBytes(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

/** Bytes of the asset files of one account stack. */
function stackAssetBytes(outdir: string): number {
  const assets = path.join(outdir, 'stacks', 'workload-0', 'assets');
  return fs.existsSync(assets) ? dirBytes(assets) : 0;
}

function benchSynth(naive: string): void {
  const cdktfSynth = (cwd: string, config: string, out: string) =>
    run('npx', ['cdktf', 'synth', '--output', out], {
      cwd,
      env: { ...toolEnv, AMI_GUARD_CONFIG: config, NAIVE_BUNDLE_DIR: path.join(work, 'naive-bundle') },
    }).ms;
  for (const n of QUICK ? [3, 100] : [3, 100, 300]) {
    const config = accountsConfig(REPO, n);
    const runs = n <= 3 ? 3 : 1;
    const ours: number[] = [];
    const theirs: number[] = [];
    let outs = { ours: '', naive: '' };
    for (let i = 0; i < runs; i++) {
      outs = { ours: path.join(work, `synth-${n}-ours-${i}`), naive: path.join(work, `synth-${n}-naive-${i}`) };
      ours.push(cdktfSynth(REPO, config, outs.ours));
      theirs.push(cdktfSynth(naive, config, outs.naive));
    }
    const [a, b] = [median(ours), median(theirs)];
    add({
      what: `npx cdktf synth, ${n} accounts (vs naive idiom)`,
      ours: seconds(a),
      baseline: seconds(b),
      ratio: b / a,
      ...(n === 100 ? { target: '>= 5x', met: b / a >= 5 } : {}),
      detail: { runs, oursMs: ours, naiveMs: theirs, outBytes: { ours: dirBytes(outs.ours), naive: dirBytes(outs.naive) } },
    });
    if (n === 100) {
      const [ourAsset, theirAsset] = [stackAssetBytes(outs.ours), stackAssetBytes(outs.naive)];
      add({
        what: 'Lambda asset per stack (vs naive idiom)',
        ours: `${Math.round(ourAsset / 1024)} KB`,
        baseline: `${Math.round(theirAsset / 1024)} KB`,
        ratio: theirAsset / ourAsset,
        target: '< 150 KB',
        met: ourAsset < 150 * 1024,
      });
    }
    for (const dir of Object.values(outs)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function benchAppCommand(baseline: string): void {
  // The `app` command of each tree's cdktf.json, run directly: what cdktf synth starts, without the CLI around it.
  const appOf = (root: string) => JSON.parse(fs.readFileSync(path.join(root, 'cdktf.json'), 'utf8')).app as string;
  const synthOnce = (root: string, i: number) =>
    run(appOf(root), [], {
      cwd: root,
      shell: true,
      env: {
        ...toolEnv,
        AMI_GUARD_CONFIG: accountsConfig(root, 100),
        CDKTF_OUTDIR: path.join(work, `app-${path.basename(root)}-${i}`),
      },
    }).ms;
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < 3; i++) {
    ours.push(synthOnce(REPO, i));
    theirs.push(synthOnce(baseline, i));
  }
  const [a, b] = [median(ours), median(theirs)];
  add({
    what: `app command, 100 accounts (vs ${BASELINE_COMMIT}, before)`,
    ours: seconds(a),
    baseline: seconds(b),
    ratio: b / a,
    target: '>= 2x',
    met: b / a >= 2,
    detail: { oursMs: ours, baselineMs: theirs, app: { ours: appOf(REPO), baseline: appOf(baseline) } },
  });
}

async function benchColdLoad(): Promise<void> {
  const bundled = amiComplianceZip();
  const runtimeDir = path.join(work, 'runtime-sdk');
  const runtime = await buildAmiComplianceBundle(runtimeDir, { sdk: 'runtime' });
  const bundledJs = path.join(path.dirname(bundled.path), 'index.js');
  // A fresh process requires the bundle and makes its three clients, as the first invocation does.
  const load = (file: string, env: NodeJS.ProcessEnv) => {
    const code = `const t=performance.now();const m=require(${JSON.stringify(file)});globalThis.x=m.handler;process.stdout.write(String(performance.now()-t))`;
    return Number(run(process.execPath, ['-e', code], { env }).stdout);
  };
  // The runtime's SDK: /var/runtime/node_modules in Lambda, this repository's node_modules here.
  const runtimeEnv = { ...process.env, NODE_PATH: fs.realpathSync(path.join(REPO, 'node_modules')) };
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < 7; i++) {
    ours.push(load(bundledJs, process.env));
    theirs.push(load(runtime.bundle, runtimeEnv));
  }
  const [a, b] = [median(ours), median(theirs)];
  add({
    what: 'cold load of the bundle (SDK bundled vs from runtime)',
    ours: `${a.toFixed(0)} ms`,
    baseline: `${b.toFixed(0)} ms`,
    ratio: b / a,
    detail: {
      bundledZipBytes: fs.statSync(bundled.path).size,
      bundledJsBytes: fs.statSync(bundledJs).size,
      runtimeJsBytes: fs.statSync(runtime.bundle).size,
      oursMs: ours,
      runtimeMs: theirs,
    },
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--table')) {
    process.stdout.write(markdownTable(JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as BenchResults));
    return;
  }
  const started = Date.now();
  const machine: Machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
  console.log(
    `AMI Guard benchmarks, ${new Date().toISOString().slice(0, 10)}: ${machine.cores} x ${machine.cpu}, node ${machine.node}, ` +
      `load average ${machine.loadAverageAtStart.join(' ')}`,
  );
  console.log(`${'what'.padEnd(52)} ${'this project'.padStart(12)} ${'baseline'.padStart(12)} ${'ratio'.padStart(7)}  target`);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-bench-'));
  try {
    amiComplianceZip(); // the cache as a developer has it after the first synth
    if (ALL) {
      await benchColdLoad();
      benchAppCommand(baselineTree());
      benchSynth(naiveProject());
      benchSweeps(QUICK);
      benchReport(QUICK);
    }
    if (NPM_TEST) add(benchNpmTest(REPO, baselineTree(NPM_TEST_BASELINE), work, NPM_TEST_RUNS));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const previous = ALL ? undefined : (JSON.parse(fs.readFileSync(RESULTS, 'utf8')) as BenchResults);
  const results: BenchResults = previous
    ? // the npm test row alone: the other rows (and their run's date and machine) stay; the row carries its own
      {
        ...previous,
        rows: [
          ...previous.rows.filter((r) => !r.what.startsWith('npm test')),
          ...rows.map((r) => ({
            ...r,
            detail: { ...r.detail, measured: new Date().toISOString(), loadAverageAtStart: machine.loadAverageAtStart },
          })),
        ],
      }
    : { date: new Date().toISOString(), quick: QUICK, machine, minutes: (Date.now() - started) / 60_000, rows };
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `${rows.filter((r) => r.target && !r.met).length} target(s) missed; bench/results.json written in ${results.minutes.toFixed(1)} min.`,
  );
  console.log(`\nFor docs/benchmarks.md:\n\n${markdownTable(results)}`);
}

main().catch((err: Error) => {
  console.error(err.stack);
  process.exit(1);
});
