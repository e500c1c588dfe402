/**
 * One scheduled sweep against the AWS model, in its own process so its heap is its own:
 * `node --require tsx/cjs bench/sweep.ts <instances> <concurrent|sequential> [freshness]` prints one JSON line.
 * With `freshness`, the rule has an age limit (180 days) and deprecated AMIs count: the AMIs are of ages
 * 0 to 598 days in ten families, so a third of the approved ones are stale and get a replacement.
 * The model: 100 ms per call, AWS page sizes, PutEvaluations throttled above 50 calls/s and DescribeImages
 * above 20 calls/s; the Lambda context gives the function's default timeout of wall-clock time.
 */
import { DEFAULT_FUNCTION_TIMEOUT_SECONDS } from '../lambda/ami-compliance/contract';
import { handleConfigEvent } from '../lambda/ami-compliance/handler';
import { DEFAULT_TUNING, SEQUENTIAL_TUNING } from '../lambda/ami-compliance/sweep';
import { AwsModel } from '../test-support/fake-aws';

/** The latency model the sweep figures are measured under. */
export const LATENCY_MODEL = {
  latencyMs: 100,
  rateLimits: { PutEvaluations: 50, DescribeImages: 20 },
  images: 300,
} as const;

/** The notification time and the clock of the sweep. */
const SWEEP_TIME = '2026-01-11T00:00:00.000Z';

/** The AMIs' ages and names: AMI j is 2j days old, of family `golden-<j % 10>`. */
export const IMAGE_AGES = {
  imageCreated: (j: number) => new Date(Date.parse(SWEEP_TIME) - 2 * j * 86_400_000).toISOString(),
  imageName: (j: number) =>
    `golden-${j % 10}-${new Date(Date.parse(SWEEP_TIME) - 2 * j * 86_400_000).toISOString().slice(0, 10)}`,
};

/** What one sweep run reports. */
export interface SweepRun {
  readonly instances: number;
  readonly tuning: 'concurrent' | 'sequential';
  /** The rule judged freshness (an age limit, deprecation). */
  readonly freshness: boolean;
  /** DescribeImages calls that read the approved AMIs (a tag filter). */
  readonly approvedImageCalls: number;
  readonly ms: number;
  /** CPU time of the process during the sweep. */
  readonly cpuMs: number;
  /** Of that, the AWS model's own time building replies (a real AWS spends it on its side). */
  readonly modelMs: number;
  readonly peakHeapMb: number;
  readonly peakRssMb: number;
  readonly complete: boolean;
  /** Instances Config received exactly once, and evaluations in total. */
  readonly receivedOnce: number;
  readonly receivedTotal: number;
  readonly responseBytes: number;
  readonly calls: Record<string, number>;
  readonly throttled: Record<string, number>;
}

async function main(): Promise<void> {
  const instances = Number(process.argv[2]);
  const tuning = process.argv[3] === 'sequential' ? 'sequential' : 'concurrent';
  const freshness = process.argv[4] === 'freshness';
  const model = new AwsModel({ instances, ...LATENCY_MODEL, ...IMAGE_AGES });
  const params = freshness ? { maxImageAgeDays: '180' } : { deprecatedImages: 'ignore' };
  const event = {
    invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: SWEEP_TIME }),
    ruleParameters: JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod', ...params }),
    resultToken: 'bench',
  };
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const sampler = setInterval(sample, 20);
  console.log = () => undefined; // the handler's summary line; the result is printed below
  const started = performance.now();
  const deadline = started + DEFAULT_FUNCTION_TIMEOUT_SECONDS * 1000;
  const context = { getRemainingTimeInMillis: () => deadline - performance.now() };
  const cpu = process.cpuUsage();
  const result = await handleConfigEvent(event, model.clients(), {
    now: new Date(SWEEP_TIME),
    context,
    tuning: tuning === 'sequential' ? SEQUENTIAL_TUNING : DEFAULT_TUNING,
  });
  const ms = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpu);
  sample();
  clearInterval(sampler);
  const run: SweepRun = {
    instances,
    tuning,
    freshness,
    approvedImageCalls: model.taggedImageQueries,
    ms: Math.round(ms),
    cpuMs: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
    modelMs: Math.round(model.modelMs),
    peakHeapMb: Math.round(peakHeap / 2 ** 20),
    peakRssMb: Math.round(peakRss / 2 ** 20),
    complete: result.complete,
    receivedOnce: model.instancesReceiving(1),
    receivedTotal: model.receivedTotal,
    responseBytes: Buffer.byteLength(JSON.stringify(result)),
    calls: model.calls,
    throttled: model.throttled,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack);
    process.exit(1);
  });
}
