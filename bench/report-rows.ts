/**
 * The report rows: the fleet report's scan of 300 accounts (bench/report.ts, in a child process) against
 * the same scan done one account and one call at a time, its memory and its CPU.
 */
import * as path from 'node:path';
import { add, REPO, run, seconds } from './common';
import { REPORT_MODEL, type ReportRun } from './report';

function reportScan(accounts: number, tuning: 'concurrent' | 'sequential'): ReportRun {
  const script = path.join(__dirname, 'report.ts');
  const { stdout } = run(process.execPath, ['--require', require.resolve('tsx/cjs'), script, String(accounts), tuning], {
    cwd: REPO,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as ReportRun;
}

/**
 * The report's scan of 300 accounts (30 with `quick`), concurrent, against the same scan one account and one
 * call at a time. The sequential scan is linear in the accounts by construction (one after the other), so it
 * is measured on a tenth of them and multiplied by ten: the whole would take minutes.
 */
export function benchReport(quick: boolean): void {
  const accounts = quick ? 30 : 300;
  const sample = accounts / 10;
  const perAccount = REPORT_MODEL.regions.length * REPORT_MODEL.instances;
  const ours = reportScan(accounts, 'concurrent');
  const quarter = reportScan(Math.round(accounts / 4), 'concurrent');
  const seq = reportScan(sample, 'sequential');
  const seqMs = seq.ms * (accounts / sample);
  const allRead =
    ours.instances === accounts * perAccount &&
    seq.instances === sample * perAccount &&
    ours.failedRegions + seq.failedRegions === 0;
  add({
    what: `report scan, ${accounts} accounts x ${REPORT_MODEL.regions.length} regions x ${REPORT_MODEL.instances.toLocaleString('en')} (vs sequential)`,
    ours: seconds(ours.ms),
    baseline: `${seconds(seqMs)} (${sample} x ${accounts / sample})`,
    ratio: seqMs / ours.ms,
    target: '>= 3x, all read',
    met: seqMs / ours.ms >= 3 && allRead,
    detail: { model: REPORT_MODEL, concurrent: ours, sequentialSample: seq },
  });
  // Four times the fleet, about the same heap: the scan holds pages and counts, not findings.
  add({
    what: `  report peak heap at ${accounts} accounts (vs at ${quarter.accounts})`,
    ours: `${ours.peakHeapMb} MB`,
    baseline: `${quarter.peakHeapMb} MB`,
    target: '< 1.5x',
    met: ours.peakHeapMb < 1.5 * quarter.peakHeapMb,
    detail: { quarter },
  });
  add({
    what: `  CPU of the report scan at ${accounts} accounts (vs its wall clock)`,
    ours: seconds(ours.cpuMs),
    baseline: seconds(ours.ms),
  });
}
