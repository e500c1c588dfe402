import * as fs from 'node:fs';
import * as path from 'node:path';
import { AmiGuardConfig } from '../config/schema';
import { PolicyDocument } from '../modules/shared/policy-document';
import { buildApp } from '../modules/stacks/app';
import { sharedOutdir } from './shared-outdir';
import { TerraformJson } from './terraform-json';
import { tempDir } from './temp';
import { runTempFolder } from './temp-root';

// The light helpers live apart, so a test that needs only them does not load the whole app.
export { exampleConfig, exampleJson, exampleVariant, type RawJson } from './example-config';
export { tempDir };

export interface Synth {
  /** The cdktf output directory. */
  readonly outdir: string;
  /** Every stack's JSON, by stack name. */
  readonly stacks: Record<string, TerraformJson>;
}

/** Synthesizes a config into a dir of its own (a temp dir unless given): for tests that write into it or compare two synths. */
export function synthConfig(config: AmiGuardConfig, outdir = tempDir()): Synth {
  buildApp(config, { outdir }).synth();
  return { outdir, stacks: readStacks(outdir) };
}

/**
 * The synth of a config shared by every test file of this jest run that reads the same config
 * (test-support/shared-outdir.ts): made once, its stacks parsed afresh for each caller. Its outdir is
 * read-only; the run fails if a test changes it. Outside a jest run, a synth of its own.
 */
export function sharedSynth(config: AmiGuardConfig): Synth {
  const outdir = sharedOutdir(
    `synth:${JSON.stringify(config)}`,
    (dir) => buildApp(config, { outdir: dir }).synth(),
    runTempFolder(),
  );
  return outdir ? { outdir, stacks: readStacks(outdir) } : synthConfig(config);
}

function readStacks(outdir: string): Record<string, TerraformJson> {
  const stacks: Record<string, TerraformJson> = {};
  for (const name of fs.readdirSync(path.join(outdir, 'stacks'))) {
    stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  }
  return stacks;
}

/** All resources of one type in a stack. */
export function resourcesOf(stack: TerraformJson, type: string): Record<string, unknown>[] {
  return Object.values(stack.resource?.[type] ?? {});
}

/** The one resource of a type; fails if there are none or several. */
export function onlyResource(stack: TerraformJson, type: string): Record<string, unknown> {
  const found = resourcesOf(stack, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The parsed policy document of the aws_iam_policy whose name starts with `prefix`. */
export function managedPolicy(stack: TerraformJson, prefix: string): PolicyDocument {
  const match = resourcesOf(stack, 'aws_iam_policy').find((p) => String(p.name).startsWith(prefix));
  if (!match) throw new Error(`no aws_iam_policy named ${prefix}*`);
  return JSON.parse(String(match.policy)) as PolicyDocument;
}
