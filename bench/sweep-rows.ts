/**
 * The sweep rows: the scheduled sweep of 2,500 / 25,000 / 100,000 instances under the latency model
 * (bench/sweep.ts, one child process each) against the same sweep done strictly sequentially; at the
 * largest size its API calls against the floor, memory, CPU and response size, and the same sweep with
 * freshness on.
 */
import * as path from 'node:path';
import { DEFAULT_FUNCTION_MEMORY_MB } from '../lambda/ami-compliance/contract';
import { EVALUATIONS_PER_CALL, IMAGE_BATCH_SIZE, INSTANCE_PAGE_SIZE } from '../lambda/ami-compliance/aws';
import { APPROVED_IMAGE_PAGE_SIZE } from '../lambda/ami-compliance/approved-images';
import { add, REPO, run, seconds } from './common';
import { LATENCY_MODEL, type SweepRun } from './sweep';

function sweep(instances: number, tuning: 'concurrent' | 'sequential', freshness = false): SweepRun {
  const { stdout } = run(
    process.execPath,
    [
      '--require',
      require.resolve('tsx/cjs'),
      path.join(__dirname, 'sweep.ts'),
      String(instances),
      tuning,
      ...(freshness ? ['freshness'] : []),
    ],
    {
      cwd: REPO,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as SweepRun;
}

/** @param quick 2,500 and 25,000 instances only (`--quick`) */
export function benchSweeps(quick: boolean): void {
  const peakHeapMb = new Map<number, number>();
  for (const n of quick ? [2_500, 25_000] : [2_500, 25_000, 100_000]) {
    const ours = sweep(n, 'concurrent');
    const seq = sweep(n, 'sequential');
    peakHeapMb.set(n, ours.peakHeapMb);
    const exactlyOnce = ours.receivedOnce === n && ours.receivedTotal === n && seq.receivedOnce === n;
    add({
      what: `sweep, ${n.toLocaleString('en')} instances (vs sequential)`,
      ours: seconds(ours.ms),
      baseline: seconds(seq.ms),
      ratio: seq.ms / ours.ms,
      ...(n === 25_000 ? { target: '>= 3x', met: seq.ms / ours.ms >= 3 && exactlyOnce } : {}),
      ...(n === 100_000 ? { target: '< 300 s, all once', met: ours.complete && ours.ms < 300_000 && exactlyOnce } : {}),
      detail: { concurrent: ours, sequential: seq },
    });
    if (n === Math.max(...(quick ? [25_000] : [100_000]))) {
      const accepted = (op: string) => ours.calls[op] - ours.throttled[op];
      const floor = {
        DescribeInstances: Math.ceil(n / INSTANCE_PAGE_SIZE),
        DescribeImages: Math.ceil(LATENCY_MODEL.images / IMAGE_BATCH_SIZE),
        PutEvaluations: Math.ceil(n / EVALUATIONS_PER_CALL),
      };
      for (const [op, min] of Object.entries(floor)) {
        add({
          what: `  ${op} calls at ${n.toLocaleString('en')} (vs floor)`,
          ours: `${accepted(op)} (+${ours.throttled[op]} throttled)`,
          baseline: String(min),
          target: '= floor',
          met: accepted(op) === min,
        });
      }
      add({
        what: `  peak heap / RSS at ${n.toLocaleString('en')} (vs memory setting)`,
        ours: `${ours.peakHeapMb}/${ours.peakRssMb} MB`,
        baseline: `${DEFAULT_FUNCTION_MEMORY_MB} MB`,
        target: 'RSS < memory',
        met: ours.peakRssMb < DEFAULT_FUNCTION_MEMORY_MB,
        detail: { cpuMs: ours.cpuMs },
      });
      if (peakHeapMb.has(n / 4)) {
        // Four times the fleet, about the same heap: what the sweep holds follows a page, not the fleet.
        const [large, small] = [ours.peakHeapMb, peakHeapMb.get(n / 4)!];
        add({
          what: `  peak heap at ${n.toLocaleString('en')} (vs at ${(n / 4).toLocaleString('en')})`,
          ours: `${large} MB`,
          baseline: `${small} MB`,
          target: '< 1.5x',
          met: large < 1.5 * small,
        });
      }
      add({
        what: `  CPU of the sweep at ${n.toLocaleString('en')} (vs its wall clock)`,
        ours: `${seconds(ours.cpuMs)} (model ${seconds(ours.modelMs)})`,
        baseline: seconds(ours.ms),
      });
      benchFreshness(n, ours, floor.DescribeImages);
      add({
        what: `  response at ${n.toLocaleString('en')} (vs Lambda's limit)`,
        ours: `${ours.responseBytes} B`,
        baseline: '6 MB',
        target: '<< 6 MB',
        met: ours.responseBytes < (6 * 2 ** 20) / 100,
      });
    }
  }
}

/**
 * The same sweep with freshness on (an age limit: a third of the approved AMIs are stale and get a
 * replacement), side by side with it off: the time and memory it adds, and its calls: the floor plus
 * the pages of approved AMIs, read once.
 */
function benchFreshness(n: number, off: SweepRun, imageFloor: number): void {
  const on = sweep(n, 'concurrent', true);
  const approvedPages = Math.ceil(Math.ceil(LATENCY_MODEL.images / 3) / APPROVED_IMAGE_PAGE_SIZE);
  const accepted = (r: SweepRun, op: string) => r.calls[op] - r.throttled[op];
  const floorsMet = ['DescribeInstances', 'PutEvaluations'].every((op) => accepted(on, op) === accepted(off, op));
  add({
    what: `sweep, ${n.toLocaleString('en')} instances, freshness on (vs off)`,
    ours: seconds(on.ms),
    baseline: seconds(off.ms),
    ratio: off.ms / on.ms,
    target: 'all once',
    met: on.complete && on.receivedOnce === n && on.receivedTotal === n,
    detail: { on, off },
  });
  add({
    what: `  DescribeImages calls, freshness on (vs floor + approved pages)`,
    ours: `${accepted(on, 'DescribeImages')} (${on.approvedImageCalls} approved)`,
    baseline: `${imageFloor} + ${approvedPages}`,
    target: '= floor + pages',
    met: floorsMet && on.approvedImageCalls === approvedPages && accepted(on, 'DescribeImages') === imageFloor + approvedPages,
  });
  add({
    what: `  peak heap / RSS, freshness on (vs off)`,
    ours: `${on.peakHeapMb}/${on.peakRssMb} MB`,
    baseline: `${off.peakHeapMb}/${off.peakRssMb} MB`,
    detail: { cpuMsOn: on.cpuMs, cpuMsOff: off.cpuMs },
  });
}
