/**
 * One fleet report scan against the AWS model, in its own process so its heap is its own:
 * `node --require tsx/cjs bench/report.ts <accounts> <concurrent|sequential>` prints one JSON line.
 * Each account has REPORT_MODEL.regions regions of REPORT_MODEL.instances instances (one DescribeInstances
 * page each, taking REPORT_MODEL.pageLatencyMs; every other call REPORT_MODEL.latencyMs). The scan assumes
 * each account's role, reads every region and counts the summary, as `npm run report` does (the findings'
 * trip to disk is left out: it streams, and 900,000 lines of JSON would measure the disk).
 */
import { DEFAULT_ACCOUNT_CONCURRENCY, scanAccounts } from '../modules/report/scan';
import { ReportBuilder } from '../modules/report/model';
import { accountTargets } from '../modules/report/targets';
import { AwsModel } from '../test-support/fake-aws';
import { fleetConfig } from '../test-support/report-config';

/**
 * The fleet and latency model of the report benchmark: a page of 1,000 instances takes half a second to
 * come back, every other call 50 ms, so a scan is paced by the round trips, as against AWS, and the time
 * is set by how many accounts are read at once.
 */
export const REPORT_MODEL = {
  regions: ['eu-west-1', 'eu-central-1', 'us-east-1'],
  instances: 1_000,
  images: 300,
  latencyMs: 50,
  pageLatencyMs: 500,
} as const;

/** What one run reports. */
export interface ReportRun {
  readonly accounts: number;
  readonly tuning: 'concurrent' | 'sequential';
  readonly ms: number;
  readonly cpuMs: number;
  readonly peakHeapMb: number;
  readonly peakRssMb: number;
  readonly instances: number;
  readonly failedRegions: number;
  readonly calls: Record<string, number>;
}

async function main(): Promise<void> {
  const accounts = Number(process.argv[2]);
  const tuning = process.argv[3] === 'sequential' ? 'sequential' : 'concurrent';
  const model = new AwsModel({
    instances: REPORT_MODEL.instances,
    images: REPORT_MODEL.images,
    latencyMs: REPORT_MODEL.latencyMs,
    operationLatencyMs: { DescribeInstances: REPORT_MODEL.pageLatencyMs },
    detail: 'lean',
  });
  const targets = accountTargets(fleetConfig({ accounts, regions: [...REPORT_MODEL.regions] }));
  const now = new Date('2026-01-11T00:00:00Z');
  const builder = new ReportBuilder('scan', now);
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  const cpu = process.cpuUsage();
  await scanAccounts(
    targets,
    { finding: (f) => builder.add(f), region: (r) => builder.region(r) },
    {
      now,
      concurrency: tuning === 'sequential' ? 1 : DEFAULT_ACCOUNT_CONCURRENCY,
      overlap: tuning !== 'sequential',
      clientOverrides: model.overrides(),
    },
  );
  const summary = builder.summary();
  const ms = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpu);
  sample();
  clearInterval(sampler);
  const run: ReportRun = {
    accounts,
    tuning,
    ms: Math.round(ms),
    cpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
    peakHeapMb: Math.round(peakHeap / 2 ** 20),
    peakRssMb: Math.round(peakRss / 2 ** 20),
    instances: summary.totals.instances,
    failedRegions: summary.totals.failedRegions,
    calls: model.calls,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack);
    process.exit(1);
  });
}
