/**
 * .github/workflows/ami-guard.yml: valid for GitHub (checked by action-validator, so a typo fails
 * `npm test`), every action pinned to a commit, and each job granted only what it uses.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../test-support/synth';

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
