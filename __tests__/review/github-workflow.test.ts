/**
 * .github/workflows/ami-guard.yml: valid for GitHub (checked by action-validator, so a typo fails
 * `npm test`), every action pinned to a commit, and each job granted only what it uses.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { EXAMPLE_CONFIG } from '../../config/load';
import { exampleConfig, synthConfig, tempDir } from '../../test-support/synth';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'ami-guard.yml');
const text = fs.readFileSync(WORKFLOW, 'utf8');

function validate(file: string): { status: number | null; output: string } {
  const cli = path.join(ROOT, 'node_modules', '.bin', 'action-validator');
  const result = spawnSync(cli, [file], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Each job's block of lines, by job id (two-space indent under `jobs:`). */
function jobs(): Map<string, string> {
  const body = text.slice(text.indexOf('\njobs:\n') + 7);
  const out = new Map<string, string>();
  for (const part of body.split(/\n(?= {2}[\w-]+:\n)/)) {
    const id = /^ {2}([\w-]+):/.exec(part)?.[1];
    if (id) out.set(id, part);
  }
  return out;
}

describe('the workflow file', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('ami-guard-workflow-');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('GIVEN the workflow THEN action-validator accepts it', () => {
    const result = validate(WORKFLOW);

    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  test('GIVEN a typo in a key THEN action-validator rejects it (so the test above can fail)', () => {
    const broken = path.join(dir, 'ami-guard.yml');
    fs.writeFileSync(broken, text.replace('    runs-on: ubuntu-latest\n', '    runs_on: ubuntu-latest\n'));

    const result = validate(broken);

    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/runs_on|runs-on/);
  });

  test('GIVEN every uses: THEN it names a full 40-hex commit SHA, with the release in a comment', () => {
    const uses = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)];

    expect(uses.length).toBeGreaterThanOrEqual(7);
    for (const [line, ref, rest] of uses) {
      expect({ line, pinned: /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) }).toEqual({ line, pinned: true });
      expect({ line, version: /^ # v\d+\.\d+\.\d+$/.test(rest) }).toEqual({ line, version: true });
    }
  });

  test('GIVEN the same action twice THEN it is pinned to the same commit', () => {
    const pins = new Map<string, Set<string>>();
    for (const [, action, sha] of text.matchAll(/uses:\s*([\w./-]+)@([0-9a-f]{40})/g))
      pins.set(action, new Set([...(pins.get(action) ?? []), sha]));

    for (const [action, shas] of pins) expect({ action, commits: shas.size }).toEqual({ action, commits: 1 });
  });
});

describe('permissions', () => {
  test('GIVEN the workflow THEN nothing is granted at the top and every job declares its own', () => {
    expect(text).toMatch(/^permissions: \{\}$/m);
    for (const [id, body] of jobs()) expect({ id, declares: /\n {4}permissions:\n/.test(body) }).toEqual({ id, declares: true });
  });

  test('GIVEN a job THEN it has id-token: write exactly when it assumes a role, and pull-requests: write only to comment', () => {
    const all = jobs();
    expect(all.size).toBeGreaterThanOrEqual(6);
    for (const [id, body] of all) {
      const assumes = body.includes('aws-actions/configure-aws-credentials@');
      const comments = body.includes('actions/github-script@');
      expect({ id, idToken: body.includes('id-token: write') }).toEqual({ id, idToken: assumes });
      expect({ id, pullRequests: body.includes('pull-requests: write') }).toEqual({ id, pullRequests: comments });
      expect({
        id,
        other: body.match(/^ {6}(?!contents: read|id-token: write|pull-requests: write)[\w-]+: (read|write)$/gm),
      }).toEqual({
        id,
        other: null,
      });
    }
  });

  test('GIVEN the apply jobs THEN each runs behind an environment, one apply per stack at a time, and plans never apply', () => {
    const all = jobs();
    const apply = all.get('apply')!;
    expect(apply).toContain('environment: ami-guard-${{ matrix.stack }}');
    expect(apply).toMatch(/concurrency:\n {6}group: ami-guard-\$\{\{ matrix\.stack \}\}\n {6}cancel-in-progress: false/);
    expect(all.get('apply-state-backend')).toMatch(
      /environment: ami-guard-state-backend\n {4}concurrency:\n {6}group: ami-guard-state-backend/,
    );
    expect(apply).toMatch(/needs: \[synth, check-state-backend, apply-state-backend\]/);
    for (const id of ['plan', 'plan-state-backend', 'check-state-backend', 'review'])
      expect({ id, applies: /terraform apply/.test(all.get(id)!) }).toEqual({ id, applies: false });
  });
});

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly name?: string;
  readonly id?: string;
  readonly 'working-directory'?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
interface Job {
  readonly needs?: string | string[];
  readonly environment?: string;
  readonly strategy?: { matrix?: { include?: string } };
  readonly outputs?: Record<string, string>;
  readonly steps: Step[];
}
const workflow = parseYaml(text) as { jobs: Record<string, Job> };
const BASE_REF = '${{ github.event.pull_request.base.sha }}';

/** The index of the first step of a job matching `match`; fails when there is none. */
function stepIndex(job: Job, match: (s: Step) => boolean, what: string): number {
  const i = job.steps.findIndex(match);
  if (i < 0) throw new Error(`no step ${what}`);
  return i;
}

describe('the review grades with the base branch', () => {
  const review = workflow.jobs.review;

  test('GIVEN the review job THEN its review code is a checkout of the base ref, apart from the pull request, and runs from there', () => {
    const checkouts = review.steps.filter((s) => s.uses?.startsWith('actions/checkout@'));
    const trusted = checkouts.find((s) => s.with?.path === 'trusted')!;

    expect(trusted.with?.ref).toBe(BASE_REF);
    expect(checkouts.filter((s) => s !== trusted).every((s) => s.with?.path !== undefined && s.with.path !== 'trusted')).toBe(
      true,
    );
    const npmSteps = review.steps.filter((s) => /^\s*npm (ci|run)\b/m.test(s.run ?? ''));
    expect(npmSteps.length).toBeGreaterThanOrEqual(2);
    for (const s of npmSteps) expect({ step: s.run, dir: s['working-directory'] }).toEqual({ step: s.run, dir: 'trusted' });
    expect(review.steps.find((s) => s.id === 'review')!.run).toMatch(
      /--graded-by "\$BASE_SHA" \$REVIEW_CHANGED --fail-on critical/,
    );
  });

  test('GIVEN a pull request changing modules/review THEN the comment is told so', () => {
    const changes = review.steps.find((s) => s.id === 'changes')!;

    expect(changes.run).toMatch(/git -C pr diff --quiet "\$BASE_SHA" HEAD -- modules\/review\//);
    expect(changes.run).toContain('review-changed=--review-changed');
    expect(review.steps.find((s) => s.id === 'review')!.env?.REVIEW_CHANGED).toBe('${{ steps.changes.outputs.review-changed }}');
  });
});

describe('plans of untrusted code', () => {
  test.each(['plan', 'plan-state-backend'])(
    'GIVEN %s THEN the base branch checks the stack before credentials and terraform init, and Terraform uses the pinned CLI config',
    (id) => {
      const job = workflow.jobs[id];
      const checkout = stepIndex(job, (s) => s.uses?.startsWith('actions/checkout@') === true, 'checkout');
      const check = stepIndex(job, (s) => /workflow -- check-stack /.test(s.run ?? ''), 'check-stack');
      const credentials = stepIndex(
        job,
        (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') === true,
        'credentials',
      );
      const init = stepIndex(job, (s) => /terraform init/.test(s.run ?? ''), 'terraform init');

      expect(job.steps[checkout].with).toMatchObject({ ref: BASE_REF, path: 'trusted' });
      expect(job.steps[check]['working-directory']).toBe('trusted');
      expect(job.steps[check].run).toContain('--cli-config "$RUNNER_TEMP/ami-guard.tfrc"');
      expect(checkout < check && check < credentials && credentials < init).toBe(true);
      expect(job.steps[init].env?.TF_CLI_CONFIG_FILE).toBe('${{ runner.temp }}/ami-guard.tfrc');
    },
  );
});

describe('the organization stack', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = synthConfig(exampleConfig()).outdir;
  });

  /** `npm run workflow -- prepare` on the synthesized example, as the synth job runs it. */
  function prepare(config: string): Record<string, string> {
    const result = spawnSync(
      process.execPath,
      [require.resolve('tsx/cli'), 'scripts/workflow.ts', 'prepare', '--outdir', outdir],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, AMI_GUARD_CONFIG: config },
      },
    );
    if (result.status !== 0) throw new Error(result.stderr);
    return Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  test('GIVEN a config with an organization section THEN organization is in the plan matrix the plan job reads, not in the account apply matrix', () => {
    const outputs = prepare(EXAMPLE_CONFIG);
    const planJob = workflow.jobs.plan;

    expect(planJob.strategy?.matrix?.include).toBe('${{ fromJSON(needs.synth.outputs.plan).include }}');
    expect(workflow.jobs.synth.outputs?.plan).toBe('${{ steps.stacks.outputs.plan }}');
    const plan = JSON.parse(outputs.plan) as { include: { stack: string; planRoleArn: string }[] };
    expect(plan.include.find((s) => s.stack === 'organization')).toEqual(
      expect.objectContaining({ planRoleArn: 'arn:aws:iam::999999999999:role/ami-guard-org-plan' }),
    );
    expect((JSON.parse(outputs.accounts) as { include: { stack: string }[] }).include.map((s) => s.stack)).not.toContain(
      'organization',
    );
    expect(JSON.parse(outputs.organization)).toMatchObject({
      deployRoleArn: 'arn:aws:iam::999999999999:role/ami-guard-org-deploy',
    });
  });

  test('GIVEN main THEN the organization stack is applied after the accounts, behind its own environment', () => {
    const job = workflow.jobs['apply-organization'];

    expect(job.needs).toEqual(['synth', 'apply']);
    expect(job.environment).toBe('ami-guard-organization');
    expect(job.steps.at(-1)!['working-directory']).toBe('cdktf.out/stacks/organization');
    expect(job.steps.find((s) => s.uses?.startsWith('aws-actions/'))!.with?.['role-to-assume']).toBe(
      '${{ fromJSON(needs.synth.outputs.organization).deployRoleArn }}',
    );
  });
});
