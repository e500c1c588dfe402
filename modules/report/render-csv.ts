/** `findings.csv`: one row per instance (RFC 4180 quoting), the columns documented in docs/report.md. */
import type { Finding } from './model';
import type { TextSink } from './spool';

/** The columns, in order, and the finding field each one shows. */
export const CSV_COLUMNS = [
  ['account', 'accountId'],
  ['region', 'region'],
  ['instance', 'instanceId'],
  ['ami', 'imageId'],
  ['ami_name', 'imageName'],
  ['ami_age_days', 'imageAgeDays'],
  ['verdict', 'compliance'],
  ['reason', 'reason'],
  ['owner', 'owner'],
  ['team', 'team'],
  ['deadline', 'deadline'],
  ['exception_until', 'exceptionUntil'],
] as const satisfies readonly (readonly [string, keyof Finding])[];

/**
 * One CSV cell. A value a spreadsheet would run as a formula (starting with = + - @ or a tab/CR, e.g. an
 * owner tag "=HYPERLINK(...)") gets a leading apostrophe, as OWASP advises for CSV injection.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function renderCsv(findings: AsyncIterable<Finding>, out: TextSink): Promise<void> {
  await out.write(`${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`);
  for await (const finding of findings) {
    await out.write(`${CSV_COLUMNS.map(([, field]) => csvCell(finding[field])).join(',')}\r\n`);
  }
}
