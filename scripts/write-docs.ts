/**
 * `npm run docs`: rewrites the generated part of docs/config.md from config/schema.ts (each field's
 * description, default and type) and config/accounts.example.json (its example values).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_CONFIG } from '../config/load';
import { configReference, renderConfigReference, withConfigReference } from '../config/reference';

export const CONFIG_DOC = path.join(__dirname, '..', 'docs', 'config.md');

/** docs/config.md as `npm run docs` would write it. */
export function currentConfigDoc(): string {
  const example: unknown = JSON.parse(fs.readFileSync(EXAMPLE_CONFIG, 'utf8'));
  return withConfigReference(fs.readFileSync(CONFIG_DOC, 'utf8'), renderConfigReference(configReference(example)));
}

if (require.main === module) {
  fs.writeFileSync(CONFIG_DOC, currentConfigDoc());
  console.log(`wrote ${path.relative(process.cwd(), CONFIG_DOC)}`);
}
