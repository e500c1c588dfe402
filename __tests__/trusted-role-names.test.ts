/**
 * Principal names and the launch guard with terminate mode, simulated on the synthesized organization
 * stack: a wildcard-account role pattern is accepted only with the IAM admins that protect it, and
 * AMI Guard's evidence image passes the launch guard while a developer's CreateImage does not.
 */
import { ConfigError } from '../config/load';
import { PolicyDocument } from '../modules/shared/policy-document';
import { simulate } from '../test-support/iam';
import { exampleVariant, RawJson, resourcesOf, sharedSynth } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';

const account = '222222222222';
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

function scps(org: TerraformJson): PolicyDocument[] {
  return resourcesOf(org, 'aws_organizations_policy')
    .filter((p) => p.type === 'SERVICE_CONTROL_POLICY')
    .map((p) => JSON.parse(String(p.content)) as PolicyDocument);
}

function synthOrganization(edit: (org: RawJson) => void) {
  const { stacks } = sharedSynth(exampleVariant((j) => edit(j.organization)));
  return scps(stacks.organization);
}

/** `principal` with AdministratorAccess in a member account, under the organization's SCPs. */
function asMember(policies: PolicyDocument[], principal: string, action: string, resource: string, context = {}) {
  return simulate({
    policies: [allowAll],
    action,
    resource,
    principal,
    resourceAccount: account,
    context: { 'aws:PrincipalArn': principal, ...context },
    serviceControlPolicies: [
      { orgIdentifier: 'r-a1b2', policies: [allowAll] },
      { orgIdentifier: 'ou-a1b2-c3d4e5f6', policies: [allowAll, ...policies] },
    ],
  });
}

function problemsOf(edit: (org: RawJson) => void): string[] {
  try {
    exampleVariant((j) => edit(j.organization));
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('a tagger trusted by role name in every account (arn:aws:iam::*:role/image-pipeline)', () => {
  const pipelineRole = `arn:aws:iam::${account}:role/image-pipeline`;
  const memberAdmin = `arn:aws:iam::${account}:role/Admin`;

  test('without IAM admins to protect the name, the config fails with the field and both fixes', () => {
    const problems = problemsOf((o) => {
      o.iamAdminPrincipals = [];
      o.breakGlassPrincipals = [];
      o.exceptionGranters = [];
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^organization\.taggerPrincipals\[0\]: "arn:aws:iam::\*:role\/image-pipeline" trusts a role of that name in every member account.*organization\.iamAdminPrincipals.*or name the account, e.g\. "arn:aws:iam::111122223333:role\/image-pipeline"$/,
      ),
    ]);
  });

  test('names every wildcard pattern of break-glass and granters too, and rejects a user in every account', () => {
    const problems = problemsOf((o) => {
      o.iamAdminPrincipals = [];
      o.taggerPrincipals = ['arn:aws:iam::111111111111:role/image-pipeline', 'arn:aws:iam::*:user/pipeline-bot'];
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'organization.taggerPrincipals[1]',
      'organization.exceptionGranters[0]',
      'organization.breakGlassPrincipals[0]',
    ]);
    expect(problems[0]).toMatch(/a user of that name in every member account, which no SCP can reserve; name the account/);
  });

  test('accounts named by ID need no IAM admins', () => {
    expect(
      problemsOf((o) => {
        o.iamAdminPrincipals = [];
        o.taggerPrincipals = ['arn:aws:iam::111111111111:role/image-pipeline'];
        o.exceptionGranters = ['arn:aws:iam::111111111111:role/platform-change-approver'];
        o.breakGlassPrincipals = ['arn:aws:iam::999999999999:role/break-glass'];
      }),
    ).toEqual([]);
  });

  describe('with organization.iamAdminPrincipals', () => {
    const policies = synthOrganization(() => {});
    const admin = `arn:aws:iam::${account}:role/AWSControlTowerExecution`;
    const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;

    test.each(['iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:TagRole'])(
      "a member admin's %s on role/image-pipeline is denied, the IAM admin's is not",
      async (action) => {
        await expect(asMember(policies, memberAdmin, action, pipelineRole)).resolves.toBe('ExplicitlyDenied');
        await expect(asMember(policies, admin, action, pipelineRole)).resolves.toBe('Allowed');
      },
    );

    test("AMI Guard's own roles (path /ami-guard/) are protected the same way; each account's deploy role may create them", async () => {
      const remediation = role('ami-guard/ami-guard-remediation-eu-west-1');
      await expect(asMember(policies, memberAdmin, 'iam:CreateRole', remediation)).resolves.toBe('ExplicitlyDenied');
      await expect(
        asMember(policies, `arn:aws:iam::${account}:role/ami-guard-deploy`, 'iam:CreateRole', remediation),
      ).resolves.toBe('Allowed');
    });

    test('roles of other names stay with the account', async () => {
      await expect(asMember(policies, memberAdmin, 'iam:CreateRole', role('app-deployer'))).resolves.toBe('Allowed');
    });
  });
});

describe('launch guard and terminate mode', () => {
  const policies = synthOrganization((o) => {
    o.targets = [{ id: 'ou-a1b2-c3d4e5f6', launchGuard: true }];
  });
  const remediationRole = `arn:aws:iam::${account}:role/ami-guard/ami-guard-remediation-eu-west-1`;
  const developer = `arn:aws:iam::${account}:role/app-deployer`;
  const image = 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0';
  const sourceInstance = `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0`;
  const evidenceTags = {
    'aws:TagKeys': ['AmiGuardEvidenceOf', 'AmiGuardEvidenceUntil', 'AmiGuardFinding'],
    'aws:RequestTag/AmiGuardEvidenceOf': 'i-0123456789abcdef0',
  };

  test("the remediation role's evidence CreateImage is allowed (image and source instance)", async () => {
    await expect(asMember(policies, remediationRole, 'ec2:CreateImage', image, evidenceTags)).resolves.toBe('Allowed');
    await expect(asMember(policies, remediationRole, 'ec2:CreateImage', sourceInstance)).resolves.toBe('Allowed');
  });

  test('the remediation role may not create any other image', async () => {
    await expect(asMember(policies, remediationRole, 'ec2:CreateImage', image, { 'aws:TagKeys': ['Name'] })).resolves.toBe(
      'ExplicitlyDenied',
    );
    await expect(asMember(policies, remediationRole, 'ec2:CopyImage', image)).resolves.toBe('ExplicitlyDenied');
  });

  test("a developer's CreateImage stays denied, with the evidence tags or without", async () => {
    await expect(asMember(policies, developer, 'ec2:CreateImage', image, evidenceTags)).resolves.toBe('ExplicitlyDenied');
    await expect(asMember(policies, developer, 'ec2:CreateImage', image)).resolves.toBe('ExplicitlyDenied');
  });

  test("with the remediation role's own synthesized permissions (terminate mode), the evidence image passes both layers", async () => {
    const { stacks } = sharedSynth(
      exampleVariant((j) => {
        j.organization.targets = [{ id: 'ou-a1b2-c3d4e5f6', launchGuard: true }];
        j.accounts[1].remediation = { ...j.accounts[1].remediation, mode: 'terminate' };
      }),
    );
    const own = JSON.parse(
      String(resourcesOf(stacks['payments-prod'], 'aws_iam_role_policy').find((p) => p.name === 'remediation')!.policy),
    ) as PolicyDocument;
    const requestTags = Object.fromEntries(
      evidenceTags['aws:TagKeys'].map((key) => [`aws:RequestTag/${key}`, key === 'AmiGuardFinding' ? 'unapproved AMI' : 'x']),
    );
    const result = await simulate({
      policies: [own],
      action: 'ec2:CreateImage',
      resource: image,
      principal: remediationRole,
      resourceAccount: account,
      context: { 'aws:PrincipalArn': remediationRole, 'aws:TagKeys': evidenceTags['aws:TagKeys'], ...requestTags },
      serviceControlPolicies: [
        { orgIdentifier: 'r-a1b2', policies: [allowAll] },
        { orgIdentifier: 'ou-a1b2-c3d4e5f6', policies: [allowAll, ...scps(stacks.organization)] },
      ],
    });
    expect(result).toBe('Allowed');
  });

  test('CreateFleet by a member admin is denied', async () => {
    const fleet = `arn:aws:ec2:eu-west-1:${account}:fleet/fleet-0123456789abcdef0`;
    await expect(asMember(policies, `arn:aws:iam::${account}:role/Admin`, 'ec2:CreateFleet', fleet)).resolves.toBe(
      'ExplicitlyDenied',
    );
    await expect(
      asMember(policies, `arn:aws:iam::${account}:role/Admin`, 'ec2:CreateFleet', image, { 'ec2:Owner': '111111111111' }),
    ).resolves.toBe('ExplicitlyDenied');
  });
});
