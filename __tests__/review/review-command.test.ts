/**
 * `npm run review`: plan files in, a comment or JSON out; exit 2 at --fail-on; bad input gives one
 * line naming the file and the problem, exit 1, and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runReview } from '../../scripts/review';
import { tempDir } from '../../test-support/temp';
import { planFile } from './fixtures/plans';
import { PAYMENTS, STATE_BACKEND } from './fixtures/review-cases';

const ROOT = path.resolve(__dirname, '..', '..');

async function review(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runReview(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: ROOT });
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = tempDir('ami-guard-review-cli-');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--fail-on', () => {
  test('GIVEN notify -> stop THEN --fail-on high exits 2; the unchanged config exits 0', async () => {
    const stop = await review(['--plan', planFile('remediation-stop', PAYMENTS), '--fail-on', 'high']);
    const unchanged = await review([
      '--plan',
      planFile('unchanged', PAYMENTS),
      planFile('unchanged', STATE_BACKEND),
      planFile('unchanged', 'analytics-prod'),
      '--fail-on',
      'high',
    ]);

    expect(stop.code).toBe(2);
    expect(stop.stdout).toContain('remediation-escalated');
    expect(unchanged.code).toBe(0);
    expect(unchanged.stderr).toBe('');
  });

  test('GIVEN exit 2 THEN one line on stderr names the flags that caused it', async () => {
    const result = await review([
      '--plan',
      planFile('attachment-removed', PAYMENTS),
      '--fail-on',
      'critical',
      '--format',
      'json',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `review: --fail-on critical: exit 2 for 2 flags: critical launch-policy-removed (${PAYMENTS}), critical tag-guard-removed (${PAYMENTS})\n`,
    );
  });

  test('GIVEN a high flag only THEN --fail-on critical exits 0, and a critical flag exits 2', async () => {
    expect((await review(['--plan', planFile('remediation-stop', PAYMENTS), '--fail-on', 'critical'])).code).toBe(0);
    expect((await review(['--plan', planFile('attachment-removed', PAYMENTS), '--fail-on', 'critical'])).code).toBe(2);
  });
});

describe('inputs and outputs', () => {
  test('GIVEN a plan file THEN the stack is named after the file, or by --stack', async () => {
    const named = await review(['--plan', planFile('tagger-added', PAYMENTS), '--format', 'json']);
    const renamed = await review(['--plan', planFile('tagger-added', PAYMENTS), '--stack', 'payments-eu', '--format', 'json']);

    expect(JSON.parse(named.stdout).stacks[0].stack).toBe(PAYMENTS);
    expect(JSON.parse(renamed.stdout).stacks[0].stack).toBe('payments-eu');
  });

  test('GIVEN the plan of an unrelated Terraform configuration THEN a no-guard warning names the stack', async () => {
    const file = path.join(dir, 'website.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        format_version: '1.2',
        resource_changes: [
          {
            address: 'aws_s3_bucket.site',
            mode: 'managed',
            type: 'aws_s3_bucket',
            name: 'site',
            change: { actions: ['create'], before: null, after: { bucket: 'www-example' } },
          },
        ],
      }),
    );

    const result = await review(['--plan', file, '--format', 'json', '--fail-on', 'high']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).stacks[0].flags).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'medium',
          code: 'no-guard',
          message: expect.stringMatching(/^website: the plan holds no AMI Guard/),
        }),
      ]),
    );
  });

  test('GIVEN --graded-by and --review-changed THEN the comment says the base version graded a PR that changes the review', async () => {
    const graded = await review(['--plan', planFile('tagger-added', PAYMENTS), '--graded-by', 'abc1234', '--review-changed']);
    const plain = await review(['--plan', planFile('tagger-added', PAYMENTS), '--graded-by', 'abc1234']);

    expect(graded.stdout).toContain("Graded by AMI Guard's review of the base branch (`abc1234`)");
    expect(graded.stdout).toMatch(
      /This pull request changes `modules\/review\/`, the rules that grade it\. The base branch's version graded it/,
    );
    expect(plain.stdout).toContain("Graded by AMI Guard's review of the base branch (`abc1234`)");
    expect(plain.stdout).not.toContain('This pull request changes');
  });

  test('GIVEN --out THEN the output goes to the file, and stdout stays empty', async () => {
    const out = path.join(dir, 'comment.md');
    const result = await review(['--plan', planFile('tagger-added', PAYMENTS), '--out', out]);

    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^<!-- ami-guard-review -->\n/);
  });

  test('GIVEN --existing-stacks naming a stack planned from an empty state THEN its state is at risk', async () => {
    const plan = JSON.parse(fs.readFileSync(planFile('unchanged', PAYMENTS), 'utf8'));
    delete plan.prior_state;
    const file = path.join(dir, `${PAYMENTS}.json`);
    fs.writeFileSync(file, JSON.stringify(plan));

    const result = await review([
      '--plan',
      file,
      '--existing-stacks',
      `${PAYMENTS},other`,
      '--format',
      'json',
      '--fail-on',
      'critical',
    ]);

    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).stacks[0].flags[0]).toMatchObject({ severity: 'critical', code: 'state-at-risk' });
  });
});

describe('bad input: one line naming the file and the problem, exit 1, nothing written', () => {
  function variant(name: string, edit: (plan: Record<string, unknown>) => unknown): string {
    const plan = JSON.parse(fs.readFileSync(planFile('unchanged', PAYMENTS), 'utf8')) as Record<string, unknown>;
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof edit(plan) === 'string' ? (edit(plan) as string) : JSON.stringify(edit(plan) ?? plan));
    return file;
  }

  test.each([
    [
      'a missing file',
      () => path.join(dir, 'missing.json'),
      /^review: .*missing\.json: file not found; pass the output of `terraform show -json <planfile>`\n$/,
    ],
    [
      'a file that is not JSON',
      () => variant('text.json', () => 'Plan: 1 to add'),
      /^review: .*text\.json: is not JSON \(.*\); expected the output of `terraform show -json <planfile>`\n$/,
    ],
    [
      'JSON that is not a plan',
      () => variant('config.json', () => ({ backend: {}, accounts: [] })),
      /^review: .*config\.json: is not a Terraform plan \(no format_version\)/,
    ],
    [
      'Terraform state instead of a plan',
      () => variant('state.json', () => ({ format_version: '1.0', terraform_version: '1.11.4', values: {} })),
      /^review: .*state\.json: is Terraform state, not a plan: run `terraform plan -out tfplan`, then `terraform show -json tfplan`\n$/,
    ],
    [
      'a plan of another format version',
      () => variant('old.json', (p) => ({ ...p, format_version: '0.1' })),
      /^review: .*old\.json: has plan format_version "0\.1", but the review reads format 1\.x \(Terraform 1\.0 or later\)/,
    ],
    ['a directory', () => dir, /^review: .*: is a directory, not a plan file/],
  ])('GIVEN %s', async (_what, file, expected) => {
    const out = path.join(dir, 'never-written.md');
    const result = await review(['--plan', planFile('unchanged', PAYMENTS), file(), '--out', out]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(expected);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('GIVEN two plans that map to the same stack name THEN they are refused, naming both files', async () => {
    const result = await review(['--plan', planFile('unchanged', PAYMENTS), planFile('tagger-added', PAYMENTS)]);
    const renamed = await review([
      '--plan',
      planFile('unchanged', PAYMENTS),
      planFile('tagger-added', PAYMENTS),
      '--stack',
      'a',
      'a',
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^review: \S+tagger-added\/payments-prod\.json: maps to stack "payments-prod", as \S+unchanged\/payments-prod\.json does: give one plan per stack, or name each with --stack\n$/,
    );
    expect(renamed.code).toBe(1);
    expect(renamed.stderr).toMatch(/maps to stack "a"/);
  });

  test('GIVEN --stack names that do not match the --plan files THEN it says so', async () => {
    const result = await review(['--plan', planFile('unchanged', PAYMENTS), '--stack', 'a', 'b']);

    expect(result.code).toBe(1);
    expect(result.stderr).toBe('review: --stack: names 2 stacks for 1 --plan files: give one name per file, in order\n');
  });

  test('GIVEN the real command on a file that is not a plan THEN the process prints one line and exits 1', () => {
    const result = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'scripts/review.ts', '--plan', 'package.json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'review: package.json: is not a Terraform plan (no format_version); expected the output of `terraform show -json <planfile>`\n',
    );
  });
});
