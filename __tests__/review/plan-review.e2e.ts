/**
 * Acceptance of the plan review with Terraform against moto (run by `npm run e2e`, not `npm test`):
 * the baseline of review-cases.ts is applied, every changed config is synthesized and planned
 * against it, and `npm run review` on `terraform show -json` of each plan raises exactly the
 * expected codes and severities. A stack whose synthesized configuration equals the unchanged one
 * would plan the same, so it is reviewed through the unchanged plan instead of being planned again.
 *
 * AMI_GUARD_REVIEW_PLANS=<dir> keeps every plan JSON file as <dir>/<case>/<stack>.json: that is how
 * the fixtures in __tests__/review/fixtures/plans are made (keeping, in each case, only the plans that
 * differ from the unchanged ones).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../config/load';
import { STATE_BACKEND_STACK } from '../../config/schema';
import { Emulator } from '../../e2e/emulator';
import { OrganizationFixture } from '../../e2e/organization';
import { MotoServer, startMoto } from '../../e2e/moto';
import { missingPrerequisites } from '../../e2e/prerequisites';
import { StackRun } from '../../e2e/stack';
import { readStack, SynthesizedStack, synthesize } from '../../e2e/synth';
import { errorText, terraform, terraformEnv, TIMEOUTS } from '../../e2e/terraform';
import { applyVariant } from '../../e2e/variant';
import { ReviewJson } from '../../modules/review/render-json';
import { baseline, OPS, ORG_ROOT, ORG_WORKLOADS, ORGANIZATION, REVIEW_CASES, ReviewCase } from './fixtures/review-cases';

const ROOT = path.resolve(__dirname, '..', '..');
const MOTO_START_MS = 60_000;
/** Stacks planned at once (each `terraform plan` against moto takes one core for tens of seconds). */
const PLAN_JOBS = 2;

let workDir: string;
/** Per stack, the resources the harness leaves out of the applied variant (moto lacks their API, or they refer to one): created in every plan. */
const leftOut = new Map<string, Set<string>>();
let moto: MotoServer;
const env = terraformEnv();
/** Plan JSON file of each stack of each case. */
const plans = new Map<string, Map<string, string>>();
/** What `npm run review` wrote for each case (JSON), and its exit code with --fail-on high. */
const reviews = new Map<string, { json: ReviewJson; failOnHigh: number }>();

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function log(line: string): void {
  process.stdout.write(`review-e2e  ${line}\n`);
}

/** moto's IDs of the organization targets the configs name (the root and an OU, created before the baseline). */
let targetIds: ReadonlyMap<string, string> = new Map();

/**
 * Writes a raw account file (its organization targets mapped to moto's IDs) and synthesizes it, wired
 * to moto, into `<workDir>/<name>/cdktf.out`; then applies the case's hand edit to the stacks' JSON.
 */
function synthesizeCase(name: string, edit: ReviewCase['edit'], editStack?: ReviewCase['editStack']): SynthesizedStack[] {
  const raw = baseline();
  edit(raw);
  for (const target of raw.organization?.targets ?? []) target.id = targetIds.get(target.id) ?? target.id;
  const dir = path.join(workDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'accounts.json');
  fs.writeFileSync(file, JSON.stringify(raw, null, 2));
  const stacks = synthesize(loadConfig(file), path.join(dir, 'cdktf.out'), moto.url);
  if (editStack)
    for (const stack of stacks) {
      const json = readStack(stack);
      editStack(stack.name, json);
      fs.writeFileSync(path.join(stack.dir, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    }
  return stacks;
}

async function tf(stack: SynthesizedStack, args: string[], timeout: number): Promise<string> {
  const r = await terraform(stack.dir, args, timeout, env);
  if (r.code !== 0) throw new Error(`${stack.name} (${stack.dir}): terraform ${args[0]} exited ${r.code}:\n${errorText(r)}`);
  return r.stdout;
}

/** init, plan -out (no lock, as the workflow's read-only role does), show -json; never apply. */
async function planJson(stack: SynthesizedStack, file: string): Promise<void> {
  await tf(stack, ['init', '-input=false', '-no-color'], TIMEOUTS.init);
  await tf(stack, ['plan', '-input=false', '-no-color', '-lock=false', '-out=review.tfplan'], TIMEOUTS.plan);
  fs.writeFileSync(file, await tf(stack, ['show', '-json', 'review.tfplan'], TIMEOUTS.state));
}

/** Runs `run` on every item, `limit` at a time; waits for all (no terraform left running), then throws the first error. */
async function pool<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try {
        await run(item);
      } catch (err) {
        errors.push(err);
        queue.length = 0;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (errors.length > 0) throw errors[0];
}

/** `npm run review -- ...` as a user runs it. */
function npmReview(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'review', '--', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const STACK_LIMIT = TIMEOUTS.init + TIMEOUTS.validate + 2 * TIMEOUTS.plan + TIMEOUTS.apply + TIMEOUTS.state;

beforeAll(
  async () => {
    const missing = missingPrerequisites();
    if (missing.length > 0)
      throw new Error(`the plan review acceptance needs terraform and moto_server:\n  ${missing.join('\n  ')}`);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-review-e2e-'));
    // AWS managed policies (AWS_ConfigRole, ...) exist in moto only with this.
    moto = await startMoto({ timeoutMs: MOTO_START_MS, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' } });
    const started = Date.now();
    // The organization exists before AMI Guard runs: its root and OU, with moto's IDs.
    const raw = baseline();
    const fixture = new OrganizationFixture(moto.url, raw.defaults?.region ?? raw.backend.region);
    targetIds = await fixture.create([ORG_ROOT, ORG_WORKLOADS]);

    // The baseline, applied as the e2e suite applies a stack (the variant moto can apply; see e2e/moto-gaps.ts).
    const stacks = synthesizeCase('baseline', () => undefined);
    const config = loadConfig(path.join(workDir, 'baseline', 'accounts.json'));
    const emulator = new Emulator(moto.url, config.backend.region);
    for (const account of config.accounts)
      for (const role of account.attachTo.roles) await emulator.ensurePrincipal('role', role);
    const deploy = async (stack: SynthesizedStack) => {
      const lines: string[] = [];
      const run = new StackRun({
        name: stack.name,
        dir: stack.dir,
        report: (l) => lines.push(l),
        env,
        stateBuckets: [config.backend.bucket],
      });
      if (!(await run.deploy())) throw new Error(`the baseline of ${stack.name} did not deploy:\n${lines.join('\n')}`);
    };
    const backend = stacks.find((s) => s.name === STATE_BACKEND_STACK)!;
    await deploy(backend);
    // The organization stack belongs to the management account: applied on its own, after the accounts (as e2e/suite.ts does).
    await pool(
      stacks.filter((s) => s !== backend && s.name !== ORGANIZATION),
      PLAN_JOBS,
      deploy,
    );
    await pool(
      stacks.filter((s) => s.name === ORGANIZATION),
      1,
      deploy,
    );
    log(`baseline applied (${stacks.map((s) => s.name).join(', ')}) in ${seconds(Date.now() - started)}`);
    const backendState = path.join(backend.dir, `terraform.${STATE_BACKEND_STACK}.tfstate`);

    // Every case synthesized; a stack is planned only when its configuration differs from the unchanged one.
    const synthesized = new Map(REVIEW_CASES.map((c) => [c.name, synthesizeCase(c.name, c.edit, c.editStack)]));
    const unchanged = new Map(synthesized.get('unchanged')!.map((s) => [s.name, JSON.stringify(readStack(s))]));
    for (const s of synthesized.get('unchanged')!)
      leftOut.set(
        s.name,
        new Set(applyVariant(readStack(s), { stateBuckets: [config.backend.bucket] }).skipped.map((x) => x.address)),
      );
    const jobs: { reviewCase: string; stack: SynthesizedStack; file: string }[] = [];
    for (const c of REVIEW_CASES) {
      const files = new Map<string, string>();
      plans.set(c.name, files);
      const keep = process.env.AMI_GUARD_REVIEW_PLANS;
      const dir = keep ? path.resolve(keep, c.name) : path.join(workDir, 'plans', c.name);
      fs.mkdirSync(dir, { recursive: true });
      for (const stack of synthesized.get(c.name)!) {
        const file = path.join(dir, `${stack.name}.json`);
        files.set(stack.name, file);
        if (c.name !== 'unchanged' && JSON.stringify(readStack(stack)) === unchanged.get(stack.name)) continue;
        if (stack.name === STATE_BACKEND_STACK) fs.copyFileSync(backendState, path.join(stack.dir, path.basename(backendState)));
        jobs.push({ reviewCase: c.name, stack, file });
      }
    }
    const planned = Date.now();
    await pool(jobs, PLAN_JOBS, async ({ reviewCase, stack, file }) => {
      await planJson(stack, file);
      log(`planned ${reviewCase}/${stack.name}`);
    });
    for (const [reviewCase, files] of plans) {
      for (const [stack, file] of files) if (!fs.existsSync(file)) fs.copyFileSync(plans.get('unchanged')!.get(stack)!, file);
      void reviewCase;
    }
    log(`${jobs.length} plans in ${seconds(Date.now() - planned)}`);

    for (const c of REVIEW_CASES) {
      const files = [...plans.get(c.name)!.values()];
      const json = await npmReview(['--plan', ...files, '--format', 'json']);
      if (json.code !== 0) throw new Error(`npm run review failed on ${c.name} (exit ${json.code}):\n${json.stderr}`);
      // The stop-mode account's remediation configuration is created in every plan (moto cannot hold it), a high flag
      // of its own: the gate of the unchanged config is measured on the stacks moto applies whole.
      const gated = c.name === 'unchanged' ? files.filter((f) => path.basename(f) !== `${OPS}.json`) : files;
      const gate = await npmReview(['--plan', ...gated, '--fail-on', 'high', '--out', path.join(workDir, `${c.name}.md`)]);
      reviews.set(c.name, { json: JSON.parse(json.stdout) as ReviewJson, failOnHigh: gate.code ?? -1 });
    }
  },
  MOTO_START_MS + 3 * STACK_LIMIT + 20 * TIMEOUTS.plan + 300_000,
);

afterAll(async () => {
  await moto?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
});

const onGap = (stack: string, address: string) => leftOut.get(stack)?.has(address) === true;

/**
 * Flags above info of one stack, as sorted distinct "severity code" lines. A flag the unchanged plan
 * raises word for word on a resource moto cannot hold (created in every plan) is the baseline's, not the case's.
 */
function raised(reviewCase: string, stack: string): string[] {
  const stackOf = (c: string) => reviews.get(c)!.json.stacks.find((s) => s.stack === stack);
  const found = stackOf(reviewCase);
  if (!found) throw new Error(`no stack ${stack} in the review of ${reviewCase}`);
  const key = (f: { code: string; address: string; message: string }) => `${f.code}\u0000${f.address}\u0000${f.message}`;
  const baselineOnly = new Set(
    reviewCase === 'unchanged' ? [] : (stackOf('unchanged')?.flags ?? []).filter((f) => onGap(stack, f.address)).map(key),
  );
  return [
    ...new Set(
      found.flags.filter((f) => f.severity !== 'info' && !baselineOnly.has(key(f))).map((f) => `${f.severity} ${f.code}`),
    ),
  ].sort();
}

test('GIVEN at least six changed configs THEN each is planned and reviewed against the applied baseline', () => {
  expect(REVIEW_CASES.filter((c) => c.name !== 'unchanged').length).toBeGreaterThanOrEqual(6);
  for (const c of REVIEW_CASES)
    expect(
      reviews
        .get(c.name)
        ?.json.stacks.map((s) => s.stack)
        .sort(),
    ).toEqual([...plans.get(c.name)!.keys()].sort());
});

test('GIVEN the unchanged config THEN every stack has 0 to change, creates only what moto cannot hold, and flags nothing else above info', () => {
  for (const s of reviews.get('unchanged')!.json.stacks) {
    expect({ stack: s.stack, update: s.counts.update, delete: s.counts.delete, replace: s.counts.replace }).toEqual({
      stack: s.stack,
      update: 0,
      delete: 0,
      replace: 0,
    });
    // The only creates are resources the harness leaves out of the applied variant (moto lacks their API).
    for (const f of s.flags)
      expect({ stack: s.stack, address: f.address, leftOut: onGap(s.stack, f.address) }).toEqual({
        stack: s.stack,
        address: f.address,
        leftOut: true,
      });
    // Above info only the stop-mode account's remediation configuration, created in every plan.
    expect(s.flags.filter((f) => f.severity !== 'info').map((f) => ({ stack: s.stack, code: f.code }))).toEqual(
      s.stack === OPS ? [{ stack: OPS, code: 'remediation-escalated' }] : [],
    );
  }
});

test.each(REVIEW_CASES.filter((c) => c.name !== 'unchanged').map((c) => [c.name, c] as const))(
  'GIVEN %s THEN exactly the expected codes and severities, and nothing above info elsewhere',
  (_name, c) => {
    for (const s of reviews.get(c.name)!.json.stacks)
      expect({ stack: s.stack, raised: raised(c.name, s.stack) }).toEqual({
        stack: s.stack,
        raised: [...(c.expected[s.stack] ?? [])].sort(),
      });
  },
);

test('GIVEN --fail-on high THEN it exits 2 on notify -> stop and 0 on the unchanged config', () => {
  expect(reviews.get('remediation-stop')!.failOnHigh).toBe(2);
  expect(reviews.get('unchanged')!.failOnHigh).toBe(0);
});
