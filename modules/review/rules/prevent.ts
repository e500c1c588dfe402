/**
 * Prevent: the launch policy and the image tag guard (IAM managed policies), and their attachments.
 * A guard is known by its name, or by what its statements do when it was renamed.
 */
import { Statement, parsePolicy } from '../policy-diff';
import type { ResourceChange } from '../plan';
import { flag, obj, replaceReason, RuleEntry, RuleFlag, RuleInput, PlanIndex, str, unknownAfter, strings } from './rule';
import { statementsLoosened } from './statements';

/** The two preventive policies. */
export type Guard = 'launch-policy' | 'tag-guard';

/** Names of the guards: today's (`ami-guard-launch-policy-<region>`, `ami-guard-tag-guard-<region>`) and the earlier ones, which deployed stacks still carry. */
const GUARD_NAMES: Readonly<Record<Guard, RegExp>> = {
  'launch-policy': /^ami-guard-launch-/,
  'tag-guard': /^ami-guard-(image-)?tag-guard-/,
};

const GUARD_LABEL: Readonly<Record<Guard, string>> = { 'launch-policy': 'launch policy', 'tag-guard': 'image tag guard' };

const IMAGE_ARN = /:image\/|^\*$/;

function touchesImages(s: Statement): boolean {
  return s.resources.some((r) => IMAGE_ARN.test(r));
}

/** Recognizes a guard by what its statements do, for a policy whose name was changed. */
function guardByContent(statements: readonly Statement[]): Guard | undefined {
  const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());
  if (
    statements.some(
      (s) =>
        lower(s.actions).includes('ec2:runinstances') &&
        touchesImages(s) &&
        s.conditions.some((c) => /^ec2:resourcetag\//i.test(c.key)),
    )
  )
    return 'launch-policy';
  if (
    statements.some(
      (s) =>
        s.effect === 'Deny' &&
        lower(s.actions).some((a) => a === 'ec2:createtags' || a === 'ec2:deletetags') &&
        touchesImages(s) &&
        s.conditions.some((c) => c.key.toLowerCase() === 'aws:principalarn'),
    )
  )
    return 'tag-guard';
  return undefined;
}

function guardByName(name: string | undefined): Guard | undefined {
  if (!name) return undefined;
  return (Object.keys(GUARD_NAMES) as Guard[]).find((g) => GUARD_NAMES[g].test(name));
}

function tryStatements(policy: unknown): Statement[] | undefined {
  if (typeof policy !== 'string') return undefined;
  try {
    return parsePolicy(policy);
  } catch {
    return undefined;
  }
}

/** A managed policy of the plan, with the guard it is (if any). */
interface PolicyFacts {
  readonly address: string;
  readonly name?: string;
  readonly arns: readonly string[];
  readonly guard?: Guard;
}

function policyFacts(rc: ResourceChange): PolicyFacts {
  const before = obj(rc.change.before);
  const after = obj(rc.change.after);
  const name = str(after.name) ?? str(before.name);
  const guard =
    guardByName(name) ?? guardByContent(tryStatements(after.policy) ?? []) ?? guardByContent(tryStatements(before.policy) ?? []);
  const arns = [str(before.arn), str(after.arn)].filter((a): a is string => a !== undefined);
  return { address: rc.address, name, arns, guard };
}

const FACTS = new WeakMap<PlanIndex, ReadonlyMap<string, PolicyFacts>>();

/** The managed policies of a plan by address (computed once per plan). */
function policies(plan: PlanIndex): ReadonlyMap<string, PolicyFacts> {
  let found = FACTS.get(plan);
  if (!found) {
    const map = new Map<string, PolicyFacts>();
    for (const rc of plan.changes) if (rc.type === 'aws_iam_policy' && rc.mode !== 'data') map.set(rc.address, policyFacts(rc));
    FACTS.set(plan, (found = map));
  }
  return found;
}

/** True when the plan holds an AMI Guard launch policy or tag guard (changed or not). */
export function hasGuard(plan: PlanIndex): boolean {
  return [...policies(plan).values()].some((p) => p.guard !== undefined);
}

/** The guard a policy ARN names: through the plan's policies, else the policy name in the ARN. */
function guardOfArn(arn: string | undefined, plan: PlanIndex): { guard?: Guard; name?: string } {
  if (!arn) return {};
  const known = [...policies(plan).values()].find((p) => p.arns.includes(arn));
  const name = known?.name ?? arn.split('/').pop();
  return { guard: known?.guard ?? guardByName(name), name };
}

/** The launch policy and the tag guard: deleted, or their document loosened (statement by statement). */
function guardPolicy({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  const facts = policies(plan).get(rc.address);
  if (!facts?.guard) return [];
  const subject = `${GUARD_LABEL[facts.guard]} ${facts.name ?? rc.address}`;
  const removedCode = facts.guard === 'launch-policy' ? 'launch-policy-removed' : 'tag-guard-removed';
  if (kind === 'delete') return [flag(removedCode, rc.address, `${subject} deleted`, { coversAction: true })];
  if (kind !== 'update' && kind !== 'replace') return [];
  const replaced =
    kind === 'replace'
      ? [
          flag(
            'replace',
            rc.address,
            `${subject} will be destroyed and recreated${replaceReason(rc)}: its principals are without it in between`,
            { coversAction: true },
          ),
        ]
      : [];
  const code = facts.guard === 'launch-policy' ? 'launch-policy-widened' : 'tag-guard-weakened';
  return [
    ...replaced,
    ...statementsLoosened(code, subject, rc.address, before.policy ?? '{}', after.policy, {
      afterUnknown: unknownAfter(rc, 'policy'),
      principalNoun: facts.guard === 'tag-guard' ? 'tagger principal' : 'exempt principal',
    }),
  ];
}

const ATTACHMENT_PRINCIPAL: Readonly<Record<string, string>> = {
  aws_iam_role_policy_attachment: 'role',
  aws_iam_group_policy_attachment: 'group',
  aws_iam_user_policy_attachment: 'user',
};

function removedFlag(rc: ResourceChange, guard: Guard, name: string | undefined, principal: string): RuleFlag {
  return flag(
    guard === 'launch-policy' ? 'launch-policy-removed' : 'tag-guard-removed',
    rc.address,
    `${GUARD_LABEL[guard]} ${name ?? ''} no longer attached to ${principal}`.replace(/  +/g, ' '),
    { coversAction: true },
  );
}

/** An attachment of a guard to one role, group or user deleted or replaced. */
function guardAttachment({ rc, kind, before, plan }: RuleInput): RuleFlag[] {
  const principalKind = ATTACHMENT_PRINCIPAL[rc.type];
  if (kind !== 'delete' && kind !== 'replace') return [];
  const { guard, name } = guardOfArn(str(before.policy_arn), plan);
  if (!guard) return [];
  const principal = `${principalKind} ${str(before[principalKind]) ?? '?'}`;
  if (kind === 'delete') return [removedFlag(rc, guard, name, principal)];
  return [
    flag(
      'replace',
      rc.address,
      `${GUARD_LABEL[guard]} ${name ?? ''} is detached from ${principal} and attached again${replaceReason(rc)}: the ${principalKind} is without it in between`.replace(
        /  +/g,
        ' ',
      ),
      { coversAction: true },
    ),
  ];
}

/** The exclusive attachment (`aws_iam_policy_attachment`) of a guard narrowed or deleted. */
function exclusiveAttachment({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  const { guard, name } = guardOfArn(str(before.policy_arn), plan);
  if (!guard) return [];
  const out: RuleFlag[] = [];
  for (const [attr, label] of [
    ['roles', 'role'],
    ['groups', 'group'],
    ['users', 'user'],
  ] as const) {
    const was = strings(before[attr]);
    const now = kind === 'delete' ? [] : Array.isArray(after[attr]) ? strings(after[attr]) : was;
    for (const p of was.filter((x) => !now.includes(x))) out.push(removedFlag(rc, guard, name, `${label} ${p}`));
  }
  return out;
}

/** The prevent layer's table. */
export const PREVENT_RULES: readonly RuleEntry[] = [
  {
    types: ['aws_iam_policy'],
    attribute: 'policy (launch policy, image tag guard)',
    comparison: 'statements loosened; deleted',
    flags: ['launch-policy-widened', 'tag-guard-weakened', 'launch-policy-removed', 'tag-guard-removed', 'policy-unreadable'],
    check: guardPolicy,
  },
  {
    types: Object.keys(ATTACHMENT_PRINCIPAL),
    attribute: 'policy_arn (a guard)',
    comparison: 'deleted or replaced',
    flags: ['launch-policy-removed', 'tag-guard-removed', 'replace'],
    check: guardAttachment,
  },
  {
    types: ['aws_iam_policy_attachment'],
    attribute: 'roles, groups, users (of a guard)',
    comparison: 'a principal removed',
    flags: ['launch-policy-removed', 'tag-guard-removed'],
    check: exclusiveAttachment,
  },
];

/** A resource's principal attribute by attachment type (`role`, `group`, `user`). */
export { ATTACHMENT_PRINCIPAL };
