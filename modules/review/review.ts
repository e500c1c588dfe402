/**
 * The review of a set of plans: per stack, what Terraform will do (counts, resources) and the risk
 * flags. Pure: plans in, a review out; the renderers turn it into a comment or JSON.
 */
import { Flag, flagPlan, ReviewContext, Severity, SEVERITIES } from './flags';
import { changeKind, managedChanges, TerraformPlan } from './plan';

/** How many resources each kind of change touches; a replace counts once, as `replace`. */
export interface Counts {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
  readonly replace: number;
}

/** One resource the plan touches. */
export interface ResourceLine {
  readonly address: string;
  readonly action: 'create' | 'update' | 'delete' | 'replace' | 'forget';
}

/** The review of one stack's plan. */
export interface StackReview {
  readonly stack: string;
  readonly counts: Counts;
  /** Most severe first. */
  readonly flags: readonly Flag[];
  /** Every managed resource the plan touches, by address. */
  readonly resources: readonly ResourceLine[];
}

/** The review of every stack, in the order given. */
export interface Review {
  readonly stacks: readonly StackReview[];
}

/** A stack's plan, named. */
export interface NamedPlan {
  readonly stack: string;
  readonly plan: TerraformPlan;
}

/** Reviews one stack's plan. */
export function reviewStack(stack: string, plan: TerraformPlan, context: ReviewContext = {}): StackReview {
  const counts = { create: 0, update: 0, delete: 0, replace: 0 };
  const resources: ResourceLine[] = [];
  for (const rc of managedChanges(plan)) {
    const kind = changeKind(rc.change.actions);
    if (kind === 'no-op') continue;
    if (kind !== 'forget') counts[kind]++;
    resources.push({ address: rc.address, action: kind });
  }
  resources.sort((a, b) => a.address.localeCompare(b.address));
  return { stack, counts, flags: flagPlan(stack, plan, context), resources };
}

/** Reviews every plan. */
export function reviewPlans(plans: readonly NamedPlan[], context: ReviewContext = {}): Review {
  return { stacks: plans.map((p) => reviewStack(p.stack, p.plan, context)) };
}

/** The most severe flag of a stack, or undefined without flags. */
export function highestSeverity(flags: readonly Flag[]): Severity | undefined {
  return SEVERITIES.find((s) => flags.some((f) => f.severity === s));
}

/** True when `severity` is at least as severe as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}

/** True when the plan changes nothing. */
export function isUnchanged(review: StackReview): boolean {
  return review.resources.length === 0;
}
