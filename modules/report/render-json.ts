/** `report.json`: the summary, then every finding, one per line (streamed; documented in docs/report.md). */
import type { Finding, ReportSummary } from './model';
import type { TextSink } from './spool';

export async function renderJson(summary: ReportSummary, findings: AsyncIterable<Finding>, out: TextSink): Promise<void> {
  const head = JSON.stringify(summary, null, 2);
  await out.write(`${head.slice(0, -2)},\n  "findings": [`);
  let first = true;
  for await (const finding of findings) {
    await out.write(`${first ? '' : ','}\n    ${JSON.stringify(finding)}`);
    first = false;
  }
  await out.write(first ? ']\n}\n' : '\n  ]\n}\n');
}
