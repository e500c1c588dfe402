/**
 * The scheduled sweep: every live instance of the region, judged and reported as a stream.
 * The next DescribeInstances page is requested as soon as the current one's bytes arrive, so its round
 * trip overlaps the parsing; the new AMI IDs of a page are described in batches; evaluations go to Config
 * in chunks of 100 with several calls in flight. Memory follows a few pages, not the fleet. A time budget
 * ends the sweep cleanly before Lambda stops it.
 */
import type { Evaluation } from '@aws-sdk/client-config-service';
import { EvaluationReporter, IMAGE_BATCH_SIZE, ImageCatalog, listInstancePages, type AwsClients } from './aws';
import { ReplacementSource } from './approved-images';
import { INSTANCE_RESOURCE_TYPE, type ComplianceType, type RuleParameters } from './contract';
import { evaluateInstance, type InstanceFacts, type Verdict } from './evaluate';

/** How much of the sweep runs at once. */
export interface SweepTuning {
  /** PutEvaluations calls in flight. @default 12 */
  readonly putConcurrency: number;
  /** DescribeImages calls in flight. @default 4 */
  readonly imageConcurrency: number;
  /** DescribeInstances pages requested ahead of the one being judged. @default 1 */
  readonly readAhead: number;
  /** Request the next DescribeInstances page as soon as this one's bytes arrive, before parsing them. @default true */
  readonly prefetchPages: boolean;
}

/**
 * The production setting, from `npm run bench`'s profile of the sweep under the latency model. Parsing a
 * page holds the thread for a quarter of a second or more, and the replies of the PutEvaluations in flight
 * wait behind it; with eight in flight the sweep sat idle waiting on Config between pages (2 s of a 9 s
 * sweep of 25,000), with twelve it does not. That is still below Config's 50 calls/s when parsing paces the
 * sweep; when it does not, adaptive retry slows the calls that are throttled.
 */
export const DEFAULT_TUNING: SweepTuning = { putConcurrency: 12, imageConcurrency: 4, readAhead: 1, prefetchPages: true };

/** The same sweep one call at a time: the baseline `npm run bench` compares against. */
export const SEQUENTIAL_TUNING: SweepTuning = { putConcurrency: 1, imageConcurrency: 1, readAhead: 0, prefetchPages: false };

/** When to stop starting new work. */
export interface SweepBudget {
  /** Milliseconds left before the invocation is stopped (Lambda's `context.getRemainingTimeInMillis()`). */
  remainingMs(): number;
  /** Below this many remaining milliseconds no new instance is judged: the time kept to report what was judged. */
  readonly reserveMs: number;
}

/**
 * The budget of a Lambda invocation: the reserve is a tenth of the time left at the start, between 3 and 20 s
 * (reporting what is queued takes under a second even when throttled; the rest is margin for a slow call).
 */
export function lambdaBudget(context: { getRemainingTimeInMillis(): number }): SweepBudget {
  const reserveMs = Math.min(20_000, Math.max(3_000, context.getRemainingTimeInMillis() / 10));
  return { remainingMs: () => context.getRemainingTimeInMillis(), reserveMs };
}

/** What a sweep needs. */
export interface SweepInput {
  readonly clients: AwsClients;
  readonly params: RuleParameters;
  readonly approvedImageIds: ReadonlySet<string>;
  /** The Config result token of the invocation. */
  readonly resultToken: string;
  /** `OrderingTimestamp` of every evaluation: the notification time. */
  readonly orderingTimestamp: Date;
  /** The clock for exception expiry. */
  readonly now: Date;
  /** @default no limit */
  readonly budget?: SweepBudget;
  /** @default DEFAULT_TUNING */
  readonly tuning?: SweepTuning;
  /** Told of every judged instance and its compliance (the remediation follow-up collects marked ones). @default nothing */
  readonly onJudged?: (instance: InstanceFacts, compliance: ComplianceType) => void;
}

/** What a sweep did: counts only, so the Lambda's response stays small whatever the fleet. */
export interface SweepResult {
  /** Evaluations Config accepted, by compliance type. */
  readonly compliance: Record<ComplianceType, number>;
  /** Evaluations Config accepted. */
  readonly reported: number;
  /** False when the time budget ended the sweep before the last instance. */
  readonly complete: boolean;
  /** Instances listed but not judged because the budget ran out (0 when complete). */
  readonly notEvaluated: number;
  /** True when pages after the last one read were left unread because the budget ran out. */
  readonly unreadPages: boolean;
  /** DescribeInstances pages judged (in full or in part). */
  readonly pages: number;
}

/**
 * Judges and reports every live instance of the region, or as many as the budget allows. An instance it
 * did not judge gets no evaluation at all: it keeps its previous result in Config, never a guessed one.
 * @throws on any AWS API error, after the calls in flight have settled (Config retries the invocation)
 */
export async function sweep(input: SweepInput): Promise<SweepResult> {
  const tuning = input.tuning ?? DEFAULT_TUNING;
  const { clients, params, approvedImageIds, now, budget } = input;
  const images = new ImageCatalog(clients.ec2, IMAGE_BATCH_SIZE, tuning.imageConcurrency);
  const reporter = new EvaluationReporter(clients.config, input.resultToken, tuning.putConcurrency);
  const replacements = new ReplacementSource(clients.ec2, images, params, approvedImageIds, now);
  const compliance: Record<ComplianceType, number> = { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0 };
  const outOfTime = (): boolean => budget !== undefined && budget.remainingMs() < budget.reserveMs;
  let pages = 0;
  let notEvaluated = 0;
  let unreadPages = false;
  try {
    for await (const page of readAhead(listInstancePages(clients.ec2, { prefetch: tuning.prefetchPages }), tuning.readAhead)) {
      pages++;
      let judged = 0;
      if (!outOfTime()) {
        await images.load(page.instances.map((i) => i.imageId));
        const approvedImages = await replacements.whenNeeded(new Set(page.instances.map((i) => images.get(i.imageId))));
        for (const instance of page.instances) {
          if (outOfTime()) break;
          const verdict = evaluateInstance(instance, images.get(instance.imageId), params, {
            now,
            approvedImageIds,
            approvedImages,
          });
          compliance[verdict.complianceType]++;
          judged++;
          input.onJudged?.(instance, verdict.complianceType);
          await reporter.add(instanceEvaluation(instance.instanceId, verdict, input.orderingTimestamp));
        }
      }
      if (judged < page.instances.length) {
        notEvaluated = page.instances.length - judged;
        unreadPages = page.more;
        break;
      }
    }
    await reporter.flush();
  } catch (err) {
    await reporter.settle();
    throw err;
  }
  return {
    compliance,
    reported: reporter.reported,
    complete: notEvaluated === 0 && !unreadPages,
    notEvaluated,
    unreadPages,
    pages,
  };
}

/** The evaluation Config stores for one instance. */
function instanceEvaluation(instanceId: string, verdict: Verdict, orderingTimestamp: Date): Evaluation {
  return {
    ComplianceResourceType: INSTANCE_RESOURCE_TYPE,
    ComplianceResourceId: instanceId,
    ComplianceType: verdict.complianceType,
    Annotation: verdict.annotation,
    OrderingTimestamp: orderingTimestamp,
  };
}

/**
 * Iterates `source` with up to `ahead` results already requested, so the next page is on its way while
 * this one is judged. Results requested ahead and not consumed are dropped; their errors do not escape.
 */
async function* readAhead<T>(source: AsyncGenerator<T>, ahead: number): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  try {
    for (;;) {
      while (queue.length <= ahead) {
        const next = source.next();
        next.catch(() => undefined); // observed when its turn comes; dropped silently if the sweep stops first
        queue.push(next);
      }
      const result = await queue.shift()!;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    source.return(undefined).catch(() => undefined);
  }
}
