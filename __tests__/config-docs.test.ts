/**
 * docs/config.md is generated from the zod schema (`npm run docs`): it is current, and it lists every
 * field of the published JSON Schema, so the reference a newcomer reads cannot drift from what the
 * loader accepts.
 */
import * as fs from 'node:fs';
import { SECTIONS_OF_ACCOUNTS, configReference, renderConfigReference, withConfigReference } from '../config/reference';
import { CONFIG_DOC, currentConfigDoc } from '../scripts/write-docs';
import { SCHEMA_FILE } from '../scripts/write-schema';
import { exampleJson } from '../test-support/example-config';

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** Every field path of a JSON Schema, `accounts[].approval.tagKey` style. */
function schemaFields(node: SchemaNode, prefix = ''): string[] {
  return Object.entries(node.properties ?? {}).flatMap(([key, child]) => [
    `${prefix}${key}`,
    ...schemaFields(child, `${prefix}${key}.`),
    ...(child.items ? schemaFields(child.items, `${prefix}${key}[].`) : []),
  ]);
}

/** The reference documents a section once (`approval.tagKey`), for both `defaults.approval` and `accounts[].approval`. */
function documentedAs(field: string): string {
  const m = /^(?:defaults|accounts\[\])\.([A-Za-z]+)(\..+)?$/.exec(field);
  return m && SECTIONS_OF_ACCOUNTS.includes(m[1]) ? `${m[1]}${m[2] ?? ''}` : field;
}

test('docs/config.md is what `npm run docs` writes from config/schema.ts (run it after changing the schema)', () => {
  expect(fs.readFileSync(CONFIG_DOC, 'utf8')).toBe(currentConfigDoc());
});

test('docs/config.md lists every field of config/accounts.schema.json', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')) as SchemaNode;
  const fields = schemaFields(schema).filter((f) => f !== '$schema');
  expect(fields.length).toBeGreaterThan(60);
  const doc = fs.readFileSync(CONFIG_DOC, 'utf8');
  // A field is a row of a table; a whole section (backend, accounts, approval) is a heading.
  const listed = (f: string) => [`| \`${f}\` |`, `### \`${f}\``, `### \`${f}[]\``].some((text) => doc.includes(text));
  const missing = fields.map(documentedAs).filter((f) => !listed(f));
  expect(missing).toEqual([]);
});

test('every field has a meaning, and the example values come from the example config', () => {
  const sections = configReference(exampleJson());
  const fields = sections.flatMap((s) => s.fields);
  expect(fields.filter((f) => f.meaning === '').map((f) => f.path)).toEqual([]);
  expect(fields.find((f) => f.path === 'approval.tagKey')).toMatchObject({ default: 'required', example: '"Environment"' });
  expect(fields.find((f) => f.path === 'remediation.graceHours')).toMatchObject({ default: '24', type: 'whole number 0–720' });
});

test('the generated part replaces only what lies between its markers, and lost markers are an error', () => {
  const doc = fs.readFileSync(CONFIG_DOC, 'utf8');
  const rewritten = withConfigReference(doc, 'NEW TABLES');
  expect(rewritten).toContain('NEW TABLES');
  expect(rewritten.startsWith(doc.slice(0, doc.indexOf('<!-- config-reference:start')))).toBe(true);
  expect(rewritten).toContain('## Validation');
  expect(renderConfigReference(configReference(exampleJson()))).not.toContain('NEW TABLES');
  expect(() => withConfigReference('# no markers', 'x')).toThrow(/lost its markers/);
});
