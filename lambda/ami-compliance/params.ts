/**
 * Rule parameters: AWS Config passes `ruleParameters` as a JSON object of strings.
 * Parsed once, validated strictly: a typo must fail loudly, not evaluate with a default.
 */
import {
  DEPRECATED_IMAGES,
  MAX_EXCEPTION_DAYS_LIMIT,
  MAX_IMAGE_AGE_DAYS_LIMIT,
  OWNER_PATTERN,
  RULE_PARAMETER_NAMES,
  tagKeyProblem,
  tagValueProblem,
  ticketPatternProblem,
  type DeprecatedImages,
  type RuleParameterName,
  type RuleParameters,
} from './contract';

export type { RuleParameters } from './contract';

/** A rule parameter is missing or invalid; the message names it, the bad value and the fix. */
export class RuleParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleParameterError';
  }
}

const KEYS = RULE_PARAMETER_NAMES;
type Key = RuleParameterName;

const SSM_NAME = /^\/?[\w.-]+(\/[\w.-]+)*$/;

/**
 * Parses Config's `ruleParameters` string (or an already-parsed object) into {@link RuleParameters}.
 * An empty string for an optional parameter means "not set"; unknown keys are errors.
 * @throws RuleParameterError naming the parameter, the bad value and the fix
 */
export function parseRuleParameters(raw: string | Record<string, unknown> | undefined): RuleParameters {
  let input: unknown = raw;
  if (typeof raw === 'string') {
    try {
      input = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      throw new RuleParameterError(
        `ruleParameters is not valid JSON: ${clip(
          raw,
        )}. Fix: pass a JSON object of strings, e.g. {"tagKey":"Environment","tagValues":"Prod"}.`,
      );
    }
  }
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new RuleParameterError(`ruleParameters must be a JSON object of strings, got ${clip(JSON.stringify(input))}.`);
  }
  const values = input as Record<string, unknown>;
  for (const [key, value] of Object.entries(values)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw new RuleParameterError(`Unknown rule parameter ${key}. Fix: remove it, or use one of ${KEYS.join(', ')}.`);
    }
    if (typeof value !== 'string') {
      throw new RuleParameterError(
        `Rule parameter ${key} must be a string, got ${clip(
          JSON.stringify(value),
        )}. Fix: Config passes strings, e.g. "Prod,Staging" for lists.`,
      );
    }
  }
  // Tag keys and values are taken exactly as written (IAM compares them so); other values are trimmed.
  const exact = (key: Key): string | undefined => {
    const value = values[key] as string | undefined;
    return value === '' ? undefined : value;
  };
  const get = (key: Key): string | undefined => {
    const value = (values[key] as string | undefined)?.trim();
    return value === '' ? undefined : value;
  };

  const tagKey = exact('tagKey');
  if (tagKey === undefined) {
    throw new RuleParameterError(
      'Rule parameter tagKey is required. Fix: set it to the AMI tag that marks approval, e.g. "Environment".',
    );
  }
  checkTag('tagKey', tagKey, tagKeyProblem);

  const tagValues = list('tagValues', exact('tagValues'));
  if (tagValues === undefined) {
    throw new RuleParameterError(
      'Rule parameter tagValues is required. Fix: set it to the approved values, comma-separated, e.g. "Prod".',
    );
  }
  for (const value of tagValues) checkTag('tagValues', value, tagValueProblem);

  const trustedOwners = list('trustedOwners', get('trustedOwners'))?.map((owner) => owner.trim());
  for (const owner of trustedOwners ?? []) {
    check('trustedOwners', owner, OWNER_PATTERN, '12-digit account IDs or "amazon", comma-separated, e.g. "111122223333,amazon"');
  }

  const approvedImageIdsParameter = get('approvedImageIdsParameter');
  if (approvedImageIdsParameter !== undefined) {
    check(
      'approvedImageIdsParameter',
      approvedImageIdsParameter,
      SSM_NAME,
      'an SSM parameter name such as "/ami-guard/approved-image-ids"',
    );
    if (approvedImageIdsParameter.length > 1011) {
      throw new RuleParameterError(
        'Rule parameter approvedImageIdsParameter is longer than 1011 characters. Fix: use a shorter SSM name.',
      );
    }
  }

  const exceptionTagKey = exact('exceptionTagKey');
  if (exceptionTagKey !== undefined) checkTag('exceptionTagKey', exceptionTagKey, tagKeyProblem);

  const days = get('maxExceptionDays');
  const maxExceptionDays = days === undefined ? undefined : Number(days);
  if (days !== undefined && (!/^\d+$/.test(days) || maxExceptionDays! < 1 || maxExceptionDays! > MAX_EXCEPTION_DAYS_LIMIT)) {
    throw new RuleParameterError(
      `Rule parameter maxExceptionDays has invalid value ${clip(JSON.stringify(days))}. ` +
        `Fix: a whole number of days from 1 to ${MAX_EXCEPTION_DAYS_LIMIT}, e.g. "90".`,
    );
  }

  const exceptionTicketPattern = get('exceptionTicketPattern');
  const patternProblem = exceptionTicketPattern === undefined ? undefined : ticketPatternProblem(exceptionTicketPattern);
  if (patternProblem) {
    throw new RuleParameterError(
      `Rule parameter exceptionTicketPattern ${clip(JSON.stringify(exceptionTicketPattern))} ${patternProblem}.`,
    );
  }

  const ownerTagKeys = list('ownerTagKeys', exact('ownerTagKeys'));
  for (const key of ownerTagKeys ?? []) checkTag('ownerTagKeys', key, tagKeyProblem);

  const age = get('maxImageAgeDays');
  const maxImageAgeDays = age === undefined ? undefined : Number(age);
  if (age !== undefined && (!/^\d+$/.test(age) || maxImageAgeDays! < 1 || maxImageAgeDays! > MAX_IMAGE_AGE_DAYS_LIMIT)) {
    throw new RuleParameterError(
      `Rule parameter maxImageAgeDays has invalid value ${clip(JSON.stringify(age))}. ` +
        `Fix: a whole number of days from 1 to ${MAX_IMAGE_AGE_DAYS_LIMIT}, e.g. "180".`,
    );
  }

  const deprecated = get('deprecatedImages');
  if (deprecated !== undefined && !(DEPRECATED_IMAGES as readonly string[]).includes(deprecated)) {
    throw new RuleParameterError(
      `Rule parameter deprecatedImages has invalid value ${clip(JSON.stringify(deprecated))}. Fix: one of ${DEPRECATED_IMAGES.join(', ')}.`,
    );
  }

  const familyTagKey = exact('familyTagKey');
  if (familyTagKey !== undefined) checkTag('familyTagKey', familyTagKey, tagKeyProblem);

  const enforce = get('enforceFreshness');
  if (enforce !== undefined && enforce !== 'true' && enforce !== 'false') {
    throw new RuleParameterError(
      `Rule parameter enforceFreshness has invalid value ${clip(JSON.stringify(enforce))}. Fix: "true" or "false".`,
    );
  }

  return {
    tagKey,
    tagValues,
    trustedOwners,
    approvedImageIdsParameter,
    exceptionTagKey,
    maxExceptionDays,
    exceptionTicketPattern,
    ownerTagKeys,
    maxImageAgeDays,
    deprecatedImages: deprecated as DeprecatedImages | undefined,
    familyTagKey,
    enforceFreshness: enforce === undefined ? undefined : enforce === 'true',
  };
}

/** Splits a comma-separated parameter as written; an empty entry is an error (a stray comma hides a typo). */
function list(key: Key, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',');
  const empty = items.findIndex((item) => item.trim() === '');
  if (empty >= 0) {
    throw new RuleParameterError(
      `Rule parameter ${key} has an empty entry at position ${empty + 1} in ${clip(
        JSON.stringify(value),
      )}. Fix: remove the stray comma.`,
    );
  }
  return items;
}

function check(key: Key, value: string, pattern: RegExp, expected: string): void {
  if (!pattern.test(value)) {
    throw new RuleParameterError(
      `Rule parameter ${key} has invalid value ${clip(JSON.stringify(value))}. Fix: expected ${expected}.`,
    );
  }
}

/** Tag keys and values: the contract's one notion of a tag, so the parameters mean what IAM enforces. */
function checkTag(key: Key, value: string, problem: (text: string) => string | undefined): void {
  const why = problem(value);
  if (why !== undefined)
    throw new RuleParameterError(`Rule parameter ${key} has invalid value ${clip(JSON.stringify(value))}: it ${why}.`);
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
