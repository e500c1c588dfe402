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
}

/** Every rule parameter name, in the order they are encoded. */
export const RULE_PARAMETER_NAMES = [
  'tagKey',
  'tagValues',
  'trustedOwners',
  'approvedImageIdsParameter',
  'exceptionTagKey',
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

/** The event the remediation sends: `{ "amiGuardCheck": { "instanceId": "i-..." } }`. */
export interface CheckEvent {
  readonly [CHECK_EVENT_KEY]: { readonly instanceId: string };
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

/**
 * The rule Lambda's memory (MB) unless the config sets `detection.memoryMb`. Lambda gives CPU in
 * proportion to memory, and parsing DescribeInstances replies is most of a sweep's work: at this size a
 * 100,000-instance sweep takes a fraction of the timeout, and its peak heap a fraction of the memory
 * (measured by `npm run bench`, figures in the README).
 */
export const DEFAULT_FUNCTION_MEMORY_MB = 1024;

/** The rule Lambda's timeout (seconds) unless the config sets `detection.timeoutSeconds`. */
export const DEFAULT_FUNCTION_TIMEOUT_SECONDS = 300;
