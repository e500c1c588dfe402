/**
 * The example config and variants of it, for tests. Apart from test-support/synth.ts, which loads the
 * whole app to synthesize: a test that only reads or edits config does not pay for that.
 */
import * as fs from 'node:fs';
import { EXAMPLE_CONFIG, loadConfig, parseConfig } from '../config/load';
import type { AmiGuardConfig } from '../config/schema';

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
