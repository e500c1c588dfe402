/**
 * Relative links and their anchors in every Markdown file resolve (remark-validate-links through
 * remark-cli, configured in .remarkrc.json; `npm run links` runs the same check). A planted broken
 * anchor proves the check can fail.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../test-support/temp';

const REPO = path.join(__dirname, '..');
const REMARK = path.join(REPO, 'node_modules', '.bin', 'remark');
const RC = path.join(REPO, '.remarkrc.json');

/** The link check over the Markdown files under `cwd`, with the repository's configuration. */
function checkLinks(cwd: string): { code: number | null; output: string } {
  const r = spawnSync(REMARK, ['--rc-path', RC, '--frail', '--quiet', '--no-stdout', '--no-color', '.'], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

test('every relative link and anchor in the repository Markdown resolves', () => {
  const { code, output } = checkLinks(REPO);
  expect(output).toBe('');
  expect(code).toBe(0);
});

test('the check fails on a broken anchor, a missing file and a missing heading, naming each', () => {
  // GIVEN a tree with one good link and three broken ones
  const dir = tempDir('ami-guard-links-');
  fs.mkdirSync(path.join(dir, 'docs'));
  fs.writeFileSync(path.join(dir, 'docs', 'detect.md'), '# Detect\n\n## The sweep at scale\n');
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    [
      '# Front door',
      '',
      '[good](docs/detect.md#the-sweep-at-scale)',
      '[broken anchor](docs/detect.md#the-sweep-at-scal)',
      '[missing file](docs/correct.md)',
      '[missing heading here](#quick-start)',
      '',
    ].join('\n'),
  );
  // WHEN the check runs over it
  const { code, output } = checkLinks(dir);
  // THEN it fails, and names each broken link but not the good one
  expect(code).toBe(1);
  expect(output).toContain('Cannot find heading for `#the-sweep-at-scal` in `docs/detect.md`');
  expect(output).toContain('Cannot find file `docs/correct.md`');
  expect(output).toContain('Cannot find heading for `#quick-start`');
  expect(output).not.toContain('#the-sweep-at-scale`');
  expect(output).toContain('3 warnings');
});
