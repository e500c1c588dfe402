import { ConfigError, parseConfig } from '../config/load';
import { exampleJson, RawJson } from '../test-support/example-config';

type Edit = (json: RawJson) => void;

function parse(edit: Edit) {
  const json = exampleJson();
  edit(json);
  return parseConfig(json, 'org.json');
}

function problemsOf(edit: Edit): string {
  try {
    parse(edit);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

const accountIds = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));

/** Each bad organization section: what is wrong, how to make it, and the path, value or limit the message must name. */
const badSections: [string, Edit, RegExp][] = [
  [
    'more than 10 criteria',
    (j) => (j.organization.allowedImages.criteria = Array.from({ length: 11 }, () => ({ imageProviders: ['amazon'] }))),
    /organization\.allowedImages\.criteria: AWS allows at most 10 criteria/,
  ],
  [
    'more than 200 providers',
    (j) => (j.organization.allowedImages.criteria = [{ imageProviders: accountIds(201) }]),
    /organization\.allowedImages\.criteria\[0\]\.imageProviders: AWS allows at most 200 providers per criterion/,
  ],
  [
    'more than 50 names',
    (j) => (j.organization.allowedImages.criteria = [{ imageNames: Array.from({ length: 51 }, (_, i) => `golden-${i}-*`) }]),
    /organization\.allowedImages\.criteria\[0\]\.imageNames: AWS allows at most 50 name patterns per criterion/,
  ],
  [
    // 200 trusted owners plus the pipeline account of the ImageBuilder-* tagger
    'a default of more than 200 providers',
    (j) => (j.defaults.approval.trustedOwners = accountIds(200)),
    /organization\.allowedImages\.criteria\[0\]\.imageProviders: the default holds 201 providers, AWS allows at most 200; list the providers explicitly/,
  ],
  [
    'the declarative policy spelling of a provider alias',
    (j) => (j.organization.allowedImages.criteria = [{ imageProviders: ['aws_marketplace'] }]),
    /criteria\[0\]\.imageProviders\[0\]: expected a 12-digit account ID or one of "amazon", "aws-marketplace", "aws-backup-vault", got "aws_marketplace"/,
  ],
  [
    'a name pattern with "?" under 3 characters',
    (j) => (j.organization.allowedImages.criteria = [{ imageNames: ['a?'] }]),
    /criteria\[0\]\.imageNames\[0\]: a name pattern with "\?" must be at least 3 characters/,
  ],
  [
    'a name pattern with a forbidden character',
    (j) => (j.organization.allowedImages.criteria = [{ imageNames: ['golden#1'] }]),
    /criteria\[0\]\.imageNames\[0\]: expected an AMI name pattern .*got "golden#1"/,
  ],
  [
    'a negative age',
    (j) => (j.organization.allowedImages.criteria = [{ maximumDaysSinceCreated: -1 }]),
    /criteria\[0\]\.maximumDaysSinceCreated: .*got -1/,
  ],
  [
    'an unknown state',
    (j) => (j.organization.allowedImages.state = 'audit_mode'),
    /organization\.allowedImages\.state: .*"audit-mode".*"enabled"/,
  ],
  [
    'a malformed target',
    (j) => (j.organization.targets = [{ id: 'ou-prod' }]),
    /organization\.targets\[0\]\.id: expected the root ID \("r-\.\.\."\), an OU ID .*got "ou-prod"/,
  ],
  ['no target', (j) => (j.organization.targets = []), /organization\.targets: expected at least one target/],
  [
    'the same target twice',
    (j) => (j.organization.targets = [{ id: 'r-a1b2' }, { id: 'r-a1b2', launchGuard: true }]),
    /organization\.targets\[1\]\.id: "r-a1b2" is already targets\[0\]; list each target once/,
  ],
  [
    'the management account as a target',
    (j) => (j.organization.targets = [{ id: '999999999999' }]),
    /organization\.targets\[0\]\.id: "999999999999" is the management account, which SCPs never bind/,
  ],
  [
    'a deploy role of another account',
    (j) => (j.organization.deployRoleArn = 'arn:aws:iam::111111111111:role/ami-guard-deploy'),
    /organization\.deployRoleArn: the role is in account 111111111111, but managementAccountId is 999999999999/,
  ],
  [
    'a plan role of another account',
    (j) => (j.organization.planRoleArn = 'arn:aws:iam::111111111111:role/ami-guard-plan'),
    /organization\.planRoleArn: the role is in account 111111111111, but managementAccountId is 999999999999; use a read-only role of the management account/,
  ],
  [
    'a plan role that is not a role ARN',
    (j) => (j.organization.planRoleArn = 'ami-guard-org-plan'),
    /organization\.planRoleArn: expected an IAM role ARN such as "arn:aws:iam::999999999999:role\/ami-guard-org-plan"/,
  ],
  [
    'an aggregator role of another account',
    (j) => (j.organization.aggregator = { accountId: '444455556666', deployRoleArn: 'arn:aws:iam::999999999999:role/x' }),
    /organization\.aggregator\.deployRoleArn: the role is in account 999999999999, but aggregator\.accountId is 444455556666/,
  ],
  [
    'a malformed tagger principal',
    (j) => (j.organization.taggerPrincipals = ['image-pipeline']),
    /organization\.taggerPrincipals\[0\]: expected an IAM role or user ARN such as "arn:aws:iam::\*:role\/image-pipeline"/,
  ],
  [
    'no tagger principal',
    (j) => (j.organization.taggerPrincipals = []),
    /organization\.taggerPrincipals: expected at least one principal/,
  ],
  [
    'no default providers to derive',
    (j) => {
      j.defaults.approval.trustedOwners = [];
      j.organization.taggerPrincipals = ['arn:aws:iam::*:role/image-pipeline'];
    },
    /organization\.allowedImages\.criteria\[0\]\.imageProviders: no default .*list the image providers/,
  ],
  [
    'an unknown key',
    (j) => (j.organization.launchguard = true),
    /organization\.launchguard: unknown key; remove it or fix its spelling/,
  ],
  [
    'an account stack named like the organization stack',
    (j) => (j.accounts[0].stackName = 'organization'),
    /accounts\[0\]\.stackName: "organization" is reserved for the organization guardrails stack; choose another name/,
  ],
];

describe('organization config', () => {
  test.each(badSections)('rejects %s, naming the field and the fix', (_, edit, message) => {
    expect(problemsOf(edit)).toMatch(message);
  });

  test('accepts AWS limits exactly: 10 criteria, 200 providers, 50 names', () => {
    const config = parse((j) => {
      j.organization.allowedImages.criteria = [
        { imageProviders: accountIds(200), imageNames: Array.from({ length: 50 }, (_, i) => `golden-${i}-*`) },
        ...Array.from({ length: 9 }, () => ({ imageProviders: ['amazon'] })),
      ];
    });
    expect(config.organization!.allowedImages.criteria).toHaveLength(10);
    expect(config.organization!.allowedImages.criteria[0].imageProviders).toHaveLength(200);
  });

  test('applies the defaults: audit-mode, no launch guard, region and tags from defaults, the approval tag keys of the accounts', () => {
    const org = parse((j) => {
      j.accounts[2].approval = { tagKey: 'environment' };
      j.accounts[1].approval = { tagKey: 'Approved' };
      j.organization.tags = { Owner: 'platform' };
    }).organization!;
    expect(org.region).toBe('eu-west-1');
    expect(org.allowedImages.state).toBe('audit-mode');
    expect(org.targets).toEqual([{ id: 'ou-a1b2-c3d4e5f6', kind: 'ou', launchGuard: false }]);
    expect(org.approvalTagKeys).toEqual(['Environment', 'Approved']);
    expect(org.tags).toEqual({ ManagedBy: 'ami-guard', CostCenter: 'platform', Owner: 'platform' });
    expect(org.aggregator).toBeUndefined();
  });

  test('knows the kind of each target', () => {
    const org = parse((j) => {
      j.organization.targets = [{ id: 'r-a1b2' }, { id: 'ou-a1b2-c3d4e5f6', launchGuard: true }, { id: '222222222222' }];
    }).organization!;
    expect(org.targets.map((t) => [t.kind, t.launchGuard])).toEqual([
      ['root', false],
      ['ou', true],
      ['account', false],
    ]);
  });

  test('has no organization without the section', () => {
    expect(parse((j) => delete j.organization).organization).toBeUndefined();
  });
});
