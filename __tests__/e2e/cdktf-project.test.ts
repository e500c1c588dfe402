import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CDKTF_FLAGS } from '../../e2e/cdktf-run';
import { EMULATOR_URL_ENV } from '../../e2e/emulator-app';
import { E2E_CONFIG, nonLocalSettings, readStack } from '../../e2e/synth';
import { tempDir } from '../../test-support/temp';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const URL = 'http://127.0.0.1:5999';

/** Runs the app `cdktf deploy` runs in the e2e suite, as cdktf runs it (CDKTF_OUTDIR set). */
function emulatorApp(env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string; outdir: string }> {
  const outdir = tempDir('ami-guard-cdktf-app-');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(REPO_ROOT, 'e2e', 'emulator-app.ts')],
      { cwd: REPO_ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, AMI_GUARD_CONFIG: E2E_CONFIG, ...env }, timeout: 120_000 },
      (err, _stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stderr, outdir }),
    );
  });
}

describe('the cdktf project of the e2e suite', () => {
  test('both cdktf commands skip the provider lock, which would call the public registry', () => {
    expect(CDKTF_FLAGS).toContain('--skip-provider-lock');
    expect(CDKTF_FLAGS).toContain('--auto-approve');
  });

  test('its app refuses to synthesize without an emulator URL', async () => {
    const { code, stderr, outdir } = await emulatorApp({ [EMULATOR_URL_ENV]: '' });
    expect(code).toBe(1);
    expect(stderr).toContain(`${EMULATOR_URL_ENV} is not set`);
    expect(fs.existsSync(path.join(outdir, 'manifest.json'))).toBe(false);
  }, 150_000);

  test('its app writes every stack of the e2e config pointed at the emulator only', async () => {
    const { code, stderr, outdir } = await emulatorApp({ [EMULATOR_URL_ENV]: URL });
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, unknown>;
    };
    const names = Object.keys(manifest.stacks);
    expect(names.length).toBeGreaterThan(1);
    for (const name of names) {
      expect({ name, problems: nonLocalSettings(readStack({ name, dir: path.join(outdir, 'stacks', name) }), URL) }).toEqual({
        name,
        problems: [],
      });
    }
  }, 150_000);
});
