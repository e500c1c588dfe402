/**
 * Every resource type the stacks synthesize (account, state-backend and organization, from the
 * example and the e2e configs) has a row in a layer's rule table, or an entry in NOT_REVIEWED that
 * says why no rule reads it. A type added to a construct without either fails here.
 */
import { loadConfig, EXAMPLE_CONFIG } from '../../config/load';
import { E2E_CONFIG } from '../../e2e/synth';
import { NOT_REVIEWED, reviewedTypes, RULE_TABLES } from '../../modules/review/rules';
import { FLAG_CODES } from '../../modules/review/flags';
import { sharedSynth } from '../../test-support/synth';
import { TerraformJson } from '../../test-support/terraform-json';

/** `type (stack, ...)` for every synthesized type that neither a rule reads nor NOT_REVIEWED explains. */
function uncovered(stacks: Readonly<Record<string, TerraformJson>>): string[] {
  const reviewed = reviewedTypes();
  const where = new Map<string, string[]>();
  for (const [stack, json] of Object.entries(stacks))
    for (const type of [...Object.keys(json.resource ?? {}), ...Object.keys(json.data ?? {})])
      where.set(type, [...(where.get(type) ?? []), stack]);
  return [...where]
    .filter(([type]) => !reviewed.has(type) && !(type in NOT_REVIEWED))
    .map(([type, stacks]) => `${type} (${stacks.join(', ')})`)
    .sort();
}

let stacks: Record<string, TerraformJson>;
beforeAll(() => {
  stacks = {};
  for (const [label, file] of [
    ['example', EXAMPLE_CONFIG],
    ['e2e', E2E_CONFIG],
  ] as const)
    for (const [name, json] of Object.entries(sharedSynth(loadConfig(file)).stacks)) stacks[`${label}/${name}`] = json;
});

test('GIVEN the example and e2e configs THEN they synthesize account, state-backend and organization stacks', () => {
  expect(Object.keys(stacks)).toEqual(
    expect.arrayContaining([
      'example/state-backend',
      'example/organization',
      'example/payments-prod',
      'e2e/organization',
      'e2e/e2e-terminate',
    ]),
  );
});

test('GIVEN every synthesized resource type THEN each has a rule or an explained entry', () => {
  expect(uncovered(stacks)).toEqual([]);
});

test('GIVEN a stack that gains a resource type with no rule and no entry THEN the coverage check names it', () => {
  const grown = JSON.parse(JSON.stringify(stacks['example/payments-prod'])) as TerraformJson;
  (grown.resource as Record<string, unknown>).aws_instance = { extra: { ami: 'ami-12345678' } };
  (grown as { data?: Record<string, unknown> }).data = { external: { run: { program: ['sh', '-c', 'id'] } } };

  expect(uncovered({ 'example/payments-prod': grown })).toEqual([
    'aws_instance (example/payments-prod)',
    'external (example/payments-prod)',
  ]);
});

test('GIVEN NOT_REVIEWED THEN every entry is synthesized, has no rule, and gives a reason', () => {
  const synthesized = new Set(Object.values(stacks).flatMap((s) => Object.keys(s.resource ?? {})));
  const reviewed = reviewedTypes();
  for (const [type, reason] of Object.entries(NOT_REVIEWED)) {
    expect({ type, synthesized: synthesized.has(type), reviewed: reviewed.has(type) }).toEqual({
      type,
      synthesized: true,
      reviewed: false,
    });
    expect(reason.length).toBeGreaterThan(20);
  }
});

test('GIVEN the rule tables THEN every row names types, an attribute, a comparison and known flag codes', () => {
  for (const [layer, table] of Object.entries(RULE_TABLES)) {
    expect({ layer, rows: table.length > 0 }).toEqual({ layer, rows: true });
    for (const row of table) {
      expect(row.types.length).toBeGreaterThan(0);
      expect(row.attribute).not.toBe('');
      expect(row.comparison).not.toBe('');
      for (const code of row.flags) expect(Object.keys(FLAG_CODES)).toContain(code);
    }
  }
});
