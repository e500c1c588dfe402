/**
 * Config and synthesis for the e2e suite. Synthesis runs in-process (buildApp + App.synth): about
 * 0.1 s against about 3 s for `npx cdktf synth`, which starts the CLI and then `tsx main.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { AmiGuardConfig, STATE_BACKEND_STACK } from '../config/schema';
import { buildApp } from '../modules/stacks/app';
import { wireToEmulator } from './emulator-wiring';
import { TerraformJson } from '../test-support/terraform-json';

/** The e2e account file: moto's default account in every stack, at least two regions. */
export const E2E_CONFIG = path.resolve(__dirname, '..', 'config', 'accounts.e2e.json');

/** A synthesized stack directory. */
export interface SynthesizedStack {
  readonly name: string;
  /** Absolute path of the directory holding cdk.tf.json. */
  readonly dir: string;
}

/** Synthesizes an app into `outdir` and lists its stacks, the state-backend stack first. */
export function synthesizeApp(app: App): SynthesizedStack[] {
  app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { workingDirectory: string }>;
  };
  return Object.entries(manifest.stacks)
    .map(([name, s]) => ({ name, dir: path.resolve(app.outdir, s.workingDirectory) }))
    .sort(
      (a, b) => Number(b.name === STATE_BACKEND_STACK) - Number(a.name === STATE_BACKEND_STACK) || a.name.localeCompare(b.name),
    );
}

/**
 * Synthesizes the AMI Guard app for `config` into `outdir`, exactly as production does, then wired
 * to the emulator at `emulatorUrl` from outside (see {@link wireToEmulator}); without a URL the
 * production output is written.
 */
export function synthesize(config: AmiGuardConfig, outdir: string, emulatorUrl?: string): SynthesizedStack[] {
  const app = buildApp(config, { outdir });
  return synthesizeApp(emulatorUrl === undefined ? app : wireToEmulator(app, emulatorUrl));
}

/** Reads a synthesized stack's cdk.tf.json. */
export function readStack(stack: SynthesizedStack): TerraformJson {
  return JSON.parse(fs.readFileSync(path.join(stack.dir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
}

/**
 * Problems that would let a stack reach anything but the emulator at `url`: a provider or an S3
 * backend without endpoints on it, or with real credentials. Empty when the stack is local only.
 */
export function nonLocalSettings(json: TerraformJson, url: string): string[] {
  const problems: string[] = [];
  const providers = ((json.provider as Record<string, unknown[]> | undefined)?.aws ?? []) as Record<string, unknown>[];
  if (providers.length === 0) problems.push('no aws provider block');
  providers.forEach((p, i) => {
    const endpoints = ((p.endpoints as Record<string, string>[] | undefined) ?? [])[0] ?? {};
    const urls = Object.values(endpoints);
    if (urls.length === 0 || urls.some((u) => u !== url))
      problems.push(`provider.aws[${i}] has endpoints other than ${url}: ${JSON.stringify(endpoints)}`);
    if (p.access_key !== 'test') problems.push(`provider.aws[${i}] does not use the fake access key "test"`);
  });
  const s3 = (
    (json.terraform as Record<string, unknown> | undefined)?.backend as Record<string, Record<string, unknown>> | undefined
  )?.s3;
  if (s3) {
    const urls = Object.values((s3.endpoints as Record<string, string> | undefined) ?? {});
    if (urls.length === 0 || urls.some((u) => u !== url)) problems.push(`the S3 backend has endpoints other than ${url}`);
    if (s3.access_key !== 'test') problems.push('the S3 backend does not use the fake access key "test"');
  }
  return problems;
}
