/**
 * Routine changes: the edits a team makes to an account week after week (an approved tag value, a
 * trusted owner, a tagger, the exception key, the remediation mode, the sweep frequency, ...). None of
 * them may replace a guard: each must plan as in-place updates of the resources that carry the value,
 * with no action on the policy attachments. The definitions are shared by the synth-level test (which
 * compares the synthesized stacks) and the e2e check (which plans each change against an applied stack).
 */
import type { AccountConfig, AmiGuardConfig } from '../config/schema';

/** A routine edit of one account, and what it must change. Paths are construct paths below the stack. */
export interface RoutineChange {
  /** Printed name of the case, e.g. `tag value added`. */
  readonly name: string;
  /** Why the change does not apply to an account (e.g. its mode is not `notify`), or undefined when it does. */
  readonly notApplicable?: (account: AccountConfig) => string | undefined;
  /** The account after the change; the input is not modified. */
  readonly edit: (account: AccountConfig) => AccountConfig;
  /** Resources that must be updated in place (those the account's stack has). */
  readonly updates: readonly string[];
  /** Resources that must be created, by construct path prefix (e.g. a new subscription). @default none */
  readonly creates?: readonly string[];
}

/** The line of defence a resource belongs to, by the construct ID directly below the stack. */
export const LAYER_OF_CONSTRUCT: Readonly<Record<string, 'prevent' | 'detect' | 'correct'>> = {
  'launch-policy': 'prevent',
  'image-tag-guard': 'prevent',
  'config-recorder': 'detect',
  'ami-compliance-function': 'detect',
  'ami-compliance-rule': 'detect',
  remediation: 'correct',
};

const FUNCTION = 'ami-compliance-function/function';
const RULE = 'ami-compliance-rule/rule';

/** A value not in `values`: `preferred`, or `preferred` with a number appended. */
function unused(values: readonly string[], preferred: string): string {
  let candidate = preferred;
  for (let i = 2; values.includes(candidate); i++) candidate = `${preferred}${i}`;
  return candidate;
}

/** The account with one of its sections changed: `change(account, 'approval', { tagValues })`. */
function change<S extends 'approval' | 'detection' | 'remediation'>(
  account: AccountConfig,
  section: S,
  values: Partial<AccountConfig[S]>,
): AccountConfig {
  return { ...account, [section]: { ...account[section], ...values } };
}

/** `principals` and one more role of the account. */
function plusRole(principals: readonly string[], accountId: string, role: string): string[] {
  return [...principals, `arn:aws:iam::${accountId}:role/${role}`];
}

/** Why a detection change does not apply, or undefined. */
const needsDetection = (a: AccountConfig) => (a.detection.enabled ? undefined : 'detection is off');

/** Every routine change, in the order the e2e output prints them. */
export const ROUTINE_CHANGES: readonly RoutineChange[] = [
  {
    name: 'tag value added',
    edit: (a) => change(a, 'approval', { tagValues: [...a.approval.tagValues, unused(a.approval.tagValues, 'Staging')] }),
    updates: ['launch-policy/policy', FUNCTION, RULE],
  },
  {
    name: 'trusted owner added',
    edit: (a) =>
      change(a, 'approval', { trustedOwners: [...a.approval.trustedOwners, unused(a.approval.trustedOwners, '444455556666')] }),
    updates: ['launch-policy/policy', FUNCTION, RULE],
  },
  {
    name: 'tagger principal added',
    edit: (a) =>
      change(a, 'approval', {
        taggerPrincipals: plusRole(a.approval.taggerPrincipals, a.accountId, 'ami-guard-second-pipeline'),
      }),
    updates: ['image-tag-guard/policy'],
  },
  {
    name: 'exception tag key changed',
    notApplicable: needsDetection,
    edit: (a) => change(a, 'detection', { exceptionTagKey: unused([a.detection.exceptionTagKey], 'AmiGuardWaiver') }),
    // The tag guard reserves the exception key on instances, so it names the key too.
    updates: ['image-tag-guard/policy', FUNCTION, RULE],
  },
  {
    name: 'exception granter added',
    // The tag guard reserves the exception key with detection on or off.
    edit: (a) =>
      change(a, 'approval', {
        exceptionGranters: plusRole(a.approval.exceptionGranters, a.accountId, 'ami-guard-second-approver'),
      }),
    updates: ['image-tag-guard/policy'],
  },
  {
    name: 'exception limit changed',
    notApplicable: needsDetection,
    edit: (a) => change(a, 'detection', { maxExceptionDays: a.detection.maxExceptionDays === 30 ? 60 : 30 }),
    updates: [FUNCTION, RULE],
  },
  {
    name: 'remediation notify -> stop',
    notApplicable: (a) => (a.remediation.mode === 'notify' ? undefined : `remediation mode is ${a.remediation.mode}`),
    edit: (a) => change(a, 'remediation', { mode: 'stop' }),
    // The role's description names the mode (IAM updates it in place); the runbook gains its stop step and the
    // escalation parameters; the rule Lambda may read the notice records; the escalation topic is new.
    updates: [
      'remediation/role',
      'remediation/permissions',
      'remediation/runbook',
      'remediation/configuration',
      'ami-compliance-function/permissions',
    ],
    creates: ['remediation/escalation-topic'],
  },
  {
    name: 'sweep frequency changed',
    notApplicable: needsDetection,
    edit: (a) => change(a, 'detection', { frequency: a.detection.frequency === 'Six_Hours' ? 'Twelve_Hours' : 'Six_Hours' }),
    updates: [RULE],
  },
  {
    name: 'subscription added',
    notApplicable: (a) => (a.remediation.mode === 'off' ? 'remediation is off' : undefined),
    edit: (a) =>
      change(a, 'remediation', {
        subscriptions: [...a.remediation.subscriptions, { protocol: 'email', endpoint: 'ami-guard-second-team@example.org' }],
      }),
    updates: [],
    creates: ['remediation/subscription-'],
  },
  {
    name: 'route added',
    notApplicable: (a) => (a.remediation.mode === 'off' ? 'remediation is off' : undefined),
    edit: (a) =>
      change(a, 'remediation', {
        routes: [
          ...a.remediation.routes,
          { match: { team: ['ami-guard-second-team'] }, protocol: 'email', endpoint: 'ami-guard-second-team@example.org' },
        ],
      }),
    updates: [],
    creates: ['remediation/route-'],
  },
  {
    name: 'automatic attempts changed',
    notApplicable: (a) => (a.remediation.mode === 'off' ? 'remediation is off' : undefined),
    edit: (a) =>
      change(a, 'remediation', {
        maximumAutomaticAttempts: a.remediation.maximumAutomaticAttempts === 3 ? 4 : 3,
      }),
    updates: ['remediation/configuration'],
  },
  {
    name: 'log retention changed',
    notApplicable: needsDetection,
    edit: (a) => change(a, 'detection', { logRetentionDays: a.detection.logRetentionDays === 30 ? 60 : 30 }),
    updates: ['ami-compliance-function/logs'],
  },
];

/** The six changes the e2e suite plans against an applied stack. */
export const E2E_ROUTINE_CHANGES: readonly RoutineChange[] = ROUTINE_CHANGES.filter((c) =>
  [
    'tag value added',
    'trusted owner added',
    'tagger principal added',
    'exception tag key changed',
    'remediation notify -> stop',
    'sweep frequency changed',
  ].includes(c.name),
);

/** `config` with only the account `stackName`, changed by `change`. */
export function applyRoutineChange(config: AmiGuardConfig, stackName: string, change: RoutineChange): AmiGuardConfig {
  const account = config.accounts.find((a) => a.stackName === stackName);
  if (!account) throw new Error(`no account with stackName "${stackName}" in the config`);
  return { ...config, accounts: [change.edit(account)] };
}

/** The first account every routine change applies to (detection on, remediation `notify`), if any. */
export function routineChangeAccount(config: AmiGuardConfig): AccountConfig | undefined {
  return config.accounts.find((a) => ROUTINE_CHANGES.every((c) => c.notApplicable?.(a) === undefined));
}

/** One entry of `resource_changes` in `terraform show -json` of a saved plan (the fields read here). */
export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly change: { readonly actions: readonly string[] };
  readonly action_reason?: string;
}

/** What a routine change planned, judged. */
export interface RoutineVerdict {
  readonly ok: boolean;
  /** One line for the report: what was updated, created, left alone. */
  readonly detail: string;
  /** Each way the plan differs from what the change must do. */
  readonly problems: readonly string[];
}

const ATTACHMENT_TYPES = ['aws_iam_role_policy_attachment', 'aws_iam_group_policy_attachment', 'aws_iam_user_policy_attachment'];

/**
 * Judges the plan of a routine change. `pathOf` maps a resource's logical name to its construct path
 * below the stack; `notApplied` holds paths of resources the emulator could not apply (they are not in
 * state, so their expectations are skipped). Every delete of a prevent or detect resource, every
 * expected update that is not an in-place `update`, every attachment touched and every change nobody
 * expected is a problem.
 */
export function judgeRoutinePlan(
  change: RoutineChange,
  resourceChanges: readonly ResourceChange[],
  pathOf: (name: string) => string | undefined,
  notApplied: ReadonlySet<string> = new Set(),
): RoutineVerdict {
  const problems: string[] = [];
  const updated: string[] = [];
  const created: string[] = [];
  const planned = new Set<string>();
  let attachments = 0;
  for (const rc of resourceChanges) {
    const path = pathOf(rc.name);
    const actions = rc.change.actions;
    if (!path) {
      problems.push(`${rc.address}: not a resource of the synthesized stack`);
      continue;
    }
    planned.add(path);
    const layer = LAYER_OF_CONSTRUCT[path.split('/')[0]];
    if (!layer) problems.push(`${rc.address} (${path}): in no known line of defence; add its construct to LAYER_OF_CONSTRUCT`);
    const label = `${rc.address} [${actions.join(',')}${rc.action_reason ? `, ${rc.action_reason}` : ''}]`;
    const noop = actions.length === 1 && (actions[0] === 'no-op' || actions[0] === 'read');
    if (ATTACHMENT_TYPES.includes(rc.type)) {
      attachments++;
      if (!noop) problems.push(`${label}: an attachment must be left alone`);
    } else if (actions.includes('delete') && (layer === 'prevent' || layer === 'detect')) {
      problems.push(`${label}: a ${layer} resource must never be deleted by a routine change`);
    } else if (change.updates.includes(path)) {
      if (actions.length === 1 && actions[0] === 'update') updated.push(path);
      else problems.push(`${label}: expected an in-place update`);
    } else if ((change.creates ?? []).some((prefix) => path.startsWith(prefix))) {
      if (actions.length === 1 && actions[0] === 'create') created.push(path);
      else problems.push(`${label}: expected a create`);
    } else if (!noop) {
      problems.push(`${label}: not expected to change`);
    }
  }
  const gaps = change.updates.filter((path) => notApplied.has(path));
  for (const path of change.updates) {
    if (!planned.has(path) && !notApplied.has(path))
      problems.push(`${path}: expected an in-place update, but the plan has no such resource`);
  }
  for (const prefix of change.creates ?? []) {
    if (!created.some((p) => p.startsWith(prefix))) problems.push(`${prefix}*: expected a create, none planned`);
  }
  const parts = [
    `update in place: ${updated.join(', ') || 'nothing'}`,
    ...(created.length > 0 ? [`create: ${created.join(', ')}`] : []),
    `${attachments} attachments untouched`,
    ...(gaps.length > 0 ? [`not applied on the emulator: ${gaps.join(', ')}`] : []),
  ];
  return { ok: problems.length === 0, detail: `${change.name}: ${parts.join('; ')}`, problems };
}
