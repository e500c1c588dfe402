import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { exampleConfig, tempDir } from '../test-support/synth';

describe('`npm run synth` on the example config', () => {
  const root = tempDir();
  const outdir = path.join(root, 'cdktf.out');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const run = spawnSync('npm', ['run', '--silent', 'synth', '--', '--output', outdir], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, AMI_GUARD_CONFIG: '', CI: '1' },
    encoding: 'utf8',
    // The CLI bundles, zips and synthesizes every stack: minutes on a loaded 2-core machine. The limit is
    // there to stop a hung CLI, not to time it.
    timeout: 600_000,
  });
  const output = `${run.stdout}\n${run.stderr}`;

  test('succeeds', () => {
    expect(run.error).toBeUndefined();
    expect({ status: run.status, output }).toMatchObject({ status: 0 });
  });

  test('writes one stack per account plus state-backend, and the organization stack of its organization section', () => {
    const expected = ['state-backend', 'organization', ...exampleConfig().accounts.map((a) => a.stackName)].sort();
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(expected);
  });

  test('prints no warnings and no missing-file complaints', () => {
    expect(output).not.toMatch(/warn|does not exist|no such file|ERROR/i);
  });
});
