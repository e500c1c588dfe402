/** Owner attribution from instance tags, as a pure function shared by the rule and the check mode. */

/** Who owns an instance, by its tags. */
export interface Ownership {
  /** The first of the owner tag keys the instance carries, or null. */
  readonly owner: string | null;
  /** The value of the last owner tag key (the broadest, e.g. `Team`), or null: what routes match. */
  readonly team: string | null;
}

/**
 * Reads the owner from `keys`, most specific first. With `["Owner", "Team"]`, an instance tagged
 * `Owner=alice@example.org, Team=payments` is owned by alice of team payments; one tagged only
 * `Team=payments` is owned by the team. Empty values count as absent.
 */
export function ownerOf(tags: Readonly<Record<string, string>>, keys: readonly string[] | undefined): Ownership {
  const value = (key: string): string | null => {
    const v = tags[key]?.trim();
    return v ? v : null;
  };
  if (!keys || keys.length === 0) return { owner: null, team: null };
  const owner = keys.map(value).find((v) => v !== null) ?? null;
  return { owner, team: value(keys[keys.length - 1]) };
}

/** The owner as a sentence fragment: `alice@example.org (team payments)`, `team payments`, or `unknown`. */
export function describeOwner({ owner, team }: Ownership): string {
  if (owner === null) return 'unknown';
  return team !== null && team !== owner ? `${owner} (team ${team})` : owner === team ? `team ${team}` : owner;
}
