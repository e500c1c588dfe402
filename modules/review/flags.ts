/**
 * Risk flags: what a plan does to an account's defences, computed from `resource_changes[]` alone
 * (actions, before, after, after_unknown), so a hand edit or an `addOverride` is caught as surely
 * as a config change. Each rule is a small pure function of one resource change; the runner turns
 * a rule that throws into a "could not evaluate" flag instead of a crash (as cdk-nag does).
 */
import { STATE_BACKEND_STACK } from '../../config/schema';
import { changeKind, ChangeKind, ResourceChange, startsFromEmptyState, TerraformPlan } from './plan';
import { Condition, Loosening, loosenings, parsePolicy, Statement, wildcardMatches } from './policy-diff';

/** Severities, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Flag codes and the severity each is raised with (a code may carry a higher one, e.g. a wildcard tagger). */
export const FLAG_CODES = {
  'launch-policy-widened': 'high',
  'launch-policy-removed': 'critical',
  'tag-guard-removed': 'critical',
  'tag-guard-weakened': 'high',
  'detection-weakened': 'high',
  'remediation-escalated': 'high',
  'remediation-weakened': 'medium',
  'state-at-risk': 'critical',
  'policy-unreadable': 'high',
  'review-error': 'high',
  replace: 'medium',
  delete: 'medium',
  create: 'info',
  update: 'info',
  forget: 'info',
} as const satisfies Record<string, Severity>;
export type FlagCode = keyof typeof FLAG_CODES;

/** One finding about one resource. */
export interface Flag {
  readonly severity: Severity;
  readonly code: FlagCode;
  /** Terraform address of the resource. */
  readonly address: string;
  /** What happens, in words a reviewer can act on. */
  readonly message: string;
}

/** What the rules may know besides the plan. */
export interface ReviewContext {
  /**
   * Stacks that are deployed already (e.g. the stacks of the base branch). A listed stack whose plan
   * starts from an empty state has lost its state or moved its backend key. @default unknown
   */
  readonly existingStacks?: ReadonlySet<string>;
}

/** What a rule sees: the change, its kind, and the plan it belongs to. */
export interface RuleInput {
  readonly stack: string;
  readonly rc: ResourceChange;
  readonly kind: ChangeKind;
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly plan: PlanFacts;
}

/** A flag from a rule; `coversAction` means it already explains the delete/replace/create itself. */
interface RuleFlag extends Flag {
  readonly coversAction?: boolean;
}

type Rule = (input: RuleInput) => RuleFlag[];

function flag(code: FlagCode, address: string, message: string, extra: Partial<RuleFlag> = {}): RuleFlag {
  return { severity: FLAG_CODES[code], code, address, message, ...extra };
}

function obj(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The first element of a nested-block list (`recording_group[0]`), as an object. */
function block(value: unknown): Record<string, unknown> {
  return obj(Array.isArray(value) ? value[0] : value);
}

function unknownAfter(rc: ResourceChange, attribute: string): boolean {
  return obj(rc.change.after_unknown)[attribute] === true;
}

function sensitive(rc: ResourceChange, side: 'before' | 'after', attribute: string): boolean {
  const marks = side === 'before' ? rc.change.before_sensitive : rc.change.after_sensitive;
  return marks === true || obj(marks)[attribute] === true;
}

// ---------------------------------------------------------------------------------------------
// Identification: which resources are AMI Guard's guards, from names, types and statement content.
// ---------------------------------------------------------------------------------------------

/** The two preventive policies. */
export type Guard = 'launch-policy' | 'tag-guard';

/** Names of the guards: today's (`ami-guard-launch-policy-<region>`, `ami-guard-tag-guard-<region>`) and the earlier ones, which deployed stacks still carry. */
const GUARD_NAMES: Readonly<Record<Guard, RegExp>> = {
  'launch-policy': /^ami-guard-launch-/,
  'tag-guard': /^ami-guard-(image-)?tag-guard-/,
};

const GUARD_LABEL: Readonly<Record<Guard, string>> = { 'launch-policy': 'launch policy', 'tag-guard': 'image tag guard' };

const IMAGE_ARN = /:image\/|^\*$/;

function touchesImages(s: Statement): boolean {
  return s.resources.some((r) => IMAGE_ARN.test(r));
}

/** Recognizes a guard by what its statements do, for a policy whose name was changed. */
function guardByContent(statements: readonly Statement[]): Guard | undefined {
  const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());
  if (
    statements.some(
      (s) =>
        lower(s.actions).includes('ec2:runinstances') &&
        touchesImages(s) &&
        s.conditions.some((c) => /^ec2:resourcetag\//i.test(c.key)),
    )
  )
    return 'launch-policy';
  if (
    statements.some(
      (s) =>
        s.effect === 'Deny' &&
        lower(s.actions).some((a) => a === 'ec2:createtags' || a === 'ec2:deletetags') &&
        touchesImages(s) &&
        s.conditions.some((c) => c.key.toLowerCase() === 'aws:principalarn'),
    )
  )
    return 'tag-guard';
  return undefined;
}

function guardByName(name: string | undefined): Guard | undefined {
  if (!name) return undefined;
  return (Object.keys(GUARD_NAMES) as Guard[]).find((g) => GUARD_NAMES[g].test(name));
}

function tryStatements(policy: unknown): Statement[] | undefined {
  if (typeof policy !== 'string') return undefined;
  try {
    return parsePolicy(policy);
  } catch {
    return undefined;
  }
}

/** A managed policy of the plan, with the guard it is (if any). */
interface PolicyFacts {
  readonly address: string;
  readonly name?: string;
  readonly arns: readonly string[];
  readonly guard?: Guard;
}

/** What rules look up across the plan: the guards, by address and ARN. */
export interface PlanFacts {
  readonly policies: ReadonlyMap<string, PolicyFacts>;
  /** Policy ARN (before the change) -> policy address. */
  readonly policyByArn: ReadonlyMap<string, PolicyFacts>;
  /** Attachment address -> policy address it refers to in the configuration. */
  readonly attachmentTargets: ReadonlyMap<string, string>;
}

/** Collects the policies of a plan (changed or not) and what each attachment refers to. */
function planFacts(plan: TerraformPlan): PlanFacts {
  const policies = new Map<string, PolicyFacts>();
  const policyByArn = new Map<string, PolicyFacts>();
  for (const rc of plan.resource_changes) {
    if (rc.type !== 'aws_iam_policy' || rc.mode === 'data') continue;
    const before = obj(rc.change.before);
    const after = obj(rc.change.after);
    const name = str(after.name) ?? str(before.name);
    const guard =
      guardByName(name) ??
      guardByContent(tryStatements(after.policy) ?? []) ??
      guardByContent(tryStatements(before.policy) ?? []);
    const arns = [str(before.arn), str(after.arn)].filter((a): a is string => a !== undefined);
    const facts = { address: rc.address, name, arns, guard };
    policies.set(rc.address, facts);
    for (const arn of arns) policyByArn.set(arn, facts);
  }
  const attachmentTargets = new Map<string, string>();
  for (const r of plan.configuration?.root_module?.resources ?? []) {
    const refs = r.expressions?.policy_arn?.references ?? [];
    const target = refs.map((ref) => ref.replace(/\.arn$/, '')).find((ref) => policies.has(ref));
    if (target) attachmentTargets.set(r.address, target);
  }
  return { policies, policyByArn, attachmentTargets };
}

/** The guard a policy ARN names: through the plan's policies, else the policy name in the ARN. */
function guardOfArn(arn: string | undefined, facts: PlanFacts): { guard?: Guard; name?: string } {
  if (!arn) return {};
  const known = facts.policyByArn.get(arn);
  const name = known?.name ?? arn.split('/').pop();
  return { guard: known?.guard ?? guardByName(name), name };
}

// ---------------------------------------------------------------------------------------------
// Prevent: the launch policy and the image tag guard, and their attachments.
// ---------------------------------------------------------------------------------------------

/** How a condition value reads in a message. */
function valuePhrase(condition: Condition, value: string): string {
  const tag = /^(ec2|aws):ResourceTag\/(.+)$/i.exec(condition.key);
  if (tag) return `${tag[2]}="${value}"`;
  if (/^ec2:Owner$/i.test(condition.key)) return `AMI owner ${value}`;
  return `${condition.key}="${value}"`;
}

function keyPhrase(condition: Condition): string {
  const tag = /^(ec2|aws):ResourceTag\/(.+)$/i.exec(condition.key);
  if (tag) return `the tag ${tag[2]}`;
  if (/^ec2:Owner$/i.test(condition.key)) return 'a trusted AMI owner (ec2:Owner)';
  return condition.key;
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** One loosening in words, e.g. `launch policy ami-guard-launch-eu-west-1 now also accepts Environment="Staging"`. */
export function describeLoosening(subject: string, l: Loosening): string[] {
  const where = l.statement.label;
  switch (l.kind) {
    case 'statement-removed':
      return [`${subject}: deny statement ${where} removed`];
    case 'statement-added':
      return [
        `${subject}: new statement ${where} allows ${l.statement.actions.join(', ') || 'NotAction'} on ${l.statement.resources.join(', ') || 'NotResource'}`,
      ];
    case 'actions':
      return [
        l.statement.effect === 'Allow'
          ? `${subject}: ${where} now also allows ${l.actions.join(', ')}`
          : `${subject}: ${where} no longer denies ${l.actions.join(', ')}`,
      ];
    case 'resources':
      return [
        l.statement.effect === 'Allow'
          ? `${subject}: ${where} now also covers ${l.resources.join(', ')}`
          : `${subject}: ${where} no longer denies on ${l.resources.join(', ')}`,
      ];
    case 'condition-values':
      if (/^aws:PrincipalArn$/i.test(l.condition.key)) return l.values.map((v) => `${subject}: ${where} now also exempts ${v}`);
      return l.values.map((v) =>
        /^ec2:Owner$/i.test(l.condition.key)
          ? `${subject} now also trusts AMI owner ${v}`
          : `${subject} now also accepts ${valuePhrase(l.condition, v)}`,
      );
    case 'condition-removed':
      return [`${subject} no longer requires ${keyPhrase(l.condition)} (${l.condition.operator} dropped from ${where})`];
    case 'condition-added':
      return [
        `${subject}: deny ${where} now applies only when ${l.condition.operator} ${l.condition.key} ${quoteList(l.condition.values)}`,
      ];
    case 'condition-changed':
      return [
        `${subject}: ${where} condition ${l.condition.operator} ${l.condition.key} changed from ${quoteList(l.before)} to ${quoteList(l.condition.values)}`,
      ];
    case 'other':
      return [`${subject}: ${where} ${l.detail}`];
  }
}

/** A wildcard anywhere in a principal ARN lets every matching principal through. */
function isWildcard(principal: string): boolean {
  return /[*?]/.test(principal);
}

/** Tag guard loosenings in words: a new tagger principal is named as such, a wildcard one is critical. */
function tagGuardFlags(subject: string, address: string, items: readonly Loosening[]): RuleFlag[] {
  const out: RuleFlag[] = [];
  for (const l of items) {
    if (l.kind === 'condition-values' && /^aws:PrincipalArn$/i.test(l.condition.key) && polarityIsNegated(l.condition)) {
      for (const principal of l.values) {
        const wildcard = isWildcard(principal);
        out.push(
          flag(
            'tag-guard-weakened',
            address,
            `${subject}: tagger principal ${principal} added${wildcard ? ' (a wildcard: every matching principal may approve AMIs)' : ''}`,
            wildcard ? { severity: 'critical' } : {},
          ),
        );
      }
      continue;
    }
    for (const message of describeLoosening(subject, l)) out.push(flag('tag-guard-weakened', address, message));
  }
  return out;
}

function polarityIsNegated(c: Condition): boolean {
  return /Not/.test(c.operator.replace(/^(ForAnyValue|ForAllValues):/, ''));
}

function dedupe(flags: readonly RuleFlag[]): RuleFlag[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const key = `${f.code}\u0000${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The launch policy and the tag guard: deleted, or their document loosened (statement by statement). */
const guardPolicyRule: Rule = ({ rc, kind, before, after, plan }) => {
  if (rc.type !== 'aws_iam_policy') return [];
  const facts = plan.policies.get(rc.address);
  if (!facts?.guard) return [];
  const subject = `${GUARD_LABEL[facts.guard]} ${facts.name ?? rc.address}`;
  const removedCode = facts.guard === 'launch-policy' ? 'launch-policy-removed' : 'tag-guard-removed';
  if (kind === 'delete') return [flag(removedCode, rc.address, `${subject} deleted`, { coversAction: true })];
  if (kind !== 'update' && kind !== 'replace') return [];
  const replaced =
    kind === 'replace'
      ? [
          flag(
            'replace',
            rc.address,
            `${subject} will be destroyed and recreated${replaceReason(rc)}: its principals are without it in between`,
            { coversAction: true },
          ),
        ]
      : [];
  if (typeof after.policy !== 'string') {
    if (unknownAfter(rc, 'policy'))
      replaced.push(
        flag('policy-unreadable', rc.address, `${subject}: the new document is known only after apply; read it before approving`),
      );
    return replaced;
  }
  let items: Loosening[];
  try {
    items = loosenings(parsePolicy(String(before.policy ?? '{}')), parsePolicy(after.policy));
  } catch (err) {
    return [
      ...replaced,
      flag('policy-unreadable', rc.address, `${subject}: ${(err as Error).message}; compare the documents by hand`),
    ];
  }
  if (facts.guard === 'tag-guard') return [...replaced, ...dedupe(tagGuardFlags(subject, rc.address, items))];
  return [
    ...replaced,
    ...dedupe(items.flatMap((l) => describeLoosening(subject, l).map((m) => flag('launch-policy-widened', rc.address, m)))),
  ];
};

const ATTACHMENT_PRINCIPAL: Readonly<Record<string, string>> = {
  aws_iam_role_policy_attachment: 'role',
  aws_iam_group_policy_attachment: 'group',
  aws_iam_user_policy_attachment: 'user',
};

/** An attachment of a guard to a role, group or user deleted (or the exclusive attachment narrowed). */
const guardAttachmentRule: Rule = ({ rc, kind, before, after, plan }) => {
  const removedFlag = (guard: Guard, name: string | undefined, principal: string) =>
    flag(
      guard === 'launch-policy' ? 'launch-policy-removed' : 'tag-guard-removed',
      rc.address,
      `${GUARD_LABEL[guard]} ${name ?? ''} no longer attached to ${principal}`.replace(/  +/g, ' '),
      { coversAction: true },
    );
  const principalKind = ATTACHMENT_PRINCIPAL[rc.type];
  if (principalKind) {
    if (kind !== 'delete' && kind !== 'replace') return [];
    const { guard, name } = guardOfArn(str(before.policy_arn), plan);
    if (!guard) return [];
    const principal = `${principalKind} ${str(before[principalKind]) ?? '?'}`;
    if (kind === 'delete') return [removedFlag(guard, name, principal)];
    return [
      flag(
        'replace',
        rc.address,
        `${GUARD_LABEL[guard]} ${name ?? ''} is detached from ${principal} and attached again${replaceReason(rc)}: the ${principalKind} is without it in between`.replace(
          /  +/g,
          ' ',
        ),
        { coversAction: true },
      ),
    ];
  }
  if (rc.type !== 'aws_iam_policy_attachment') return [];
  const { guard, name } = guardOfArn(str(before.policy_arn), plan);
  if (!guard) return [];
  const out: RuleFlag[] = [];
  for (const [attr, label] of [
    ['roles', 'role'],
    ['groups', 'group'],
    ['users', 'user'],
  ] as const) {
    const was = Array.isArray(before[attr]) ? (before[attr] as string[]) : [];
    const now = kind === 'delete' ? [] : Array.isArray(after[attr]) ? (after[attr] as string[]) : was;
    for (const p of was.filter((x) => !now.includes(x))) out.push(removedFlag(guard, name, `${label} ${p}`));
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Detect: the Config rule, its Lambda and permission, the recorder, channel and status.
// ---------------------------------------------------------------------------------------------

const DETECTION_LABEL: Readonly<Record<string, string>> = {
  aws_config_config_rule: 'Config rule',
  aws_lambda_function: 'rule Lambda',
  aws_lambda_permission: 'Config invoke permission',
  aws_config_configuration_recorder: 'configuration recorder',
  aws_config_delivery_channel: 'delivery channel',
  aws_config_configuration_recorder_status: 'recorder status',
};

/** Config sweep frequencies, most frequent first. */
const FREQUENCY_ORDER = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'];

function detectionName(rc: ResourceChange, before: Record<string, unknown>, after: Record<string, unknown>): string {
  const pick = (o: Record<string, unknown>) =>
    rc.type === 'aws_lambda_permission' && str(o.statement_id)
      ? `${str(o.statement_id)} on ${str(o.function_name) ?? '?'}`
      : (str(o.name) ?? str(o.function_name));
  return pick(after) ?? pick(before) ?? rc.address;
}

/** The periodic frequency of a rule: the ScheduledNotification source detail, else the rule's own. */
function sweepFrequency(rule: Record<string, unknown>): string | undefined {
  const details = block(rule.source).source_detail;
  const scheduled = (Array.isArray(details) ? details : []).map(obj).find((d) => d.message_type === 'ScheduledNotification');
  return str(scheduled?.maximum_execution_frequency) || str(rule.maximum_execution_frequency) || undefined;
}

function parameters(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  try {
    return obj(JSON.parse(text));
  } catch {
    return { '(unparsed)': text };
  }
}

function ruleParameterChanges(rc: ResourceChange, before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  if (before.input_parameters === after.input_parameters) return [];
  if (sensitive(rc, 'before', 'input_parameters') || sensitive(rc, 'after', 'input_parameters'))
    return ['parameters changed (sensitive values not shown)'];
  const old = parameters(before.input_parameters);
  const now = parameters(after.input_parameters);
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
  const show = (v: unknown) => (v === undefined ? '(none)' : JSON.stringify(v));
  return keys
    .filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]))
    .map((k) => `parameter ${k} ${show(old[k])} → ${show(now[k])}`);
}

/** Detection deleted or replaced, the recorder disabled or narrowed, the sweep slowed, rule parameters changed. */
const detectionRule: Rule = ({ rc, kind, before, after }) => {
  const label = DETECTION_LABEL[rc.type];
  if (!label) return [];
  if (rc.type === 'aws_lambda_permission' && (str(after.principal) ?? str(before.principal)) !== 'config.amazonaws.com')
    return [];
  const subject = `${label} ${detectionName(rc, before, after)}`;
  if (kind === 'delete')
    return [
      flag('detection-weakened', rc.address, `${subject} deleted: instances are no longer checked`, { coversAction: true }),
    ];
  if (kind === 'replace')
    return [
      flag('detection-weakened', rc.address, `${subject} destroyed and recreated: no detection between the two`, {
        coversAction: true,
      }),
    ];
  if (kind !== 'update') return [];
  const out: RuleFlag[] = [];
  switch (rc.type) {
    case 'aws_config_configuration_recorder_status':
      if (before.is_enabled === true && after.is_enabled === false)
        out.push(flag('detection-weakened', rc.address, `${subject}: recording switched off`));
      break;
    case 'aws_config_configuration_recorder': {
      const was = block(before.recording_group);
      const now = block(after.recording_group);
      if (was.all_supported === true && now.all_supported !== true)
        out.push(flag('detection-weakened', rc.address, `${subject} no longer records all supported resource types`));
      const oldTypes = Array.isArray(was.resource_types) ? (was.resource_types as string[]) : [];
      const newTypes = Array.isArray(now.resource_types) ? (now.resource_types as string[]) : [];
      const dropped = oldTypes.filter((t) => !newTypes.includes(t));
      if (dropped.length > 0 && now.all_supported !== true)
        out.push(flag('detection-weakened', rc.address, `${subject} no longer records ${dropped.join(', ')}`));
      break;
    }
    case 'aws_config_config_rule': {
      const [was, now] = [sweepFrequency(before), sweepFrequency(after)];
      if (was && now !== was && (now === undefined || FREQUENCY_ORDER.indexOf(now) > FREQUENCY_ORDER.indexOf(was)))
        out.push(flag('detection-weakened', rc.address, `${subject}: sweep frequency lowered ${was} → ${now ?? '(no sweep)'}`));
      for (const change of ruleParameterChanges(rc, before, after))
        out.push(flag('detection-weakened', rc.address, `${subject}: ${change}`));
      const [oldSource, newSource] = [block(before.source).source_identifier, block(after.source).source_identifier];
      if (oldSource !== newSource && !unknownAfter(rc, 'source'))
        out.push(
          flag('detection-weakened', rc.address, `${subject} now runs ${String(newSource)} instead of ${String(oldSource)}`),
        );
      const types = (rule: Record<string, unknown>) => {
        const t = block(rule.scope).compliance_resource_types;
        return Array.isArray(t) ? (t as string[]) : [];
      };
      const lost = types(before).filter((t) => !types(after).includes(t));
      if (lost.length > 0) out.push(flag('detection-weakened', rc.address, `${subject} no longer evaluates ${lost.join(', ')}`));
      break;
    }
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Correct: remediation escalated (acts more) or weakened (acts less).
// ---------------------------------------------------------------------------------------------

/** The `Mode` parameter of a remediation configuration (notify | stop), as given to the runbook. */
function remediationMode(config: Record<string, unknown>): string | undefined {
  const params = Array.isArray(config.parameter) ? config.parameter.map(obj) : [];
  return str(params.find((p) => p.name === 'Mode')?.static_value);
}

/** How far each mode acts on an instance. */
const MODE_RANK: Readonly<Record<string, number>> = { notify: 1, stop: 2 };

const remediationRule: Rule = (input) => {
  const { rc, kind, before, after } = input;
  if (rc.type === 'aws_iam_role_policy') return remediationRolePolicy(input);
  if (rc.type !== 'aws_config_remediation_configuration') return [];
  const rule = str(after.config_rule_name) ?? str(before.config_rule_name) ?? rc.address;
  const subject = `remediation of ${rule}`;
  if (kind === 'delete') return [flag('remediation-weakened', rc.address, `${subject} removed`, { coversAction: true })];
  const out: RuleFlag[] = [];
  const mode = remediationMode(after);
  if (kind === 'create') {
    if (after.automatic === true)
      out.push(flag('remediation-escalated', rc.address, `${subject} created running automatically (mode ${mode ?? '?'})`));
    if (mode === 'stop')
      out.push(flag('remediation-escalated', rc.address, `${subject} created in mode stop: it stops instances`));
    return out.map((f) => ({ ...f, coversAction: true }));
  }
  if (kind !== 'update' && kind !== 'replace') return [];
  const oldMode = remediationMode(before);
  if (oldMode !== mode && mode && oldMode) {
    if ((MODE_RANK[mode] ?? 0) > (MODE_RANK[oldMode] ?? 0))
      out.push(flag('remediation-escalated', rc.address, `${subject}: mode ${oldMode} → ${mode}`));
    else out.push(flag('remediation-weakened', rc.address, `${subject}: mode ${oldMode} → ${mode}`));
  }
  if (before.automatic === false && after.automatic === true)
    out.push(flag('remediation-escalated', rc.address, `${subject}: automatic false → true (runs without a person)`));
  if (before.automatic === true && after.automatic === false)
    out.push(flag('remediation-weakened', rc.address, `${subject}: automatic true → false (a person must start it)`));
  const [oldAttempts, newAttempts] = [before.maximum_automatic_attempts, after.maximum_automatic_attempts];
  if (typeof oldAttempts === 'number' && typeof newAttempts === 'number' && newAttempts > oldAttempts)
    out.push(flag('remediation-escalated', rc.address, `${subject}: maximum automatic attempts ${oldAttempts} → ${newAttempts}`));
  return out;
};

/** Actions that let remediation act on instances rather than report. */
const ACTING_ACTIONS = ['ec2:stopinstances', 'ec2:terminateinstances', 'ec2:rebootinstances', 'ec2:modifyinstanceattribute'];

/** The remediation role gaining an action on instances (e.g. ec2:StopInstances when notify becomes stop). */
function remediationRolePolicy({ rc, kind, before, after }: RuleInput): RuleFlag[] {
  const role = str(after.role) ?? str(before.role) ?? '';
  if (!/^ami-guard-remediation/.test(role) || (kind !== 'update' && kind !== 'replace' && kind !== 'create')) return [];
  if (typeof after.policy !== 'string') return [];
  const items = loosenings(kind === 'create' ? [] : parsePolicy(String(before.policy ?? '{}')), parsePolicy(after.policy));
  const gained = new Set<string>();
  for (const l of items) {
    const actions = l.kind === 'actions' ? l.actions : l.kind === 'statement-added' ? l.statement.actions : [];
    for (const a of actions) if (ACTING_ACTIONS.some((x) => wildcardMatches(a, x, true))) gained.add(a);
  }
  if (gained.size === 0) return [];
  return [flag('remediation-escalated', rc.address, `remediation role ${role} may now call ${[...gained].join(', ')}`)];
}

// ---------------------------------------------------------------------------------------------
// State: the shared state bucket and lock table, and stacks that lost their state.
// ---------------------------------------------------------------------------------------------

/** Is this the stack holding the shared state bucket and lock table? By name, or by its LockID table. */
function isStateBackendStack(stack: string, plan: TerraformPlan): boolean {
  if (stack === STATE_BACKEND_STACK) return true;
  return plan.resource_changes.some(
    (rc) => rc.type === 'aws_dynamodb_table' && [rc.change.before, rc.change.after].some((v) => obj(v).hash_key === 'LockID'),
  );
}

function stateResourceLabel(rc: ResourceChange, before: Record<string, unknown>, after: Record<string, unknown>): string {
  const nameOf = (o: Record<string, unknown>) => str(o.name) ?? str(o.bucket);
  const [was, now] = [nameOf(before), nameOf(after)];
  const name = was && now && was !== now ? `${was} (→ ${now})` : (was ?? now);
  if (rc.type === 'aws_dynamodb_table') return `lock table ${name ?? rc.address}`;
  if (rc.type === 'aws_s3_bucket') return `state bucket ${name ?? rc.address}`;
  return `${rc.type} ${name ?? rc.address}`;
}

function makeStateRule(stateBackend: boolean): Rule {
  return ({ rc, kind, before, after }) => {
    if (!stateBackend) return [];
    const label = stateResourceLabel(rc, before, after);
    if (kind === 'delete')
      return [
        flag('state-at-risk', rc.address, `${label} deleted (every stack keeps its state or locks here)`, { coversAction: true }),
      ];
    if (kind === 'replace')
      return [
        flag('state-at-risk', rc.address, `${label} destroyed and recreated (every stack keeps its state or locks here)`, {
          coversAction: true,
        }),
      ];
    if (kind !== 'update') return [];
    if (rc.type === 'aws_s3_bucket_versioning') {
      const [was, now] = [block(before.versioning_configuration).status, block(after.versioning_configuration).status];
      if (was !== now) return [flag('state-at-risk', rc.address, `state bucket versioning ${String(was)} → ${String(now)}`)];
    }
    if (rc.type === 'aws_s3_bucket_server_side_encryption_configuration')
      return [
        flag(
          'state-at-risk',
          rc.address,
          `state bucket encryption changed: ${JSON.stringify(before.rule)} → ${JSON.stringify(after.rule)}`,
        ),
      ];
    if (
      rc.type === 'aws_dynamodb_table' &&
      JSON.stringify(before.server_side_encryption) !== JSON.stringify(after.server_side_encryption)
    )
      return [flag('state-at-risk', rc.address, `${label} encryption changed`)];
    return [];
  };
}

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

const RULES: readonly (readonly [string, Rule])[] = [
  ['guard-policy', guardPolicyRule],
  ['guard-attachment', guardAttachmentRule],
  ['detection', detectionRule],
  ['remediation', remediationRule],
];

/** A resource in words: its type and the attribute that names it, e.g. `aws_sns_topic ami-guard-remediation`. */
function describeResource(rc: ResourceChange): string {
  const [before, after] = [obj(rc.change.before), obj(rc.change.after)];
  for (const attr of ['name', 'bucket', 'function_name', 'role', 'group', 'user', 'config_rule_name', 'topic_arn']) {
    const value = str(after[attr]) ?? str(before[attr]);
    if (value) return `${rc.type} ${ATTACHMENT_PRINCIPAL[rc.type] === attr ? `of ${attr} ` : ''}${value}`;
  }
  return rc.address;
}

/** Why Terraform replaces: the attributes that cannot change in place. */
function replaceReason(rc: ResourceChange): string {
  const paths = (rc.change.replace_paths ?? []).map((p) => p.join('.'));
  return paths.length > 0 ? ` (${paths.join(', ')} cannot change in place)` : '';
}

/** The flag for a change no rule explained: a replace or delete (medium), a create or update (info). */
function genericFlag(rc: ResourceChange, kind: ChangeKind): RuleFlag | undefined {
  const what = describeResource(rc);
  switch (kind) {
    case 'replace':
      return flag('replace', rc.address, `${what} will be destroyed and recreated${replaceReason(rc)}`);
    case 'delete':
      return flag('delete', rc.address, `${what} will be deleted`);
    case 'create':
      return flag('create', rc.address, `${what} will be created`);
    case 'update':
      return flag('update', rc.address, `${what} will be updated in place`);
    case 'forget':
      return flag('forget', rc.address, `${what} will no longer be managed by Terraform (it stays in AWS)`);
    default:
      return undefined;
  }
}

/** Orders flags by severity, then address, then message. */
function sortFlags<T extends Flag>(flags: readonly T[]): T[] {
  return [...flags].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.address.localeCompare(b.address) ||
      a.message.localeCompare(b.message),
  );
}

/** Every flag of one stack's plan. */
export function flagPlan(stack: string, plan: TerraformPlan, context: ReviewContext = {}): Flag[] {
  const facts = planFacts(plan);
  const stateBackend = isStateBackendStack(stack, plan);
  const rules: (readonly [string, Rule])[] = [...RULES, ['state', makeStateRule(stateBackend)]];
  const flags: RuleFlag[] = [];
  for (const rc of plan.resource_changes) {
    if (rc.mode === 'data') continue;
    const kind = changeKind(rc.change.actions);
    if (kind === 'no-op') continue;
    const input: RuleInput = { stack, rc, kind, before: obj(rc.change.before), after: obj(rc.change.after), plan: facts };
    const own: RuleFlag[] = [];
    for (const [name, rule] of rules) {
      try {
        own.push(...rule(input));
      } catch (err) {
        own.push(flag('review-error', rc.address, `could not evaluate the ${name} rule: ${(err as Error).message}`));
      }
    }
    // A replace or delete is flagged on its own unless a rule already explained it; creates and updates only when nothing else was said.
    const explained = own.some((f) => f.coversAction);
    const generic = genericFlag(rc, kind);
    if (generic && !explained && (generic.severity !== 'info' || own.length === 0)) own.push(generic);
    flags.push(...own);
  }
  if (!stateBackend && context.existingStacks?.has(stack) && startsFromEmptyState(plan) && flags.length > 0)
    flags.push(
      flag(
        'state-at-risk',
        '(backend)',
        `${stack} is deployed, but its plan starts from an empty state: its backend key changed or its state is gone; applying would create every resource again`,
      ),
    );
  return sortFlags(flags.map((f) => ({ severity: f.severity, code: f.code, address: f.address, message: f.message })));
}
