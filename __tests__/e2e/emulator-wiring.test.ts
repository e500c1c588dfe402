/**
 * Emulator wiring is applied from outside, by the harness's Aspect, and is the only way into it:
 * the production config has no such field, production output has no emulator endpoints, fake
 * credentials or skip flags; with the Aspect every stack has them, and nothing else in the
 * resources changes but the two settings that let destroy work.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, EXAMPLE_CONFIG, loadConfig, parseConfig } from '../../config/load';
import { wireToEmulator } from '../../e2e/emulator-wiring';
import { buildApp } from '../../modules/stacks/app';
import { TerraformBlock, TerraformJson } from '../../test-support/terraform-json';

const URL = 'http://127.0.0.1:45678';

type Json = Record<string, unknown>;

/** Local-mode keys of the AWS provider and the S3 backend: emulator endpoints, fake credentials, skips. */
const LOCAL_ONLY_KEY = /^(endpoints|access_key|secret_key|skip_\w+|s3_use_path_style|use_path_style)$/;

/** The only resource settings local mode may change, so that `terraform destroy` works in the emulator. */
const ALLOWED_RESOURCE_DIFFERENCES = [
  /^resource\.aws_s3_bucket\.[\w-]+\.force_destroy: false -> true$/,
  /^resource\.aws_dynamodb_table\.[\w-]+\.deletion_protection_enabled: true -> false$/,
];

function synthAll(wired: boolean): Map<string, TerraformJson> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-local-mode-'));
  try {
    const app = buildApp(loadConfig(EXAMPLE_CONFIG), { outdir });
    (wired ? wireToEmulator(app, URL) : app).synth();
    const stacksDir = path.join(outdir, 'stacks');
    return new Map(
      fs
        .readdirSync(stacksDir)
        .map((name) => [name, JSON.parse(fs.readFileSync(path.join(stacksDir, name, 'cdk.tf.json'), 'utf8')) as TerraformJson]),
    );
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every leaf that differs between a and b, as `path: a -> b`. */
function differences(a: unknown, b: unknown, at: string, out: string[] = []): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) differences((a as Json)[key], (b as Json)[key], at ? `${at}.${key}` : key, out);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${at}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
  }
  return out;
}

function providers(stack: TerraformJson): TerraformBlock[] {
  return stack.provider?.aws ?? [];
}

function s3Backend(stack: TerraformJson): TerraformBlock | undefined {
  return stack.terraform?.backend?.s3;
}

describe('emulator wiring', () => {
  const production = synthAll(false);
  const local = synthAll(true);

  test('GIVEN a config asking for an emulator endpoint THEN it is an unknown key: the config cannot turn it on', () => {
    const raw = JSON.parse(fs.readFileSync(EXAMPLE_CONFIG, 'utf8')) as Json;
    expect(() => parseConfig({ ...raw, localEndpoint: { url: URL } }, 'variant.json')).toThrow(ConfigError);
    expect(() => parseConfig({ ...raw, localEndpoint: { url: URL } }, 'variant.json')).toThrow(/localEndpoint/);
  });

  test('GIVEN a URL that is not loopback THEN the Aspect refuses it', () => {
    expect(() => wireToEmulator(buildApp(loadConfig(EXAMPLE_CONFIG), { outdir: os.tmpdir() }), 'http://10.0.0.5:5000')).toThrow(
      /loopback URL/,
    );
  });

  test('both modes synthesize the same stacks, the state-backend stack and at least one account stack', () => {
    expect([...local.keys()].sort()).toEqual([...production.keys()].sort());
    expect(production.has('state-backend')).toBe(true);
    expect(production.size).toBeGreaterThan(1);
  });

  test('GIVEN the production synth THEN no provider or backend has endpoints, fake credentials or skip flags', () => {
    for (const [name, stack] of production) {
      for (const provider of providers(stack)) {
        expect({ stack: name, keys: Object.keys(provider).filter((k) => LOCAL_ONLY_KEY.test(k)) }).toEqual({
          stack: name,
          keys: [],
        });
      }
      const backend = s3Backend(stack);
      if (backend)
        expect({ stack: name, keys: Object.keys(backend).filter((k) => LOCAL_ONLY_KEY.test(k)) }).toEqual({
          stack: name,
          keys: [],
        });
      expect(JSON.stringify(stack)).not.toContain('127.0.0.1');
    }
  });

  test('GIVEN the Aspect THEN every provider and S3 backend points at it with fake credentials and skips', () => {
    for (const [name, stack] of local) {
      expect(providers(stack).length).toBeGreaterThan(0);
      for (const provider of providers(stack)) {
        const endpoints = (provider.endpoints as Json[])[0];
        expect({ stack: name, urls: [...new Set(Object.values(endpoints))] }).toEqual({ stack: name, urls: [URL] });
        expect(provider).toMatchObject({
          access_key: 'test',
          secret_key: 'test',
          skip_credentials_validation: true,
          skip_requesting_account_id: true,
        });
        expect(provider).not.toHaveProperty('assume_role');
        expect(provider).not.toHaveProperty('allowed_account_ids');
      }
      const backend = s3Backend(stack);
      if (name === 'state-backend') {
        expect(backend).toBeUndefined();
      } else {
        expect(backend).toMatchObject({
          access_key: 'test',
          secret_key: 'test',
          use_path_style: true,
          skip_credentials_validation: true,
        });
        expect([...new Set(Object.values(backend!.endpoints as Json))]).toEqual([URL]);
      }
    }
  });

  test('GIVEN the Aspect THEN the provider and backend differ only by the local-mode keys (and no deploy role)', () => {
    for (const [name, stack] of production) {
      const strip = (o: Json | undefined) =>
        Object.fromEntries(
          Object.entries(o ?? {}).filter(([k]) => !LOCAL_ONLY_KEY.test(k) && k !== 'assume_role' && k !== 'allowed_account_ids'),
        );
      expect({ stack: name, providers: providers(local.get(name)!).map(strip) }).toEqual({
        stack: name,
        providers: providers(stack).map(strip),
      });
      expect({ stack: name, backend: strip(s3Backend(local.get(name)!)) }).toEqual({
        stack: name,
        backend: strip(s3Backend(stack)),
      });
    }
  });

  test('GIVEN the Aspect THEN resources, data sources and outputs are unchanged but for force_destroy / deletion protection', () => {
    const unexpected: string[] = [];
    const allowed: string[] = [];
    for (const [name, stack] of production) {
      for (const section of ['resource', 'data', 'output', 'locals', 'module']) {
        for (const diff of differences(stack[section], local.get(name)![section], section)) {
          (ALLOWED_RESOURCE_DIFFERENCES.some((re) => re.test(diff)) ? allowed : unexpected).push(`${name}: ${diff}`);
        }
      }
    }
    expect(unexpected).toEqual([]);
    // The state bucket must be emptiable and the lock table deletable, or the e2e destroy could not pass.
    expect(allowed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^state-backend: resource\.aws_s3_bucket\..*force_destroy: false -> true$/),
        expect.stringMatching(/^state-backend: resource\.aws_dynamodb_table\..*deletion_protection_enabled: true -> false$/),
      ]),
    );
  });
});
