/**
 * The write-path matrix: every signal of the trust model x every write path of its kind x three
 * principals, simulated with iam-simulate on the synthesized policies of the example config:
 * - its writer (AdministratorAccess, the account guards attached, under the SCPs): allowed;
 * - a developer holding ec2:*, autoscaling:* and ssm:* plus the account guard policies: denied;
 * - a member-account admin (*:*) under the SCPs: denied.
 * The write paths are written out here, not read from the generator, so that shrinking the generator
 * cannot shrink the test.
 */
import { tagGuardScpProps } from '../modules/stacks/tag-guard-scp-props';
import { Signal, Writer } from '../lambda/ami-compliance/trust-model';
import { organizationTrustModel } from '../modules/org/image-tag-guard-scp';
import { PolicyDocument } from '../modules/shared/policy-document';
import { simulate } from '../test-support/iam';
import { exampleConfig, managedPolicy, resourcesOf, sharedSynth } from '../test-support/synth';

const config = exampleConfig();
const { stacks } = sharedSynth(config);

const account = '222222222222';
const region = 'eu-west-1';
const stack = stacks['payments-prod'];
const accountGuards = [managedPolicy(stack, 'ami-guard-tag-guard-'), managedPolicy(stack, 'ami-guard-launch-policy-')];
const tagGuardScp = JSON.parse(
  String(
    resourcesOf(stacks.organization, 'aws_organizations_policy').find((p) => p.name === 'ami-guard-image-tag-guard')!.content,
  ),
) as PolicyDocument;
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const developerPermissions = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['ec2:*', 'autoscaling:*', 'ssm:*'], Resource: '*' }],
};
const scps = [
  { orgIdentifier: 'r-a1b2', policies: [allowAll] },
  { orgIdentifier: 'ou-a1b2-c3d4e5f6', policies: [allowAll, tagGuardScp] },
];

/** A principal of payments-prod for each writer, matching the example config's patterns. */
const WRITER_ARN: Record<Writer, string> = {
  pipeline: `arn:aws:iam::${account}:role/image-pipeline`,
  exceptionGranters: `arn:aws:iam::${account}:role/platform-change-approver`,
  automation: `arn:aws:iam::${account}:role/ami-guard/ami-guard-remediation-${region}`,
  iamAdmin: `arn:aws:iam::${account}:role/AWSControlTowerExecution`,
};
const developer = `arn:aws:iam::${account}:role/app-deployer`;
const memberAdmin = `arn:aws:iam::${account}:role/Admin`;

type Match = 'tag-keys' | 'all-tags' | 'resource';
const image = `arn:aws:ec2:${region}::image/ami-0123456789abcdef0`;
const snapshot = `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0`;
const instance = `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`;
const group = `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:11111111-2222-3333-4444-555555555555:autoScalingGroupName/web`;
// A parameter signal named by a pattern (the notice records, `/ami-guard/notices/*`) is tried on one parameter it covers.
const parameter = (name: string) => `arn:aws:ssm:${region}:${account}:parameter${name.replace(/\*/g, 'i-0123456789abcdef0')}`;
const role = (name: string) => `arn:aws:iam::${account}:role/${name.replace(/\*/g, 'x')}`;

/** Every write path of each kind of signal: [action, match, resource of the signal named `name`]. */
const WRITE_PATHS: Record<Signal['kind'], [string, Match, (name: string) => string][]> = {
  'image-tag': [
    ['ec2:CreateTags', 'tag-keys', () => image],
    ['ec2:DeleteTags', 'tag-keys', () => image],
    ['ec2:DeleteTags', 'all-tags', () => image],
    ['ec2:CreateImage', 'tag-keys', () => image],
    ['ec2:CopyImage', 'tag-keys', () => image],
    ['ec2:RegisterImage', 'tag-keys', () => image],
    ['ec2:ImportImage', 'tag-keys', () => image],
    ['ec2:CreateRestoreImageTask', 'tag-keys', () => image],
  ],
  'snapshot-tag': [
    ['ec2:CreateTags', 'tag-keys', () => snapshot],
    ['ec2:DeleteTags', 'tag-keys', () => snapshot],
    ['ec2:DeleteTags', 'all-tags', () => snapshot],
    ['ec2:CreateImage', 'tag-keys', () => snapshot],
    ['ec2:CopyImage', 'tag-keys', () => snapshot],
    ['ec2:CreateSnapshot', 'tag-keys', () => snapshot],
    ['ec2:CreateSnapshots', 'tag-keys', () => snapshot],
    ['ec2:CopySnapshot', 'tag-keys', () => snapshot],
    ['ec2:ImportSnapshot', 'tag-keys', () => snapshot],
  ],
  'instance-tag': [
    ['ec2:CreateTags', 'tag-keys', () => instance],
    ['ec2:DeleteTags', 'tag-keys', () => instance],
    ['ec2:DeleteTags', 'all-tags', () => instance],
    ['ec2:RunInstances', 'tag-keys', () => instance],
    ['ec2:CreateFleet', 'tag-keys', () => instance],
    ['autoscaling:CreateAutoScalingGroup', 'tag-keys', () => group],
    ['autoscaling:CreateOrUpdateTags', 'tag-keys', () => group],
    ['autoscaling:DeleteTags', 'tag-keys', () => group],
  ],
  'ssm-parameter': [
    ['ssm:PutParameter', 'resource', parameter],
    ['ssm:DeleteParameter', 'resource', parameter],
    ['ssm:DeleteParameters', 'resource', parameter],
    ['ssm:LabelParameterVersion', 'resource', parameter],
  ],
  'principal-name': [
    ['iam:CreateRole', 'resource', role],
    ['iam:UpdateAssumeRolePolicy', 'resource', role],
    ['iam:AttachRolePolicy', 'resource', role],
    ['iam:PutRolePolicy', 'resource', role],
    ['iam:PutRolePermissionsBoundary', 'resource', role],
    ['iam:DeleteRolePermissionsBoundary', 'resource', role],
    ['iam:TagRole', 'resource', role],
  ],
};

const org = config.organization!;
const signals = organizationTrustModel(tagGuardScpProps(org));

interface Cell {
  readonly signal: Signal;
  readonly action: string;
  readonly match: Match;
  readonly resource: string;
}
const cells: Cell[] = signals.flatMap((signal) =>
  WRITE_PATHS[signal.kind].map(([action, match, resourceOf]) => ({ signal, action, match, resource: resourceOf(signal.name) })),
);
const label = (c: Cell) =>
  `${c.signal.id} (${c.signal.name}) via ${c.action}${c.match === 'all-tags' ? ' without a key list' : ''}`;

function call(c: Cell, principal: string, policies: readonly unknown[], underScps: boolean) {
  return simulate({
    policies,
    action: c.action,
    resource: c.resource,
    principal,
    resourceAccount: account,
    context: { 'aws:PrincipalArn': principal, ...(c.match === 'tag-keys' ? { 'aws:TagKeys': [c.signal.name] } : {}) },
    ...(underScps ? { serviceControlPolicies: scps } : {}),
  });
}

beforeAll(() => {
  const principals = 3;
  console.log(
    `trust model matrix: ${signals.length} signals, ${cells.length} signal x write path cells, x ${principals} principals = ${cells.length * principals} simulations`,
  );
});

describe('the trust model matrix (example config, payments-prod and the organization SCPs)', () => {
  test('covers every kind of signal the example trusts, each with at least one writer', () => {
    expect(new Set(signals.map((s) => s.kind))).toEqual(
      new Set(['image-tag', 'snapshot-tag', 'instance-tag', 'ssm-parameter', 'principal-name']),
    );
    expect(signals.map((s) => s.id)).toEqual(
      expect.arrayContaining(['approval-tag', 'approved-image-ids', 'exception-tag', 'deadline-tag', 'evidence-until-image-tag']),
    );
    expect(cells.length).toBeGreaterThanOrEqual(100);
  });

  test.each(cells.map((c) => [label(c), c] as const))('%s: every writer is allowed', async (_, c) => {
    for (const writer of c.signal.writers) {
      await expect(call(c, WRITER_ARN[writer], [allowAll, ...accountGuards], true)).resolves.toBe('Allowed');
    }
  });

  test.each(cells.map((c) => [label(c), c] as const))(
    '%s: a developer with ec2:*, autoscaling:*, ssm:* and the account guards is denied',
    async (_, c) => {
      await expect(call(c, developer, [developerPermissions, ...accountGuards], false)).resolves.not.toBe('Allowed');
    },
  );

  test.each(cells.map((c) => [label(c), c] as const))('%s: a member-account admin under the SCPs is denied', async (_, c) => {
    await expect(call(c, memberAdmin, [allowAll], true)).resolves.toBe('ExplicitlyDenied');
  });

  test('the developer is denied explicitly by the account guard on every path it holds permissions for', async () => {
    const held = cells.filter((c) => c.signal.kind !== 'principal-name');
    for (const c of held) {
      await expect(call(c, developer, [developerPermissions, ...accountGuards], false)).resolves.toBe('ExplicitlyDenied');
    }
  });
});
