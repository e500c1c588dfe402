/**
 * The plan JSON that `terraform show -json <planfile>` writes, read and checked. Pure: text in, a
 * typed plan (or a PlanError naming the file and the problem) out.
 */

/** The plan format this reader understands: 1.x (Terraform 1.0 and later); a major change breaks it. */
const SUPPORTED_FORMAT = /^1\.\d+$/;

/** One entry of `resource_changes[]` (the fields the review reads). */
export interface ResourceChange {
  /** e.g. `aws_iam_policy.launch-policy_A5F9E58B` */
  readonly address: string;
  readonly mode: 'managed' | 'data';
  /** e.g. `aws_iam_policy` */
  readonly type: string;
  readonly name: string;
  readonly change: {
    /** `["no-op"]`, `["create"]`, `["update"]`, `["delete"]`, `["delete","create"]`, `["create","delete"]`, `["read"]`, `["forget"]` */
    readonly actions: readonly string[];
    readonly before: unknown;
    readonly after: unknown;
    /** Attributes known only after apply: `true` at their path. */
    readonly after_unknown?: unknown;
    readonly before_sensitive?: unknown;
    readonly after_sensitive?: unknown;
    /** Attribute paths that force the replacement. */
    readonly replace_paths?: readonly (readonly (string | number)[])[];
  };
  /** Why Terraform replaces or deletes, e.g. `replace_because_cannot_update`. */
  readonly action_reason?: string;
}

/** A resource of `configuration.root_module.resources[]`: what each argument refers to. */
export interface ConfigResource {
  readonly address: string;
  readonly type: string;
  readonly expressions?: Record<string, { readonly references?: readonly string[]; readonly constant_value?: unknown }>;
}

/** A Terraform plan in JSON (the fields the review reads). */
export interface TerraformPlan {
  readonly format_version: string;
  readonly terraform_version?: string;
  readonly resource_changes: readonly ResourceChange[];
  /** The state the plan was made against; absent when the stack has no state yet. */
  readonly prior_state?: { readonly values?: { readonly root_module?: { readonly resources?: readonly unknown[] } } };
  readonly configuration?: { readonly root_module?: { readonly resources?: readonly ConfigResource[] } };
}

/** A file that is not a plan this review can read; the message is one line naming the file. */
export class PlanError extends Error {
  constructor(
    /** The file (or source name) that was read. */
    readonly source: string,
    /** What is wrong with it, and the fix. */
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'PlanError';
  }
}

const HOW = 'expected the output of `terraform show -json <planfile>`';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** Checks one `resource_changes[]` entry; returns the problem, if any. */
function resourceChangeProblem(rc: unknown, i: number): string | undefined {
  if (!isObject(rc)) return `resource_changes[${i}] is ${kindOf(rc)}, not an object`;
  if (typeof rc.address !== 'string' || typeof rc.type !== 'string') return `resource_changes[${i}] has no address or type`;
  const change = rc.change;
  if (!isObject(change) || !Array.isArray(change.actions) || change.actions.some((a) => typeof a !== 'string'))
    return `resource_changes[${i}] (${rc.address}) has no change.actions list`;
  return undefined;
}

/**
 * Parses the text of `terraform show -json <planfile>`. Throws a PlanError for text that is not
 * JSON, JSON that is not a plan (a state, a config), a plan of another format version, or a plan
 * whose resource changes are malformed.
 */
export function parsePlan(text: string, source: string): TerraformPlan {
  if (text.trim() === '') throw new PlanError(source, `is empty; ${HOW}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PlanError(source, `is not JSON (${(err as Error).message}); ${HOW}`);
  }
  if (!isObject(json)) throw new PlanError(source, `is not a Terraform plan but ${kindOf(json)}; ${HOW}`);
  const version = json.format_version;
  if (typeof version !== 'string') throw new PlanError(source, `is not a Terraform plan (no format_version); ${HOW}`);
  if (!('resource_changes' in json) && !('planned_values' in json)) {
    if ('values' in json)
      throw new PlanError(
        source,
        'is Terraform state, not a plan: run `terraform plan -out tfplan`, then `terraform show -json tfplan`',
      );
    throw new PlanError(source, `is not a Terraform plan (no planned_values or resource_changes); ${HOW}`);
  }
  if (!SUPPORTED_FORMAT.test(version))
    throw new PlanError(
      source,
      `has plan format_version "${version}", but the review reads format 1.x (Terraform 1.0 or later): re-create it with \`terraform show -json\` of Terraform >= 1.0`,
    );
  if (json.errored === true)
    throw new PlanError(source, 'is the plan of a failed `terraform plan` (errored: true): fix the errors it reported first');
  const changes = json.resource_changes ?? [];
  if (!Array.isArray(changes)) throw new PlanError(source, `resource_changes is ${kindOf(changes)}, not a list`);
  changes.forEach((rc, i) => {
    const problem = resourceChangeProblem(rc, i);
    if (problem) throw new PlanError(source, problem);
  });
  return { ...(json as unknown as TerraformPlan), resource_changes: changes as ResourceChange[] };
}

/** What happens to a resource, in the four words of the review's counts (plus no-op and forget). */
export type ChangeKind = 'create' | 'update' | 'delete' | 'replace' | 'forget' | 'no-op';

/** The kind of a change from Terraform's action list; data-source reads are `no-op`. */
export function changeKind(actions: readonly string[]): ChangeKind {
  const set = new Set(actions);
  if (set.has('delete') && set.has('create')) return 'replace';
  if (set.has('create')) return 'create';
  if (set.has('delete')) return 'delete';
  if (set.has('update')) return 'update';
  if (set.has('forget')) return 'forget';
  return 'no-op';
}

/** Managed resources the plan touches, i.e. neither no-op nor a data-source read. */
export function managedChanges(plan: TerraformPlan): ResourceChange[] {
  return plan.resource_changes.filter((rc) => rc.mode !== 'data' && changeKind(rc.change.actions) !== 'no-op');
}

/** True when the plan was made against an empty (or missing) state. */
export function startsFromEmptyState(plan: TerraformPlan): boolean {
  return (plan.prior_state?.values?.root_module?.resources ?? []).filter((r) => isObject(r) && r.mode !== 'data').length === 0;
}
