/**
 * The report step: `npm run report`'s scan (modules/report, called as a library) of the demo fleet in
 * moto, written into the demo's work folder, and the check of its claim: the report judges every
 * instance as the deployed rule's sweep did, instance by instance (verdict and annotation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AmiGuardConfig } from '../config/schema';
import type { SentEvaluation } from '../e2e/lambda-bundle';
import type { Report } from '../modules/report/model';
import { makeReport } from '../modules/report/run';

const FAKE_KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface DemoReport {
  /** The report as written to report.json. */
  readonly report: Report;
  /** The files written (report.json, findings.csv, report.html), absolute. */
  readonly files: readonly string[];
  readonly exitCode: number;
}

/**
 * Writes the report of the demo config's accounts into `out`. The demo config names no planRoleArn, so
 * the scan reads with the caller's own credentials (the fake keys moto maps to its default account, the
 * one the fleet and the stacks live in), against moto at `url`; `now` is the sweep's clock, so exceptions
 * are judged on the same day.
 */
export async function reportFleet(options: {
  readonly config: AmiGuardConfig;
  readonly url: string;
  readonly out: string;
  readonly now: Date;
}): Promise<DemoReport> {
  const outcome = await makeReport({
    config: options.config,
    source: 'scan',
    formats: ['json', 'csv', 'html'],
    out: options.out,
    now: options.now,
    clientOverrides: { endpoint: options.url, credentials: FAKE_KEYS },
    stdout: () => undefined,
  });
  const report = JSON.parse(fs.readFileSync(path.join(options.out, 'report.json'), 'utf8')) as Report;
  return { report, files: outcome.files.map((f) => path.resolve(options.out, f)), exitCode: outcome.exitCode };
}

/**
 * Where the report and the sweep disagree, one line each: an instance only one of them judged, or one
 * with a different verdict or annotation. Empty when the report's claim holds.
 */
export function verdictDifferences(
  findings: readonly Pick<Report['findings'][number], 'instanceId' | 'compliance' | 'reason'>[],
  sweep: ReadonlyMap<string, Pick<SentEvaluation, 'ComplianceType' | 'Annotation'>>,
): string[] {
  const differences: string[] = [];
  const reported = new Set<string>();
  for (const f of findings) {
    reported.add(f.instanceId);
    const swept = sweep.get(f.instanceId);
    if (!swept) differences.push(`${f.instanceId}: the report says ${f.compliance}, the sweep did not judge it`);
    else if (swept.ComplianceType !== f.compliance)
      differences.push(`${f.instanceId}: the report says ${f.compliance}, the sweep ${swept.ComplianceType}`);
    else if (swept.Annotation !== f.reason)
      differences.push(`${f.instanceId}: the report's reason "${f.reason}" is not the sweep's "${swept.Annotation}"`);
  }
  for (const [id, swept] of sweep)
    if (!reported.has(id)) differences.push(`${id}: the sweep says ${swept.ComplianceType}, the report does not list it`);
  return differences;
}
