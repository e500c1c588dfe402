/**
 * The risk flags of real plans (Terraform against moto, one change per flag family against an
 * applied baseline): each change raises exactly its codes and severities, and nothing above info
 * where nothing changed.
 */
import { Flag, flagPlan } from '../../modules/review/flags';
import { ResourceChange, TerraformPlan } from '../../modules/review/plan';
import { reviewStack } from '../../modules/review/review';
import { loadPlan, savedPlans } from './fixtures/plans';
import { ANALYTICS, PAYMENTS, REVIEW_CASES, STATE_BACKEND } from './fixtures/review-cases';

/** Flags above info as sorted "severity code" lines. */
function raised(flags: readonly Flag[]): string[] {
  return flags
    .filter((f) => f.severity !== 'info')
    .map((f) => `${f.severity} ${f.code}`)
    .sort();
}

function messages(flags: readonly Flag[], code: string): string[] {
  return flags.filter((f) => f.code === code).map((f) => f.message);
}

describe('the unchanged config', () => {
  test.each([STATE_BACKEND, PAYMENTS, ANALYTICS])(
    'GIVEN %s planned again THEN nothing changes in place and no flag is above info',
    (stack) => {
      const review = reviewStack(stack, loadPlan('unchanged', stack));

      expect(review.counts.update).toBe(0);
      expect(review.counts.delete).toBe(0);
      expect(review.counts.replace).toBe(0);
      expect(raised(review.flags)).toEqual([]);
    },
  );

  test('GIVEN the resources moto cannot apply THEN they are the only creates, as info', () => {
    // moto lacks PutRemediationConfigurations, and the state bucket policy would lock moto out of the state (scripts/e2e/moto-gaps.ts).
    expect(reviewStack(PAYMENTS, loadPlan('unchanged', PAYMENTS)).resources.map((r) => r.address)).toEqual([
      expect.stringMatching(/^aws_config_remediation_configuration\./),
    ]);
    expect(reviewStack(STATE_BACKEND, loadPlan('unchanged', STATE_BACKEND)).resources.map((r) => r.address)).toEqual([
      expect.stringMatching(/^aws_s3_bucket_policy\.state-bucket/),
    ]);
    expect(reviewStack(ANALYTICS, loadPlan('unchanged', ANALYTICS)).resources).toEqual([]);
  });
});

describe('one change per flag family', () => {
  test('GIVEN a tag value added THEN the launch policy is widened in words, and the rule parameters changed old -> new', () => {
    const flags = flagPlan(PAYMENTS, loadPlan('tag-value-added', PAYMENTS));

    // The guards keep a static identity, so the value updates them in place: no replace to flag.
    expect(raised(flags)).toEqual(['high detection-weakened', 'high detection-weakened', 'high launch-policy-widened']);
    expect(messages(flags, 'launch-policy-widened')).toEqual([
      'launch policy ami-guard-launch-policy-eu-west-1 now also accepts Environment="Staging"',
    ]);
    // Both copies of the parameters: what Config passes, and what check mode (before any stop) reads.
    expect(messages(flags, 'detection-weakened')).toEqual([
      'Config rule ami-guard-approved-amis: parameter approved tag values widened "Prod" → "Prod,Staging" (adds Staging)',
      expect.stringMatching(
        /^rule Lambda \S+: AMI_GUARD_RULE_PARAMETERS approved tag values widened "Prod" → "Prod,Staging" \(adds Staging\)$/,
      ),
    ]);
  });

  test('GIVEN a tagger principal added THEN the tag guard is weakened, naming the principal', () => {
    const flags = flagPlan(PAYMENTS, loadPlan('tagger-added', PAYMENTS));

    expect(raised(flags)).toEqual(['high tag-guard-weakened']);
    expect(messages(flags, 'tag-guard-weakened')).toEqual([
      'image tag guard ami-guard-tag-guard-eu-west-1: tagger principal arn:aws:iam::123456789012:role/release-bot added',
    ]);
  });

  test('GIVEN detection disabled THEN each piece of detection is flagged high, and the rest of it medium', () => {
    const flags = flagPlan(ANALYTICS, loadPlan('detection-disabled', ANALYTICS));

    expect(raised(flags).filter((f) => f.startsWith('high'))).toEqual(Array(6).fill('high detection-weakened'));
    expect(new Set(raised(flags).filter((f) => !f.startsWith('high')))).toEqual(new Set(['medium delete']));
    expect(messages(flags, 'detection-weakened')).toEqual(
      expect.arrayContaining([
        'Config rule ami-guard-approved-amis deleted: instances are no longer checked',
        'configuration recorder ami-guard deleted: instances are no longer checked',
        'recorder status ami-guard deleted: instances are no longer checked',
      ]),
    );
  });

  test('GIVEN remediation notify -> stop with automatic: true THEN remediation is escalated', () => {
    const flags = flagPlan(PAYMENTS, loadPlan('remediation-stop', PAYMENTS));

    expect(raised(flags)).toEqual(['high remediation-escalated', 'high remediation-escalated', 'high remediation-escalated']);
    expect(messages(flags, 'remediation-escalated')).toEqual(
      expect.arrayContaining([
        'remediation role ami-guard-remediation-eu-west-1 may now call ec2:StopInstances',
        'remediation of ami-guard-approved-amis created running automatically (mode stop)',
      ]),
    );
  });

  test('GIVEN a role removed from attachTo THEN both guards are removed from it, critical', () => {
    const flags = flagPlan(PAYMENTS, loadPlan('attachment-removed', PAYMENTS));

    expect(raised(flags)).toEqual(['critical launch-policy-removed', 'critical tag-guard-removed']);
    expect(flags.filter((f) => f.severity === 'critical').map((f) => f.message)).toEqual([
      'image tag guard ami-guard-tag-guard-eu-west-1 no longer attached to role ops-admin',
      'launch policy ami-guard-launch-policy-eu-west-1 no longer attached to role ops-admin',
    ]);
  });

  test('GIVEN the lock table renamed THEN the state backend is at risk, critical', () => {
    const flags = flagPlan(STATE_BACKEND, loadPlan('state-backend-changed', STATE_BACKEND));

    expect(raised(flags)).toEqual(['critical state-at-risk']);
    expect(flags[0].message).toMatch(
      /^lock table ami-guard-review-tf-locks \(→ ami-guard-review-tf-locks-v2\) destroyed and recreated/,
    );
  });

  test.each(savedPlans())('GIVEN %s/%s THEN no rule fails to evaluate', (reviewCase, stack) => {
    expect(messages(flagPlan(stack, loadPlan(reviewCase, stack)), 'review-error')).toEqual([]);
  });
});

/** The change of a resource as data a test may edit; `T` names the attributes it touches. */
interface EditableChange<T> {
  actions: string[];
  before: T | null;
  after: T | null;
}

/** A copy of the first resource change of `type` in a real plan, changed by `edit`, as the only change of a plan (the rest unchanged). */
function variantOf<T>(plan: TerraformPlan, type: string, edit: (change: EditableChange<T>) => void): TerraformPlan {
  const original = plan.resource_changes.find((r) => r.type === type);
  const rc = JSON.parse(JSON.stringify(original)) as ResourceChange;
  edit(rc.change as unknown as EditableChange<T>);
  const unchanged = plan.resource_changes
    .filter((r) => r !== original)
    .map((r) => ({ ...r, change: { ...r.change, actions: ['no-op'], before: r.change.after, after: r.change.after } }));
  return { ...plan, resource_changes: [rc, ...unchanged] };
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

interface RemediationAttrs {
  automatic: boolean;
  maximum_automatic_attempts: number;
  parameter: { name: string; static_value: string | null }[];
}
interface RecorderAttrs {
  recording_group: { resource_types: string[] }[];
}
interface RuleAttrs {
  source: { source_detail: { message_type: string; maximum_execution_frequency: string }[] }[];
}
interface PolicyAttrs {
  name: string;
  policy: string;
}

const modeOf = (attrs: RemediationAttrs) => attrs.parameter.find((p) => p.name === 'Mode')!;
const scheduledOf = (attrs: RuleAttrs) => attrs.source[0].source_detail.find((d) => d.message_type === 'ScheduledNotification')!;
const policyNamed = (plan: TerraformPlan, prefix: string) =>
  plan.resource_changes.find(
    (r) => r.type === 'aws_iam_policy' && ((r.change.before ?? r.change.after) as PolicyAttrs).name.startsWith(prefix),
  )!;

describe('changes moto cannot produce, derived from real resource changes', () => {
  // moto has no remediation configurations, so a real plan only ever creates one; these derive the update from that create.
  const created = () => loadPlan('remediation-stop', PAYMENTS);

  test('GIVEN a remediation configuration updated from notify/manual to stop/automatic with more attempts THEN each step is an escalation', () => {
    const plan = variantOf<RemediationAttrs>(created(), 'aws_config_remediation_configuration', (change) => {
      const before = copy(change.after!);
      before.automatic = false;
      before.maximum_automatic_attempts = 3;
      modeOf(before).static_value = 'notify';
      change.before = before;
      change.actions = ['update'];
    });

    expect(messages(flagPlan(PAYMENTS, plan), 'remediation-escalated')).toEqual([
      'remediation of ami-guard-approved-amis: automatic false → true (runs without a person)',
      'remediation of ami-guard-approved-amis: maximum automatic attempts 3 → 5',
      'remediation of ami-guard-approved-amis: mode notify → stop',
    ]);
  });

  test('GIVEN the remediation configuration deleted or lowered to notify THEN remediation is weakened (medium)', () => {
    const deleted = variantOf<RemediationAttrs>(created(), 'aws_config_remediation_configuration', (change) => {
      change.before = change.after;
      change.after = null;
      change.actions = ['delete'];
    });
    const lowered = variantOf<RemediationAttrs>(created(), 'aws_config_remediation_configuration', (change) => {
      change.before = copy(change.after!);
      modeOf(change.after!).static_value = 'notify';
      change.actions = ['update'];
    });

    expect(flagPlan(PAYMENTS, deleted).map((f) => `${f.severity} ${f.code}`)).toEqual(['medium remediation-weakened']);
    expect(flagPlan(PAYMENTS, lowered).map((f) => `${f.severity} ${f.code} ${f.message}`)).toEqual([
      'medium remediation-weakened remediation of ami-guard-approved-amis: mode stop → notify',
    ]);
  });

  test('GIVEN the recorder switched off, narrowed and the sweep slowed THEN detection is weakened, saying old -> new', () => {
    const base = loadPlan('unchanged', PAYMENTS);
    const status = variantOf<{ is_enabled: boolean }>(base, 'aws_config_configuration_recorder_status', (change) => {
      change.after = { ...change.before!, is_enabled: false };
      change.actions = ['update'];
    });
    const recorder = variantOf<RecorderAttrs>(base, 'aws_config_configuration_recorder', (change) => {
      change.after = copy(change.before!);
      change.before!.recording_group[0].resource_types = ['AWS::EC2::Instance', 'AWS::EC2::Volume'];
      change.actions = ['update'];
    });
    const rule = variantOf<RuleAttrs>(base, 'aws_config_config_rule', (change) => {
      change.after = copy(change.before!);
      scheduledOf(change.before!).maximum_execution_frequency = 'Twelve_Hours';
      scheduledOf(change.after).maximum_execution_frequency = 'TwentyFour_Hours';
      change.actions = ['update'];
    });

    expect(messages(flagPlan(PAYMENTS, status), 'detection-weakened')).toEqual([
      'recorder status ami-guard: recording switched off',
    ]);
    expect(messages(flagPlan(PAYMENTS, recorder), 'detection-weakened')).toEqual([
      'configuration recorder ami-guard no longer records AWS::EC2::Volume',
    ]);
    expect(messages(flagPlan(PAYMENTS, rule), 'detection-weakened')).toEqual([
      'Config rule ami-guard-approved-amis: sweep frequency lowered Twelve_Hours → TwentyFour_Hours',
    ]);
  });

  test('GIVEN the launch policy or its attachment deleted outright THEN launch-policy-removed, critical', () => {
    const base = loadPlan('unchanged', PAYMENTS);
    const policy = variantOf<PolicyAttrs>(base, 'aws_iam_policy', (change) => {
      change.actions = ['delete'];
      change.after = null;
    });
    // Whichever policy comes first is critical; pick the launch policy by name to check the message.
    const launch = policyNamed(base, 'ami-guard-launch-');
    const onlyLaunch = {
      ...base,
      resource_changes: [{ ...launch, change: { ...launch.change, actions: ['delete'], after: null } }],
    };

    expect(flagPlan(PAYMENTS, onlyLaunch).map((f) => `${f.severity} ${f.code} ${f.message}`)).toEqual([
      'critical launch-policy-removed launch policy ami-guard-launch-policy-eu-west-1 deleted',
    ]);
    expect(flagPlan(PAYMENTS, policy)[0].severity).toBe('critical');
  });

  test('GIVEN a guard or its attachment replaced THEN the replace says the principals are without it in between', () => {
    const base = loadPlan('tag-value-added', PAYMENTS);
    const policy = copy(policyNamed(base, 'ami-guard-launch-'));
    const attachment = copy(
      base.resource_changes.find((r) => r.type === 'aws_iam_role_policy_attachment' && r.name.startsWith('launch-policy'))!,
    );
    for (const rc of [policy, attachment]) {
      (rc.change as unknown as EditableChange<unknown>).actions = ['delete', 'create'];
      (rc as { change: { replace_paths?: string[][] } }).change.replace_paths = [[rc === policy ? 'name' : 'policy_arn']];
    }

    const flags = flagPlan(PAYMENTS, { ...base, resource_changes: [policy, attachment] });

    expect(messages(flags, 'replace')).toEqual([
      'launch policy ami-guard-launch-policy-eu-west-1 will be destroyed and recreated (name cannot change in place): its principals are without it in between',
      expect.stringMatching(
        /^launch policy ami-guard-launch-policy-eu-west-1 is detached from role \S+ and attached again \(policy_arn cannot change in place\): the role is without it in between$/,
      ),
    ]);
    expect(messages(flags, 'launch-policy-widened')).toEqual([
      'launch policy ami-guard-launch-policy-eu-west-1 now also accepts Environment="Staging"',
    ]);
  });

  test('GIVEN a wildcard tagger principal THEN tag-guard-weakened is critical', () => {
    const plan = loadPlan('tagger-added', PAYMENTS);
    const guard = policyNamed(plan, 'ami-guard-tag-guard');
    const after = copy(guard.change.after as PolicyAttrs);
    after.policy = after.policy.replaceAll('role/release-bot', 'role/*');
    const wildcard = { ...plan, resource_changes: [{ ...guard, change: { ...guard.change, after } }] };

    expect(flagPlan(PAYMENTS, wildcard).map((f) => `${f.severity} ${f.code}`)).toEqual(['critical tag-guard-weakened']);
    expect(flagPlan(PAYMENTS, wildcard)[0].message).toMatch(
      /tagger principal arn:aws:iam::123456789012:role\/\* added \(a wildcard/,
    );
  });

  test('GIVEN a policy renamed away from ami-guard-launch-* THEN it is still recognized as the launch policy by its statements', () => {
    const base = loadPlan('tag-value-added', PAYMENTS);
    const renamed = copy(policyNamed(base, 'ami-guard-launch-'));
    (renamed.change.before as PolicyAttrs).name = 'team-launch-guard';
    (renamed.change.after as PolicyAttrs).name = 'team-launch-guard';

    expect(messages(flagPlan(PAYMENTS, { ...base, resource_changes: [renamed] }), 'launch-policy-widened')).toEqual([
      'launch policy team-launch-guard now also accepts Environment="Staging"',
    ]);
  });

  test('GIVEN a deployed account stack planned from an empty state THEN its state is at risk; a new account is not', () => {
    const plan = loadPlan('unchanged', PAYMENTS);
    const empty: TerraformPlan = { ...plan, prior_state: undefined };

    expect(raised(flagPlan(PAYMENTS, empty, { existingStacks: new Set([PAYMENTS]) }))).toContain('critical state-at-risk');
    expect(raised(flagPlan(PAYMENTS, empty, { existingStacks: new Set([ANALYTICS]) }))).toEqual([]);
  });

  test('GIVEN a rule that cannot read a resource THEN the review reports it instead of crashing', () => {
    const plan = variantOf<{ role: string; policy: string }>(
      loadPlan('tagger-added', PAYMENTS),
      'aws_iam_role_policy',
      (change) => {
        change.before = { role: 'ami-guard-remediation-eu-west-1', policy: '{"Statement": [' };
        change.after = { role: 'ami-guard-remediation-eu-west-1', policy: '{}' };
        change.actions = ['update'];
      },
    );

    expect(flagPlan(PAYMENTS, plan).map((f) => `${f.severity} ${f.code}`)).toEqual(['high review-error']);
  });
});

describe('every review case, on its real plans', () => {
  const key = (f: Flag) => `${f.code}\u0000${f.address}\u0000${f.message}`;
  test.each(REVIEW_CASES.filter((c) => c.name !== 'unchanged').map((c) => [c.name, c] as const))(
    'GIVEN %s THEN its stacks raise exactly the expected codes beyond what the unchanged plan raises',
    (_name, c) => {
      for (const stack of Object.keys(c.expected)) {
        // The stop-mode account's remediation configuration is created in every plan (moto cannot hold it).
        const baseline = new Set(flagPlan(stack, loadPlan('unchanged', stack)).map(key));
        const own = flagPlan(stack, loadPlan(c.name, stack)).filter((f) => !baseline.has(key(f)));
        expect({ stack, raised: [...new Set(raised(own))] }).toEqual({ stack, raised: [...c.expected[stack]].sort() });
      }
    },
  );
});
