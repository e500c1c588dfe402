/**
 * `report.html`: one self-contained page (inline CSS, inline SVG, a few lines of inline JS, no request to
 * anywhere: its Content-Security-Policy allows none). Every number on it comes from the summary that is
 * also `report.json`; every text from AWS or the config is escaped.
 */
import type { AccountSummary, Finding, ReportSummary } from './model';
import type { TextSink } from './spool';

/** The findings table holds at most this many rows (the page stays usable); report.json and findings.csv hold all. */
export const HTML_ROW_LIMIT = 5_000;
/** The AMI table shows the most used ones. */
const HTML_AMI_LIMIT = 50;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside an element or a quoted attribute. */
export function escapeHtml(value: string | number | null | undefined): string {
  return value === null || value === undefined ? '' : String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const CSS = `
:root{--ok:#2e7d32;--bad:#c62828;--na:#9e9e9e;--ink:#1f2328;--muted:#656d76;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0;padding:24px 32px;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted)}.partial{color:var(--bad);font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:22px}.card.bad b{color:var(--bad)}.card.ok b{color:var(--ok)}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#f6f8fa}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.v-NON_COMPLIANT{color:var(--bad);font-weight:600}.v-COMPLIANT{color:var(--ok)}.v-NOT_APPLICABLE{color:var(--na)}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.filter{margin:8px 0;display:flex;gap:8px;align-items:center}.filter input{flex:1;padding:6px 8px;font:inherit}
.empty{color:var(--muted);font-style:italic}svg text{font:12px system-ui,sans-serif;fill:var(--ink)}`;

const SCRIPT = `
(function(){var q=document.getElementById('filter'),v=document.getElementById('verdict'),rows=document.querySelectorAll('#findings tbody tr'),shown=document.getElementById('shown');
function apply(){var t=q.value.trim().toLowerCase(),c=v.value,n=0;for(var i=0;i<rows.length;i++){var r=rows[i],ok=(!c||r.getAttribute('data-compliance')===c)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);r.hidden=!ok;if(ok)n++}shown.textContent=String(n)}
q.addEventListener('input',apply);v.addEventListener('change',apply);apply()})();`;

const BAR_HEIGHT = 20;
const LABEL_WIDTH = 300;
const CHART_WIDTH = 560;

/** The sorted bar chart: one bar per account, compliant / non-compliant / not applicable. */
function accountChart(accounts: readonly AccountSummary[]): string {
  if (accounts.length === 0) return '<p class="empty">No accounts.</p>';
  const max = Math.max(1, ...accounts.map((a) => a.counts.instances));
  const scale = (n: number) => (n / max) * CHART_WIDTH;
  const height = accounts.length * (BAR_HEIGHT + 6) + 6;
  const bars = accounts.map((a, i) => {
    const y = 6 + i * (BAR_HEIGHT + 6);
    const [ok, bad, na] = [scale(a.counts.compliant), scale(a.counts.nonCompliant), scale(a.counts.notApplicable)];
    const label = `${a.accountId}${a.stackNames.length ? ` ${a.stackNames.join(', ')}` : ''}`;
    const value =
      a.status === 'failed'
        ? 'failed'
        : `${a.compliancePercent === null ? '-' : `${a.compliancePercent}%`} of ${a.counts.compliant + a.counts.nonCompliant}${a.status === 'partial' ? ' (partial)' : ''}`;
    return (
      `<g class="bar" data-account="${escapeHtml(a.accountId)}" data-status="${a.status}" data-instances="${a.counts.instances}" ` +
      `data-compliant="${a.counts.compliant}" data-non-compliant="${a.counts.nonCompliant}" data-not-applicable="${a.counts.notApplicable}">` +
      `<title>${escapeHtml(label)}: ${a.counts.compliant} compliant, ${a.counts.nonCompliant} non-compliant, ${a.counts.notApplicable} not applicable</title>` +
      `<text x="0" y="${y + 14}">${escapeHtml(label.length > 44 ? `${label.slice(0, 43)}…` : label)}</text>` +
      `<rect class="ok" x="${LABEL_WIDTH}" y="${y}" width="${ok.toFixed(1)}" height="${BAR_HEIGHT}" fill="var(--ok)"/>` +
      `<rect class="bad" x="${(LABEL_WIDTH + ok).toFixed(1)}" y="${y}" width="${bad.toFixed(1)}" height="${BAR_HEIGHT}" fill="var(--bad)"/>` +
      `<rect class="na" x="${(LABEL_WIDTH + ok + bad).toFixed(1)}" y="${y}" width="${na.toFixed(1)}" height="${BAR_HEIGHT}" fill="var(--na)"/>` +
      `<text x="${(LABEL_WIDTH + ok + bad + na + 6).toFixed(1)}" y="${y + 14}">${escapeHtml(value)}</text></g>`
    );
  });
  return (
    '<p class="legend"><span><i style="background:var(--ok)"></i>compliant</span><span><i style="background:var(--bad)"></i>non-compliant</span>' +
    '<span><i style="background:var(--na)"></i>not applicable</span></p>' +
    `<svg id="accounts-chart" role="img" aria-label="Compliance by account" width="${LABEL_WIDTH + CHART_WIDTH + 140}" height="${height}" ` +
    `viewBox="0 0 ${LABEL_WIDTH + CHART_WIDTH + 140} ${height}">${bars.join('')}</svg>`
  );
}

function table(id: string, head: readonly string[], rows: readonly string[][], numeric: ReadonlySet<number> = new Set()): string {
  if (rows.length === 0) return `<p class="empty" id="${id}-empty">None.</p>`;
  const th = head.map((h, i) => `<th${numeric.has(i) ? ' class="n"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((cell, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${cell}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const e = escapeHtml;

function findingRow(f: Finding): string {
  const cells = [
    e(f.accountId),
    e(f.region),
    e(f.instanceId),
    e(f.imageId),
    e(f.imageName),
    e(f.imageAgeDays),
    `<span class="v-${f.compliance}">${e(f.compliance)}</span>`,
    e(f.owner),
    e(f.team),
    e(f.deadline),
    e(f.exceptionUntil),
    e(f.reason),
  ];
  return `<tr data-compliance="${e(f.compliance)}">${cells.map((c, i) => `<td${i === 5 ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>\n`;
}

/** Writes the page: the summary first, then the findings table streamed row by row. */
export async function renderHtml(summary: ReportSummary, findings: AsyncIterable<Finding>, out: TextSink): Promise<void> {
  const t = summary.totals;
  const card = (key: string, label: string, value: number, cls = '') =>
    `<div class="card ${cls}"><b data-total="${key}">${value}</b>${escapeHtml(label)}</div>`;
  const failedRegions = summary.accounts.flatMap((a) => a.regions.filter((r) => r.status === 'failed'));
  const amis = summary.amis.slice(0, HTML_AMI_LIMIT);
  const maxAmi = Math.max(1, ...amis.map((a) => a.instances));
  const parts = [
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>AMI Guard fleet report ${e(summary.generatedAt.slice(0, 10))}</title><style>${CSS}</style></head><body>`,
    '<h1>AMI Guard fleet report</h1>',
    `<p class="meta">Generated <time>${e(summary.generatedAt)}</time> from the ${e(summary.source)} source` +
      (summary.status === 'partial'
        ? ` &middot; <span class="partial" id="status">partial: ${t.failedRegions} account/region(s) could not be read</span>`
        : ' &middot; <span id="status">complete</span>') +
      '</p>',
    '<div class="cards">',
    card('instances', 'instances', t.instances),
    card('compliant', 'compliant', t.compliant, 'ok'),
    card('nonCompliant', 'non-compliant', t.nonCompliant, 'bad'),
    card('notApplicable', 'not applicable', t.notApplicable),
    card('accounts', 'accounts', t.accounts),
    card('failedAccounts', 'accounts failed', t.failedAccounts, t.failedAccounts ? 'bad' : ''),
    '</div>',
    '<h2>Compliance by account</h2>',
    accountChart(summary.accounts),
    failedRegions.length
      ? table(
          'failed',
          ['account', 'region', 'why'],
          failedRegions.map((r) => [e(r.accountId), e(r.region), e(r.error)]),
        )
      : '',
    `<h2>AMIs in use</h2>`,
    summary.amis.length > amis.length
      ? `<p class="meta">The ${amis.length} most used of ${summary.amis.length}; report.json lists all.</p>`
      : '',
    table(
      'amis',
      ['AMI', 'name', 'age (days)', 'instances', '', 'non-compliant', 'accounts'],
      amis.map((a) => [
        e(a.imageId),
        e(a.imageName),
        e(a.imageAgeDays),
        `<span data-ami="${e(a.imageId)}">${a.instances}</span>`,
        `<svg width="120" height="10" aria-hidden="true"><rect width="${((a.instances / maxAmi) * 120).toFixed(1)}" height="10" fill="var(--muted)"/></svg>`,
        String(a.nonCompliant),
        String(a.accounts),
      ]),
      new Set([2, 3, 5, 6]),
    ),
    '<h2>Non-compliant by team and owner</h2>',
    table(
      'owners',
      ['team', 'owner', 'non-compliant'],
      summary.nonCompliantByOwner.map((o) => [e(o.team), e(o.owner), String(o.nonCompliant)]),
      new Set([2]),
    ),
    `<h2>Deadlines in the next ${summary.windows.deadlineDays} days</h2>`,
    table(
      'deadlines',
      ['deadline', 'account', 'region', 'instance', 'owner', 'team'],
      summary.deadlinesNextDays.map((f) => [e(f.deadline), e(f.accountId), e(f.region), e(f.instanceId), e(f.owner), e(f.team)]),
    ),
    `<h2>Exceptions expiring in the next ${summary.windows.exceptionDays} days</h2>`,
    table(
      'exceptions',
      ['until', 'account', 'region', 'instance', 'owner', 'team'],
      summary.exceptionsExpiringNextDays.map((f) => [
        e(f.exceptionUntil),
        e(f.accountId),
        e(f.region),
        e(f.instanceId),
        e(f.owner),
        e(f.team),
      ]),
    ),
    '<h2>Findings</h2>',
    t.instances > HTML_ROW_LIMIT
      ? `<p class="meta">The first ${HTML_ROW_LIMIT} of ${t.instances} instances; findings.csv and report.json hold all.</p>`
      : '',
    '<div class="filter"><input id="filter" type="search" placeholder="Filter: account, instance, AMI, owner, reason..." aria-label="Filter findings">' +
      '<select id="verdict" aria-label="Verdict"><option value="">every verdict</option><option>NON_COMPLIANT</option><option>COMPLIANT</option><option>NOT_APPLICABLE</option></select>' +
      '<span><b id="shown">0</b> shown</span></div>',
    '<table id="findings"><thead><tr><th>account</th><th>region</th><th>instance</th><th>AMI</th><th>AMI name</th><th class="n">age</th>' +
      '<th>verdict</th><th>owner</th><th>team</th><th>deadline</th><th>exception until</th><th>reason</th></tr></thead><tbody>\n',
  ];
  await out.write(parts.join('\n'));
  let rows = 0;
  for await (const finding of findings) {
    if (rows++ >= HTML_ROW_LIMIT) break;
    await out.write(findingRow(finding));
  }
  await out.write(`</tbody></table>\n<script>${SCRIPT}</script>\n</body></html>\n`);
}
