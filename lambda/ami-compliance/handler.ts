/**
 * The AWS Config envelope, and nothing else: parse the invoking event, gather facts through the
 * adapters, ask the pure evaluator, report with PutEvaluations. Any failure throws; Config retries.
 */
import type { Evaluation } from '@aws-sdk/client-config-service';
import type { Context } from 'aws-lambda';
import { evaluateInstance, outOfScope, triageConfigurationItem, type ConfigurationItem, type Verdict } from './evaluate';
import { errorCode, fetchConfigurationItem, ImageCatalog, putEvaluations, readApprovedImageIds, type AwsClients } from './aws';
import { ReplacementSource } from './approved-images';
import { INSTANCE_RESOURCE_TYPE, MESSAGE_TYPE, MESSAGE_TYPES, type ComplianceType, type RemediationTrigger } from './contract';
import { parseRuleParameters, type RuleParameters } from './params';
import { Rechecks, type FollowUpSummary } from './retrigger';
import { lambdaBudget, sweep, type SweepTuning } from './sweep';

/** The event AWS Config sends a custom Lambda rule (fields this rule reads). */
export interface ConfigRuleEvent {
  /** JSON string: `{ messageType, configurationItem | configurationItemSummary, notificationCreationTime, ... }`. */
  readonly invokingEvent?: string;
  /** JSON string of string values; see {@link parseRuleParameters}. */
  readonly ruleParameters?: string;
  /** Token for PutEvaluations; `TESTMODE` makes the call with `TestMode: true`. */
  readonly resultToken?: string;
  /** True when the resource left the rule's scope: report NOT_APPLICABLE. */
  readonly eventLeftScope?: boolean;
  readonly configRuleName?: string;
  readonly accountId?: string;
}

/**
 * What the handler resolves to: counts of what it reported, never the evaluations themselves
 * (100,000 of them would be a 28 MB response; Lambda refuses responses over 6 MB).
 */
export interface ConfigHandlerResult {
  readonly messageType: string;
  /** Evaluations Config accepted. */
  readonly reported: number;
  /** The same, by compliance type. */
  readonly compliance: Record<ComplianceType, number>;
  /** False when a sweep ran out of time before the last instance (see `notEvaluated`). */
  readonly complete: boolean;
  /** Instances a sweep listed but did not judge for lack of time; they got no evaluation. */
  readonly notEvaluated: number;
  /** True when a sweep left DescribeInstances pages unread for lack of time. */
  readonly unreadPages: boolean;
  /** After a scheduled sweep where remediation acts automatically: the runbooks started again. */
  readonly remediation?: FollowUpSummary;
}

/** The part of the Lambda context the handler uses. */
export type InvocationContext = Pick<Context, 'getRemainingTimeInMillis'>;

/** Optional inputs of {@link handleConfigEvent}; production passes the Lambda context and the stack's settings. */
export interface HandlerOptions {
  /** The clock for exception expiry and deadlines. @default new Date() */
  readonly now?: Date;
  /** The Lambda context, whose remaining time bounds a sweep and its follow-up. @default no time limit */
  readonly context?: InvocationContext;
  /** Sweep concurrency. @default DEFAULT_TUNING */
  readonly tuning?: SweepTuning;
  /** Start the runbook again for marked instances after a sweep. @default none (Config alone starts it) */
  readonly remediation?: RemediationTrigger;
}

interface InvokingEvent {
  messageType?: unknown;
  configurationItem?: ConfigurationItem | null;
  configurationItemSummary?: ConfigurationItem | null;
  notificationCreationTime?: unknown;
}

/**
 * Handles one AWS Config invocation and resolves to counts of the evaluations sent. After a scheduled
 * sweep where remediation acts automatically, it starts the runbook again for instances past their
 * deadline (AWS Config starts it only when an instance becomes NON_COMPLIANT).
 * @param options the clock (or a Date, for tests), the Lambda context for a sweep's time budget, the
 * remediation to start again
 * @throws on a broken event (naming the field), invalid rule parameters, or any AWS API error
 */
export async function handleConfigEvent(
  event: ConfigRuleEvent,
  clients: AwsClients,
  options: HandlerOptions | Date = {},
): Promise<ConfigHandlerResult> {
  const { now = new Date(), context, tuning, remediation }: HandlerOptions = options instanceof Date ? { now: options } : options;
  let messageType: unknown;
  try {
    const invoking = parseInvokingEvent(event);
    messageType = invoking.messageType;
    if (typeof event.resultToken !== 'string' || event.resultToken === '') {
      throw new Error('Config event has no resultToken: PutEvaluations needs it. Is this a Config rule invocation?');
    }
    const params = parseRuleParameters(event.ruleParameters);
    const facts = new Facts(clients, params);
    let evaluations: Evaluation[];
    let result: ConfigHandlerResult;
    switch (messageType) {
      case MESSAGE_TYPE.change: {
        const item = required(invoking.configurationItem, 'invokingEvent.configurationItem');
        evaluations = [await evaluateItem(item, event.eventLeftScope, facts, now)];
        break;
      }
      case MESSAGE_TYPE.oversized: {
        const summary = required(invoking.configurationItemSummary, 'invokingEvent.configurationItemSummary');
        const skip = outOfScope(summary, event.eventLeftScope);
        const item = skip
          ? summary
          : await fetchConfigurationItem(
              clients.config,
              required(summary.resourceType, 'invokingEvent.configurationItemSummary.resourceType'),
              required(summary.resourceId, 'invokingEvent.configurationItemSummary.resourceId'),
            );
        const captured = item.configurationItemCaptureTime ?? summary.configurationItemCaptureTime;
        evaluations = [await evaluateItem({ ...item, configurationItemCaptureTime: captured }, event.eventLeftScope, facts, now)];
        break;
      }
      case MESSAGE_TYPE.scheduled: {
        const budget = context ? lambdaBudget(context) : undefined;
        const rechecks = remediation ? await Rechecks.forSweep(clients.ssm, now, remediation.mode) : undefined;
        const swept = await sweep({
          clients,
          params,
          approvedImageIds: await facts.approvedImageIds(),
          resultToken: event.resultToken,
          orderingTimestamp: timestamp(invoking.notificationCreationTime, 'invokingEvent.notificationCreationTime'),
          now,
          budget,
          tuning,
          onJudged: rechecks ? (instance, compliance) => rechecks.consider(instance, compliance) : undefined,
        });
        result = { messageType, ...swept };
        if (!swept.complete) logUnfinishedSweep(result, context);
        console.log(JSON.stringify(result));
        if (!rechecks || !remediation) return result;
        // Only once the evaluations are stored; a retried invocation repeats the same starts (client tokens), not new ones.
        const sweepId = String(invoking.notificationCreationTime);
        return { ...result, remediation: await rechecks.followUp(clients, remediation, sweepId, budget) };
      }
      default:
        throw new Error(
          `invokingEvent.messageType ${String(JSON.stringify(messageType))} is not handled; ` +
            `expected one of ${MESSAGE_TYPES.join(', ')}.`,
        );
    }
    await putEvaluations(clients.config, event.resultToken, evaluations);
    result = {
      messageType: String(messageType),
      reported: evaluations.length,
      compliance: countByCompliance(evaluations),
      complete: true,
      notEvaluated: 0,
      unreadPages: false,
    };
    console.log(JSON.stringify(result));
    return result;
  } catch (err) {
    // Log and rethrow: a failed invocation is retried by Config, a guessed verdict would stick.
    console.error(
      JSON.stringify({
        level: 'ERROR',
        messageType,
        rule: event?.configRuleName,
        error: errorCode(err),
        message: (err as Error)?.message,
      }),
    );
    throw err;
  }
}

/** Facts shared by all evaluations of one invocation: the approved-ID list (read once) and the image cache. */
class Facts {
  private approved?: Promise<ReadonlySet<string>>;
  private catalog?: ImageCatalog;
  private source?: ReplacementSource;

  constructor(
    readonly clients: AwsClients,
    readonly params: RuleParameters,
  ) {}

  /** Created on first use, so an invocation that needs no EC2 never touches the EC2 client. */
  get images(): ImageCatalog {
    return (this.catalog ??= new ImageCatalog(this.clients.ec2));
  }

  /** Finds replacements for stale AMIs; the approved AMIs are read once, and only when one is needed. */
  async replacements(now: Date): Promise<ReplacementSource> {
    return (this.source ??= new ReplacementSource(
      this.clients.ec2,
      this.images,
      this.params,
      await this.approvedImageIds(),
      now,
    ));
  }

  approvedImageIds(): Promise<ReadonlySet<string>> {
    const name = this.params.approvedImageIdsParameter;
    return (this.approved ??= name ? readApprovedImageIds(this.clients.ssm, name) : Promise.resolve(new Set<string>()));
  }
}

async function evaluateItem(
  item: ConfigurationItem,
  eventLeftScope: boolean | undefined,
  facts: Facts,
  now: Date,
): Promise<Evaluation> {
  const when = timestamp(item.configurationItemCaptureTime, 'configurationItem.configurationItemCaptureTime');
  const triage = triageConfigurationItem(item, eventLeftScope === true);
  if (triage.kind === 'not-applicable') {
    const type = required(item.resourceType, 'configurationItem.resourceType');
    return toEvaluation(type, required(item.resourceId, 'configurationItem.resourceId'), triage.verdict, when);
  }
  const { instance } = triage;
  const approvedImageIds = await facts.approvedImageIds();
  await facts.images.load([instance.imageId]);
  const image = facts.images.get(instance.imageId);
  const approvedImages = await (await facts.replacements(now)).whenNeeded([image]);
  const verdict = evaluateInstance(instance, image, facts.params, { now, approvedImageIds, approvedImages });
  return toEvaluation(INSTANCE_RESOURCE_TYPE, instance.instanceId, verdict, when);
}

function parseInvokingEvent(event: ConfigRuleEvent): InvokingEvent {
  if (typeof event !== 'object' || event === null) throw new Error('Config event is not an object.');
  if (typeof event.invokingEvent !== 'string' || event.invokingEvent === '') {
    throw new Error('Config event has no invokingEvent (a JSON string). Is this a Config rule invocation?');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.invokingEvent);
  } catch (err) {
    throw new Error(`invokingEvent is not valid JSON (${(err as Error).message}): ${event.invokingEvent.slice(0, 80)}`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('invokingEvent must be a JSON object with a messageType.');
  }
  return parsed as InvokingEvent;
}

function toEvaluation(type: string, id: string, verdict: Verdict, when: Date): Evaluation {
  return {
    ComplianceResourceType: type,
    ComplianceResourceId: id,
    ComplianceType: verdict.complianceType,
    Annotation: verdict.annotation,
    OrderingTimestamp: when,
  };
}

function timestamp(value: unknown, field: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new Error(`${field} is missing or not an ISO-8601 time: ${JSON.stringify(value)}`);
  }
  return date;
}

function required<T>(value: T | null | undefined, field: string): T {
  if (value === undefined || value === null || (value as unknown) === '')
    throw new Error(`${field} is missing from the Config event.`);
  return value;
}

function countByCompliance(evaluations: readonly Evaluation[]): Record<ComplianceType, number> {
  const counts: Record<ComplianceType, number> = { COMPLIANT: 0, NON_COMPLIANT: 0, NOT_APPLICABLE: 0 };
  for (const e of evaluations) counts[e.ComplianceType as ComplianceType]++;
  return counts;
}

/** The one line an operator needs when the time budget ended a sweep early. */
function logUnfinishedSweep(result: ConfigHandlerResult, context: InvocationContext | undefined): void {
  const left = `${result.notEvaluated} listed instance(s) not evaluated${result.unreadPages ? ', and the pages after them not read' : ''}`;
  console.warn(
    JSON.stringify({
      level: 'WARN',
      message:
        `Sweep stopped by the time budget after reporting ${result.reported} instance(s); left: ${left}. ` +
        'They got no evaluation and keep their previous result; change notifications still evaluate them. ' +
        'Fix: raise detection.timeoutSeconds (up to 900), or detection.memoryMb for more CPU.',
      reported: result.reported,
      notEvaluated: result.notEvaluated,
      unreadPages: result.unreadPages,
      remainingMs: context?.getRemainingTimeInMillis(),
    }),
  );
}
