/**
 * The review for machines. The shape is stable (documented in docs/review.md, pinned by a test):
 * `{ "stacks": [ { "stack", "counts": { create, update, delete, replace }, "flags": [ { severity, code, address, message } ] } ] }`.
 */
import { Flag } from './flags';
import { Counts, Review } from './review';

/** The JSON document `npm run review -- --format json` writes. */
export interface ReviewJson {
  readonly stacks: readonly {
    readonly stack: string;
    readonly counts: Counts;
    readonly flags: readonly Flag[];
  }[];
}

/** The stable JSON shape: only the documented fields, in a fixed order. */
function toReviewJson(review: Review): ReviewJson {
  return {
    stacks: review.stacks.map((r) => ({
      stack: r.stack,
      counts: { create: r.counts.create, update: r.counts.update, delete: r.counts.delete, replace: r.counts.replace },
      flags: r.flags.map((f) => ({ severity: f.severity, code: f.code, address: f.address, message: f.message })),
    })),
  };
}

/** Renders the review as indented JSON with a final newline. */
export function renderJson(review: Review): string {
  return `${JSON.stringify(toReviewJson(review), null, 2)}\n`;
}
