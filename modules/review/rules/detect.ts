/**
 * Detect: the Config rule, its Lambda and invoke permission, the recorder, channel and status. The
 * rule's parameters are compared by meaning, both where Config passes them (`input_parameters`) and
 * where check mode reads them (the Lambda's parameter variable): every check-mode decision reads them.
 */
import {
  DEFAULT_MAX_EXCEPTION_DAYS,
  MESSAGE_TYPE,
  RULE_PARAMETERS_ENV,
  type RuleParameterName,
} from '../../../lambda/ami-compliance/contract';
import type { ResourceChange } from '../plan';
import { block, flag, FlagCode, obj, RuleEntry, RuleFlag, RuleInput, sensitive, str, strings, unknownAfter } from './rule';

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

/**
 * A parameter that bounds how old an approved image may be. None exists yet; when the rule gains it
 * under this name, raising or removing it is flagged high.
 */
const FRESHNESS_PARAMETER = 'maxImageAgeDays';

function detectionName(rc: ResourceChange, before: Record<string, unknown>, after: Record<string, unknown>): string {
  const pick = (o: Record<string, unknown>) =>
    rc.type === 'aws_lambda_permission' && str(o.statement_id)
      ? `${str(o.statement_id)} on ${str(o.function_name) ?? '?'}`
      : (str(o.name) ?? str(o.function_name));
  return pick(after) ?? pick(before) ?? rc.address;
}

function subjectOf({ rc, before, after }: RuleInput): string {
  return `${DETECTION_LABEL[rc.type]} ${detectionName(rc, before, after)}`;
}

/** The periodic frequency of a rule: the scheduled source detail, else the rule's own. */
function sweepFrequency(rule: Record<string, unknown>): string | undefined {
  const scheduled = sourceDetails(rule).find((d) => d.message_type === MESSAGE_TYPE.scheduled);
  return str(scheduled?.maximum_execution_frequency) || str(rule.maximum_execution_frequency) || undefined;
}

function sourceDetails(rule: Record<string, unknown>): Record<string, unknown>[] {
  const details = block(rule.source).source_detail;
  return (Array.isArray(details) ? details : []).map(obj);
}

/** Config's ruleParameters (a JSON object of strings), or undefined when absent or unreadable. */
function parameters(text: unknown): Record<string, string> | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    const parsed = obj(JSON.parse(text));
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  } catch {
    return undefined;
  }
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

function show(value: string | undefined): string {
  return value === undefined || value === '' ? '(none)' : JSON.stringify(value);
}

function numberOf(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** One parameter's comparison: the flag and words when the new value is weaker, else nothing. */
type ParameterComparison = (was: string | undefined, now: string | undefined) => { code: FlagCode; what: string } | undefined;

const valuesAdded =
  (noun: string, emptyMeansAny: boolean): ParameterComparison =>
  (was, now) => {
    const [old, next] = [listOf(was), listOf(now)];
    if (emptyMeansAny && old.length > 0 && next.length === 0)
      return { code: 'detection-weakened', what: `${noun} ${show(was)} → (none): any now passes` };
    const added = next.filter((v) => !old.includes(v));
    if (added.length === 0 || (emptyMeansAny && old.length === 0)) return undefined;
    return { code: 'detection-weakened', what: `${noun} widened ${show(was)} → ${show(now)} (adds ${added.join(', ')})` };
  };

const changedAtAll =
  (code: FlagCode, noun: string, removalIsWeaker: boolean): ParameterComparison =>
  (was, now) => {
    if ((was ?? '') === (now ?? '')) return undefined;
    if (!removalIsWeaker && (now ?? '') === '') return undefined;
    return { code, what: `${noun} ${show(was)} → ${show(now)}` };
  };

const limitRaised =
  (code: FlagCode, noun: string, defaultValue: number | undefined, existing: boolean): ParameterComparison =>
  (was, now) => {
    const [old, next] = [numberOf(was) ?? defaultValue, numberOf(now) ?? defaultValue];
    if (existing && old === undefined) return undefined; // a limit that did not exist cannot be loosened
    if (next === undefined && old !== undefined) return { code, what: `${noun} ${old} → (none): no limit` };
    if (old !== undefined && next !== undefined && next > old) return { code, what: `${noun} raised ${old} → ${next}` };
    return undefined;
  };

/** How each rule parameter is compared; one missing here is compared as "changed" (high). */
const PARAMETER_COMPARISONS: Readonly<Record<RuleParameterName | typeof FRESHNESS_PARAMETER, ParameterComparison | null>> = {
  tagKey: changedAtAll('detection-weakened', 'approval tag key', true),
  tagValues: valuesAdded('approved tag values', false),
  trustedOwners: valuesAdded('trusted AMI owners', true),
  approvedImageIdsParameter: changedAtAll('detection-weakened', 'approved image ID parameter', false),
  exceptionTagKey: changedAtAll('detection-exceptions-widened', 'exception tag key', false),
  maxExceptionDays: limitRaised('detection-exceptions-widened', 'maxExceptionDays', DEFAULT_MAX_EXCEPTION_DAYS, false),
  exceptionTicketPattern: changedAtAll('detection-exceptions-widened', 'exception ticket pattern', true),
  // Who is told, not what is compliant.
  ownerTagKeys: null,
  [FRESHNESS_PARAMETER]: limitRaised('detection-weakened', FRESHNESS_PARAMETER, undefined, true),
  // Deprecated approved AMIs stop counting as stale.
  deprecatedImages: (was, now) =>
    now === 'ignore' && was !== 'ignore'
      ? { code: 'detection-weakened', what: `deprecatedImages ${show(was)} → "ignore"` }
      : undefined,
  // Which replacement is suggested, not what is compliant.
  familyTagKey: null,
  // Stale findings stop being acted on (they only notify).
  enforceFreshness: (was, now) =>
    was === 'true' && now !== 'true'
      ? { code: 'detection-weakened', what: `enforceFreshness ${show(was)} → ${show(now)}` }
      : undefined,
};

/** The parameters compared by meaning; `where` names the attribute they were read from. */
function parameterFlags(subject: string, address: string, where: string, wasText: unknown, nowText: unknown): RuleFlag[] {
  if (wasText === nowText) return [];
  const [old, now] = [parameters(wasText) ?? {}, parameters(nowText) ?? {}];
  const out: RuleFlag[] = [];
  for (const key of [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()) {
    if (old[key] === now[key]) continue;
    const compare = (PARAMETER_COMPARISONS as Record<string, ParameterComparison | null | undefined>)[key];
    if (compare === null) continue;
    const found = compare
      ? compare(old[key], now[key])
      : {
          code: 'detection-weakened' as const,
          what: `parameter ${key} ${show(old[key])} → ${show(now[key])} (not compared by the review: read it)`,
        };
    if (found) out.push(flag(found.code, address, `${subject}: ${where} ${found.what}`));
  }
  return out;
}

/** Deleted or replaced: nothing is checked while it is gone. */
function detectionRemoved(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (rc.type === 'aws_lambda_permission' && (str(after.principal) ?? str(before.principal)) !== 'config.amazonaws.com')
    return [];
  const subject = subjectOf(input);
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
  return [];
}

function recorderStatus(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind === 'update' && before.is_enabled === true && after.is_enabled === false)
    return [flag('detection-weakened', rc.address, `${subjectOf(input)}: recording switched off`)];
  return [];
}

function recorder(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind !== 'update') return [];
  const out: RuleFlag[] = [];
  const was = block(before.recording_group);
  const now = block(after.recording_group);
  if (was.all_supported === true && now.all_supported !== true)
    out.push(flag('detection-weakened', rc.address, `${subjectOf(input)} no longer records all supported resource types`));
  const dropped = strings(was.resource_types).filter((t) => !strings(now.resource_types).includes(t));
  if (dropped.length > 0 && now.all_supported !== true)
    out.push(flag('detection-weakened', rc.address, `${subjectOf(input)} no longer records ${dropped.join(', ')}`));
  return out;
}

/** The rule's triggers, sweep, source and scope. */
function ruleTriggers(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind !== 'update') return [];
  const subject = subjectOf(input);
  const out: RuleFlag[] = [];
  const [was, now] = [sweepFrequency(before), sweepFrequency(after)];
  if (was && now !== was && (now === undefined || FREQUENCY_ORDER.indexOf(now) > FREQUENCY_ORDER.indexOf(was)))
    out.push(flag('detection-weakened', rc.address, `${subject}: sweep frequency lowered ${was} → ${now ?? '(no sweep)'}`));
  const triggers = (rule: Record<string, unknown>) => new Set(sourceDetails(rule).map((d) => str(d.message_type) ?? '?'));
  const lostTriggers = [...triggers(before)].filter((t) => t !== MESSAGE_TYPE.scheduled && !triggers(after).has(t));
  if (lostTriggers.length > 0 && !unknownAfter(rc, 'source'))
    out.push(flag('detection-weakened', rc.address, `${subject} no longer triggered by ${lostTriggers.join(', ')}`));
  const [oldSource, newSource] = [block(before.source).source_identifier, block(after.source).source_identifier];
  if (oldSource !== newSource && !unknownAfter(rc, 'source'))
    out.push(flag('detection-weakened', rc.address, `${subject} now runs ${String(newSource)} instead of ${String(oldSource)}`));
  const types = (rule: Record<string, unknown>) => strings(block(rule.scope).compliance_resource_types);
  const lost = types(before).filter((t) => !types(after).includes(t));
  if (lost.length > 0) out.push(flag('detection-weakened', rc.address, `${subject} no longer evaluates ${lost.join(', ')}`));
  return out;
}

function ruleParameters(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind !== 'update' || before.input_parameters === after.input_parameters) return [];
  if (sensitive(rc, 'before', 'input_parameters') || sensitive(rc, 'after', 'input_parameters'))
    return [flag('detection-weakened', rc.address, `${subjectOf(input)}: parameters changed (sensitive values not shown)`)];
  return parameterFlags(subjectOf(input), rc.address, 'parameter', before.input_parameters, after.input_parameters);
}

/** The Lambda's copy of the parameters, which check mode (and so every stop or terminate) decides by. */
function functionParameters(input: RuleInput): RuleFlag[] {
  const { rc, kind, before, after } = input;
  if (kind !== 'update' && kind !== 'replace') return [];
  const variable = (f: Record<string, unknown>) => obj(block(f.environment).variables)[RULE_PARAMETERS_ENV];
  return parameterFlags(subjectOf(input), rc.address, `${RULE_PARAMETERS_ENV}`, variable(before), variable(after));
}

/** The detect layer's table. */
export const DETECT_RULES: readonly RuleEntry[] = [
  {
    types: Object.keys(DETECTION_LABEL),
    attribute: '(the resource)',
    comparison: 'deleted or replaced (a Lambda permission only when its principal is config.amazonaws.com)',
    flags: ['detection-weakened'],
    check: detectionRemoved,
  },
  {
    types: ['aws_config_configuration_recorder_status'],
    attribute: 'is_enabled',
    comparison: 'true → false',
    flags: ['detection-weakened'],
    check: recorderStatus,
  },
  {
    types: ['aws_config_configuration_recorder'],
    attribute: 'recording_group',
    comparison: 'all_supported lost, or a resource type dropped',
    flags: ['detection-weakened'],
    check: recorder,
  },
  {
    types: ['aws_config_config_rule'],
    attribute: 'source, scope, maximum_execution_frequency',
    comparison: 'a trigger removed, the sweep slowed, another source, a resource type no longer evaluated',
    flags: ['detection-weakened'],
    check: ruleTriggers,
  },
  {
    types: ['aws_config_config_rule'],
    attribute: 'input_parameters',
    comparison:
      'approval widened (values, owners, tag key, ID parameter), freshness loosened (high); exception limits raised (medium)',
    flags: ['detection-weakened', 'detection-exceptions-widened'],
    check: ruleParameters,
  },
  {
    types: ['aws_lambda_function'],
    attribute: `environment.variables.${RULE_PARAMETERS_ENV}`,
    comparison: 'as input_parameters',
    flags: ['detection-weakened', 'detection-exceptions-widened'],
    check: functionParameters,
  },
];
