/**
 * Benchmarks: print figures, assert nothing. Run with `npm run bench`.
 *  - config validation, synthesis of the example and of 100 account stacks (in-process, as `cdktf synth` runs it)
 *  - the pure evaluator's throughput, and a scheduled sweep over mocked clients
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EXAMPLE_CONFIG, loadConfig, parseConfig } from '../config/load';
import { buildApp } from '../modules/stacks/app';
import { evaluateInstance, ImageFacts, InstanceFacts } from '../lambda/ami-compliance/evaluate';
import { parseRuleParameters } from '../lambda/ami-compliance/params';

function time<T>(label: string, runs: number, fn: () => T): void {
  fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(1).padStart(8)} ms   min ${samples[0].toFixed(1).padStart(8)} ms   (${runs} runs)`,
  );
}

function manyAccounts(n: number) {
  const json = JSON.parse(fs.readFileSync(EXAMPLE_CONFIG, 'utf8'));
  const template = json.accounts[1];
  json.accounts = Array.from({ length: n }, (_, i) => ({
    ...template,
    stackName: `workload-${i}`,
    accountId: String(100000000000 + i),
    deployRoleArn: `arn:aws:iam::${100000000000 + i}:role/ami-guard-deploy`,
  }));
  return parseConfig(json, `${n}-accounts`);
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-bench-'));

console.log(`AMI Guard benchmarks (node ${process.version}, ${os.cpus().length} cores)`);
time('load + validate the example config', 50, () => loadConfig(EXAMPLE_CONFIG));
time('synth the example (3 accounts + state-backend)', 5, () => buildApp(loadConfig(EXAMPLE_CONFIG), { outdir: tmp() }).synth());
const hundred = manyAccounts(100);
time('synth 100 account stacks + state-backend', 3, () => buildApp(hundred, { outdir: tmp() }).synth());

const params = parseRuleParameters({
  tagKey: 'Environment',
  tagValues: 'Prod',
  trustedOwners: '111111111111',
  exceptionTagKey: 'AmiGuardException',
});
const images: ImageFacts[] = Array.from({ length: 300 }, (_, i) => ({
  imageId: `ami-${i.toString(16).padStart(17, '0')}`,
  ownerId: '111111111111',
  tags: (i % 3 === 0 ? {} : { Environment: i % 3 === 1 ? 'Prod' : 'prod' }) as Record<string, string>,
}));
const instances: InstanceFacts[] = Array.from({ length: 100_000 }, (_, i) => ({
  instanceId: `i-${i.toString(16).padStart(17, '0')}`,
  imageId: images[i % 300].imageId,
  state: 'running',
  tags: (i % 50 === 0 ? { AmiGuardException: 'CHG-1 until 2030-01-01' } : {}) as Record<string, string>,
}));
const now = new Date('2026-11-28T00:00:00Z');
time('evaluate 100,000 instances (pure evaluator)', 5, () => {
  for (const inst of instances) evaluateInstance(inst, images[Number.parseInt(inst.imageId.slice(4), 16)], params, { now });
});

// The command a team runs: cdktf CLI + tsx + esbuild bundle + zip, end to end.
time('`npx cdktf synth` of the example, wall clock', 3, () => {
  const res = spawnSync('npx', ['cdktf', 'synth', '--output', tmp()], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cdktf synth failed:\n${res.stderr}`);
});
