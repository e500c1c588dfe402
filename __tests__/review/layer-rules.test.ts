/**
 * The organization and remediation rules on plans made from synthesized stacks (test-support/synth-plan.ts):
 * the e2e config as applied, and a changed config (or a hand edit of its synthesized JSON) as planned.
 * These are the changes moto cannot plan (the declarative policy type, remediation configurations)
 * or that no config produces (a remediation target, the rule parameters alone).
 */
import { parseConfig } from '../../config/load';
import { E2E_CONFIG } from '../../e2e/synth';
import { Flag, flagPlan } from '../../modules/review/flags';
import type { TerraformPlan } from '../../modules/review/plan';
import { RUNBOOK_DOCUMENT_NAME } from '../../lambda/ami-compliance/contract';
import { RUNBOOK_ESCALATION_PARAMETER } from '../../modules/review/rules/correct';
import { RawJson, sharedSynth } from '../../test-support/synth';
import { planBetween } from '../../test-support/synth-plan';
import { TerraformJson } from '../../test-support/terraform-json';
import * as fs from 'node:fs';

const ORG = 'organization';
const STOP = 'e2e-stop';

/** The e2e config with one account in stop mode, and the Allowed AMIs policy enforced. */
function baseJson(): RawJson {
  const json = JSON.parse(fs.readFileSync(E2E_CONFIG, 'utf8')) as RawJson;
  json.accounts = json.accounts.filter((a: RawJson) => a.stackName === STOP);
  json.accounts[0].remediation.graceHours = 24;
  json.organization.allowedImages.state = 'enabled';
  return json;
}

function synth(edit: (json: RawJson) => void = () => undefined): Record<string, TerraformJson> {
  const json = baseJson();
  edit(json);
  return sharedSynth(parseConfig(json, 'variant.json')).stacks;
}

let base: Record<string, TerraformJson>;
beforeAll(() => {
  base = synth();
});

/** The plan of `stack` from the base to a changed config, optionally with its synthesized JSON edited too. */
function planOf(
  stack: string,
  edit: (json: RawJson) => void,
  editStack: (s: TerraformJson) => void = () => undefined,
): TerraformPlan {
  const after = JSON.parse(JSON.stringify(synth(edit)[stack])) as TerraformJson;
  editStack(after);
  return planBetween(base[stack], after);
}

/** Flags above info as sorted "severity code" lines. */
function raised(flags: readonly Flag[]): string[] {
  return flags
    .filter((f) => f.severity !== 'info')
    .map((f) => `${f.severity} ${f.code}`)
    .sort();
}

function only<T>(stack: TerraformJson, type: string): Record<string, T> {
  return (stack.resource?.[type] ?? {}) as Record<string, T>;
}

function editContent(
  stack: TerraformJson,
  type: string,
  edit: (content: RawJson) => void,
  match: (b: RawJson) => boolean = () => true,
): void {
  for (const b of Object.values(only<RawJson>(stack, type)).filter(match)) {
    const content = JSON.parse(b.content) as RawJson;
    edit(content);
    b.content = JSON.stringify(content);
  }
}

describe('organization', () => {
  test('GIVEN the unchanged config THEN no flag', () => {
    expect(flagPlan(ORG, planBetween(base[ORG], base[ORG]))).toEqual([]);
  });

  test('GIVEN an SCP exempting arn:aws:iam::*:role/* THEN org-policy-loosened, critical, naming the principal in each statement', () => {
    const flags = flagPlan(
      ORG,
      planOf(ORG, (j) => j.organization.breakGlassPrincipals.push('arn:aws:iam::*:role/*')),
    );

    expect(new Set(raised(flags))).toEqual(new Set(['critical org-policy-loosened']));
    expect(flags.map((f) => f.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SCP ami-guard-image-tag-guard: exempt principal arn:aws:iam::\*:role\/\* added \(a wildcard/),
        expect.stringMatching(
          /^launch guard SCP ami-guard-launch-guard: exempt principal arn:aws:iam::\*:role\/\* added \(a wildcard/,
        ),
      ]),
    );
  });

  test('GIVEN a new exempt principal without a wildcard in its name THEN org-policy-loosened, high', () => {
    const flags = flagPlan(
      ORG,
      planOf(ORG, (j) => j.organization.breakGlassPrincipals.push('arn:aws:iam::*:role/ops-admin')),
    );

    expect(new Set(raised(flags))).toEqual(new Set(['high org-policy-loosened']));
  });

  test('GIVEN an SCP statement losing an action, a condition key and a resource THEN each is high', () => {
    const sids: string[] = [];
    const flags = flagPlan(
      ORG,
      planOf(
        ORG,
        () => undefined,
        (s) =>
          editContent(
            s,
            'aws_organizations_policy',
            (c) => {
              const [first, second, third] = c.Statement as RawJson[];
              sids.push(first.Sid, second.Sid, third.Sid);
              first.Action = ['ec2:CreateTags'];
              delete second.Condition.Null;
              second.Condition.StringEquals = { 'aws:RequestedRegion': 'eu-west-1' };
              third.Resource = 'arn:aws:ec2:eu-west-1::image/*';
            },
            (b) => b.name === 'ami-guard-image-tag-guard',
          ),
      ),
    );

    expect(raised(flags)).toEqual(['high org-policy-loosened', 'high org-policy-loosened', 'high org-policy-loosened']);
    const messages = flags.map((f) => f.message).join('\n');
    expect(messages).toContain(`${sids[0]} no longer denies ec2:DeleteTags`);
    expect(messages).toContain(`${sids[1]} now applies only when StringEquals aws:RequestedRegion`);
    expect(messages).toMatch(new RegExp(`${sids[2]} no longer denies on arn:aws:ec2:\\*::image/\\*`));
  });

  test('GIVEN the only target removed for another THEN every policy is detached from it, critical (the launch guard high)', () => {
    const flags = flagPlan(
      ORG,
      planOf(ORG, (j) => (j.organization.targets = [{ id: 'ou-e2e0-sandboxes', launchGuard: true }])),
    );

    expect(raised(flags)).toEqual(['critical org-guard-removed', 'critical org-guard-removed', 'high launch-guard-removed']);
    expect(flags.filter((f) => f.severity !== 'info').map((f) => f.message)).toEqual([
      'Allowed AMIs policy ami-guard-allowed-images no longer attached to ou-e2e0-workloads',
      'SCP ami-guard-image-tag-guard no longer attached to ou-e2e0-workloads',
      'launch guard SCP ami-guard-launch-guard no longer attached to ou-e2e0-workloads',
    ]);
  });

  test('GIVEN the launch guard turned off THEN launch-guard-removed, high, for the policy and its attachment', () => {
    const flags = flagPlan(
      ORG,
      planOf(ORG, (j) => (j.organization.targets[0].launchGuard = false)),
    );

    expect(raised(flags)).toEqual(['high launch-guard-removed', 'high launch-guard-removed']);
  });

  test('GIVEN the Allowed AMIs state enabled -> audit-mode THEN allowed-images-audit-only, critical', () => {
    const flags = flagPlan(
      ORG,
      planOf(ORG, (j) => (j.organization.allowedImages.state = 'audit-mode')),
    );

    expect(raised(flags)).toEqual(['critical allowed-images-audit-only']);
    expect(flags[0].message).toMatch(/state enabled → audit_mode/);
  });

  test('GIVEN the criteria widened (a provider, names dropped, an age limit raised or removed) THEN allowed-images-widened, high', () => {
    const narrow = (j: RawJson) =>
      (j.organization.allowedImages.criteria = [
        {
          imageProviders: ['123456789012'],
          imageNames: ['golden-*'],
          maximumDaysSinceCreated: 30,
          maximumDaysSinceDeprecated: 0,
        },
      ]);
    const from = synth(narrow)[ORG];
    const to = synth((j) => {
      narrow(j);
      j.organization.allowedImages.criteria = [{ imageProviders: ['123456789012', 'amazon'], maximumDaysSinceCreated: 90 }];
    })[ORG];

    const flags = flagPlan(ORG, planBetween(from, to));

    // The launch guard trusts the same providers, so it is loosened too.
    expect(raised(flags)).toEqual([...Array(4).fill('high allowed-images-widened'), 'high org-policy-loosened']);
    expect(flags.find((f) => f.code === 'org-policy-loosened')!.message).toMatch(/now also trusts AMI owner amazon$/);
    expect(flags.map((f) => f.message.replace(/^.*criteria_1 /, ''))).toEqual(
      expect.arrayContaining([
        'provider amazon added',
        'no longer limited by image name',
        'maximum_days_since_created raised 30 → 90',
        'maximum_days_since_deprecated 0 removed',
      ]),
    );
  });

  test('GIVEN @@operators_allowed_for_child_policies loosened THEN allowed-images-overridable, critical', () => {
    const flags = flagPlan(
      ORG,
      planOf(
        ORG,
        () => undefined,
        (s) =>
          editContent(
            s,
            'aws_organizations_policy',
            (c) => (c.ec2_attributes.allowed_images_settings['@@operators_allowed_for_child_policies'] = ['@@all']),
            (b) => b.type === 'DECLARATIVE_POLICY_EC2',
          ),
      ),
    );

    expect(raised(flags)).toEqual(['critical allowed-images-overridable']);
  });

  test('GIVEN the aggregator removed THEN aggregator-removed, medium', () => {
    const flags = flagPlan(
      ORG,
      planOf(ORG, (j) => delete j.organization.aggregator),
    );

    expect(raised(flags)).toContain('medium aggregator-removed');
  });
});

describe('remediation and detection', () => {
  test('GIVEN the unchanged config THEN no flag', () => {
    expect(flagPlan(STOP, planBetween(base[STOP], base[STOP]))).toEqual([]);
  });

  test('GIVEN stop -> terminate THEN remediation-escalated, high', () => {
    const flags = flagPlan(
      STOP,
      planOf(STOP, (j) => (j.accounts[0].remediation.mode = 'terminate')),
    );

    expect(new Set(raised(flags))).toEqual(new Set(['high remediation-escalated']));
    expect(flags.map((f) => f.message)).toContain('remediation of ami-guard-approved-amis: mode stop → terminate');
  });

  test('GIVEN a new remediation configuration in terminate mode THEN it is escalated', () => {
    const after = synth((j) => (j.accounts[0].remediation.mode = 'terminate'))[STOP];
    const before = JSON.parse(JSON.stringify(base[STOP])) as TerraformJson;
    delete (before.resource as RawJson).aws_config_remediation_configuration;

    const flags = flagPlan(STOP, planBetween(before, after));

    expect(flags.map((f) => `${f.severity} ${f.code} ${f.message}`)).toContain(
      'high remediation-escalated remediation of ami-guard-approved-amis created in mode terminate: it terminates instances',
    );
  });

  test(`GIVEN target_id set to another document THEN remediation-target-changed, critical`, () => {
    const flags = flagPlan(
      STOP,
      planOf(
        STOP,
        () => undefined,
        (s) => {
          for (const r of Object.values(only<RawJson>(s, 'aws_config_remediation_configuration')))
            r.target_id = 'AWS-TerminateEC2Instance';
        },
      ),
    );

    expect(raised(flags)).toEqual(['critical remediation-target-changed']);
    expect(flags[0].message).toContain(`runs AWS-TerminateEC2Instance instead of ${RUNBOOK_DOCUMENT_NAME}`);
  });

  test('GIVEN the runbook the stack synthesizes THEN it has the name the review expects', () => {
    expect(Object.values(only<RawJson>(base[STOP], 'aws_ssm_document')).map((d) => d.name)).toEqual([RUNBOOK_DOCUMENT_NAME]);
  });

  test('GIVEN grace 24 -> 0 THEN remediation-grace-shortened, high', () => {
    const flags = flagPlan(
      STOP,
      planOf(STOP, (j) => (j.accounts[0].remediation.graceHours = 0)),
    );

    expect(raised(flags)).toEqual(['high remediation-grace-shortened']);
    expect(flags.find((f) => f.severity === 'high')!.message).toMatch(/grace period \(GraceHours\) 24 h → 0 h/);
  });

  test(`GIVEN the runbook's ${RUNBOOK_ESCALATION_PARAMETER} lowered THEN remediation-escalation-lowered, medium`, () => {
    const withThreshold = (hours: number) => (s: TerraformJson) =>
      editContent(
        s,
        'aws_ssm_document',
        (c) => (c.parameters[RUNBOOK_ESCALATION_PARAMETER] = { type: 'Integer', default: hours }),
      );
    const [from, to] = [72, 24].map((hours) => {
      const stack = JSON.parse(JSON.stringify(base[STOP])) as TerraformJson;
      withThreshold(hours)(stack);
      return stack;
    });

    const flags = flagPlan(STOP, planBetween(from, to));

    expect(raised(flags)).toEqual(['medium remediation-escalation-lowered']);
  });

  test('GIVEN a tag value added to the rule parameters only THEN detection-weakened, high, in both copies', () => {
    const addStaging = (text: string) => {
      const params = JSON.parse(text) as Record<string, string>;
      params.tagValues = `${params.tagValues},Staging`;
      return JSON.stringify(params);
    };
    const flags = flagPlan(
      STOP,
      planOf(
        STOP,
        () => undefined,
        (s) => {
          for (const r of Object.values(only<RawJson>(s, 'aws_config_config_rule')))
            r.input_parameters = addStaging(r.input_parameters);
          for (const f of Object.values(only<RawJson>(s, 'aws_lambda_function')))
            f.environment.variables.AMI_GUARD_RULE_PARAMETERS = addStaging(f.environment.variables.AMI_GUARD_RULE_PARAMETERS);
        },
      ),
    );

    expect(raised(flags)).toEqual(['high detection-weakened', 'high detection-weakened']);
  });

  test('GIVEN maxExceptionDays 90 -> 3650 and trusted owners emptied THEN exceptions widened (medium), detection and the launch policy weakened (high)', () => {
    const flags = flagPlan(
      STOP,
      planOf(STOP, (j) => {
        j.defaults.detection = { ...j.defaults.detection, maxExceptionDays: 3650 };
        j.defaults.approval.trustedOwners = [];
        j.organization.allowedImages.criteria = [{ imageProviders: ['123456789012'] }];
      }),
    );

    // The launch policy drops its owner condition too.
    expect(new Set(raised(flags))).toEqual(
      new Set(['high detection-weakened', 'high launch-policy-widened', 'medium detection-exceptions-widened']),
    );
    expect(flags.map((f) => f.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/maxExceptionDays raised 90 → 3650$/),
        expect.stringMatching(/trusted AMI owners .* → \(none\): any now passes$/),
      ]),
    );
  });

  test('GIVEN the change trigger removed THEN detection-weakened, high', () => {
    const flags = flagPlan(
      STOP,
      planOf(
        STOP,
        () => undefined,
        (s) => {
          for (const r of Object.values(only<RawJson>(s, 'aws_config_config_rule')))
            r.source.source_detail = r.source.source_detail.filter((d: RawJson) => d.message_type === 'ScheduledNotification');
        },
      ),
    );

    expect(raised(flags)).toEqual(['high detection-weakened']);
    expect(flags[0].message).toMatch(
      /no longer triggered by ConfigurationItemChangeNotification, OversizedConfigurationItemChangeNotification/,
    );
  });

  test('GIVEN a wildcard tagger under StringNotLike THEN critical, as under ArnNotLike', () => {
    const underStringNotLike = (extra: string[]) => (s: TerraformJson) => {
      for (const p of Object.values(only<RawJson>(s, 'aws_iam_policy')).filter((x) => String(x.name).includes('tag-guard'))) {
        const doc = JSON.parse(p.policy) as RawJson;
        for (const st of (doc.Statement as RawJson[]).filter((x) => x.Condition?.ArnNotLike)) {
          st.Condition.StringNotLike = {
            'aws:PrincipalArn': [[st.Condition.ArnNotLike['aws:PrincipalArn']].flat(), extra].flat(),
          };
          delete st.Condition.ArnNotLike;
        }
        p.policy = JSON.stringify(doc);
      }
    };
    const [from, to] = [[], ['arn:aws:iam::123456789012:role/ci-*']].map((extra) => {
      const stack = JSON.parse(JSON.stringify(base[STOP])) as TerraformJson;
      underStringNotLike(extra)(stack);
      return stack;
    });

    const flags = flagPlan(STOP, planBetween(from, to));

    expect(new Set(raised(flags))).toEqual(new Set(['critical tag-guard-weakened']));
    expect(flags[0].message).toMatch(/tagger principal arn:aws:iam::123456789012:role\/ci-\* added \(a wildcard/);
  });
});
