/**
 * `npm run docs:review` — rewrites the generated sections of docs/review.md from the code: the flag
 * table (every flag code, its severity and when it fires, with the rule rows that raise it), the
 * allowlist the plan job enforces, and an example comment for an organization change (a real review
 * of a plan made from two synthesized organization stacks). A test fails when the file is stale.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseConfig } from '../config/load';
import {
  ALLOWED_BACKENDS,
  ALLOWED_DATA_TYPES,
  ALLOWED_PROVIDER_ARGUMENTS,
  ALLOWED_PROVIDERS,
  allowedResourceTypes,
} from '../modules/review/allowlist';
import { FLAG_CODES } from '../modules/review/flags';
import { renderMarkdown } from '../modules/review/render-markdown';
import { reviewPlans } from '../modules/review/review';
import { NOT_REVIEWED, RULE_TABLES } from '../modules/review/rules';
import { FLAG_WHEN, FlagCode } from '../modules/review/rules/rule';
import { synthConfig } from '../test-support/synth';
import { planBetween } from '../test-support/synth-plan';

export const REVIEW_DOC = path.resolve(__dirname, '..', 'docs', 'review.md');
const E2E_CONFIG = path.resolve(__dirname, '..', 'config', 'accounts.e2e.json');

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The flag table: code, severity, when it fires, and the rows (layer: type attribute) that raise it. */
function flagTable(): string {
  const rows = (Object.keys(FLAG_CODES) as FlagCode[]).map((code) => {
    const raisedBy = Object.entries(RULE_TABLES).flatMap(([layer, table]) =>
      table.filter((row) => row.flags.includes(code)).map((row) => `${layer}: ${row.types.join(', ')} (${row.attribute})`),
    );
    return `| \`${code}\` | ${FLAG_CODES[code]} | ${cell(FLAG_WHEN[code])} | ${cell(raisedBy.join('; ') || 'the runner')} |`;
  });
  return [
    '| Flag | Severity | When it fires | Raised by (layer: resource type, attribute) |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** The rule tables as one list per layer: type, attribute, comparison. */
function ruleTables(): string {
  const lines: string[] = [];
  for (const [layer, table] of Object.entries(RULE_TABLES)) {
    lines.push(`**${layer}**`, '', '| Resource types | Attribute | Comparison | Flags |', '| --- | --- | --- | --- |');
    for (const row of table)
      lines.push(
        `| ${row.types.map((t) => `\`${t}\``).join(', ')} | ${cell(row.attribute)} | ${cell(row.comparison)} | ${row.flags.map((f) => `\`${f}\``).join(', ')} |`,
      );
    lines.push('');
  }
  lines.push(
    '**Not reviewed** (a delete or replace still gets the generic medium flag)',
    '',
    '| Resource type | Why |',
    '| --- | --- |',
  );
  for (const [type, why] of Object.entries(NOT_REVIEWED)) lines.push(`| \`${type}\` | ${cell(why)} |`);
  return lines.join('\n');
}

function allowlist(): string {
  const list = (xs: readonly string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : 'none');
  return [
    `- Providers: ${list(ALLOWED_PROVIDERS)}`,
    `- Resource types: ${list([...allowedResourceTypes()].sort())}`,
    `- Data sources: ${list(ALLOWED_DATA_TYPES)}`,
    `- Backends: ${list(ALLOWED_BACKENDS)}`,
    `- Provider arguments: ${list(ALLOWED_PROVIDER_ARGUMENTS)}`,
    '- No modules, variables, locals, provisioners or connection blocks; in the stack folder nothing but `cdk.tf.json`, the CI override and `assets/` (no `.terraform` folder or lock file of its own).',
  ].join('\n');
}

/** A real review of an organization change: the e2e config, then one exempting `arn:aws:iam::*:role/*` and turning the launch guard off. */
function exampleComment(): string {
  const base = JSON.parse(fs.readFileSync(E2E_CONFIG, 'utf8'));
  const changed = JSON.parse(JSON.stringify(base));
  changed.organization.breakGlassPrincipals.push('arn:aws:iam::*:role/*');
  changed.organization.targets[0].launchGuard = false;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-review-doc-'));
  try {
    const [before, after] = [base, changed].map(
      (json, i) => synthConfig(parseConfig(json, 'accounts.json'), path.join(dir, String(i))).stacks.organization,
    );
    const review = reviewPlans([{ stack: 'organization', plan: planBetween(before, after) }]);
    return renderMarkdown(review, { gradedBy: { ref: '1a2b3c4', reviewChanged: false } }).trimEnd();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every generated section by name. */
export function generatedSections(): Record<string, string> {
  return {
    flags: flagTable(),
    rules: ruleTables(),
    allowlist: allowlist(),
    'example-comment': `\`\`\`markdown\n${exampleComment()}\n\`\`\``,
  };
}

/** The document with each `<!-- generated:NAME -->...<!-- /generated:NAME -->` section replaced. */
export function withSections(text: string, sections: Record<string, string>): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const pattern = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`${REVIEW_DOC}: no <!-- generated:${name} --> section`);
    out = out.replace(pattern, (_m, open: string, close: string) => `${open}\n${body}\n${close}`);
  }
  return out;
}

if (require.main === module) {
  fs.writeFileSync(REVIEW_DOC, withSections(fs.readFileSync(REVIEW_DOC, 'utf8'), generatedSections()));
  process.stdout.write(`wrote ${path.relative(process.cwd(), REVIEW_DOC)}\n`);
}
