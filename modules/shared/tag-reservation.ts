/**
 * The trust guard generator: deny statements for every signal of the trust model on every write path
 * of its kind, for one layer (the account tag guard, an IAM policy; or the organization's tag guard
 * SCP). Nothing here names a signal: a signal added to the model is guarded by its kind's write paths.
 *
 * Condition keys relied on (Service Authorization Reference):
 * - EC2 https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html :
 *   `aws:TagKeys` on the image, snapshot and instance resources of CreateTags/DeleteTags and of each
 *   creating action below; DeleteTags without a key list has no `aws:TagKeys` (Null = true).
 * - Auto Scaling https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html :
 *   `aws:TagKeys` on CreateAutoScalingGroup, CreateOrUpdateTags and DeleteTags. UpdateAutoScalingGroup
 *   takes no tags (no `aws:TagKeys`), so it is no tag write path.
 * - SSM https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html :
 *   PutParameter, DeleteParameter(s) and LabelParameterVersion take the parameter ARN as resource.
 * - IAM https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html :
 *   the role actions below take the role ARN (path and name) as resource.
 * - `aws:PrincipalArn` is the role ARN, path included, for a role session:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn
 * Keys are compared ignoring case (ForAnyValue:StringEqualsIgnoreCase) because EC2 tag keys differ by case
 * but IAM matches `ec2:ResourceTag/<key>` whatever the case, and AMI Guard reads its keys the same way.
 */
import { assertWriters, Signal, SignalKind, Writer, WriterPrincipals, writerArns } from '../../lambda/ami-compliance/trust-model';
import { PolicyStatement } from './policy-document';

type Condition = NonNullable<PolicyStatement['Condition']>;

/** Where a guard applies: the ARN parts of the resources it reserves. */
export interface GuardScope {
  readonly partition: string;
  /** A region, or `*` (every region: the SCP). */
  readonly region: string;
  /** An account ID, or `*` (every member account: the SCP). */
  readonly account: string;
}

/** How a write path names what it writes. */
export type PathMatch =
  /** The request names the keys it adds or removes (`aws:TagKeys`); denied when one is reserved. */
  | 'tag-keys'
  /** DeleteTags without a key list removes every tag, reserved ones included (`aws:TagKeys` is null). */
  | 'all-tags'
  /** Any call on the resource writes it (a parameter, a role). */
  | 'resource';

/** One API call that can write a signal of a kind. */
export interface WritePath {
  /** The IAM action, e.g. `ec2:CreateTags`. */
  readonly action: string;
  /** The resource type it is authorized on, a key of {@link resourceArn}. */
  readonly resource: ResourceType;
  readonly match: PathMatch;
}

type ResourceType = 'image' | 'snapshot' | 'instance' | 'autoScalingGroup' | 'parameter' | 'role';

const tagPaths = (resource: ResourceType, service: 'ec2' | 'autoscaling', creating: readonly string[]): WritePath[] => [
  { action: `${service}:CreateTags`, resource, match: 'tag-keys' },
  { action: `${service}:DeleteTags`, resource, match: 'tag-keys' },
  { action: `${service}:DeleteTags`, resource, match: 'all-tags' },
  ...creating.map((a): WritePath => ({ action: `${service}:${a}`, resource, match: 'tag-keys' })),
];

/**
 * Every write path of each kind of signal that IAM can see. Tag-on-create is authorized twice: as
 * `ec2:CreateTags` with `ec2:CreateAction` (denied by the CreateTags path, which has no CreateAction
 * condition) and as the creating action itself with the requested keys in `aws:TagKeys`. Paths IAM
 * cannot see (tags inside launch-template data, applied by a service-linked role) are listed in
 * docs/trust-model.md as seen by detection only.
 */
export const WRITE_PATHS: Readonly<Record<SignalKind, readonly WritePath[]>> = {
  'image-tag': tagPaths('image', 'ec2', ['CreateImage', 'CopyImage', 'RegisterImage', 'ImportImage', 'CreateRestoreImageTask']),
  'snapshot-tag': tagPaths('snapshot', 'ec2', [
    'CreateImage',
    'CopyImage',
    'CreateSnapshot',
    'CreateSnapshots',
    'CopySnapshot',
    'ImportSnapshot',
  ]),
  'instance-tag': [
    ...tagPaths('instance', 'ec2', ['RunInstances', 'CreateFleet']),
    // Group tags with PropagateAtLaunch are applied to each instance by the group's service-linked role,
    // which no IAM policy or SCP binds: the key is stopped at the group.
    { action: 'autoscaling:CreateAutoScalingGroup', resource: 'autoScalingGroup', match: 'tag-keys' },
    { action: 'autoscaling:CreateOrUpdateTags', resource: 'autoScalingGroup', match: 'tag-keys' },
    { action: 'autoscaling:DeleteTags', resource: 'autoScalingGroup', match: 'tag-keys' },
  ],
  'ssm-parameter': ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:DeleteParameters', 'ssm:LabelParameterVersion'].map(
    (action): WritePath => ({ action, resource: 'parameter', match: 'resource' }),
  ),
  // Whoever may create the role, change who may assume it, or widen what it may do, may act as it.
  'principal-name': [
    'iam:CreateRole',
    'iam:UpdateAssumeRolePolicy',
    'iam:AttachRolePolicy',
    'iam:PutRolePolicy',
    'iam:PutRolePermissionsBoundary',
    'iam:DeleteRolePermissionsBoundary',
    'iam:TagRole',
  ].map((action): WritePath => ({ action, resource: 'role', match: 'resource' })),
};

/** The ARN of the resource a signal lives on (`name`: the parameter or role name; unused for tags). */
function resourceArn(type: ResourceType, scope: GuardScope, name = ''): string {
  const { partition: p, region: r, account: a } = scope;
  switch (type) {
    case 'image':
      return `arn:${p}:ec2:${r}::image/*`;
    case 'snapshot':
      return `arn:${p}:ec2:${r}::snapshot/*`;
    case 'instance':
      // Any account, as the guard always wrote it: EC2 tags only the caller's own instances anyway.
      return `arn:${p}:ec2:${r}:*:instance/*`;
    case 'autoScalingGroup':
      return `arn:${p}:autoscaling:${r}:${a}:autoScalingGroup:*:autoScalingGroupName/*`;
    case 'parameter':
      // A parameter ARN holds its name without the leading slash.
      return `arn:${p}:ssm:${r}:${a}:parameter/${name.replace(/^\//, '')}`;
    case 'role':
      return `arn:${p}:iam::${a}:role/${name}`;
  }
}

export interface TrustGuardProps {
  /** The signals to guard: `trustModel(...)` (or several accounts' models merged). */
  readonly signals: readonly Signal[];
  /** The ARN patterns of each writer in this layer. */
  readonly principals: WriterPrincipals;
  /** ARN patterns exempt from every statement (break-glass, SCP only). @default [] */
  readonly alwaysExempt?: readonly string[];
  readonly scope: GuardScope;
}

const KIND_NAMES: Record<SignalKind, string> = {
  'image-tag': 'ImageTags',
  'snapshot-tag': 'SnapshotTags',
  'instance-tag': 'InstanceTags',
  'ssm-parameter': 'Parameters',
  'principal-name': 'RoleNames',
};

const pascal = (w: Writer) => w[0].toUpperCase() + w.slice(1);

/** Signals grouped by the exact set of writers (one statement per kind and writer set). */
function byWriters(signals: readonly Signal[]): Map<string, Signal[]> {
  const groups = new Map<string, Signal[]>();
  for (const s of signals) {
    const key = [...s.writers].sort().join('+');
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  return groups;
}

/** A statement before merging: its family, the kinds it reserves and the writers it names (for the Sid). */
interface Draft {
  readonly family: 'Reserve' | 'DenyDeletingAll';
  readonly kinds: readonly SignalKind[];
  readonly writers: string;
  readonly statement: Omit<PolicyStatement, 'Sid'>;
}

/**
 * The deny statements that reserve every signal for its writers, on every write path of its kind:
 * per kind and writer set, one statement over the paths that name keys (or the resource); per tag kind,
 * one statement for DeleteTags without a key list, open to the writers of any of that kind's keys
 * (each of them could already set or clear its own key, and clearing another's only makes AMI Guard
 * stricter: an image loses its approval, an instance its exception, an evidence copy is kept).
 * Statements with the same condition (the same keys for the same writers, on images and snapshots for
 * instance) are merged: every action of one on every resource of the other is a write of the same keys.
 */
export function trustGuardStatements(props: TrustGuardProps): PolicyStatement[] {
  const { scope } = props;
  assertWriters(props.signals);
  const exemptOf = (writers: readonly Writer[]): Condition => {
    const exempt = [...new Set([...writerArns(writers, props.principals), ...(props.alwaysExempt ?? [])])];
    return exempt.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': exempt } } : {};
  };
  const drafts: Draft[] = [];
  for (const kind of Object.keys(WRITE_PATHS) as SignalKind[]) {
    const signals = props.signals.filter((s) => s.kind === kind);
    if (signals.length === 0) continue;
    const paths = WRITE_PATHS[kind];
    const named = paths.filter((p) => p.match !== 'all-tags');
    const actions = [...new Set(named.map((p) => p.action))];
    for (const group of byWriters(signals).values()) {
      const writers = group[0].writers;
      const names = [...new Set(group.map((s) => s.name))];
      const tagged = named.every((p) => p.match === 'tag-keys');
      const resources = tagged
        ? [...new Set(named.map((p) => resourceArn(p.resource, scope)))]
        : names.map((n) => resourceArn(named[0].resource, scope, n));
      drafts.push({
        family: 'Reserve',
        kinds: [kind],
        writers: [...writers].sort().map(pascal).join('And'),
        statement: {
          Effect: 'Deny',
          Action: actions,
          Resource: resources,
          Condition: {
            ...(tagged ? { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': names } } : {}),
            ...exemptOf(writers),
          },
        },
      });
    }
    const allTags = paths.filter((p) => p.match === 'all-tags');
    if (allTags.length > 0) {
      drafts.push({
        family: 'DenyDeletingAll',
        kinds: [kind],
        writers: '',
        statement: {
          Effect: 'Deny',
          Action: [...new Set(allTags.map((p) => p.action))],
          Resource: [...new Set(allTags.map((p) => resourceArn(p.resource, scope)))],
          Condition: { Null: { 'aws:TagKeys': 'true' }, ...exemptOf([...new Set(signals.flatMap((s) => s.writers))]) },
        },
      });
    }
  }
  return mergeSameCondition(drafts).map((d) =>
    compact({
      Sid: `${d.family}${d.kinds.map((k) => KIND_NAMES[k]).join('')}${d.writers ? `For${d.writers}` : ''}`,
      ...d.statement,
    }),
  );
}

/** Drafts of one family with the same condition, as one: their actions and resources united, in order. */
function mergeSameCondition(drafts: readonly Draft[]): Draft[] {
  const merged = new Map<string, Draft>();
  const union = (a: PolicyStatement['Action'] | undefined, b: PolicyStatement['Action'] | undefined) => [
    ...new Set([...[a ?? []].flat(), ...[b ?? []].flat()]),
  ];
  for (const d of drafts) {
    const key = `${d.family}\u0000${JSON.stringify(d.statement.Condition)}`;
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? {
            ...seen,
            kinds: [...seen.kinds, ...d.kinds],
            statement: {
              ...seen.statement,
              Action: union(seen.statement.Action, d.statement.Action),
              Resource: union(seen.statement.Resource, d.statement.Resource),
            },
          }
        : d,
    );
  }
  return [...merged.values()];
}

/** One action or resource as a string, and no empty condition: SCPs count every character. */
function compact(s: PolicyStatement): PolicyStatement {
  const one = (v: string | readonly string[] | undefined) => (Array.isArray(v) && v.length === 1 ? v[0] : v);
  const { Condition, ...rest } = s;
  return {
    ...rest,
    Action: one(s.Action)!,
    Resource: one(s.Resource),
    ...(Condition && Object.keys(Condition).length > 0 ? { Condition } : {}),
  };
}
