/** The terminal summary: one row per account, worst first, and the totals. */
import Table from 'cli-table3';
import type { ReportSummary } from './model';

/** The summary as a table, plain text (no colours: it may go to a CI log). */
export function renderTerminal(summary: ReportSummary): string {
  const table = new Table({
    head: ['account', 'stacks', 'status', 'instances', 'compliant', 'non-compliant', 'n/a', 'compliant %'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right'],
    style: { head: [], border: [] },
  });
  for (const a of summary.accounts) {
    table.push([
      a.accountId,
      a.stackNames.join(', '),
      a.status,
      a.counts.instances,
      a.counts.compliant,
      a.counts.nonCompliant,
      a.counts.notApplicable,
      a.compliancePercent === null ? '-' : `${a.compliancePercent}%`,
    ]);
  }
  const t = summary.totals;
  table.push([
    'total',
    `${t.accounts} account(s)`,
    summary.status,
    t.instances,
    t.compliant,
    t.nonCompliant,
    t.notApplicable,
    '',
  ]);
  const failures = summary.accounts.flatMap((a) =>
    a.regions.filter((r) => r.status === 'failed').map((r) => `  ${r.accountId} ${r.region}: ${r.error}`),
  );
  const notes = summary.accounts.flatMap((a) =>
    a.regions.filter((r) => r.note).map((r) => `  ${r.accountId} ${r.region}: ${r.note}`),
  );
  return [
    `AMI Guard fleet report (${summary.source}), ${summary.generatedAt}`,
    table.toString(),
    ...(failures.length ? ['Could not be read:', ...failures] : []),
    ...(notes.length ? ['Notes:', ...notes] : []),
    '',
  ].join('\n');
}
