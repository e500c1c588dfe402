import * as fs from 'node:fs';
import { configJsonSchema, SCHEMA_FILE } from '../scripts/write-schema';
import { exampleJson } from '../test-support/example-config';

describe('published JSON Schema', () => {
  test('is up to date with config/schema.ts (run `npm run schema` after changing it)', () => {
    expect(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'))).toEqual(configJsonSchema());
  });

  test('rejects unknown keys and requires what the loader requires', () => {
    const schema = configJsonSchema() as {
      additionalProperties: unknown;
      required: string[];
      properties: { accounts: { items: { required: string[] } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['backend', 'accounts']));
    expect(schema.properties.accounts.items.required).toEqual(expect.arrayContaining(['stackName', 'accountId']));
  });

  test('is what the example config points editors at', () => {
    expect(exampleJson().$schema).toBe('./accounts.schema.json');
  });
});
