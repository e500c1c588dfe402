/**
 * IAM policy documents compared statement by statement: what a new version lets through that the
 * old one did not. Pure; knows IAM semantics (allow vs deny, positive vs negated condition
 * operators, wildcards), nothing about AMI Guard.
 */

/** One condition of a statement: operator, key and its values, e.g. StringEquals ec2:Owner ["111111111111"]. */
export interface Condition {
  /** As written, e.g. `ForAnyValue:StringEqualsIgnoreCase`. */
  readonly operator: string;
  /** As written, e.g. `ec2:ResourceTag/Environment` (compared ignoring case, as IAM does). */
  readonly key: string;
  readonly values: readonly string[];
}

/** A statement with every list-or-string field as a list. */
export interface Statement {
  /** The Sid, or `statement <n>` (1-based) when it has none. */
  readonly label: string;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** Principal and NotPrincipal as canonical JSON (resource policies only). */
  readonly principals: string;
  readonly conditions: readonly Condition[];
}

/** A policy string that cannot be read as an IAM policy. */
export class PolicyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyParseError';
  }
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** Parses a policy document (the JSON string Terraform holds) into statements. */
export function parsePolicy(text: string): Statement[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PolicyParseError(`policy is not JSON (${(err as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new PolicyParseError('policy is not a JSON object');
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return statements.map((s, i) => {
    if (!s || typeof s !== 'object') throw new PolicyParseError(`statement ${i + 1} is not an object`);
    const st = s as Record<string, unknown>;
    if (st.Effect !== 'Allow' && st.Effect !== 'Deny')
      throw new PolicyParseError(`statement ${i + 1} has Effect ${JSON.stringify(st.Effect)}, expected "Allow" or "Deny"`);
    const conditions: Condition[] = [];
    for (const [operator, keys] of Object.entries((st.Condition as Record<string, unknown>) ?? {})) {
      for (const [key, values] of Object.entries((keys as Record<string, unknown>) ?? {}))
        conditions.push({ operator, key, values: list(values) });
    }
    const sid = typeof st.Sid === 'string' && st.Sid !== '' ? st.Sid : undefined;
    return {
      label: sid ?? `statement ${i + 1}`,
      sid,
      effect: st.Effect,
      actions: list(st.Action),
      notActions: list(st.NotAction),
      resources: list(st.Resource),
      notResources: list(st.NotResource),
      principals: canonical({ Principal: st.Principal ?? null, NotPrincipal: st.NotPrincipal ?? null }),
      conditions,
    };
  });
}

/** IAM wildcard match (`*` any run, `?` one character); the value's own wildcards are literal characters. */
export function wildcardMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

/** Entries of `items` that no pattern of `patterns` covers. */
function uncovered(items: readonly string[], patterns: readonly string[], ignoreCase: boolean): string[] {
  return items.filter((item) => !patterns.some((p) => wildcardMatches(p, item, ignoreCase)));
}

/** How an operator's values limit the requests it matches. */
type Polarity = 'positive' | 'negated' | 'unordered';

/** Polarity of a condition operator: set qualifiers and `IfExists` do not change it. */
export function polarityOf(operator: string): Polarity {
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/, '').replace(/IfExists$/, '');
  if (/^(String|Arn|Binary)(Equals|Like)(IgnoreCase)?$/.test(base) || base === 'IpAddress') return 'positive';
  if (/^(String|Arn)Not(Equals|Like)(IgnoreCase)?$/.test(base) || base === 'NotIpAddress') return 'negated';
  return 'unordered'; // Numeric*, Date*, Bool, Null: a changed value cannot be ranked as looser or stricter
}

/** Something a new policy version lets through that the old one did not. */
export type Loosening =
  /** A deny statement is gone. */
  | { readonly kind: 'statement-removed'; readonly statement: Statement }
  /** A new allow statement. */
  | { readonly kind: 'statement-added'; readonly statement: Statement }
  /** Allow: actions now allowed; Deny: actions no longer denied. */
  | { readonly kind: 'actions'; readonly statement: Statement; readonly actions: readonly string[] }
  /** Allow: resources now covered; Deny: resources no longer denied on. */
  | { readonly kind: 'resources'; readonly statement: Statement; readonly resources: readonly string[] }
  /** Requests whose `key` has one of these values now pass where they did not. */
  | {
      readonly kind: 'condition-values';
      readonly statement: Statement;
      readonly condition: Condition;
      readonly values: readonly string[];
    }
  /** Allow: a condition the allow required is gone. */
  | { readonly kind: 'condition-removed'; readonly statement: Statement; readonly condition: Condition }
  /** Deny: a new condition, so the deny applies to fewer requests. */
  | { readonly kind: 'condition-added'; readonly statement: Statement; readonly condition: Condition }
  /** A condition of an operator without order (Bool, Null, Numeric, Date) changed value. */
  | {
      readonly kind: 'condition-changed';
      readonly statement: Statement;
      readonly condition: Condition;
      readonly before: readonly string[];
    }
  /** NotAction, NotResource or Principal changed: not ranked, reported for a person to judge. */
  | { readonly kind: 'other'; readonly statement: Statement; readonly detail: string };

function conditionId(c: Condition): string {
  return `${c.operator}\u0000${c.key.toLowerCase()}`;
}

function sameSet(a: readonly string[], b: readonly string[], ignoreCase: boolean): boolean {
  const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => (ignoreCase ? x.toLowerCase() : x)))].sort().join('\u0000');
  return norm(a) === norm(b);
}

function comparePair(before: Statement, after: Statement): Loosening[] {
  const out: Loosening[] = [];
  const allow = after.effect === 'Allow';
  // For an allow, what the new statement grants beyond the old; for a deny, what the old denied that the new does not.
  const [wider, narrower] = allow ? [after, before] : [before, after];
  const actions = uncovered(wider.actions, narrower.actions, true);
  if (actions.length > 0) out.push({ kind: 'actions', statement: after, actions });
  const resources = uncovered(wider.resources, narrower.resources, false);
  if (resources.length > 0) out.push({ kind: 'resources', statement: after, resources });
  if (!sameSet(before.notActions, after.notActions, true))
    out.push({
      kind: 'other',
      statement: after,
      detail: `NotAction changed from ${JSON.stringify(before.notActions)} to ${JSON.stringify(after.notActions)}`,
    });
  if (!sameSet(before.notResources, after.notResources, false))
    out.push({
      kind: 'other',
      statement: after,
      detail: `NotResource changed from ${JSON.stringify(before.notResources)} to ${JSON.stringify(after.notResources)}`,
    });
  if (before.principals !== after.principals)
    out.push({ kind: 'other', statement: after, detail: `principal changed from ${before.principals} to ${after.principals}` });

  const afterConditions = new Map(after.conditions.map((c) => [conditionId(c), c]));
  const beforeConditions = new Map(before.conditions.map((c) => [conditionId(c), c]));
  for (const [id, old] of beforeConditions) {
    const now = afterConditions.get(id);
    if (!now) {
      // Dropping a condition widens an allow; it makes a deny apply to more requests (stricter).
      if (allow) out.push({ kind: 'condition-removed', statement: after, condition: old });
      continue;
    }
    const polarity = polarityOf(now.operator);
    if (polarity === 'unordered') {
      if (!sameSet(old.values, now.values, false))
        out.push({ kind: 'condition-changed', statement: after, condition: now, before: old.values });
      continue;
    }
    // Values that let more requests through: added to a positive allow or a negated deny, removed otherwise.
    const gainsPass = (allow && polarity === 'positive') || (!allow && polarity === 'negated');
    const values = gainsPass
      ? now.values.filter((v) => !old.values.includes(v))
      : old.values.filter((v) => !now.values.includes(v));
    if (values.length > 0) out.push({ kind: 'condition-values', statement: after, condition: now, values });
  }
  if (!allow) {
    for (const [id, added] of afterConditions)
      if (!beforeConditions.has(id)) out.push({ kind: 'condition-added', statement: after, condition: added });
  }
  return out;
}

function actionsKey(s: Statement): string {
  return `${s.effect}\u0000${[...new Set(s.actions.map((a) => a.toLowerCase()))].sort().join(',')}`;
}

function statementKey(s: Statement): string {
  return canonical({ ...s, label: undefined, sid: undefined });
}

/**
 * Pairs the statements of two versions (by Sid, then identical content, then same effect and
 * actions) and returns what the new version lets through that the old did not. An unpaired old deny
 * counts as removed only when no new deny covers it. Statements that
 * only narrow (a removed allow, an added deny, an added allow condition) yield nothing.
 */
export function loosenings(before: readonly Statement[], after: readonly Statement[]): Loosening[] {
  const pairs: [Statement, Statement][] = [];
  const oldLeft = [...before];
  const newLeft = [...after];
  const take = (match: (o: Statement, n: Statement) => boolean) => {
    for (const o of [...oldLeft]) {
      const n = newLeft.find((candidate) => match(o, candidate));
      if (!n) continue;
      pairs.push([o, n]);
      oldLeft.splice(oldLeft.indexOf(o), 1);
      newLeft.splice(newLeft.indexOf(n), 1);
    }
  };
  take((o, n) => o.sid !== undefined && o.sid === n.sid && o.effect === n.effect);
  take((o, n) => statementKey(o) === statementKey(n));
  take((o, n) => o.sid === undefined && n.sid === undefined && actionsKey(o) === actionsKey(n));

  const out: Loosening[] = [];
  for (const [o, n] of pairs) out.push(...comparePair(o, n));
  // A deny renamed or merged into a wider one (more actions, the same conditions) is not removed:
  // some new deny denies everything it did.
  const covered = (o: Statement) => after.some((n) => n.effect === 'Deny' && comparePair(o, n).length === 0);
  for (const o of oldLeft) if (o.effect === 'Deny' && !covered(o)) out.push({ kind: 'statement-removed', statement: o });
  for (const n of newLeft) if (n.effect === 'Allow') out.push({ kind: 'statement-added', statement: n });
  return out;
}
