/**
 * Correct: the remediation configuration, its runbook and role. Escalated means it acts more (a
 * higher mode, automatic, a shorter grace); weakened means it acts less. A target other than AMI
 * Guard's runbook is critical: that document decides alone what happens to instances.
 */
import {
  ACTING_MODES,
  ESCALATE_AFTER_HOURS_PARAMETER,
  REMEDIATION_MODES,
  RUNBOOK_DOCUMENT_NAME,
} from '../../../lambda/ami-compliance/contract';
import { loosenings, parsePolicy, wildcardMatches } from '../policy-diff';
import { flag, jsonOf, obj, RuleEntry, RuleFlag, RuleInput, str } from './rule';

/** The runbook parameter carrying the mode, as AWS Config passes it. */
const RUNBOOK_MODE_PARAMETER = 'Mode';
/** The runbook input holding the hours from the notice to the action. */
const RUNBOOK_GRACE_PARAMETER = 'GraceHours';
/**
 * The runbook (or remediation) parameter holding the hours after which a finding is escalated (the
 * contract's name, which the runbook declares). The review reads it wherever it appears in the runbook's
 * content or the remediation's parameters.
 */
export const RUNBOOK_ESCALATION_PARAMETER = ESCALATE_AFTER_HOURS_PARAMETER;

/** How far each mode acts on an instance: off < notify < stop < terminate. */
const MODE_RANK: Readonly<Record<string, number>> = Object.fromEntries(REMEDIATION_MODES.map((m, i) => [m, i]));
const TERMINATE = ACTING_MODES[ACTING_MODES.length - 1];

function staticParameters(config: Record<string, unknown>): Record<string, string | undefined> {
  const params = Array.isArray(config.parameter) ? config.parameter.map(obj) : [];
  return Object.fromEntries(params.map((p) => [String(p.name), str(p.static_value)]));
}

function subjectOf({ rc, before, after }: RuleInput): string {
  return `remediation of ${str(after.config_rule_name) ?? str(before.config_rule_name) ?? rc.address}`;
}

/** Mode, automatic and attempts of a remediation configuration. */
function remediationMode(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  const subject = subjectOf(input);
  if (kind === 'delete') return [flag('remediation-weakened', rc.address, `${subject} removed`, { coversAction: true })];
  const out: RuleFlag[] = [];
  const mode = staticParameters(after)[RUNBOOK_MODE_PARAMETER];
  if (kind === 'create') {
    if (after.automatic === true)
      out.push(flag('remediation-escalated', rc.address, `${subject} created running automatically (mode ${mode ?? '?'})`));
    if (mode && (MODE_RANK[mode] ?? 0) >= MODE_RANK.stop)
      out.push(flag('remediation-escalated', rc.address, `${subject} created in mode ${mode}: it ${mode}s instances`));
    return out.map((f) => ({ ...f, coversAction: true }));
  }
  if (kind !== 'update' && kind !== 'replace') return [];
  const oldMode = staticParameters(before)[RUNBOOK_MODE_PARAMETER];
  if (oldMode !== mode && mode && oldMode) {
    if (mode === TERMINATE || (MODE_RANK[mode] ?? 0) > (MODE_RANK[oldMode] ?? 0))
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
}

/** A target other than AMI Guard's runbook, created or changed to. */
function remediationTarget(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind === 'delete') return [];
  const target = str(after.target_id);
  if (target === undefined || target === RUNBOOK_DOCUMENT_NAME) return [];
  if (kind !== 'create' && str(before.target_id) === target) return [];
  return [
    flag(
      'remediation-target-changed',
      rc.address,
      `${subjectOf(input)} runs ${target} instead of ${RUNBOOK_DOCUMENT_NAME}: AMI Guard's check no longer decides what happens to instances`,
      { coversAction: kind === 'create' },
    ),
  ];
}

/** Every number held under `key` anywhere in a JSON value (a runbook's parameters and step inputs). */
function numbersUnder(value: unknown, key: string): number[] {
  if (Array.isArray(value)) return value.flatMap((v) => numbersUnder(v, key));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    if (k !== key) return numbersUnder(v, key);
    const own = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    const inner = typeof obj(v).default === 'number' ? [obj(v).default as number] : [];
    return [...(Number.isFinite(own) ? [own] : []), ...inner, ...numbersUnder(v, key)];
  });
}

/** The smallest value of a runbook or remediation parameter, from a document's content or a configuration's parameters. */
function hoursOf(attrs: Record<string, unknown>, key: string): number | undefined {
  const found = [...numbersUnder(jsonOf(attrs.content), key)];
  const stat = staticParameters(attrs)[key];
  if (stat !== undefined && Number.isFinite(Number(stat))) found.push(Number(stat));
  return found.length > 0 ? Math.min(...found) : undefined;
}

/** Hours lowered: the grace (high) and the escalation threshold (medium). */
function hoursLowered(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind !== 'update' && kind !== 'replace') return [];
  const name = str(after.name) ?? str(after.config_rule_name) ?? rc.address;
  const subject = rc.type === 'aws_ssm_document' ? `runbook ${name}` : subjectOf(input);
  const out: RuleFlag[] = [];
  for (const [key, code, words] of [
    [RUNBOOK_GRACE_PARAMETER, 'remediation-grace-shortened', 'grace period'],
    [RUNBOOK_ESCALATION_PARAMETER, 'remediation-escalation-lowered', 'escalation threshold'],
  ] as const) {
    const [was, now] = [hoursOf(before, key), hoursOf(after, key)];
    if (was !== undefined && now !== undefined && now < was)
      out.push(flag(code, rc.address, `${subject}: ${words} (${key}) ${was} h → ${now} h`));
  }
  return out;
}

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

/** The correct layer's table. */
export const CORRECT_RULES: readonly RuleEntry[] = [
  {
    types: ['aws_config_remediation_configuration'],
    attribute: `parameter ${RUNBOOK_MODE_PARAMETER}, automatic, maximum_automatic_attempts`,
    comparison:
      'mode ranked off < notify < stop < terminate (any move into terminate escalates); created in stop/terminate; deleted',
    flags: ['remediation-escalated', 'remediation-weakened'],
    check: remediationMode,
  },
  {
    types: ['aws_config_remediation_configuration'],
    attribute: 'target_id',
    comparison: `anything but ${RUNBOOK_DOCUMENT_NAME}`,
    flags: ['remediation-target-changed'],
    check: remediationTarget,
  },
  {
    types: ['aws_ssm_document', 'aws_config_remediation_configuration'],
    attribute: `content / parameter ${RUNBOOK_GRACE_PARAMETER}, ${RUNBOOK_ESCALATION_PARAMETER}`,
    comparison: 'fewer hours',
    flags: ['remediation-grace-shortened', 'remediation-escalation-lowered'],
    check: hoursLowered,
  },
  {
    types: ['aws_iam_role_policy'],
    attribute: 'policy (of the remediation role)',
    comparison: 'gains an action on instances',
    flags: ['remediation-escalated'],
    check: remediationRolePolicy,
  },
];
