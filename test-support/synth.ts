import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig, loadConfig, EXAMPLE_CONFIG } from '../config/load';
import { AmiGuardConfig } from '../config/schema';
import { PolicyDocument } from '../modules/shared/policy-document';
import { buildApp } from '../modules/stacks/app';
import { TerraformJson } from './terraform-json';
import { tempDir } from './temp';

export { tempDir };

/** Synthesizes a config into a temp dir and returns every stack's JSON by stack name. */
export function synthConfig(
  config: AmiGuardConfig,
  outdir = tempDir(),
): { outdir: string; stacks: Record<string, TerraformJson> } {
  buildApp(config, { outdir }).synth();
  const stacks: Record<string, TerraformJson> = {};
  for (const name of fs.readdirSync(path.join(outdir, 'stacks'))) {
    stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  }
  return { outdir, stacks };
}

/** The example config, as a team would start from it. */
export function exampleConfig(): AmiGuardConfig {
  return loadConfig(EXAMPLE_CONFIG);
}

/**
 * Raw config JSON as tests edit it. Loosely typed on purpose: the tests write wrong shapes (a number for
 * an ID, a misspelt key) to prove the loader rejects them, which a typed view would not let them write.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberately mis-shaped test input, see above
export type RawJson = Record<string, any>;

/** The example config's raw JSON, for tests that derive variants of it. */
export function exampleJson(): RawJson {
  return JSON.parse(fs.readFileSync(EXAMPLE_CONFIG, 'utf8'));
}

/** Parses a variant of the example, changed by `edit`. */
export function exampleVariant(edit: (json: RawJson) => void): AmiGuardConfig {
  const json = exampleJson();
  edit(json);
  return parseConfig(json, 'variant.json');
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
