/**
 * Without --plan the review plans the synthesized stacks itself: init, plan -out, show -json in each
 * stack directory, never apply; the commands run through an injected runner here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PlanError } from '../../modules/review/plan';
import { chooseStacks, planStacks, PLAN_FILE, synthesizedStacks, TerraformRunner } from '../../modules/review/run-plans';
import { runReview } from '../../scripts/review';
import { tempDir } from '../../test-support/temp';
import { planFile } from './fixtures/plans';
import { ANALYTICS, PAYMENTS, STATE_BACKEND } from './fixtures/review-cases';

let outdir: string;
beforeAll(() => {
  outdir = tempDir('ami-guard-review-synth-');
  const stacks = Object.fromEntries(
    [STATE_BACKEND, ANALYTICS, PAYMENTS].map((s) => [
      s,
      { workingDirectory: `stacks/${s}`, synthesizedStackPath: `stacks/${s}/cdk.tf.json` },
    ]),
  );
  fs.writeFileSync(path.join(outdir, 'manifest.json'), JSON.stringify({ version: '0.21.0', stacks }));
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

/** A runner that answers `show -json` with the saved plan of the stack its directory names. */
function fakeTerraform(reviewCase: string, calls: string[], fail?: string): TerraformRunner {
  return async (cwd, args) => {
    const stack = path.basename(cwd);
    calls.push(`${stack}: terraform ${args.join(' ')}`);
    if (fail && args[0] === fail) return { code: 1, stdout: '', stderr: 'Error: No valid credential sources found' };
    if (args[0] === 'show') return { code: 0, stdout: fs.readFileSync(planFile(reviewCase, stack), 'utf8'), stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  };
}

test('GIVEN synthesized stacks THEN each is initialized, planned to a file without a lock, and shown as JSON; nothing is applied', async () => {
  const calls: string[] = [];
  const plans = await planStacks(synthesizedStacks(outdir), fakeTerraform('unchanged', calls));

  expect(plans.map((p) => p.stack)).toEqual([STATE_BACKEND, ANALYTICS, PAYMENTS]);
  expect(calls.filter((c) => c.startsWith(PAYMENTS))).toEqual([
    `${PAYMENTS}: terraform init -input=false -no-color`,
    `${PAYMENTS}: terraform plan -input=false -no-color -lock=false -out=${PLAN_FILE}`,
    `${PAYMENTS}: terraform show -json ${PLAN_FILE}`,
  ]);
  expect(calls.some((c) => / (apply|destroy|import)\b/.test(c))).toBe(false);
});

test('GIVEN --stacks THEN only those are planned; an unknown name lists the synthesized ones', () => {
  const all = synthesizedStacks(outdir);

  expect(chooseStacks(all, [PAYMENTS]).map((s) => s.name)).toEqual([PAYMENTS]);
  expect(() => chooseStacks(all, ['payments'])).toThrow(
    new PlanError('--stacks', `no synthesized stack "payments" (synthesized: ${STATE_BACKEND}, ${ANALYTICS}, ${PAYMENTS})`),
  );
});

test('GIVEN a failing terraform command THEN the review stops with its error and the stack directory', async () => {
  const calls: string[] = [];
  await expect(planStacks(synthesizedStacks(outdir), fakeTerraform('unchanged', calls, 'plan'))).rejects.toThrow(
    /stacks\/state-backend: terraform plan exited 1:\nError: No valid credential sources found/,
  );
  expect(calls).toHaveLength(2);
});

test('GIVEN no synthesized output THEN it says to synthesize first', () => {
  expect(() => synthesizedStacks(path.join(outdir, 'nothing'))).toThrow(/manifest\.json: not found: run `npm run synth` first/);
});

test('GIVEN the command without --plan THEN it reviews the chosen stacks it planned', async () => {
  let stdout = '';
  const calls: string[] = [];
  const code = await runReview(['--outdir', outdir, '--stacks', `${PAYMENTS}`, '--format', 'json', '--fail-on', 'high'], {
    stdout: (t) => (stdout += t),
    stderr: () => undefined,
    terraform: fakeTerraform('remediation-stop', calls),
  });

  expect(code).toBe(2);
  expect(JSON.parse(stdout).stacks.map((s: { stack: string }) => s.stack)).toEqual([PAYMENTS]);
});
