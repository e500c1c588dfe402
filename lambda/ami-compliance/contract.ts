/**
 * The facts that the config schema, the constructs, the rule Lambda and the runbook's Python all
 * share, defined once. No imports: the Lambda bundle, the zod schema and the runbook generator read
 * the same table, and each boundary still validates with it.
 */

/** The Config resource type the rule evaluates (and the remediation targets). */
export const INSTANCE_RESOURCE_TYPE = 'AWS::EC2::Instance';

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
}

/** Every rule parameter name, in the order they are encoded. */
export const RULE_PARAMETER_NAMES = [
  'tagKey',
  'tagValues',
  'trustedOwners',
  'approvedImageIdsParameter',
  'exceptionTagKey',
  'maxExceptionDays',
  'exceptionTicketPattern',
] as const satisfies readonly (keyof RuleParameters)[];
export type RuleParameterName = (typeof RULE_PARAMETER_NAMES)[number];

/** The Lambda environment variable holding the rule parameters (Config's `ruleParameters` JSON of strings) for check mode. */
export const RULE_PARAMETERS_ENV = 'AMI_GUARD_RULE_PARAMETERS';

/** The key of a check-mode event: `{ "amiGuardCheck": { "instanceId": "i-..." } }`. */
export const CHECK_EVENT_KEY = 'amiGuardCheck';

/** Check-mode verdicts: REMEDIATE only for a fresh NON_COMPLIANT; everything else is SKIP. */
export const VERDICT = { remediate: 'REMEDIATE', skip: 'SKIP' } as const;
export type CheckVerdict = (typeof VERDICT)[keyof typeof VERDICT];

/** The three outcomes of an AWS Config evaluation this rule reports. */
export const COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'] as const;
export type ComplianceType = (typeof COMPLIANCE_TYPES)[number];

/** The remediation modes that act; the runbook passes its mode so the check can tell what acting would do. */
export const ACTING_MODES = ['notify', 'stop'] as const;
export type ActingMode = (typeof ACTING_MODES)[number];

/** The event the remediation sends: `{ "amiGuardCheck": { "instanceId": "i-...", "mode": "stop" } }`. */
export interface CheckEvent {
  readonly [CHECK_EVENT_KEY]: {
    readonly instanceId: string;
    /** What the runbook would do on REMEDIATE; in `stop` mode an instance that is already stopped is SKIP. @default notify */
    readonly mode?: ActingMode;
  };
}

/** The check-mode answer: REMEDIATE only for a fresh NON_COMPLIANT; everything else is SKIP. */
export interface CheckResult {
  readonly instanceId: string;
  /** The instance's AMI, or null when the instance is gone. */
  readonly imageId: string | null;
  readonly compliance: ComplianceType;
  readonly verdict: CheckVerdict;
  readonly reason: string;
}

/** The fields of a check-mode answer that the runbook reads, by the check step's output name. */
export const CHECK_OUTPUTS = {
  Verdict: 'verdict',
  Compliance: 'compliance',
  ImageId: 'imageId',
  Reason: 'reason',
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
 * (measured by `npm run bench`, figures in the README).
 */
export const DEFAULT_FUNCTION_MEMORY_MB = 1024;

/** The rule Lambda's timeout (seconds) unless the config sets `detection.timeoutSeconds`. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 300;
