/**
 * Risk flags: what a plan does to the defences, computed from `resource_changes[]` alone (actions,
 * before, after, after_unknown), so a hand edit or an `addOverride` is caught as surely as a config
 * change. The rules are tables per layer in ./rules/; this runner applies the rows for each change's
 * type, turns a row that throws into a "could not evaluate" flag instead of a crash (as cdk-nag
 * does), and flags what no row explained by its action alone.
 */
import { changeKind, ChangeKind, ResourceChange, startsFromEmptyState, TerraformPlan } from './plan';
import { RULE_TABLES } from './rules';
import { hasGuard, ATTACHMENT_PRINCIPAL } from './rules/prevent';
import { flag, Flag, obj, PlanIndex, replaceReason, RuleFlag, RuleInput, SEVERITIES, str } from './rules/rule';
import { isStateBackendStack } from './rules/state';
import { SCP_TYPE } from './rules/organization';

export { FLAG_CODES, SEVERITIES } from './rules/rule';
export type { Flag, Severity } from './rules/rule';
export { describeLoosening } from './rules/statements';

/** What the rules may know besides the plan. */
export interface ReviewContext {
  /**
   * Stacks that are deployed already (e.g. the stacks of the base branch). A listed stack whose plan
   * starts from an empty state has lost its state or moved its backend key. @default unknown
   */
  readonly existingStacks?: ReadonlySet<string>;
}

/** A resource in words: its type and the attribute that names it, e.g. `aws_sns_topic ami-guard-remediation`. */
function describeResource(rc: ResourceChange): string {
  const [before, after] = [obj(rc.change.before), obj(rc.change.after)];
  for (const attr of ['name', 'bucket', 'function_name', 'role', 'group', 'user', 'config_rule_name', 'topic_arn']) {
    const value = str(after[attr]) ?? str(before[attr]);
    if (value) return `${rc.type} ${ATTACHMENT_PRINCIPAL[rc.type] === attr ? `of ${attr} ` : ''}${value}`;
  }
  return rc.address;
}

/** The flag for a change no rule explained: a replace or delete (medium), a create or update (info). */
function genericFlag(rc: ResourceChange, kind: ChangeKind): RuleFlag | undefined {
  const what = describeResource(rc);
  switch (kind) {
    case 'replace':
      return flag('replace', rc.address, `${what} will be destroyed and recreated${replaceReason(rc)}`);
    case 'delete':
      return flag('delete', rc.address, `${what} will be deleted`);
    case 'create':
      return flag('create', rc.address, `${what} will be created`);
    case 'update':
      return flag('update', rc.address, `${what} will be updated in place`);
    case 'forget':
      return flag('forget', rc.address, `${what} will no longer be managed by Terraform (it stays in AWS)`);
    default:
      return undefined;
  }
}

/** Orders flags by severity, then address, then message. */
function sortFlags<T extends Flag>(flags: readonly T[]): T[] {
  return [...flags].sort(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      a.address.localeCompare(b.address) ||
      a.message.localeCompare(b.message),
  );
}

function planIndex(stack: string, plan: TerraformPlan): PlanIndex {
  const references = new Map<string, Record<string, readonly string[]>>();
  for (const r of plan.configuration?.root_module?.resources ?? [])
    references.set(
      r.address,
      Object.fromEntries(Object.entries(r.expressions ?? {}).map(([arg, e]) => [arg, e?.references ?? []])),
    );
  return { changes: plan.resource_changes, references, stateBackend: isStateBackendStack(stack, plan) };
}

/** An AMI Guard stack holds a guard: the launch policy or tag guard, an SCP, or the state backend. */
function holdsAGuard(index: PlanIndex): boolean {
  if (index.stateBackend || hasGuard(index)) return true;
  return index.changes.some(
    (rc) => rc.type === 'aws_organizations_policy' && [rc.change.before, rc.change.after].some((v) => obj(v).type === SCP_TYPE),
  );
}

/** Every flag of one stack's plan. */
export function flagPlan(stack: string, plan: TerraformPlan, context: ReviewContext = {}): Flag[] {
  const index = planIndex(stack, plan);
  const rows = Object.entries(RULE_TABLES).flatMap(([layer, table]) => table.map((row) => ({ layer, row })));
  const flags: RuleFlag[] = [];
  for (const rc of plan.resource_changes) {
    if (rc.mode === 'data') continue;
    const kind = changeKind(rc.change.actions);
    if (kind === 'no-op') continue;
    const input: RuleInput = { stack, rc, kind, before: obj(rc.change.before), after: obj(rc.change.after), plan: index };
    const own: RuleFlag[] = [];
    for (const { layer, row } of rows) {
      if (!row.types.includes(rc.type)) continue;
      try {
        own.push(...row.check(input));
      } catch (err) {
        own.push(
          flag('review-error', rc.address, `could not evaluate the ${layer} rule on ${row.attribute}: ${(err as Error).message}`),
        );
      }
    }
    // A replace or delete is flagged on its own unless a rule already explained it; creates and updates only when nothing else was said.
    const explained = own.some((f) => f.coversAction);
    const generic = genericFlag(rc, kind);
    if (generic && !explained && (generic.severity !== 'info' || own.length === 0)) own.push(generic);
    flags.push(...own);
  }
  if (!holdsAGuard(index))
    flags.push(
      flag(
        'no-guard',
        '(stack)',
        `${stack}: the plan holds no AMI Guard launch policy, tag guard or SCP; is it the plan of an AMI Guard stack? Its changes are reviewed only by their actions`,
      ),
    );
  if (!index.stateBackend && context.existingStacks?.has(stack) && startsFromEmptyState(plan) && flags.length > 0)
    flags.push(
      flag(
        'state-at-risk',
        '(backend)',
        `${stack} is deployed, but its plan starts from an empty state: its backend key changed or its state is gone; applying would create every resource again`,
      ),
    );
  return sortFlags(flags.map((f) => ({ severity: f.severity, code: f.code, address: f.address, message: f.message })));
}
