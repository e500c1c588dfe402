/**
 * AWS Config: the latest configuration item of a resource (for oversized change notifications), and
 * the evaluations reported back (PutEvaluations in chunks of 100, bounded concurrency, one retry).
 *
 * IAM: config:GetResourceConfigHistory, config:PutEvaluations.
 */
import {
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  type ConfigServiceClient,
  type Evaluation,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import type { ConfigurationItem } from '../evaluate';

/** Fetches the latest configuration item of a resource (for oversized change notifications), in change-notification shape. */
export async function fetchConfigurationItem(
  config: ConfigServiceClient,
  resourceType: string,
  resourceId: string,
): Promise<ConfigurationItem> {
  const reply = await config.send(
    new GetResourceConfigHistoryCommand({ resourceType: resourceType as ResourceType, resourceId, limit: 1 }),
  );
  const item = reply.configurationItems?.[0];
  if (!item) throw new Error(`GetResourceConfigHistory returned no configuration item for ${resourceType} ${resourceId}`);
  return {
    configurationItemStatus: item.configurationItemStatus,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    configurationItemCaptureTime: item.configurationItemCaptureTime?.toISOString(),
    // The API returns the configuration as a JSON string; change notifications carry it as an object.
    configuration: item.configuration ? parseConfiguration(item.configuration, `${resourceType} ${resourceId}`) : undefined,
    tags: item.tags,
  };
}

function parseConfiguration(json: string, resource: string): unknown {
  try {
    return JSON.parse(json);
  } catch (err) {
    throw new Error(
      `GetResourceConfigHistory returned a configuration for ${resource} that is not valid JSON (${(err as Error).message}): ` +
        `${json.slice(0, 80)}. Config retries the evaluation.`,
      { cause: err },
    );
  }
}

/** The result token AWS Config uses when a rule is invoked to test it. */
const TEST_MODE_TOKEN = 'TESTMODE';

/** The most evaluations one PutEvaluations call accepts. */
export const EVALUATIONS_PER_CALL = 100;

/**
 * Reports evaluations to Config as they are made: chunks of 100, up to `concurrency` PutEvaluations
 * calls in flight, the `FailedEvaluations` of a chunk retried once. It holds at most
 * `concurrency + 1` chunks, so memory does not grow with the fleet.
 */
export class EvaluationReporter {
  private chunk: Evaluation[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stillFailed: Evaluation[] = [];
  private failure: { error: unknown } | undefined;
  private sent = 0;

  /** @param concurrency PutEvaluations calls in flight at once. @default 1 */
  constructor(
    private readonly config: ConfigServiceClient,
    private readonly resultToken: string,
    private readonly concurrency = 1,
  ) {}

  /** Evaluations Config has accepted so far. */
  get reported(): number {
    return this.sent;
  }

  /**
   * Queues one evaluation; resolves once there is room for more (back-pressure when Config is slower than the sweep).
   * @throws the error of an earlier call that failed
   */
  async add(evaluation: Evaluation): Promise<void> {
    this.throwIfFailed();
    this.chunk.push(evaluation);
    if (this.chunk.length >= EVALUATIONS_PER_CALL) await this.dispatch();
  }

  /**
   * Sends what is queued and waits for every call.
   * @throws when a call failed, or evaluations still fail after their retry, so Config invokes the rule again
   */
  async flush(): Promise<void> {
    if (this.chunk.length > 0) await this.dispatch();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
    if (this.stillFailed.length > 0) {
      const ids = this.stillFailed.map((e) => e.ComplianceResourceId).slice(0, 10);
      throw new Error(`PutEvaluations rejected ${this.stillFailed.length} evaluation(s) after one retry, e.g. ${ids.join(', ')}`);
    }
  }

  private async dispatch(): Promise<void> {
    const chunk = this.chunk;
    this.chunk = [];
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const call: Promise<void> = this.sendWithRetry(chunk).then(
      () => void this.inFlight.delete(call),
      (error: unknown) => {
        this.failure ??= { error };
        this.inFlight.delete(call);
      },
    );
    this.inFlight.add(call);
    if (this.concurrency === 1) await call; // strictly one call after the other
  }

  private async sendWithRetry(chunk: Evaluation[]): Promise<void> {
    const failed = await this.send(chunk);
    const failedTwice = failed.length > 0 ? await this.send(failed) : [];
    this.stillFailed.push(...failedTwice);
    this.sent += chunk.length - failedTwice.length;
  }

  private async send(Evaluations: Evaluation[]): Promise<Evaluation[]> {
    const testMode = this.resultToken === TEST_MODE_TOKEN ? { TestMode: true } : {};
    const reply = await this.config.send(new PutEvaluationsCommand({ ResultToken: this.resultToken, Evaluations, ...testMode }));
    return reply.FailedEvaluations ?? [];
  }

  /** Waits for the calls in flight and sends nothing more: the way out after an error. */
  async settle(): Promise<void> {
    this.chunk = [];
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * Sends evaluations in chunks of 100, one call after the other, retrying the `FailedEvaluations` of a chunk once.
 * @throws when evaluations still fail after the retry, so Config invokes the rule again
 */
export async function putEvaluations(
  config: ConfigServiceClient,
  resultToken: string,
  evaluations: readonly Evaluation[],
): Promise<void> {
  const reporter = new EvaluationReporter(config, resultToken);
  for (const evaluation of evaluations) await reporter.add(evaluation);
  await reporter.flush();
}
