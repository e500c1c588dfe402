/**
 * The AWS Config envelope, and nothing else: parse the invoking event, gather facts through the
 * adapters, ask the pure evaluator, report with PutEvaluations. Any failure throws; Config retries.
 */
import type { Evaluation } from '@aws-sdk/client-config-service';
import { evaluateInstance, outOfScope, triageConfigurationItem, type ConfigurationItem, type Verdict } from './evaluate';
import {
  errorCode,
  fetchConfigurationItem,
  ImageCatalog,
  listInstancePages,
  putEvaluations,
  readApprovedImageIds,
  type AwsClients,
} from './aws';
import { INSTANCE_RESOURCE_TYPE, MESSAGE_TYPE, MESSAGE_TYPES, type RemediationTrigger } from './contract';
import { parseRuleParameters, type RuleParameters } from './params';
import { Rechecks, type FollowUpSummary } from './retrigger';

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

/** What the handler resolves to: exactly the evaluations it sent to Config. */
export interface ConfigHandlerResult {
  readonly evaluations: Evaluation[];
  /** After a scheduled sweep where remediation acts automatically: the runbooks started again. */
  readonly remediation?: FollowUpSummary;
}

/** Settings of the handler that come from the stack, not from the event. */
export interface HandlerOptions {
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
 * Handles one AWS Config invocation and resolves to the evaluations sent.
 * @param now the clock for exception expiry; injected for tests
 * @throws on a broken event (naming the field), invalid rule parameters, or any AWS API error
 */
export async function handleConfigEvent(
  event: ConfigRuleEvent,
  clients: AwsClients,
  now: Date = new Date(),
  options: HandlerOptions = {},
): Promise<ConfigHandlerResult> {
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
    const rechecks = new Rechecks(now);
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
      case MESSAGE_TYPE.scheduled:
        evaluations = await sweep(
          timestamp(invoking.notificationCreationTime, 'invokingEvent.notificationCreationTime'),
          facts,
          now,
          rechecks,
        );
        break;
      default:
        throw new Error(
          `invokingEvent.messageType ${String(JSON.stringify(messageType))} is not handled; ` +
            `expected one of ${MESSAGE_TYPES.join(', ')}.`,
        );
    }
    await putEvaluations(clients.config, event.resultToken, evaluations);
    console.log(JSON.stringify({ messageType, ...countByCompliance(evaluations) }));
    if (messageType === MESSAGE_TYPE.scheduled && options.remediation) {
      const sweepId = String(invoking.notificationCreationTime);
      return { evaluations, remediation: await rechecks.followUp(clients, options.remediation, sweepId) };
    }
    return { evaluations };
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

  constructor(
    readonly clients: AwsClients,
    readonly params: RuleParameters,
  ) {}

  /** Created on first use, so an invocation that needs no EC2 never touches the EC2 client. */
  get images(): ImageCatalog {
    return (this.catalog ??= new ImageCatalog(this.clients.ec2));
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
  const verdict = evaluateInstance(instance, facts.images.get(instance.imageId), facts.params, {
    now,
    approvedImageIds,
  });
  return toEvaluation(INSTANCE_RESOURCE_TYPE, instance.instanceId, verdict, when);
}

/** Evaluates every live instance of the region: one DescribeImages per batch of new AMI IDs per page. */
async function sweep(when: Date, facts: Facts, now: Date, rechecks: Rechecks): Promise<Evaluation[]> {
  const approvedImageIds = await facts.approvedImageIds();
  const evaluations: Evaluation[] = [];
  for await (const page of listInstancePages(facts.clients.ec2)) {
    await facts.images.load(page.map((i) => i.imageId));
    for (const instance of page) {
      const verdict = evaluateInstance(instance, facts.images.get(instance.imageId), facts.params, {
        now,
        approvedImageIds,
      });
      evaluations.push(toEvaluation(INSTANCE_RESOURCE_TYPE, instance.instanceId, verdict, when));
      rechecks.consider(instance, verdict.complianceType);
    }
  }
  return evaluations;
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

function countByCompliance(evaluations: readonly Evaluation[]): Record<string, number> {
  const counts: Record<string, number> = { evaluations: evaluations.length };
  for (const e of evaluations) counts[e.ComplianceType ?? 'UNKNOWN'] = (counts[e.ComplianceType ?? 'UNKNOWN'] ?? 0) + 1;
  return counts;
}
