import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { filesUnder } from '../test-support/files';
import { tempDir } from '../test-support/synth';

const REPO_ROOT = path.join(__dirname, '..');
/** West of UTC, UTC, east of UTC, and the furthest east (UTC+14): a local-time conversion shows in one of them. */
const ZONES = ['UTC', 'America/New_York', 'Asia/Tokyo', 'Pacific/Kiritimati'];

/** Runs the app's entry point (what `cdktf synth` runs) in a child process under `TZ=zone`. */
function synthIn(zone: string, outdir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      ['main.ts'],
      { cwd: REPO_ROOT, env: { ...process.env, TZ: zone, CDKTF_OUTDIR: outdir, AMI_GUARD_CONFIG: '' }, timeout: 300_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`synth under TZ=${zone} failed: ${err.message}\n${stdout}${stderr}`)) : resolve(),
    );
  });
}

describe('synthesis does not depend on the machine time zone', () => {
  const root = tempDir('ami-guard-tz-');
  const outdirs = Object.fromEntries(ZONES.map((zone) => [zone, path.join(root, zone.replace('/', '_'))]));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  // Four child synths (bundle, zip, every stack); bounded by their own 300 s limit, not by machine speed.
  beforeAll(() => Promise.all(ZONES.map((zone) => synthIn(zone, outdirs[zone]))), 330_000);

  test.each(ZONES.slice(1))('every file under the out dir has the same bytes under TZ=%s as under TZ=UTC', (zone) => {
    // GIVEN the example synthesized under UTC, with its Lambda zips
    const reference = filesUnder(outdirs.UTC);
    expect([...reference.keys()].filter((f) => f.endsWith('.zip')).length).toBeGreaterThan(0);
    // WHEN the same config is synthesized in another zone
    const other = filesUnder(outdirs[zone]);
    // THEN the same files exist, byte for byte
    expect([...other.keys()].sort()).toEqual([...reference.keys()].sort());
    const differing = [...reference].filter(([file, bytes]) => !bytes.equals(other.get(file)!)).map(([file]) => file);
    expect(differing).toEqual([]);
  });
});
