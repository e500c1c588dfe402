/**
 * The AMI Guard verdict, as a pure function: no AWS SDK, no clock, no environment.
 * Everything it needs (instance, image, parameters, approved IDs, `now`) is an argument,
 * so every outcome is pinned by a unit test and the Config handler and the remediation
 * check mode cannot disagree.
 */
import {
  DEFAULT_EXCEPTION_TICKET_PATTERN,
  DEFAULT_MAX_EXCEPTION_DAYS,
  INSTANCE_RESOURCE_TYPE,
  ticketMatches,
  type ComplianceType,
  type FindingReason,
  type RuleParameters,
} from './contract';
import {
  freshnessApplies,
  freshnessProblem,
  replacementAdvice,
  type ApprovedImages,
  type ImageLaunchFacts,
  type Replacement,
} from './freshness';
import { describeOwner, ownerOf } from './owner';

export type { ComplianceType } from './contract';

/** The verdict for one resource: what Config stores, and the sentence a person reads. */
export interface Verdict {
  readonly complianceType: ComplianceType;
  /** Why, in at most {@link MAX_ANNOTATION} characters. */
  readonly annotation: string;
  /** For NON_COMPLIANT: which kind of finding (the exception, if any, did not count). */
  readonly reason?: FindingReason;
  /** For a stale or deprecated AMI: the approved AMI to move to, when one exists. */
  readonly replacement?: Replacement;
}

/** What the rule knows about one EC2 instance. */
export interface InstanceFacts {
  readonly instanceId: string;
  readonly imageId: string;
  /** EC2 state name (`pending`, `running`, `stopping`, `stopped`, `shutting-down`, `terminated`). */
  readonly state?: string;
  /** Instance tags, key to value. */
  readonly tags: Readonly<Record<string, string>>;
  /** When the instance was launched; informational only. */
  readonly launchTime?: Date;
  /** When the instance was first launched (LaunchTime moves with every start); informational only. */
  readonly createdAt?: Date;
}

/** What this account can see of one AMI (name, dates and kind: see {@link ImageLaunchFacts}). */
export interface ImageFacts extends ImageLaunchFacts {
  /** Account ID of the owner. */
  readonly ownerId?: string;
  /** `amazon`, `aws-marketplace`, ... for images owned by AWS. */
  readonly ownerAlias?: string;
  /** Image tags as seen from this account (tags of an AMI shared from another account are not visible). */
  readonly tags: Readonly<Record<string, string>>;
  /** The AMI name; informational only (the fleet report shows it). */
  readonly name?: string;
  /** When the AMI was created (ISO 8601, as EC2 gives it); informational only. */
  readonly creationDate?: string;
}

export type { ImageLaunchFacts, Replacement } from './freshness';

/** Inputs that are neither the instance nor its image. */
export interface EvaluationContext {
  /** The clock, for exception expiry. */
  readonly now: Date;
  /** AMI IDs approved by ID (the `approvedImageIdsParameter` list); empty or absent when not configured. */
  readonly approvedImageIds?: ReadonlySet<string>;
  /**
   * The approved AMIs of the invocation, to find a stale AMI's replacement. Without it a stale AMI is
   * still NON_COMPLIANT, and the annotation names its family instead of a replacement.
   */
  readonly approvedImages?: ApprovedImages;
}

/** AWS Config's limit on an evaluation annotation. */
export const MAX_ANNOTATION = 256;

const GONE_STATES = new Set(['terminated', 'shutting-down']);
const EXCEPTION_FORMAT = /^(\S+) until (\d{4}-\d{2}-\d{2})$/;

/**
 * Decides whether an instance runs on an approved AMI.
 *
 * COMPLIANT when the image carries `tagKey` with an approved value (and, if `trustedOwners` is set,
 * belongs to a trusted owner), or its ID is in `approvedImageIds`, or the instance carries a valid
 * exception tag. A missing image (`undefined`) is NON_COMPLIANT: it cannot be proven approved.
 * Terminated and shutting-down instances are NOT_APPLICABLE.
 */
export function evaluateInstance(
  instance: InstanceFacts,
  image: ImageFacts | undefined,
  params: RuleParameters,
  context: EvaluationContext,
): Verdict {
  if (instance.state && GONE_STATES.has(instance.state)) {
    return verdict('NOT_APPLICABLE', `Instance ${instance.instanceId} is ${instance.state}.`);
  }
  let approval = imageApproval(instance.imageId, image, params, context.approvedImageIds);
  let reason: FindingReason = image ? 'unapproved' : 'unknown-image';
  let replacement: Replacement | undefined;
  if (approval.approved && image && freshnessApplies(params)) {
    const stale = freshnessProblem(image, params, context.now);
    if (stale) {
      reason = stale.reason;
      replacement = context.approvedImages?.replacementFor(image);
      approval = { approved: false, problem: stale.problem, fix: replacementAdvice(image, context.approvedImages, params) };
    }
  }
  if (approval.approved) return verdict('COMPLIANT', approval.reason);

  const exception = exceptionStatus(instance, params, context.now);
  if (exception.kind === 'valid') {
    const grant = `Exception ${exception.ticket} (tag ${params.exceptionTagKey}) valid until ${exception.until} 23:59:59 UTC`;
    return verdict('COMPLIANT', `${grant}; without it: ${approval.problem}`);
  }
  // Problem first, the fix last: if Config's 256 characters cut something, it is the hint.
  const note = exception.kind === 'none' ? '' : ` ${exception.note}`;
  const annotation = `${approval.problem}${note} ${approval.fix}`;
  // The owner only where it fits whole: the problem and the fix matter more.
  const ownership = ownerOf(instance.tags, params.ownerTagKeys);
  const owner = ownership.owner === null ? '' : ` Owner: ${describeOwner(ownership)}.`;
  const text = annotation.length + owner.length <= MAX_ANNOTATION ? annotation + owner : annotation;
  return { ...verdict('NON_COMPLIANT', text), reason, ...(replacement ? { replacement } : {}) };
}

/**
 * True when `image` is approved by tag and trusted owner, or by the approved-ID list: the test the
 * replacement of a stale AMI must pass too.
 */
export function isApprovedImage(image: ImageFacts, params: RuleParameters, approvedImageIds?: ReadonlySet<string>): boolean {
  return imageApproval(image.imageId, image, params, approvedImageIds).approved;
}

/** A configuration item as AWS Config delivers it in a change notification (fields this rule reads). */
export interface ConfigurationItem {
  readonly configurationItemStatus?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly configurationItemCaptureTime?: string;
  /** For `AWS::EC2::Instance`: the DescribeInstances shape in camelCase (`imageId`, `state.name`, `tags`). */
  readonly configuration?: unknown;
  readonly tags?: Readonly<Record<string, string>> | null;
}

/** Either the item needs no evaluation (with the verdict to report), or it is a live instance to evaluate. */
export type ItemTriage =
  | { readonly kind: 'not-applicable'; readonly verdict: Verdict }
  | { readonly kind: 'instance'; readonly instance: InstanceFacts };

const NOT_RECORDED_STATUSES = new Set(['ResourceNotRecorded', 'ResourceDeleted', 'ResourceDeletedNotRecorded', 'Deleted']);

/**
 * Sorts a configuration item into NOT_APPLICABLE (deleted, not recorded, left the rule's scope, not an
 * instance, terminated or shutting down) or the instance facts to evaluate.
 * Throws when a live instance item lacks the fields needed to judge it, rather than guess.
 */
export function triageConfigurationItem(item: ConfigurationItem, eventLeftScope = false): ItemTriage {
  const skip = outOfScope(item, eventLeftScope);
  if (skip) return { kind: 'not-applicable', verdict: skip };
  const config = (item.configuration ?? {}) as {
    instanceId?: unknown;
    imageId?: unknown;
    state?: { name?: unknown };
    launchTime?: unknown;
    tags?: Array<{ key?: unknown; value?: unknown }>;
  };
  // Config files the evaluation under resourceId; an item that names another instance inside is not trusted.
  if (typeof config.instanceId === 'string' && typeof item.resourceId === 'string' && config.instanceId !== item.resourceId) {
    throw new Error(
      `configurationItem resourceId ${item.resourceId} does not match its configuration.instanceId ${config.instanceId}: ` +
        'cannot tell which instance to judge. Config retries; report this item if it persists.',
    );
  }
  const instanceId = item.resourceId ?? (typeof config.instanceId === 'string' ? config.instanceId : undefined);
  const state = typeof config.state?.name === 'string' ? config.state.name : undefined;
  if (state && GONE_STATES.has(state)) {
    return notApplicable(`Instance ${instanceId ?? ''} is ${state}.`);
  }
  if (typeof instanceId !== 'string' || typeof config.imageId !== 'string') {
    throw new Error(
      `configurationItem for ${item.resourceId ?? '(no resourceId)'} has no configuration.imageId: cannot judge its AMI. ` +
        'Config retries; check that the recorder records AWS::EC2::Instance.',
    );
  }
  const launch = typeof config.launchTime === 'string' ? new Date(config.launchTime) : undefined;
  return {
    kind: 'instance',
    instance: {
      instanceId,
      imageId: config.imageId,
      state,
      tags: item.tags ?? tagsFromList(config.tags),
      launchTime: launch && !Number.isNaN(launch.getTime()) ? launch : undefined,
    },
  };
}

/**
 * The NOT_APPLICABLE verdict for an item that needs no look at its configuration (left the rule's scope,
 * deleted, not recorded, not an instance), or `undefined`. Works on an oversized notification's summary too.
 */
export function outOfScope(item: ConfigurationItem, eventLeftScope = false): Verdict | undefined {
  const status = item.configurationItemStatus ?? 'OK';
  if (eventLeftScope) return verdict('NOT_APPLICABLE', `Resource ${item.resourceId ?? ''} left the scope of the rule.`);
  if (NOT_RECORDED_STATUSES.has(status)) {
    return verdict('NOT_APPLICABLE', `${item.resourceType ?? 'Resource'} ${item.resourceId ?? ''} is ${status}.`);
  }
  if (item.resourceType !== INSTANCE_RESOURCE_TYPE) {
    return verdict(
      'NOT_APPLICABLE',
      `Resource type ${item.resourceType ?? '(none)'} is not evaluated; only ${INSTANCE_RESOURCE_TYPE} is.`,
    );
  }
  return undefined;
}

/** Trims an annotation to AWS Config's 256 characters without splitting a surrogate pair. */
export function truncateAnnotation(text: string, max = MAX_ANNOTATION): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // a high surrogate would be orphaned
  return `${text.slice(0, cut)}…`;
}

/** Approved (with why), or not (with the problem and the fix, kept apart so the fix can go last). */
type Approval = { approved: true; reason: string } | { approved: false; problem: string; fix: string };

function imageApproval(
  imageId: string,
  image: ImageFacts | undefined,
  params: RuleParameters,
  approvedIds: ReadonlySet<string> | undefined,
): Approval {
  if (approvedIds?.has(imageId)) {
    return {
      approved: true,
      reason: `AMI ${imageId} is in the approved-ID list ${params.approvedImageIdsParameter ?? ''}.`,
    };
  }
  const list = params.approvedImageIdsParameter ? `, or list the ID in ${params.approvedImageIdsParameter}` : '';
  const fix = `Fix: AMI tag ${params.tagKey}=${params.tagValues.map(show).join(' or ')}${list}.`;
  if (!image) {
    return {
      approved: false,
      problem: `AMI ${imageId} not found (deregistered, or not shared with this account).`,
      fix,
    };
  }
  const owner = image.ownerAlias ? `${image.ownerId ?? '?'}/${image.ownerAlias}` : (image.ownerId ?? 'unknown');
  const problems: string[] = [];
  const value = image.tags[params.tagKey];
  if (value === undefined) {
    const other = Object.keys(image.tags).find((k) => k.toLowerCase() === params.tagKey.toLowerCase());
    problems.push(
      other === undefined
        ? `has no tag ${params.tagKey}`
        : `has ${show(other)}=${show(image.tags[other])} (tag key case differs) but no ${params.tagKey}`,
    );
  } else if (!params.tagValues.includes(value)) {
    const wrongCase = params.tagValues.some((v) => v.toLowerCase() === value.toLowerCase());
    problems.push(`has ${params.tagKey}=${show(value)}${wrongCase ? ' (wrong case)' : ''}`);
  }
  if (params.trustedOwners && !isTrusted(image, params.trustedOwners)) {
    problems.push(`owner not trusted (trusted: ${params.trustedOwners.join(', ')})`);
  }
  const prefix = `AMI ${imageId} (owner ${owner})`;
  if (problems.length === 0) {
    return { approved: true, reason: `${prefix} is approved: ${params.tagKey}=${show(value ?? '')}.` };
  }
  return { approved: false, problem: `${prefix} ${problems.join('; ')}.`, fix };
}

function isTrusted(image: ImageFacts, trusted: readonly string[]): boolean {
  return (
    (image.ownerId !== undefined && trusted.includes(image.ownerId)) ||
    (image.ownerAlias === 'amazon' && trusted.includes('amazon'))
  );
}

/** What an instance's exception tag grants: nothing, a valid exception until a UTC day, or why it does not count. */
export type ExceptionStatus =
  { kind: 'none' } | { kind: 'valid'; ticket: string; until: string } | { kind: 'invalid'; note: string };

const DAY_MS = 86_400_000;

/**
 * Reads the exception tag. It counts only when well-formed, its ticket matches the ticket pattern, it has
 * not expired, and it ends no more than `maxExceptionDays` after today (UTC): an exception is a deadline,
 * and "until 9999-12-31" is not one.
 */
export function exceptionStatus(instance: InstanceFacts, params: RuleParameters, now: Date): ExceptionStatus {
  const tagKey = params.exceptionTagKey;
  if (!tagKey) return { kind: 'none' };
  const raw = instance.tags[tagKey];
  if (raw === undefined) return { kind: 'none' };
  const match = EXCEPTION_FORMAT.exec(raw.trim());
  const until = match?.[2] ?? '';
  const start = new Date(`${until}T00:00:00Z`).getTime();
  // The round trip rejects dates the parser would roll over, such as 2026-02-30.
  if (!match || Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== until) {
    return {
      kind: 'invalid',
      note: `Exception tag ${tagKey}=${show(raw)} is malformed (want "<ticket> until YYYY-MM-DD").`,
    };
  }
  const ticket = match[1];
  if (!ticketMatches(ticket, params.exceptionTicketPattern)) {
    const pattern = params.exceptionTicketPattern ?? DEFAULT_EXCEPTION_TICKET_PATTERN;
    return {
      kind: 'invalid',
      note: `Exception tag ${tagKey}=${show(raw)} is malformed: ticket ${show(ticket)} does not match ${pattern}.`,
    };
  }
  // Valid through the end of that UTC day.
  if (now.getTime() >= start + DAY_MS) {
    return { kind: 'invalid', note: `Exception ${ticket} (tag ${tagKey}) expired at the end of ${until} UTC.` };
  }
  const maxDays = params.maxExceptionDays ?? DEFAULT_MAX_EXCEPTION_DAYS;
  const latest = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + maxDays * DAY_MS).toISOString().slice(0, 10);
  if (until > latest) {
    return {
      kind: 'invalid',
      note: `Exception ${ticket} (tag ${tagKey}) until ${until} exceeds the ${maxDays}-day limit (latest ${latest}).`,
    };
  }
  return { kind: 'valid', ticket, until };
}

/** Quotes a value for an annotation, clipping long ones so the message keeps its shape. */
function show(value: string): string {
  const clipped = value.length > 40 ? truncateAnnotation(value, 40) : value;
  return JSON.stringify(clipped);
}

function verdict(complianceType: ComplianceType, annotation: string): Verdict {
  return { complianceType, annotation: truncateAnnotation(annotation) };
}

function notApplicable(annotation: string): ItemTriage {
  return { kind: 'not-applicable', verdict: verdict('NOT_APPLICABLE', annotation) };
}

function tagsFromList(list: Array<{ key?: unknown; value?: unknown }> | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) {
    if (typeof tag.key === 'string') tags[tag.key] = typeof tag.value === 'string' ? tag.value : '';
  }
  return tags;
}
