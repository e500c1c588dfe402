/**
 * The facts that the config schema, the constructs, the rule Lambda and the runbook's Python all
 * share, defined once. No imports: the Lambda bundle, the zod schema and the runbook generator read
 * the same table, and each boundary still validates with it.
 */

/** The Config resource type the rule evaluates (and the remediation targets). */
export const INSTANCE_RESOURCE_TYPE = 'AWS::EC2::Instance';

/** The name of the AWS Config rule every account stack deploys (the aggregator report reads its results). */
export const RULE_NAME = 'ami-guard-approved-amis';

/** The Config notifications the rule is triggered by, and the handler accepts. */
export const MESSAGE_TYPE = {
  /** A configuration item changed. */
  change: 'ConfigurationItemChangeNotification',
  /** A change too large for the event; the item is fetched with GetResourceConfigHistory. */
  oversized: 'OversizedConfigurationItemChangeNotification',
  /** The periodic sweep (the only trigger with a frequency). */
  scheduled: 'ScheduledNotification',
} as const;
export type MessageType = (typeof MESSAGE_TYPE)[keyof typeof MESSAGE_TYPE];
export const MESSAGE_TYPES: readonly MessageType[] = Object.values(MESSAGE_TYPE);

/** An EC2 tag key: 1-128 letters, digits, spaces or `_.:/=+-@`, not starting with `aws:` (any case). */
export const TAG_KEY_PATTERN = /^(?![aA][wW][sS]:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
/** An EC2 tag value: 1-256 letters, digits, spaces or `_.:/=+-@`. */
export const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;
/** An EC2 instance ID. */
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8,17}$/;
/** An AMI ID. */
export const AMI_ID_PATTERN = /^ami-[0-9a-f]{8,17}$/;
/** An AMI owner a rule may trust: a 12-digit account ID, or `amazon`. */
export const OWNER_PATTERN = /^(\d{12}|amazon)$/;

/** The approval every layer enforces: IAM conditions, the Config rule and the runbook's check. */
export interface Approval {
  /** AMI tag key that marks an approved image, e.g. `Environment`. */
  readonly tagKey: string;
  /** Approved values of `tagKey`, compared exactly and case-sensitively (like IAM StringEquals). */
  readonly tagValues: readonly string[];
  /** If non-empty, an approved image must also belong to one of these owners (account IDs or `amazon`). @default any owner */
  readonly trustedOwners?: readonly string[];
}

/** The rule's parameters: the approval plus the detection settings the Lambda needs. */
export interface RuleParameters extends Approval {
  /** SSM StringList parameter of AMI IDs approved by ID. @default no ID list */
  readonly approvedImageIdsParameter?: string;
  /** Instance tag granting a time-boxed exception, value `<ticket> until YYYY-MM-DD`. @default no exceptions */
  readonly exceptionTagKey?: string;
  /** An exception may end at most this many days after today (UTC); one dated later does not count. @default {@link DEFAULT_MAX_EXCEPTION_DAYS} */
  readonly maxExceptionDays?: number;
  /** Pattern (JavaScript regex source) the whole ticket of an exception must match. @default {@link DEFAULT_EXCEPTION_TICKET_PATTERN} */
  readonly exceptionTicketPattern?: string;
  /**
   * Instance tag keys naming the owner, most specific first: the owner is the first one present, the
   * team is the last key's value. @default no owner attribution
   */
  readonly ownerTagKeys?: readonly string[];
  /** An approved AMI created more than this many whole days ago is stale. @default no age limit */
  readonly maxImageAgeDays?: number;
  /** Whether an approved AMI past its `DeprecationTime` is stale. @default {@link DEFAULT_DEPRECATED_IMAGES} */
  readonly deprecatedImages?: DeprecatedImages;
  /** Image tag naming the AMI family (decides the replacement); without it, the family comes from the image name. @default name rule */
  readonly familyTagKey?: string;
  /**
   * Stale and deprecated findings follow the remediation mode (stop, terminate) like unapproved ones.
   * Read by the check mode only. @default false: they only ever notify
   */
  readonly enforceFreshness?: boolean;
}

/** What a passed `DeprecationTime` means for an approved AMI: `stale`, or nothing (`ignore`). */
export const DEPRECATED_IMAGES = ['stale', 'ignore'] as const;
export type DeprecatedImages = (typeof DEPRECATED_IMAGES)[number];
/** A deprecated approved AMI is stale unless the config says `ignore`. */
export const DEFAULT_DEPRECATED_IMAGES: DeprecatedImages = 'stale';
/** The largest `maxImageAgeDays` a rule accepts (ten years). */
export const MAX_IMAGE_AGE_DAYS_LIMIT = 3650;

/**
 * Why an instance is NON_COMPLIANT, as the check mode reports it and the notice states it:
 * - `unapproved`: the AMI is not approved (tag, owner, ID list);
 * - `stale`: approved, but older than `maxImageAgeDays` (or its age cannot be read);
 * - `deprecated`: approved, but past its `DeprecationTime` (with `deprecatedImages: stale`);
 * - `unknown-image`: the AMI is not visible (deregistered, or not shared with this account).
 */
export const FINDING_REASONS = ['unapproved', 'stale', 'deprecated', 'unknown-image'] as const;
export type FindingReason = (typeof FINDING_REASONS)[number];
/** Findings that only ever notify unless `enforceFreshness` is true. */
export const FRESHNESS_REASONS: readonly FindingReason[] = ['stale', 'deprecated'];

/** Every rule parameter name, in the order they are encoded. */
export const RULE_PARAMETER_NAMES = [
  'tagKey',
  'tagValues',
  'trustedOwners',
  'approvedImageIdsParameter',
  'exceptionTagKey',
  'maxExceptionDays',
  'exceptionTicketPattern',
  'ownerTagKeys',
  'maxImageAgeDays',
  'deprecatedImages',
  'familyTagKey',
  'enforceFreshness',
] as const satisfies readonly (keyof RuleParameters)[];
export type RuleParameterName = (typeof RULE_PARAMETER_NAMES)[number];

/** The Lambda environment variable holding the rule parameters (Config's `ruleParameters` JSON of strings) for check mode. */
export const RULE_PARAMETERS_ENV = 'AMI_GUARD_RULE_PARAMETERS';

/** The key of a check-mode event: `{ "amiGuardCheck": { "instanceId": "i-..." } }`. */
export const CHECK_EVENT_KEY = 'amiGuardCheck';

/**
 * Where the notice records live: `/ami-guard/notices/<instance-id>`, one SSM String parameter per
 * noticed instance, `{"deadline":"2026-12-01T10:00Z","noticedAt":"...","executionId":"..."}`. Only
 * AMI Guard's automation roles may write under it; the deadline tag only shows the record.
 */
export const NOTICE_RECORD_PATH = '/ami-guard/notices/';
/** The records' path as GetParametersByPath takes it, and as its IAM resource names it (no trailing slash). */
export const NOTICE_RECORDS_LIST_PATH = NOTICE_RECORD_PATH.slice(0, -1);

/** Check-mode verdicts: REMEDIATE only for a fresh NON_COMPLIANT; everything else is SKIP. */
export const VERDICT = { remediate: 'REMEDIATE', skip: 'SKIP' } as const;
export type CheckVerdict = (typeof VERDICT)[keyof typeof VERDICT];

/** The three outcomes of an AWS Config evaluation this rule reports. */
export const COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'] as const;
export type ComplianceType = (typeof COMPLIANCE_TYPES)[number];

/** The event the remediation sends: `{ "amiGuardCheck": { "instanceId": "i-...", "mode": "stop", "graceHours": 24 } }`. */
export interface CheckEvent {
  readonly [CHECK_EVENT_KEY]: {
    readonly instanceId: string;
    /** What the runbook would do on REMEDIATE; in `stop` mode an instance that is already stopped is SKIP. @default notify */
    readonly mode?: ActingMode;
    /** Hours between the notice and the action, in `stop`/`terminate` mode; absent in `notify` mode (no deadline). */
    readonly graceHours?: number;
  };
}

/** The remediation modes that create a runbook. `off` creates nothing; `terminate` is never a default. */
export const ACTING_MODES = ['notify', 'stop', 'terminate'] as const;
export type ActingMode = (typeof ACTING_MODES)[number];
/** The modes in which the scheduled sweep may start the runbook again (`notify` sets no deadline). */
export const AUTOMATIC_MODES = ['stop', 'terminate'] as const satisfies readonly ActingMode[];
export type AutomaticMode = (typeof AUTOMATIC_MODES)[number];
/** Every remediation mode a config may name. */
export const REMEDIATION_MODES = ['off', ...ACTING_MODES] as const;

/**
 * The runbook (SSM Automation document) every remediation configuration targets, the same name in
 * every mode. The plan review raises a critical flag for any other target.
 */
export const RUNBOOK_DOCUMENT_NAME = 'AmiGuard-Remediate';

/** Hours between the notice and a stop or terminate when the config does not say. */
export const DEFAULT_GRACE_HOURS = 24;
/** Days an evidence image (taken before a terminate) is kept when the config does not say. */
export const DEFAULT_KEEP_EVIDENCE_DAYS = 14;
/** The longest grace a config may give: a longer one is an exception without a ticket. */
export const MAX_GRACE_HOURS = 720;
/** Hours past the deadline after which a still NON_COMPLIANT instance is escalated, when the config does not say. */
export const DEFAULT_ESCALATE_AFTER_HOURS = 72;
/** The runbook parameter that carries `remediation.escalateAfterHours` (review rules read it from the plan). */
export const ESCALATE_AFTER_HOURS_PARAMETER = 'EscalateAfterHours';
/** The runbook parameter naming the escalation topic (unfiltered by owner: the owner cannot silence it). */
export const ESCALATION_TOPIC_PARAMETER = 'EscalationTopicArn';

/**
 * The instance tag that records the deadline, as Cloud Custodian's mark-for-op does. Its value is a
 * UTC minute, `2026-12-01T10:00Z`. The automation role may write and delete only this tag key.
 */
export const DEADLINE_TAG_KEY = 'AmiGuardDeadline';
/** The value of {@link DEADLINE_TAG_KEY}. */
export const DEADLINE_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/;

/** Tags on an evidence image (and its snapshots) taken before a terminate. */
export const EVIDENCE_TAG = {
  /** The terminated instance. */
  instance: 'AmiGuardEvidenceOf',
  /** The last UTC day the image is kept, `YYYY-MM-DD`; the sweep after it deregisters the image. */
  keepUntil: 'AmiGuardEvidenceUntil',
  /** The finding, clipped to a tag value's 256 characters. */
  finding: 'AmiGuardFinding',
} as const;

/**
 * What the runbook does with a fresh check, decided by the check mode:
 * - `notify`: `notify` mode, REMEDIATE: publish the finding;
 * - `notice`: first REMEDIATE in `stop`/`terminate` mode: publish the deadline, then tag it;
 * - `wait`: REMEDIATE before the deadline: nothing;
 * - `act`: REMEDIATE at or after the deadline: stop or terminate, if safe;
 * - `clear`: COMPLIANT (fixed, or a valid exception) with a deadline tag: remove it;
 * - `skip`: anything else: report why nothing was done.
 */
export const PHASE = { notify: 'notify', notice: 'notice', wait: 'wait', act: 'act', clear: 'clear', skip: 'skip' } as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];
export const PHASES: readonly Phase[] = Object.values(PHASE);

/** The check-mode answer: REMEDIATE only for a fresh NON_COMPLIANT; everything else is SKIP. */
export interface CheckResult {
  readonly instanceId: string;
  /** The instance's AMI, or null when the instance is gone. */
  readonly imageId: string | null;
  readonly compliance: ComplianceType;
  readonly verdict: CheckVerdict;
  readonly reason: string;
  /** What the runbook does next. */
  readonly phase: Phase;
  /** The deadline in force after this check (`2026-12-01T10:00Z`), or null when there is none. */
  readonly deadline: string | null;
  /** The owner from the first owner tag present, or null. */
  readonly owner: string | null;
  /** The team (the last owner tag key, the broadest), or null: what routes match. */
  readonly team: string | null;
  /** Who launched the instance, from CloudTrail, or why that is unknown. Empty for a SKIP. */
  readonly launcher: string;
  /** The Auto Scaling group and the launch template to change, or null when not in a group. */
  readonly autoScaling: string | null;
  /** What the owner should do. Empty for a SKIP. */
  readonly fix: string;
  /** Why it is NON_COMPLIANT (`unapproved`, `stale`, `deprecated`, `unknown-image`), or null when it is not. */
  readonly finding: FindingReason | null;
  /** The AMI to move to (`ami-... (name)`), or null when none applies or none exists. */
  readonly replacement: string | null;
  /** The notice's subject (SNS `Subject`, at most 100 characters); empty for a SKIP. */
  readonly subject: string;
  /** The notice for people (email), plain text; empty for a SKIP. */
  readonly notice: string;
  /** The same notice as an AWS Chatbot custom notification (JSON); empty for a SKIP. */
  readonly chatNotice: string;
  /** Both, as one SNS message for `Publish` with `MessageStructure: "json"` (text by default, Chatbot JSON over HTTPS); empty for a SKIP. */
  readonly snsMessage: string;
}

/** The fields of a check-mode answer that the runbook reads, by the check step's output name. */
export const CHECK_OUTPUTS = {
  Verdict: 'verdict',
  Compliance: 'compliance',
  ImageId: 'imageId',
  Reason: 'reason',
  Phase: 'phase',
  Deadline: 'deadline',
  Owner: 'owner',
  Team: 'team',
  Launcher: 'launcher',
  AutoScaling: 'autoScaling',
  Fix: 'fix',
  Finding: 'finding',
  Replacement: 'replacement',
  Subject: 'subject',
  Notice: 'notice',
  ChatNotice: 'chatNotice',
  SnsMessage: 'snsMessage',
} as const satisfies Record<string, keyof CheckResult>;

/** How far ahead an exception may be dated, by default. */
export const DEFAULT_MAX_EXCEPTION_DAYS = 90;
/** The longest exception limit a rule accepts (ten years): a limit is meant to bound, not to disable. */
export const MAX_EXCEPTION_DAYS_LIMIT = 3650;
/** Default exception ticket: letters, digits and dashes, at least 3, starting with a letter or digit (`CHG-1234`). */
export const DEFAULT_EXCEPTION_TICKET_PATTERN = '^[A-Za-z0-9][A-Za-z0-9-]{2,}$';

/** Why `pattern` cannot be a ticket pattern, or `undefined` when it compiles as a JavaScript regex. */
export function ticketPatternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'is empty; use a regex such as "^CHG-[0-9]+$"';
  try {
    new RegExp(pattern, 'u');
    return undefined;
  } catch (err) {
    return `is not a valid regular expression (${(err as Error).message}); use one such as "^CHG-[0-9]+$"`;
  }
}

/** True when the whole `ticket` matches `pattern` (anchored, so `CHG-1` cannot hide in `xCHG-1y`). */
export function ticketMatches(ticket: string, pattern: string = DEFAULT_EXCEPTION_TICKET_PATTERN): boolean {
  let regex = compiledTicketPatterns.get(pattern);
  if (!regex) compiledTicketPatterns.set(pattern, (regex = new RegExp(`^(?:${pattern})$`, 'u')));
  return regex.test(ticket);
}
const compiledTicketPatterns = new Map<string, RegExp>();

/** The highest character IAM accepts in a policy document (besides tab, LF and CR, from U+0020). */
const IAM_MAX_CHARACTER = 0xff;
const WHITESPACE_AT_ENDS = /^[\s\p{Z}]|[\s\p{Z}]$/u;

/**
 * Why `key` cannot be a tag key AMI Guard enforces, or `undefined`. One notion for every layer: the
 * config, the Lambda's parameter parser and the policy builders all ask this. Whitespace at either end
 * is refused rather than trimmed: IAM compares the key as written, so a trimmed copy anywhere would
 * make IAM and the rule disagree about the same tag. IAM policies hold only characters up to U+00FF.
 */
export function tagKeyProblem(key: string): string | undefined {
  return tagProblem(
    key,
    TAG_KEY_PATTERN,
    'a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with "aws:" in any case',
  );
}

/** Why `value` cannot be an approved tag value, or `undefined`; see {@link tagKeyProblem}. */
export function tagValueProblem(value: string): string | undefined {
  return tagProblem(value, TAG_VALUE_PATTERN, 'a tag value of 1-256 letters, digits, spaces or _.:/=+-@');
}

function tagProblem(text: string, pattern: RegExp, expected: string): string | undefined {
  if (WHITESPACE_AT_ENDS.test(text)) {
    const trimmed = text.replace(/^[\s\p{Z}]+|[\s\p{Z}]+$/gu, '');
    const fix = trimmed === '' ? 'use a value with letters or digits' : `write ${JSON.stringify(trimmed)}`;
    return `has whitespace at the start or end, which IAM compares as written but people do not see; ${fix}`;
  }
  const wide = [...text].find((c) => c.codePointAt(0)! > IAM_MAX_CHARACTER);
  if (wide !== undefined) {
    const code = `U+${wide.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    return `contains ${JSON.stringify(wide)} (${code}), but IAM policies hold only characters up to U+00FF; use Latin letters, digits or _.:/=+-@`;
  }
  if (!pattern.test(text)) return `is not ${expected}`;
  return undefined;
}

/**
 * The rule Lambda's memory (MB) unless the config sets `detection.memoryMb`. Lambda gives CPU in
 * proportion to memory, and parsing DescribeInstances replies is most of a sweep's work: at this size a
 * 100,000-instance sweep takes a fraction of the timeout, and its peak heap a fraction of the memory
 * (measured by `npm run bench`, figures in docs/benchmarks.md).
 */
export const DEFAULT_FUNCTION_MEMORY_MB = 1024;

/** The rule Lambda's timeout (seconds) unless the config sets `detection.timeoutSeconds`. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 300;

/** Owner tag keys when the config does not say: a person (`Owner`), then the team (`Team`). */
export const DEFAULT_OWNER_TAG_KEYS: readonly string[] = ['Owner', 'Team'];

/** The SNS message attributes of every AMI Guard message; routes filter on them. */
export const MESSAGE_ATTRIBUTE_NAMES = ['owner', 'team', 'accountId', 'region', 'action'] as const;
export type MessageAttributeName = (typeof MESSAGE_ATTRIBUTE_NAMES)[number];
/** The same names, to refer to one by name: `MESSAGE_ATTRIBUTES.owner`. */
export const MESSAGE_ATTRIBUTES = Object.fromEntries(MESSAGE_ATTRIBUTE_NAMES.map((n) => [n, n])) as {
  readonly [K in MessageAttributeName]: K;
};
/** The value of `owner` and `team` when the instance carries no owner tag (SNS rejects empty values). */
export const UNKNOWN_OWNER = 'unknown';

/** The values of the `action` message attribute: what the message reports. */
export const ACTION = {
  /** `notify` mode: a non-compliant instance. */
  notify: 'notify',
  /** A deadline was set. */
  notice: 'notice',
  stopping: 'stopping',
  stopped: 'stopped',
  terminating: 'terminating',
  terminated: 'terminated',
  /** The deadline passed but the action was not taken (Auto Scaling group, protection). */
  blocked: 'blocked',
  /** The instance is compliant again; its deadline was removed. */
  cleared: 'cleared',
  /** A fresh check found nothing to do. */
  skipped: 'skipped',
  /** Stopping, the evidence image or terminating failed. */
  failed: 'failed',
  /** Blocked, or still NON_COMPLIANT long past its deadline: sent to the escalation topic, which owners' routes never see. */
  escalate: 'escalate',
} as const;
export type Action = (typeof ACTION)[keyof typeof ACTION];

/**
 * The Lambda environment variable holding {@link RemediationTrigger} (JSON), set only where the
 * remediation acts automatically (`stop`/`terminate` with `automatic: true`).
 */
export const REMEDIATION_TRIGGER_ENV = 'AMI_GUARD_REMEDIATION';

/**
 * What the scheduled sweep needs to start the runbook again: AWS Config starts it only when an
 * instance becomes NON_COMPLIANT, not when its deadline passes or its exception starts counting.
 */
export interface RemediationTrigger {
  /** The runbook (SSM Automation document) name. */
  readonly documentName: string;
  /**
   * The mode the runbook acts in. In `terminate` mode a stopped instance past its deadline is started
   * again too: it can be started again on the same AMI, and Config will not start the runbook for it.
   */
  readonly mode: AutomaticMode;
  /** The runbook parameters other than `InstanceId`, as AWS Config passes them. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Deregister evidence images whose keep-until day has passed (terminate mode). */
  readonly expireEvidence: boolean;
}
