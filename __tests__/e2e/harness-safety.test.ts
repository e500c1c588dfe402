/**
 * The e2e harness must never reach real AWS: terraform runs without the developer's credentials,
 * and a stack not pointed at the emulator is refused before any terraform command.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXAMPLE_CONFIG, loadConfig } from '../../config/load';
import { nonLocalSettings, readStack, synthesize } from '../../e2e/synth';
import { REPO_CLI_CONFIG, terraformEnv } from '../../e2e/terraform';

const URL = 'http://127.0.0.1:45678';

describe('terraformEnv', () => {
  const developer = {
    PATH: '/usr/bin',
    AWS_ACCESS_KEY_ID: 'AKIAREALKEY',
    AWS_SECRET_ACCESS_KEY: 'real',
    AWS_PROFILE: 'prod-admin',
    TF_VAR_account: '111111111111',
    TF_DATA_DIR: '/somewhere/else',
    TF_CLI_CONFIG_FILE: '/does/not/exist.tfrc',
    TF_PLUGIN_CACHE_DIR: '/cache',
  };

  test('GIVEN real AWS credentials and TF_* settings THEN terraform gets none of them', () => {
    const env = terraformEnv(developer);
    expect(Object.keys(env).filter((k) => /^AWS_(ACCESS|SECRET|PROFILE|SESSION)/.test(k))).toEqual([]);
    expect(env).not.toHaveProperty('TF_VAR_account');
    expect(env).not.toHaveProperty('TF_DATA_DIR');
    expect(env).toMatchObject({
      PATH: '/usr/bin',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      CHECKPOINT_DISABLE: '1',
      TF_PLUGIN_CACHE_DIR: '/cache',
    });
  });

  test('GIVEN TF_CLI_CONFIG_FILE naming a missing file THEN the repo terraform.rc (provider mirror) is used', () => {
    expect(terraformEnv(developer).TF_CLI_CONFIG_FILE).toBe(REPO_CLI_CONFIG);
  });

  test('GIVEN TF_CLI_CONFIG_FILE naming an existing file THEN it is used', () => {
    expect(terraformEnv({ ...developer, TF_CLI_CONFIG_FILE: REPO_CLI_CONFIG }).TF_CLI_CONFIG_FILE).toBe(REPO_CLI_CONFIG);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfrc-'));
    const own = path.join(dir, 'own.tfrc');
    fs.writeFileSync(own, '');
    expect(terraformEnv({ ...developer, TF_CLI_CONFIG_FILE: own }).TF_CLI_CONFIG_FILE).toBe(own);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('nonLocalSettings', () => {
  /** The example's stacks, wired by the harness to `emulatorUrl` (or production output without one). */
  function stacksOf(emulatorUrl?: string) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-safety-'));
    try {
      return synthesize(loadConfig(EXAMPLE_CONFIG), outdir, emulatorUrl).map((s) => ({ name: s.name, json: readStack(s) }));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }

  test('GIVEN the production synth THEN every stack is refused', () => {
    for (const { name, json } of stacksOf()) {
      expect({ name, refused: nonLocalSettings(json, URL).length > 0 }).toEqual({ name, refused: true });
    }
  });

  test('GIVEN stacks wired to the emulator URL THEN every stack is accepted', () => {
    for (const { name, json } of stacksOf(URL)) {
      expect({ name, problems: nonLocalSettings(json, URL) }).toEqual({ name, problems: [] });
    }
  });

  test('GIVEN stacks wired to another URL THEN the stacks are refused, naming the endpoint', () => {
    const stacks = stacksOf('http://127.0.0.1:1');
    const account = stacks.find((s) => s.name !== 'state-backend')!;
    expect(nonLocalSettings(account.json, URL)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^provider\.aws\[0\] has endpoints other than/),
        expect.stringMatching(/^the S3 backend has endpoints other than/),
      ]),
    );
  });
});
