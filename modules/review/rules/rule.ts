/**
 * What every layer's rule table is made of: the flag codes and severities, the input a rule sees, and
 * small readers of plan values. A rule is a pure function of one resource change (as cdk-nag's
 * checks are); the runner in ../flags.ts turns a throw into a "could not evaluate" flag.
 */
import type { ChangeKind, ResourceChange } from '../plan';

/** Severities, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Flag codes and the severity each is raised with (a code may carry a higher one, e.g. a wildcard principal). */
export const FLAG_CODES = {
  'launch-policy-widened': 'high',
  'launch-policy-removed': 'critical',
  'tag-guard-removed': 'critical',
  'tag-guard-weakened': 'high',
  'detection-weakened': 'high',
  'detection-exceptions-widened': 'medium',
  'remediation-escalated': 'high',
  'remediation-weakened': 'medium',
  'remediation-target-changed': 'critical',
  'remediation-grace-shortened': 'high',
  'remediation-escalation-lowered': 'medium',
  'org-policy-loosened': 'high',
  'org-guard-removed': 'critical',
  'launch-guard-removed': 'high',
  'allowed-images-audit-only': 'critical',
  'allowed-images-widened': 'high',
  'allowed-images-overridable': 'critical',
  'aggregator-removed': 'medium',
  'state-at-risk': 'critical',
  'no-guard': 'medium',
  'policy-unreadable': 'high',
  'review-error': 'high',
  replace: 'medium',
  delete: 'medium',
  create: 'info',
  update: 'info',
  forget: 'info',
} as const satisfies Record<string, Severity>;
export type FlagCode = keyof typeof FLAG_CODES;

/** When each flag fires, in words (the reference table in docs/review.md is generated from it). */
export const FLAG_WHEN: Readonly<Record<FlagCode, string>> = {
  'launch-policy-widened':
    'The launch policy lets more through: a tag value, an owner, an action or resource, a condition dropped.',
  'launch-policy-removed': 'The launch policy is deleted, or detached from a role, group or user.',
  'tag-guard-removed': 'The image tag guard is deleted, or detached from a role, group or user.',
  'tag-guard-weakened':
    'The image tag guard lets more principals tag images (critical for a wildcard principal), or denies less.',
  'detection-weakened':
    "The Config rule, its Lambda, permission or recorder is deleted or replaced; recording is switched off or narrowed; a trigger is removed or the sweep slowed; the approval parameters are widened (tag values, owners, tag key, ID parameter) in `input_parameters` or the Lambda's copy; a freshness limit is raised or removed.",
  'detection-exceptions-widened':
    'Exceptions are widened: the limit in days raised, the exception tag or ticket pattern changed.',
  'remediation-escalated':
    'Remediation acts more: a higher mode (off < notify < stop < terminate, any move into terminate), automatic, more attempts, a new configuration in stop or terminate mode, the role gaining an action on instances.',
  'remediation-weakened': 'Remediation acts less: a lower mode, no longer automatic, or removed.',
  'remediation-target-changed':
    "The remediation runs a document other than AMI Guard's runbook, which then decides alone what happens to instances.",
  'remediation-grace-shortened': 'The runbook gives owners fewer hours between the notice and the stop or terminate.',
  'remediation-escalation-lowered': 'The runbook escalates a finding after fewer hours.',
  'org-policy-loosened':
    'An SCP lets more through: a new exempt principal (critical for a wildcard principal), a removed action, condition key or resource.',
  'org-guard-removed': 'An SCP or the Allowed AMIs policy is deleted, or detached from a target (a target removed).',
  'launch-guard-removed': 'The launch guard SCP is turned off for a target, or deleted.',
  'allowed-images-audit-only': 'The Allowed AMIs policy moves from `enabled` to `audit_mode`: it reports instead of blocking.',
  'allowed-images-widened':
    'The Allowed AMIs criteria allow more: a provider added, names widened or dropped, an age limit raised or removed, a new criterion.',
  'allowed-images-overridable':
    "The Allowed AMIs policy's `@@operators_allowed_for_child_policies` is loosened: a child policy may override it.",
  'aggregator-removed': 'The organization Config aggregator is deleted.',
  'state-at-risk':
    'The shared state bucket or lock table is deleted, replaced or loses versioning or encryption, or a deployed stack plans from an empty state.',
  'no-guard': 'The plan holds no launch policy, tag guard or SCP: it may not be an AMI Guard stack.',
  'policy-unreadable': "A guard's new document is unreadable or known only after apply.",
  'review-error': 'A rule could not evaluate a resource; compare it by hand.',
  replace: 'A resource no rule explains will be destroyed and recreated.',
  delete: 'A resource no rule explains will be deleted.',
  create: 'A resource will be created.',
  update: 'A resource no rule flags will be updated in place.',
  forget: 'A resource leaves Terraform but stays in AWS.',
};

/** One finding about one resource. */
export interface Flag {
  readonly severity: Severity;
  readonly code: FlagCode;
  /** Terraform address of the resource. */
  readonly address: string;
  /** What happens, in words a reviewer can act on. */
  readonly message: string;
}

/** A flag from a rule; `coversAction` means it already explains the delete/replace/create itself. */
export interface RuleFlag extends Flag {
  readonly coversAction?: boolean;
}

/** What a rule may look up across the plan (built once per plan by the layer that needs it). */
export interface PlanIndex {
  /** Every resource change of the plan. */
  readonly changes: readonly ResourceChange[];
  /** Configuration resource address -> the addresses its arguments refer to, by argument. */
  readonly references: ReadonlyMap<string, Readonly<Record<string, readonly string[]>>>;
  /** True for the stack holding the shared state bucket and lock table. */
  readonly stateBackend: boolean;
}

/** What a rule sees: the change, its kind, and the plan it belongs to. */
export interface RuleInput {
  readonly stack: string;
  readonly rc: ResourceChange;
  readonly kind: ChangeKind;
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly plan: PlanIndex;
}

export type Rule = (input: RuleInput) => RuleFlag[];

/** One row of a layer's table: which resource type and attribute, how it is compared, and the flags it raises. */
export interface RuleEntry {
  /** Terraform resource types the row reads. */
  readonly types: readonly string[];
  /** The attribute(s) compared, in words (`policy`, `content.state`, `(deleted)`). */
  readonly attribute: string;
  /** The comparison, in words: what counts as weaker. */
  readonly comparison: string;
  /** The flag codes the row may raise. */
  readonly flags: readonly FlagCode[];
  readonly check: Rule;
}

export function flag(code: FlagCode, address: string, message: string, extra: Partial<RuleFlag> = {}): RuleFlag {
  return { severity: FLAG_CODES[code], code, address, message, ...extra };
}

export function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The first element of a nested-block list (`recording_group[0]`), as an object. */
export function block(value: unknown): Record<string, unknown> {
  return obj(Array.isArray(value) ? value[0] : value);
}

export function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function unknownAfter(rc: ResourceChange, attribute: string): boolean {
  return obj(rc.change.after_unknown)[attribute] === true;
}

export function sensitive(rc: ResourceChange, side: 'before' | 'after', attribute: string): boolean {
  const marks = side === 'before' ? rc.change.before_sensitive : rc.change.after_sensitive;
  return marks === true || obj(marks)[attribute] === true;
}

/** Parses a JSON string attribute (a policy document, a declarative policy, a runbook), or undefined. */
export function jsonOf(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Why Terraform replaces: the attributes that cannot change in place. */
export function replaceReason(rc: ResourceChange): string {
  const paths = (rc.change.replace_paths ?? []).map((p) => p.join('.'));
  return paths.length > 0 ? ` (${paths.join(', ')} cannot change in place)` : '';
}

export function dedupe<T extends Flag>(flags: readonly T[]): T[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const key = `${f.code}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
