/**
 * Rule parameters: AWS Config passes `ruleParameters` as a JSON object of strings.
 * Parsed once, validated strictly: a typo must fail loudly, not evaluate with a default.
 */
import {
  OWNER_PATTERN,
  RULE_PARAMETER_NAMES,
  TAG_KEY_PATTERN,
  TAG_VALUE_PATTERN,
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
  const get = (key: Key): string | undefined => {
    const value = (values[key] as string | undefined)?.trim();
    return value === '' ? undefined : value;
  };

  const tagKey = get('tagKey');
  if (tagKey === undefined) {
    throw new RuleParameterError(
      'Rule parameter tagKey is required. Fix: set it to the AMI tag that marks approval, e.g. "Environment".',
    );
  }
  check('tagKey', tagKey, TAG_KEY_PATTERN, 'a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with "aws:"');

  const tagValues = list('tagValues', get('tagValues'));
  if (tagValues === undefined) {
    throw new RuleParameterError(
      'Rule parameter tagValues is required. Fix: set it to the approved values, comma-separated, e.g. "Prod".',
    );
  }
  for (const value of tagValues)
    check('tagValues', value, TAG_VALUE_PATTERN, 'tag values of 1-256 letters, digits, spaces or _.:/=+-@');

  const trustedOwners = list('trustedOwners', get('trustedOwners'));
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

  const exceptionTagKey = get('exceptionTagKey');
  if (exceptionTagKey !== undefined) {
    check('exceptionTagKey', exceptionTagKey, TAG_KEY_PATTERN, 'a tag key such as "AmiGuardException"');
  }

  const ownerTagKeys = list('ownerTagKeys', get('ownerTagKeys'));
  for (const key of ownerTagKeys ?? []) {
    check('ownerTagKeys', key, TAG_KEY_PATTERN, 'tag keys, comma-separated, e.g. "Owner,Team"');
  }

  return { tagKey, tagValues, trustedOwners, approvedImageIdsParameter, exceptionTagKey, ownerTagKeys };
}

/** Splits a comma-separated parameter, trimming entries; an empty entry is an error (a stray comma hides a typo). */
function list(key: Key, value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((item) => item.trim());
  const empty = items.indexOf('');
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

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
