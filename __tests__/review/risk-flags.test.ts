/**
 * The risk flags of real plans (Terraform against moto, one change per flag family against an
 * applied baseline): each change raises exactly its codes and severities, and nothing above info
 * where nothing changed.
 */
import { Flag, flagPlan } from '../../modules/review/flags';
import { ResourceChange, TerraformPlan } from '../../modules/review/plan';
import { reviewStack } from '../../modules/review/review';
import { loadPlan, savedPlans } from './fixtures/plans';
import { ANALYTICS, PAYMENTS, STATE_BACKEND } from './fixtures/review-cases';

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

    expect(raised(flags)).toEqual([
      'high detection-weakened',
      'high launch-policy-widened',
      'medium replace',
      'medium replace',
      'medium replace',
    ]);
    expect(messages(flags, 'launch-policy-widened')).toEqual([
      'launch policy ami-guard-launch-eu-west-1 now also accepts Environment="Staging"',
    ]);
    expect(messages(flags, 'detection-weakened')).toEqual([
      'Config rule ami-guard-approved-amis: parameter tagValues "Prod" → "Prod,Staging"',
    ]);
    // The policy's description holds the tag values, so Terraform replaces it and re-attaches it.
    expect(messages(flags, 'replace')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/is detached from role ops-admin and attached again .*without it in between/),
      ]),
    );
  });

  test('GIVEN a tagger principal added THEN the tag guard is weakened, naming the principal', () => {
    const flags = flagPlan(PAYMENTS, loadPlan('tagger-added', PAYMENTS));

    expect(raised(flags)).toEqual(['high tag-guard-weakened']);
    expect(messages(flags, 'tag-guard-weakened')).toEqual([
      'image tag guard ami-guard-image-tag-guard-eu-west-1: tagger principal arn:aws:iam::123456789012:role/release-bot added',
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

    expect(new Set(raised(flags))).toEqual(new Set(['high remediation-escalated', 'medium replace']));
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
      'image tag guard ami-guard-image-tag-guard-eu-west-1 no longer attached to role ops-admin',
      'launch policy ami-guard-launch-eu-west-1 no longer attached to role ops-admin',
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

/** A copy of one resource change of a real plan, changed by `edit`, as the only change of a plan. */
function variantOf(plan: TerraformPlan, type: string, edit: (rc: any) => void): TerraformPlan {
  const rc = JSON.parse(JSON.stringify(plan.resource_changes.find((r) => r.type === type))) as ResourceChange;
  edit(rc);
  return { ...plan, resource_changes: [rc] };
}

describe('changes moto cannot produce, derived from real resource changes', () => {
  // moto has no remediation configurations, so a real plan only ever creates one; these derive the update from that create.
  const created = () => loadPlan('remediation-stop', PAYMENTS);

  test('GIVEN a remediation configuration updated from notify/manual to stop/automatic with more attempts THEN each step is an escalation', () => {
    const plan = variantOf(created(), 'aws_config_remediation_configuration', (rc) => {
      const after = rc.change.after;
      rc.change.before = JSON.parse(JSON.stringify(after));
      rc.change.before.automatic = false;
      rc.change.before.maximum_automatic_attempts = 3;
      rc.change.before.parameter.find((p: any) => p.name === 'Mode').static_value = 'notify';
      rc.change.actions = ['update'];
    });

    expect(messages(flagPlan(PAYMENTS, plan), 'remediation-escalated')).toEqual([
      'remediation of ami-guard-approved-amis: automatic false → true (runs without a person)',
      'remediation of ami-guard-approved-amis: maximum automatic attempts 3 → 5',
      'remediation of ami-guard-approved-amis: mode notify → stop',
    ]);
  });

  test('GIVEN the remediation configuration deleted or lowered to notify THEN remediation is weakened (medium)', () => {
    const deleted = variantOf(created(), 'aws_config_remediation_configuration', (rc) => {
      rc.change.before = rc.change.after;
      rc.change.after = null;
      rc.change.actions = ['delete'];
    });
    const lowered = variantOf(created(), 'aws_config_remediation_configuration', (rc) => {
      rc.change.before = JSON.parse(JSON.stringify(rc.change.after));
      rc.change.after.parameter.find((p: any) => p.name === 'Mode').static_value = 'notify';
      rc.change.actions = ['update'];
    });

    expect(flagPlan(PAYMENTS, deleted).map((f) => `${f.severity} ${f.code}`)).toEqual(['medium remediation-weakened']);
    expect(flagPlan(PAYMENTS, lowered).map((f) => `${f.severity} ${f.code} ${f.message}`)).toEqual([
      'medium remediation-weakened remediation of ami-guard-approved-amis: mode stop → notify',
    ]);
  });

  test('GIVEN the recorder switched off, narrowed and the sweep slowed THEN detection is weakened, saying old -> new', () => {
    const base = loadPlan('unchanged', PAYMENTS);
    const status = variantOf(base, 'aws_config_configuration_recorder_status', (rc) => {
      rc.change.after = { ...rc.change.before, is_enabled: false };
      rc.change.actions = ['update'];
    });
    const recorder = variantOf(base, 'aws_config_configuration_recorder', (rc) => {
      rc.change.after = JSON.parse(JSON.stringify(rc.change.before));
      rc.change.before.recording_group[0].resource_types = ['AWS::EC2::Instance', 'AWS::EC2::Volume'];
      rc.change.actions = ['update'];
    });
    const rule = variantOf(base, 'aws_config_config_rule', (rc) => {
      rc.change.after = JSON.parse(JSON.stringify(rc.change.before));
      const scheduled = rc.change.after.source[0].source_detail.find((d: any) => d.message_type === 'ScheduledNotification');
      rc.change.before.source[0].source_detail.find(
        (d: any) => d.message_type === 'ScheduledNotification',
      ).maximum_execution_frequency = 'Twelve_Hours';
      scheduled.maximum_execution_frequency = 'TwentyFour_Hours';
      rc.change.actions = ['update'];
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
    const policy = variantOf(base, 'aws_iam_policy', (rc) => {
      rc.change.actions = ['delete'];
      rc.change.after = null;
    });
    // The tag guard happens to come first; pick the launch policy by name to be sure.
    const launch = base.resource_changes.find((r) => (r.change.before as any)?.name === 'ami-guard-launch-eu-west-1')!;
    const onlyLaunch = {
      ...base,
      resource_changes: [{ ...launch, change: { ...launch.change, actions: ['delete'], after: null } }],
    };

    expect(flagPlan(PAYMENTS, onlyLaunch).map((f) => `${f.severity} ${f.code} ${f.message}`)).toEqual([
      'critical launch-policy-removed launch policy ami-guard-launch-eu-west-1 deleted',
    ]);
    expect(flagPlan(PAYMENTS, policy)[0].severity).toBe('critical');
  });

  test('GIVEN a wildcard tagger principal THEN tag-guard-weakened is critical', () => {
    const plan = loadPlan('tagger-added', PAYMENTS);
    const guard = plan.resource_changes.find((r) => (r.change.after as any)?.name?.startsWith('ami-guard-image-tag-guard'))!;
    const after = JSON.parse(JSON.stringify(guard.change.after));
    after.policy = after.policy.replaceAll('role/release-bot', 'role/*');
    const wildcard = { ...plan, resource_changes: [{ ...guard, change: { ...guard.change, after } }] };

    expect(flagPlan(PAYMENTS, wildcard).map((f) => `${f.severity} ${f.code}`)).toEqual(['critical tag-guard-weakened']);
    expect(flagPlan(PAYMENTS, wildcard)[0].message).toMatch(
      /tagger principal arn:aws:iam::123456789012:role\/\* added \(a wildcard/,
    );
  });

  test('GIVEN a policy renamed away from ami-guard-launch-* THEN it is still recognized as the launch policy by its statements', () => {
    const base = loadPlan('tag-value-added', PAYMENTS);
    const launch = base.resource_changes.find(
      (r) => r.type === 'aws_iam_policy' && (r.change.before as any)?.name?.startsWith('ami-guard-launch'),
    )!;
    const renamed = JSON.parse(JSON.stringify(launch)) as any;
    renamed.change.before.name = 'team-launch-guard';
    renamed.change.after.name = 'team-launch-guard';

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
    const plan = variantOf(loadPlan('tagger-added', PAYMENTS), 'aws_iam_role_policy', (rc) => {
      rc.change.before = { role: 'ami-guard-remediation-eu-west-1', policy: '{"Statement": [' };
      rc.change.after = { role: 'ami-guard-remediation-eu-west-1', policy: '{}' };
      rc.change.actions = ['update'];
    });

    expect(flagPlan(PAYMENTS, plan).map((f) => `${f.severity} ${f.code}`)).toEqual(['high review-error']);
  });
});
