/**
 * Organization: the SCPs, the Allowed AMIs declarative policy, their attachments, and the Config
 * aggregator. SCPs go through the same "statements loosened" comparison as IAM policies, so a new
 * exempt principal, or a removed action, condition key or resource, is caught in any statement,
 * including statements added later. The launch guard is opt-in per target, so losing it is high;
 * losing any other policy or attachment is critical.
 */
import { parsePolicy, Statement, wildcardMatches } from '../policy-diff';
import type { ResourceChange } from '../plan';
import { flag, jsonOf, obj, PlanIndex, replaceReason, RuleEntry, RuleFlag, RuleInput, str, strings, unknownAfter } from './rule';
import { statementsLoosened } from './statements';

/** Organizations policy types AMI Guard deploys (`type` of aws_organizations_policy). */
export const SCP_TYPE = 'SERVICE_CONTROL_POLICY';
const DECLARATIVE_EC2_TYPE = 'DECLARATIVE_POLICY_EC2';

/** The Allowed AMIs state that blocks; `audit_mode` only reports. */
const BLOCKING_STATE = 'enabled';
const CHILD_OPERATORS = '@@operators_allowed_for_child_policies';

type OrgPolicyKind = 'launch-guard' | 'scp' | 'allowed-images';

/** The launch guard SCP denies RunInstances of images by owner; known by name, or by that statement when renamed. */
function isLaunchGuard(name: string | undefined, content: unknown): boolean {
  if (name && /launch-guard/.test(name)) return true;
  let statements: Statement[];
  try {
    statements = typeof content === 'string' ? parsePolicy(content) : [];
  } catch {
    return false;
  }
  return statements.some(
    (s) =>
      s.effect === 'Deny' &&
      s.actions.some((a) => a.toLowerCase() === 'ec2:runinstances') &&
      s.conditions.some((c) => c.key.toLowerCase() === 'ec2:owner'),
  );
}

interface OrgPolicyFacts {
  readonly address: string;
  readonly name: string;
  readonly kind: OrgPolicyKind;
  readonly ids: readonly string[];
}

function orgPolicyFacts(rc: ResourceChange): OrgPolicyFacts {
  const [before, after] = [obj(rc.change.before), obj(rc.change.after)];
  const name = str(after.name) ?? str(before.name) ?? rc.address;
  const type = str(after.type) ?? str(before.type);
  const kind: OrgPolicyKind =
    type === DECLARATIVE_EC2_TYPE
      ? 'allowed-images'
      : isLaunchGuard(name, after.content) || isLaunchGuard(name, before.content)
        ? 'launch-guard'
        : 'scp';
  const ids = [str(before.id), str(after.id)].filter((x): x is string => x !== undefined);
  return { address: rc.address, name, kind, ids };
}

const LABEL: Readonly<Record<OrgPolicyKind, string>> = {
  'launch-guard': 'launch guard SCP',
  scp: 'SCP',
  'allowed-images': 'Allowed AMIs policy',
};

function orgPolicies(plan: PlanIndex): OrgPolicyFacts[] {
  return plan.changes.filter((rc) => rc.type === 'aws_organizations_policy' && rc.mode !== 'data').map(orgPolicyFacts);
}

/** An SCP: statements loosened; any policy deleted. */
function orgPolicy({ rc, kind, before, after }: RuleInput): RuleFlag[] {
  const facts = orgPolicyFacts(rc);
  const subject = `${LABEL[facts.kind]} ${facts.name}`;
  if (kind === 'delete')
    return [
      facts.kind === 'launch-guard'
        ? flag(
            'launch-guard-removed',
            rc.address,
            `${subject} deleted: launches from untrusted image owners are no longer denied`,
            {
              coversAction: true,
            },
          )
        : flag('org-guard-removed', rc.address, `${subject} deleted from the organization`, { coversAction: true }),
    ];
  if (kind !== 'update' && kind !== 'replace') return [];
  const replaced =
    kind === 'replace'
      ? [
          flag(
            'replace',
            rc.address,
            `${subject} will be destroyed and recreated${replaceReason(rc)}: its targets are without it in between`,
            {
              coversAction: true,
            },
          ),
        ]
      : [];
  if (facts.kind === 'allowed-images') return [...replaced, ...allowedImages(subject, rc, before, after)];
  return [
    ...replaced,
    ...statementsLoosened('org-policy-loosened', subject, rc.address, before.content ?? '{}', after.content, {
      afterUnknown: unknownAfter(rc, 'content'),
    }),
  ];
}

/** The value of a declarative leaf: `{ "@@assign": v }` or `v`. */
function assigned(value: unknown): unknown {
  const o = obj(value);
  return '@@assign' in o ? o['@@assign'] : value;
}

function settings(content: unknown): Record<string, unknown> {
  return obj(obj(obj(jsonOf(content)).ec2_attributes).allowed_images_settings);
}

/** Every `@@operators_allowed_for_child_policies` of a declarative policy, by path. */
function childOperators(value: unknown, at = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of Object.entries(obj(value))) {
    if (k === CHILD_OPERATORS) out.set(at || '(top)', strings(v));
    else for (const [p, ops] of childOperators(v, at ? `${at}.${k}` : k)) out.set(p, ops);
  }
  return out;
}

function numberLimit(criterion: Record<string, unknown>, condition: string, field: string): number | undefined {
  const v = assigned(obj(criterion[condition])[field]);
  return typeof v === 'number' ? v : undefined;
}

/** How one criterion lets more images through than its earlier version. */
function criterionWidened(was: Record<string, unknown>, now: Record<string, unknown>): string[] {
  const out: string[] = [];
  const providers = (c: Record<string, unknown>) => strings(assigned(c.allowed_image_providers));
  const addedProviders = providers(now).filter((p) => !providers(was).includes(p));
  if (addedProviders.length > 0) out.push(`provider ${addedProviders.join(', ')} added`);
  if (providers(was).length > 0 && providers(now).length === 0) out.push('no longer limited to providers');
  const names = (c: Record<string, unknown>) => strings(assigned(c.image_names));
  const wider = names(now).filter((n) => !names(was).some((old) => wildcardMatches(old, n)));
  if (names(was).length > 0 && names(now).length === 0) out.push('no longer limited by image name');
  else if (wider.length > 0) out.push(`image names widened by ${wider.join(', ')}`);
  for (const [condition, field] of [
    ['creation_date_condition', 'maximum_days_since_created'],
    ['deprecation_time_condition', 'maximum_days_since_deprecated'],
  ] as const) {
    const [old, next] = [numberLimit(was, condition, field), numberLimit(now, condition, field)];
    if (old !== undefined && next === undefined) out.push(`${field} ${old} removed`);
    else if (old !== undefined && next !== undefined && next > old) out.push(`${field} raised ${old} → ${next}`);
  }
  return out;
}

/** The Allowed AMIs policy: state, criteria and what child policies may change. */
function allowedImages(
  subject: string,
  rc: ResourceChange,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): RuleFlag[] {
  if (typeof after.content !== 'string') {
    return unknownAfter(rc, 'content')
      ? [flag('policy-unreadable', rc.address, `${subject}: the new content is known only after apply; read it before approving`)]
      : [];
  }
  const [was, now] = [settings(before.content), settings(after.content)];
  const out: RuleFlag[] = [];
  const [oldState, newState] = [assigned(was.state), assigned(now.state)];
  if (oldState === BLOCKING_STATE && newState !== BLOCKING_STATE)
    out.push(
      flag(
        'allowed-images-audit-only',
        rc.address,
        `${subject}: state ${String(oldState)} → ${String(newState ?? '(none)')}: AMIs outside the criteria are no longer blocked`,
      ),
    );
  const [oldCriteria, newCriteria] = [obj(assigned(was.image_criteria)), obj(assigned(now.image_criteria))];
  for (const [key, value] of Object.entries(newCriteria)) {
    const old = oldCriteria[key];
    if (old === undefined) {
      if (Object.keys(oldCriteria).length > 0)
        out.push(flag('allowed-images-widened', rc.address, `${subject}: new criterion ${key} allows more images`));
      continue;
    }
    for (const what of criterionWidened(obj(old), obj(value)))
      out.push(flag('allowed-images-widened', rc.address, `${subject}: ${key} ${what}`));
  }
  const [oldOps, newOps] = [childOperators(jsonOf(before.content)), childOperators(jsonOf(after.content))];
  for (const [at, ops] of oldOps) {
    const next = newOps.get(at);
    const gained =
      next === undefined ? ['(every operator: the limit is gone)'] : next.filter((o) => o !== '@@none' && !ops.includes(o));
    if (gained.length > 0)
      out.push(
        flag(
          'allowed-images-overridable',
          rc.address,
          `${subject}: ${CHILD_OPERATORS} at ${at} now allows ${gained.join(', ')}: a child policy may override it`,
        ),
      );
  }
  return out;
}

/** The policy an attachment attaches: through its configuration reference, else the policy ID it had. */
function attachedPolicy(rc: ResourceChange, before: Record<string, unknown>, plan: PlanIndex): OrgPolicyFacts | undefined {
  const policies = orgPolicies(plan);
  const refs = plan.references.get(rc.address)?.policy_id ?? [];
  const byRef = policies.find((p) => refs.some((r) => r.replace(/\.id$/, '') === p.address));
  return byRef ?? policies.find((p) => p.ids.includes(str(before.policy_id) ?? '\u0000'));
}

/** An attachment removed or replaced: its target loses the policy. */
function orgAttachment({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  if (kind !== 'delete' && kind !== 'replace') return [];
  const policy = attachedPolicy(rc, before, plan);
  const target = str(before.target_id) ?? '?';
  const subject = policy ? `${LABEL[policy.kind]} ${policy.name}` : `organization policy ${str(before.policy_id) ?? '?'}`;
  if (kind === 'replace')
    return [
      flag(
        'replace',
        rc.address,
        `${subject} is detached from ${target} and attached again${replaceReason(rc)}${str(after.target_id) && str(after.target_id) !== target ? ` (to ${str(after.target_id)})` : ''}: the target is without it in between`,
        {
          coversAction: true,
        },
      ),
    ];
  if (policy?.kind === 'launch-guard')
    return [flag('launch-guard-removed', rc.address, `${subject} no longer attached to ${target}`, { coversAction: true })];
  return [flag('org-guard-removed', rc.address, `${subject} no longer attached to ${target}`, { coversAction: true })];
}

function aggregator({ rc, kind, before }: RuleInput): RuleFlag[] {
  if (kind !== 'delete') return [];
  return [
    flag(
      'aggregator-removed',
      rc.address,
      `Config aggregator ${str(before.name) ?? rc.address} deleted: no single view of non-compliant instances`,
      {
        coversAction: true,
      },
    ),
  ];
}

/** The organization layer's table. */
export const ORGANIZATION_RULES: readonly RuleEntry[] = [
  {
    types: ['aws_organizations_policy'],
    attribute: `content (type ${SCP_TYPE})`,
    comparison:
      'statements loosened (a new exempt principal, a removed action, condition key or resource; wildcard principals critical); deleted',
    flags: ['org-policy-loosened', 'org-guard-removed', 'launch-guard-removed', 'policy-unreadable'],
    check: orgPolicy,
  },
  {
    types: ['aws_organizations_policy'],
    attribute: `content (type ${DECLARATIVE_EC2_TYPE})`,
    comparison: `state ${BLOCKING_STATE} → audit_mode; criteria widened; ${CHILD_OPERATORS} loosened`,
    flags: ['allowed-images-audit-only', 'allowed-images-widened', 'allowed-images-overridable'],
    // Evaluated by the SCP row's check, which dispatches on the policy type.
    check: () => [],
  },
  {
    types: ['aws_organizations_policy_attachment'],
    attribute: 'policy_id, target_id',
    comparison: 'deleted (a target removed) or replaced',
    flags: ['org-guard-removed', 'launch-guard-removed', 'replace'],
    check: orgAttachment,
  },
  {
    types: ['aws_config_configuration_aggregator'],
    attribute: '(the resource)',
    comparison: 'deleted',
    flags: ['aggregator-removed'],
    check: aggregator,
  },
];
