/**
 * What every adapter shares: the error code of an AWS SDK error, EC2 tag lists as maps, and the
 * NextToken bookkeeping that turns a looping pagination into an error.
 */
import type { Tag } from '@aws-sdk/client-ec2';

/** Remembers the NextTokens of one paged call, so a token seen before is an error instead of an endless loop. */
export class PageTokens {
  private readonly seen = new Set<string>();

  constructor(private readonly call: string) {}

  /** Returns the token to ask for next (`undefined` when done). @throws when the token came before */
  next(token: string | undefined): string | undefined {
    if (token === undefined || token === '') return undefined;
    if (this.seen.has(token)) {
      throw new Error(
        `${this.call} returned the NextToken ${JSON.stringify(token.slice(0, 40))} a second time, after ${this.seen.size} page(s): ` +
          'the pagination loops, so the sweep stops here instead of running until the Lambda times out.',
      );
    }
    this.seen.add(token);
    return token;
  }
}

/** The error code of an AWS SDK error (`name`, or `Code` on older shapes). */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { name, Code } = err as { name?: unknown; Code?: unknown };
  return typeof Code === 'string' ? Code : typeof name === 'string' ? name : undefined;
}

/** EC2 tags as a map of key to value (a tag without a value maps to the empty string). */
export function tagMap(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));
}
