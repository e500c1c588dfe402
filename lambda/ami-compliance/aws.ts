/**
 * Thin adapters between the AWS APIs and the pure evaluator. Clients are injected ({@link AwsClients}),
 * so tests pass fakes. Every API error propagates: an unreadable fact must never turn into COMPLIANT.
 *
 * IAM actions used: ec2:DescribeInstances, ec2:DescribeImages, ssm:GetParameter,
 * config:GetResourceConfigHistory, config:PutEvaluations; for owner attribution cloudtrail:LookupEvents,
 * autoscaling:DescribeAutoScalingInstances and DescribeAutoScalingGroups; where remediation acts
 * automatically ssm:StartAutomationExecution (one document), and in terminate mode
 * ec2:DeregisterImage and ec2:DeleteSnapshot (evidence images only).
 */
import { createHash } from 'node:crypto';
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  type LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  type DescribeInstancesCommandOutput,
  type Image,
  type Instance,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  type Evaluation,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { GetParameterCommand, SSMClient, StartAutomationExecutionCommand } from '@aws-sdk/client-ssm';
import type { ConfigurationItem, ImageFacts, InstanceFacts } from './evaluate';
import { AMI_ID_PATTERN, EVIDENCE_TAG, type RemediationTrigger } from './contract';

/** The AWS clients the rule uses. Implementations may create them lazily; a test fake may throw for any it was not given. */
export interface AwsClients {
  readonly ec2: EC2Client;
  readonly config: ConfigServiceClient;
  readonly ssm: SSMClient;
  readonly cloudTrail: CloudTrailClient;
  readonly autoScaling: AutoScalingClient;
}

/**
 * How every client retries. Adaptive mode adds a client-side rate limiter that slows down when AWS
 * throttles (EC2 `RequestLimitExceeded`, Config `ThrottlingException`); the sweep keeps several calls
 * in flight, so a throttled call gets more attempts than the SDK's default 3 before the invocation fails.
 */
export const CLIENT_RETRY = { retryMode: 'adaptive', maxAttempts: 8 } as const;

/** Client settings a caller may add (region, credentials, a request handler); retries stay {@link CLIENT_RETRY}. */
export type ClientOverrides = Omit<NonNullable<ConstructorParameters<typeof EC2Client>[0]>, keyof typeof CLIENT_RETRY>;

/**
 * Real clients, each created on first use with {@link CLIENT_RETRY}. Region, endpoint (`AWS_ENDPOINT_URL`)
 * and credentials come from the SDK's standard chain unless `overrides` sets them (benchmarks and tests
 * pass a request handler that models AWS, so the retry path they measure is the production one).
 */
export function lazyAwsClients(overrides: ClientOverrides = {}): AwsClients {
  const settings = { ...overrides, ...CLIENT_RETRY };
  let ec2: EC2Client | undefined;
  let config: ConfigServiceClient | undefined;
  let ssm: SSMClient | undefined;
  let cloudTrail: CloudTrailClient | undefined;
  let autoScaling: AutoScalingClient | undefined;
  return {
    get ec2() {
      return (ec2 ??= new EC2Client(settings));
    },
    get config() {
      return (config ??= new ConfigServiceClient(settings));
    },
    get ssm() {
      return (ssm ??= new SSMClient(settings));
    },
    get cloudTrail() {
      return (cloudTrail ??= new CloudTrailClient({ retryMode: 'adaptive' }));
    },
    get autoScaling() {
      return (autoScaling ??= new AutoScalingClient({ retryMode: 'adaptive' }));
    },
  };
}

/** Instance states a sweep evaluates; terminated (and shutting-down) instances are filtered out server-side. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** The most instances DescribeInstances returns in one page. */
export const INSTANCE_PAGE_SIZE = 1000;

/** One DescribeInstances page. */
export interface InstancePage {
  readonly instances: InstanceFacts[];
  /** True when EC2 announced another page (a NextToken). */
  readonly more: boolean;
}

/**
 * Yields every live instance of the region, one DescribeInstances page (up to 1000 instances) at a time.
 *
 * With `prefetch`, the next page is requested as soon as this page's bytes arrive, with the NextToken read
 * from the end of the raw reply, so its round trip overlaps the parsing of this page (parsing is most of a
 * sweep's CPU). The parsed NextToken stays the authority: an early request with another token is dropped
 * and the page asked for again. At most one page is requested beyond the one the caller is waiting for.
 * @throws when EC2 hands back a NextToken it already gave: paging on would loop until the Lambda times out
 */
export async function* listInstancePages(ec2: EC2Client, options: { prefetch?: boolean } = {}): AsyncGenerator<InstancePage> {
  const tokens = new PageTokens('DescribeInstances');
  let request = new PageRequest(ec2, undefined, options.prefetch === true);
  try {
    for (;;) {
      request.wanted();
      const page = await request.reply;
      const NextToken = tokens.next(page.NextToken);
      const instances = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstanceFacts);
      if (NextToken === undefined) {
        yield { instances, more: false };
        return;
      }
      yield { instances, more: true };
      // Only once the caller asks for it: the next page is requested (or its early request kept) here.
      const early = request.successor;
      request.successor = undefined; // no chain from page to page: a page's reply is freed once it is read
      request = early?.token === NextToken ? early : new PageRequest(ec2, NextToken, options.prefetch === true);
      if (early !== request) early?.drop();
    }
  } finally {
    request.drop();
  }
}

/** Where EC2 puts the NextToken of a DescribeInstances reply: the last element before the end. */
const NEXT_TOKEN_OPEN = '<nextToken>';
const NEXT_TOKEN_CLOSE = '</nextToken>';

/** One DescribeInstances call, which may request its successor early (see {@link listInstancePages}). */
class PageRequest {
  readonly reply: Promise<DescribeInstancesCommandOutput>;
  /** The next page, requested early with the NextToken read from this page's raw reply. */
  successor?: PageRequest;
  private peeked?: string;
  private isWanted = false;
  private dropped = false;

  constructor(
    private readonly ec2: EC2Client,
    readonly token: string | undefined,
    private readonly prefetch: boolean,
  ) {
    const command = new DescribeInstancesCommand({
      MaxResults: INSTANCE_PAGE_SIZE,
      NextToken: token,
      Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }],
    });
    if (prefetch) {
      // Innermost, after the deserializer in the stack: sees each attempt's raw reply before it is parsed.
      // A deserialize-step middleware, typed by hand: the SDK's types for it live in @smithy/types, not a dependency here.
      const peekNextToken = (next: (args: object) => Promise<{ response: unknown }>) => async (args: object) => {
        const result = await next(args);
        const response = result.response as { statusCode?: number; body?: unknown };
        if (response.statusCode === 200 && response.body !== undefined) {
          const bytes = response.body instanceof Uint8Array ? response.body : await ec2.config.streamCollector(response.body);
          response.body = bytes; // the deserializer reads a Uint8Array as it is
          // Parsing holds the thread for a while: let the next page's request go out first.
          if (this.peek(bytes)) await new Promise((resolve) => setImmediate(resolve));
        }
        return result;
      };
      command.middlewareStack.addRelativeTo(
        peekNextToken as unknown as Parameters<typeof command.middlewareStack.addRelativeTo>[0],
        {
          relation: 'after',
          toMiddleware: 'deserializerMiddleware',
          name: 'peekNextToken',
        },
      );
    }
    this.reply = (async () => ec2.send(command))(); // sent now; a promise even where a test double answers plainly
    this.reply.catch(() => undefined); // observed by whoever awaits it; a dropped request's error goes nowhere
  }

  /** The caller now waits for this page: its successor may be requested as soon as its bytes are here. */
  wanted(): void {
    this.isWanted = true;
    this.requestSuccessor();
  }

  /** The page will not be read: neither it nor anything after it starts a request any more. */
  drop(): void {
    this.dropped = true;
    this.successor?.drop();
  }

  /** Reads the NextToken from the raw reply; true when that started the next page's request. */
  private peek(bytes: Uint8Array): boolean {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const open = text.lastIndexOf(NEXT_TOKEN_OPEN);
    const close = open < 0 ? -1 : text.indexOf(NEXT_TOKEN_CLOSE, open);
    this.peeked = close < 0 ? undefined : text.toString('latin1', open + NEXT_TOKEN_OPEN.length, close);
    return this.requestSuccessor();
  }

  private requestSuccessor(): boolean {
    if (!this.isWanted || this.dropped || this.successor || !this.peeked || this.peeked === this.token) return false;
    this.successor = new PageRequest(this.ec2, this.peeked, this.prefetch);
    return true;
  }
}

/** Remembers the NextTokens of one paged call, so a token seen before is an error instead of an endless loop. */
class PageTokens {
  private readonly seen = new Set<string>();

  constructor(private readonly call: string) {}

  /** Returns the token to ask for next (`undefined` when done). @throws when the token came before */
  next(token: string | undefined): string | undefined {
    if (token === undefined || token === '') return undefined;
    if (this.seen.has(token)) {
      throw new Error(
        `${this.call} returned the NextToken ${JSON.stringify(token.slice(0, 40))} a second time, after ${this.seen.size} page(s): ` +
          'the pagination loops, so the sweep stops here instead of running until the Lambda times out.',
      );
    }
    this.seen.add(token);
    return token;
  }
}

/** Describes one instance, or `undefined` when EC2 no longer knows it (InvalidInstanceID.NotFound). */
export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceFacts | undefined> {
  try {
    const reply = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return (reply.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstanceFacts)[0];
  } catch (err) {
    if (errorCode(err) === 'InvalidInstanceID.NotFound') return undefined;
    throw err;
  }
}

/** Error codes DescribeImages returns for a whole request when one of its ImageIds is missing or odd. */
const MISSING_IMAGE_ERRORS = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Malformed', 'InvalidAMIID.Unavailable']);

/** The most AMI IDs in one DescribeImages call (EC2 accepts at most 200 values in one filter). */
export const IMAGE_BATCH_SIZE = 200;

/**
 * Image facts for one invocation: each distinct AMI ID is described once, in batches, and cached.
 * A missing image (deregistered, or not shared with this account) is remembered as missing, not an error.
 */
export class ImageCatalog {
  private readonly cache = new Map<string, ImageFacts | null>();

  /**
   * @param batchSize IDs per DescribeImages call. @default IMAGE_BATCH_SIZE
   * @param concurrency DescribeImages calls in flight at once. @default 1
   */
  constructor(
    private readonly ec2: EC2Client,
    private readonly batchSize = IMAGE_BATCH_SIZE,
    private readonly concurrency = 1,
  ) {}

  /** Describes the IDs not described yet, in batches of `batchSize`, up to `concurrency` batches at a time. */
  async load(imageIds: Iterable<string>): Promise<void> {
    const todo = [...new Set(imageIds)].filter((id) => !this.cache.has(id));
    const batches: string[][] = [];
    for (let i = 0; i < todo.length; i += this.batchSize) batches.push(todo.slice(i, i + this.batchSize));
    await inParallel(batches, this.concurrency, async (batch) => {
      const images = await this.describe(batch);
      for (const image of images) if (image.ImageId) this.cache.set(image.ImageId, toImageFacts(image));
      for (const id of batch) if (!this.cache.has(id)) this.cache.set(id, null);
    });
  }

  /** The facts for a loaded ID, or `undefined` when the image was not found. */
  get(imageId: string): ImageFacts | undefined {
    const facts = this.cache.get(imageId);
    if (facts === undefined) throw new Error(`ImageCatalog.get(${imageId}) before load(): this is a bug`);
    return facts ?? undefined;
  }

  private async describe(ids: string[]): Promise<Image[]> {
    const wide = { IncludeDeprecated: true, IncludeDisabled: true };
    try {
      return (await this.ec2.send(new DescribeImagesCommand({ ImageIds: ids, ...wide }))).Images ?? [];
    } catch (err) {
      if (!MISSING_IMAGE_ERRORS.has(errorCode(err) ?? '')) throw err;
    }
    // ImageIds fails whole when one ID is missing; the image-id filter returns just the ones that exist.
    const images: Image[] = [];
    const tokens = new PageTokens('DescribeImages');
    let NextToken: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: ids }], NextToken, ...wide }),
      );
      images.push(...(page.Images ?? []));
      NextToken = tokens.next(page.NextToken);
    } while (NextToken);
    return images;
  }
}

/**
 * Reads the SSM StringList of AMI IDs approved by ID.
 * @throws when the parameter is unreadable or holds something that is not an AMI ID (a typo must not go unnoticed)
 */
export async function readApprovedImageIds(ssm: SSMClient, name: string): Promise<ReadonlySet<string>> {
  const reply = await ssm.send(new GetParameterCommand({ Name: name }));
  const ids = (reply.Parameter?.Value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const bad = ids.find((id) => !AMI_ID_PATTERN.test(id));
  if (bad !== undefined) {
    throw new Error(
      `SSM parameter ${name} holds ${JSON.stringify(bad.slice(0, 80))}, which is not an AMI ID. ` +
        'Fix: make it a StringList of IDs such as "ami-0123456789abcdef0,ami-0fedcba9876543210".',
    );
  }
  return new Set(ids);
}

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

/** Runs `work` over `items`, at most `concurrency` at a time; rejects with the first error after the others settle. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]);
      } catch (err) {
        failed = true; // the other workers finish their item and take no new one
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** How far back CloudTrail's event history (LookupEvents) reaches. */
const CLOUDTRAIL_HISTORY_DAYS = 90;
const DAY = 86_400_000;

/**
 * Who launched an instance: the `RunInstances` event of CloudTrail's event history for it, as
 * `<userIdentity.arn>[ via <invokedBy>] at <time>`, or a sentence saying why that is unknown.
 * @param createdAt when the instance was first launched; older than 90 days means no event to find
 * @throws on a CloudTrail API error (the check mode reports it as unknown)
 */
export async function lookupLauncher(
  cloudTrail: CloudTrailClient,
  instanceId: string,
  createdAt: Date | undefined,
  now: Date,
): Promise<string> {
  const oldest = now.getTime() - CLOUDTRAIL_HISTORY_DAYS * DAY;
  if (createdAt && createdAt.getTime() < oldest) {
    return `unknown (launched ${createdAt.toISOString().slice(0, 10)}, older than CloudTrail's ${CLOUDTRAIL_HISTORY_DAYS}-day event history)`;
  }
  // One hour either side of the launch; without a launch time, the whole history.
  const StartTime = new Date(createdAt ? createdAt.getTime() - 3_600_000 : oldest);
  const EndTime = new Date(createdAt ? Math.min(createdAt.getTime() + 3_600_000, now.getTime()) : now.getTime());
  let NextToken: string | undefined;
  let pages = 0;
  do {
    const page = await cloudTrail.send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: instanceId }],
        StartTime,
        EndTime,
        MaxResults: 50,
        NextToken,
      }),
    );
    for (const event of page.Events ?? []) {
      if (event.EventName !== 'RunInstances' || !event.CloudTrailEvent) continue;
      const detail = JSON.parse(event.CloudTrailEvent) as { userIdentity?: { arn?: string; invokedBy?: string; type?: string } };
      const who = detail.userIdentity?.arn ?? detail.userIdentity?.type ?? event.Username ?? 'an unnamed principal';
      const via = detail.userIdentity?.invokedBy ? ` via ${detail.userIdentity.invokedBy}` : '';
      const when = event.EventTime ? ` at ${event.EventTime.toISOString().slice(0, 16)}Z` : '';
      return `${who}${via}${when}`;
    }
    NextToken = page.NextToken;
    pages += 1;
  } while (NextToken && pages < 5);
  return 'unknown (no RunInstances event for it in CloudTrail; events take up to 15 minutes to appear)';
}

/** The Auto Scaling group an instance belongs to, and the launch template or configuration to change. */
export interface AutoScalingFacts {
  readonly group: string;
  /** `launch template web (lt-0123) version 7`, `launch configuration web-lc`, or `no launch template`. */
  readonly launchSource: string;
}

/**
 * The instance's Auto Scaling group, with the group's launch template (what has to change for the
 * replacement instances), or undefined when it is in no group.
 * @throws on an Auto Scaling API error
 */
export async function describeAutoScaling(
  autoScaling: AutoScalingClient,
  instanceId: string,
): Promise<AutoScalingFacts | undefined> {
  const member = (await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] })))
    .AutoScalingInstances?.[0];
  if (!member?.AutoScalingGroupName) return undefined;
  const group = (
    await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [member.AutoScalingGroupName] }))
  ).AutoScalingGroups?.[0];
  const template =
    group?.LaunchTemplate ?? group?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? member.LaunchTemplate;
  const configuration = group?.LaunchConfigurationName ?? member.LaunchConfigurationName;
  return {
    group: member.AutoScalingGroupName,
    launchSource: template
      ? describeTemplate(template)
      : configuration
        ? `launch configuration ${configuration}`
        : 'no launch template',
  };
}

function describeTemplate(t: LaunchTemplateSpecification): string {
  const name =
    t.LaunchTemplateName && t.LaunchTemplateId
      ? `${t.LaunchTemplateName} (${t.LaunchTemplateId})`
      : (t.LaunchTemplateName ?? t.LaunchTemplateId ?? '?');
  return `launch template ${name} version ${t.Version ?? '$Default'}`;
}

/**
 * Starts the remediation runbook for one instance. The client token makes a retried sweep start the
 * same execution instead of a second one.
 * @param sweepId identifies the sweep (its notification time), so each sweep may start one execution per instance
 * @returns the automation execution ID
 */
export async function startRemediation(
  ssm: SSMClient,
  trigger: RemediationTrigger,
  instanceId: string,
  sweepId: string,
): Promise<string> {
  const reply = await ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: trigger.documentName,
      Parameters: {
        ...Object.fromEntries(Object.entries(trigger.parameters).map(([k, v]) => [k, [v]])),
        InstanceId: [instanceId],
      },
      ClientToken: uuidFrom(`${trigger.documentName}|${instanceId}|${sweepId}`),
    }),
  );
  if (!reply.AutomationExecutionId) throw new Error(`StartAutomationExecution returned no execution ID for ${instanceId}`);
  return reply.AutomationExecutionId;
}

/** A UUID-shaped token derived from `seed` (SSM client tokens are at most 36 characters). */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What {@link expireEvidenceImages} removed. */
export interface ExpiredEvidence {
  readonly images: readonly string[];
  readonly snapshots: readonly string[];
}

/**
 * Deregisters this account's evidence images whose keep-until day is before today (UTC), then deletes
 * their snapshots. An image whose keep-until tag is unreadable is kept: deleting evidence needs a date.
 * @throws on an EC2 API error
 */
export async function expireEvidenceImages(ec2: EC2Client, now: Date): Promise<ExpiredEvidence> {
  const today = now.toISOString().slice(0, 10);
  const images: string[] = [];
  const snapshots: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [{ Name: 'tag-key', Values: [EVIDENCE_TAG.keepUntil] }],
        MaxResults: 100,
        NextToken,
      }),
    );
    for (const image of page.Images ?? []) {
      const until = image.Tags?.find((t) => t.Key === EVIDENCE_TAG.keepUntil)?.Value ?? '';
      if (!image.ImageId || !/^\d{4}-\d{2}-\d{2}$/.test(until) || until >= today) continue;
      await ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId }));
      images.push(image.ImageId);
      for (const mapping of image.BlockDeviceMappings ?? []) {
        const snapshot = mapping.Ebs?.SnapshotId;
        if (!snapshot) continue;
        await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot }));
        snapshots.push(snapshot);
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { images, snapshots };
}

/** The error code of an AWS SDK error (`name`, or `Code` on older shapes). */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, Code } = err as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

function toInstanceFacts(instance: Instance): InstanceFacts {
  if (!instance.InstanceId || !instance.ImageId) {
    // EC2 always sets both; an instance without them cannot be judged, and must not be skipped silently.
    throw new Error(`DescribeInstances returned an instance without InstanceId/ImageId: ${instance.InstanceId ?? '(no id)'}`);
  }
  return {
    instanceId: instance.InstanceId,
    imageId: instance.ImageId,
    state: instance.State?.Name,
    tags: tagMap(instance.Tags),
    launchTime: instance.LaunchTime,
    createdAt: createdAt(instance),
  };
}

/** When the instance was first launched: LaunchTime moves with every start, the primary interface's attach time does not. */
function createdAt(instance: Instance): Date | undefined {
  const primary = instance.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0)?.Attachment?.AttachTime;
  const times = [instance.LaunchTime, primary].filter((t): t is Date => t instanceof Date);
  return times.length > 0 ? new Date(Math.min(...times.map((t) => t.getTime()))) : undefined;
}

function toImageFacts(image: Image): ImageFacts {
  return {
    imageId: image.ImageId ?? '',
    ownerId: image.OwnerId,
    ownerAlias: image.ImageOwnerAlias,
    tags: tagMap(image.Tags),
    name: image.Name,
    creationDate: image.CreationDate,
  };
}

function tagMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}
