import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_CONFIG, loadConfig } from '../config/load';
import { organizationTrustModel } from '../modules/org/image-tag-guard-scp';
import { tagGuardScpProps } from '../modules/stacks/tag-guard-scp-props';
import { renderTrustTable, withTable } from '../modules/shared/trust-table';

export const TRUST_DOC = path.join(__dirname, '..', 'docs', 'trust-model.md');

/** The trust model of the example config (its accounts and organization section): the table's content. */
export function exampleTrustTable(): string {
  const org = loadConfig(EXAMPLE_CONFIG).organization;
  if (!org) throw new Error(`${EXAMPLE_CONFIG} has no organization section to document the trust model from`);
  return renderTrustTable(organizationTrustModel(tagGuardScpProps(org)));
}

if (require.main === module) {
  fs.writeFileSync(TRUST_DOC, withTable(fs.readFileSync(TRUST_DOC, 'utf8'), exampleTrustTable()));
  console.log(`wrote ${path.relative(process.cwd(), TRUST_DOC)}`);
}
