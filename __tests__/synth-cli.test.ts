import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesUnder } from '../test-support/files';
import { zoneFolder } from '../test-support/synth-in-zones';
import { exampleConfig } from '../test-support/example-config';
import { tempDir } from '../test-support/temp';

const REPO_ROOT = path.join(__dirname, '..');
/** West of UTC, east of UTC, and the furthest east (UTC+14): a local-time conversion shows in one of them. */
const OTHER_ZONES = ['America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati'];
/**
 * The CLI bundles, zips and synthesizes every stack: minutes on a loaded 2-core machine. The limit is
 * there to stop a hung child, not to time it.
 */
const CHILD_MS = 600_000;

interface Run {
  readonly code: number;
  readonly output: string;
}

/** Runs `file args` in the repository with `env` added; resolves with its exit code and output, never rejects. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: REPO_ROOT, env: { ...process.env, AMI_GUARD_CONFIG: '', ...env }, timeout: CHILD_MS },
      (err, stdout, stderr) =>
        resolve({
          code: err ? Number(err.code ?? 1) : 0,
          output: `${stdout}\n${stderr}${err && err.code === undefined ? `\n${err.message}` : ''}`,
        }),
    );
  });
}

describe('`npm run synth` on the example config', () => {
  const root = tempDir();
  const outdir = path.join(root, 'cdktf.out');
  const zonesRoot = path.join(root, 'zones');
  const zoneOutdirs = Object.fromEntries(OTHER_ZONES.map((zone) => [zone, path.join(zonesRoot, zoneFolder(zone))]));
  let cli: Run;
  let zones: Run;
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  // The CLI under TZ=UTC, and beside it the app's entry point under each other zone, every module loaded
  // afresh per zone (test-support/synth-in-zones.ts).
  beforeAll(async () => {
    [cli, zones] = await Promise.all([
      run('npm', ['run', '--silent', 'synth', '--', '--output', outdir], { CI: '1', TZ: 'UTC' }),
      run(process.execPath, ['--require', 'tsx/cjs', path.join('test-support', 'synth-in-zones.ts'), zonesRoot, ...OTHER_ZONES], {
        TZ: OTHER_ZONES[0],
      }),
    ]);
  }, CHILD_MS + 30_000);

  test('succeeds', () => {
    expect({ status: cli.code, output: cli.output }).toMatchObject({ status: 0 });
  });

  test('writes one stack per account plus state-backend, and the organization stack of its organization section', () => {
    const expected = ['state-backend', 'organization', ...exampleConfig().accounts.map((a) => a.stackName)].sort();
    expect(fs.readdirSync(path.join(outdir, 'stacks')).sort()).toEqual(expected);
  });

  test('prints no warnings and no missing-file complaints', () => {
    expect(cli.output).not.toMatch(/warn|does not exist|no such file|ERROR/i);
  });

  describe('does not depend on the machine time zone', () => {
    test.each(OTHER_ZONES)('every file under the out dir has the same bytes under TZ=%s as under TZ=UTC', (zone) => {
      // GIVEN the example synthesized by the CLI under UTC, with its Lambda zips
      const reference = filesUnder(outdir);
      expect([...reference.keys()].filter((f) => f.endsWith('.zip')).length).toBeGreaterThan(0);
      // WHEN the same config is synthesized in another zone
      expect(zones).toEqual({ code: 0, output: expect.any(String) });
      const other = filesUnder(zoneOutdirs[zone]);
      // THEN the same files exist, byte for byte
      expect([...other.keys()].sort()).toEqual([...reference.keys()].sort());
      const differing = [...reference].filter(([file, bytes]) => !bytes.equals(other.get(file)!)).map(([file]) => file);
      expect(differing).toEqual([]);
    });
  });
});
