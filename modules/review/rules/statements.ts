/**
 * The one "statements loosened" comparison that IAM policies (the launch policy, the tag guard, the
 * remediation role) and SCPs share: the loosenings of ../policy-diff.ts in words, with every newly
 * exempt principal named, and any wildcard principal critical whatever the condition operator.
 */
import { Condition, Loosening, loosenings, parsePolicy } from '../policy-diff';
import { flag, FlagCode, RuleFlag, dedupe } from './rule';

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

/** Condition keys that name the calling principal: a value added under a negated operator exempts it. */
const PRINCIPAL_KEYS = /^aws:(PrincipalArn|userid|username|PrincipalAccount|PrincipalOrgID)$/i;

/**
 * A principal pattern that matches principals nobody listed: a wildcard in the principal's own name
 * (`role/*`, `role/ci-?`), or `*` alone. A `*` in the account field only (`arn:aws:iam::*:role/x`)
 * names one role in every account, as organization SCPs do, and is not counted as a wildcard.
 */
function isWildcardPrincipal(principal: string): boolean {
  if (principal === '*' || !principal.startsWith('arn:')) return /[*?]/.test(principal);
  const resource = principal.split(':').slice(5).join(':');
  return /[*?]/.test(resource);
}

function negated(c: Condition): boolean {
  return /Not/.test(c.operator.replace(/^(ForAnyValue|ForAllValues):/, ''));
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
      if (PRINCIPAL_KEYS.test(l.condition.key)) return l.values.map((v) => `${subject}: ${where} now also exempts ${v}`);
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

/** How the exempt principals of a policy are named in messages (`tagger principal`, `exempt principal`). */
export interface LoosenedOptions {
  /** Word for a principal a negated principal condition now lets through. @default 'exempt principal' */
  readonly principalNoun?: string;
}

/** Loosenings as flags of `code`; a principal now exempt is named, a wildcard one is critical. */
function looseningFlags(
  code: FlagCode,
  subject: string,
  address: string,
  items: readonly Loosening[],
  options: LoosenedOptions = {},
): RuleFlag[] {
  const noun = options.principalNoun ?? 'exempt principal';
  const out: RuleFlag[] = [];
  for (const l of items) {
    if (l.kind === 'condition-values' && PRINCIPAL_KEYS.test(l.condition.key) && negated(l.condition)) {
      for (const principal of l.values) {
        const wildcard = isWildcardPrincipal(principal);
        out.push(
          flag(
            code,
            address,
            `${subject}: ${noun} ${principal} added${wildcard ? ' (a wildcard: every matching principal is let through)' : ''}`,
            wildcard ? { severity: 'critical' } : {},
          ),
        );
      }
      continue;
    }
    for (const message of describeLoosening(subject, l)) out.push(flag(code, address, message));
  }
  return dedupe(out);
}

/**
 * The shared comparison: the documents before and after, statement by statement. An unreadable or
 * not-yet-known document is itself flagged (`policy-unreadable`), never passed over.
 */
export function statementsLoosened(
  code: FlagCode,
  subject: string,
  address: string,
  before: unknown,
  after: unknown,
  options: LoosenedOptions & { readonly afterUnknown?: boolean } = {},
): RuleFlag[] {
  if (typeof after !== 'string') {
    return options.afterUnknown
      ? [flag('policy-unreadable', address, `${subject}: the new document is known only after apply; read it before approving`)]
      : [];
  }
  let items: Loosening[];
  try {
    items = loosenings(parsePolicy(typeof before === 'string' ? before : '{}'), parsePolicy(after));
  } catch (err) {
    return [flag('policy-unreadable', address, `${subject}: ${(err as Error).message}; compare the documents by hand`)];
  }
  return looseningFlags(code, subject, address, items, options);
}
