import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { rawConfigSchema } from '../config/schema';

/** The JSON Schema editors use for config files (`"$schema": "./accounts.schema.json"`). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(rawConfigSchema, { io: 'input', target: 'draft-07' }),
    title: 'AMI Guard account config',
  };
}

export const SCHEMA_FILE = path.join(__dirname, '..', 'config', 'accounts.schema.json');

if (require.main === module) {
  fs.writeFileSync(SCHEMA_FILE, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
