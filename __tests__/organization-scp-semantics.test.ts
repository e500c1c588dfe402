/**
 * The organization SCPs, read from the synthesized `organization` stack and passed to iam-simulate
 * as service control policies: they bind a member principal whose own policy allows everything.
 */
import { PolicyDocument } from '../modules/shared/policy-document';
import { simulate } from '../test-support/iam';
import { exampleVariant, resourcesOf, sharedSynth } from '../test-support/synth';

const { stacks } = sharedSynth(
  exampleVariant((j) => {
    j.organization.targets = [{ id: 'ou-a1b2-c3d4e5f6', launchGuard: true }];
    j.organization.allowedImages.criteria = [{ imageProviders: ['111111111111', 'amazon', 'aws-backup-vault'] }];
  }),
);

function scp(name: string): PolicyDocument {
  const policy = resourcesOf(stacks.organization, 'aws_organizations_policy').find((p) => p.name === name);
  if (!policy) throw new Error(`no aws_organizations_policy ${name} in the organization stack`);
  expect(policy.type).toBe('SERVICE_CONTROL_POLICY');
  return JSON.parse(String(policy.content)) as PolicyDocument;
}

const tagGuard = scp('ami-guard-image-tag-guard');
const launchGuard = scp('ami-guard-launch-guard');
const fullAwsAccess = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const administratorAccess = fullAwsAccess;

const account = '222222222222';
const admin = `arn:aws:iam::${account}:role/Admin`;
const pipeline = `arn:aws:iam::${account}:role/image-pipeline`;
const breakGlass = `arn:aws:iam::${account}:role/ami-guard-break-glass`;
const image = 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0';

interface Call {
  readonly action: string;
  readonly resource?: string;
  readonly context?: Record<string, string | string[]>;
}

/** A call by `principal` (AdministratorAccess-like identity policy) under the root and OU SCPs. */
function call(principal: string, { action, resource = image, context = {} }: Call, scps: unknown[] = [tagGuard, launchGuard]) {
  return simulate({
    policies: [administratorAccess],
    action,
    resource,
    principal,
    resourceAccount: principal.split(':')[4],
    context: { 'aws:PrincipalArn': principal, ...context },
    serviceControlPolicies: [
      { orgIdentifier: 'r-a1b2', policies: [fullAwsAccess] },
      { orgIdentifier: 'ou-a1b2-c3d4e5f6', policies: [fullAwsAccess, ...scps] },
    ],
  });
}

const tagImage = (key: string): Call => ({ action: 'ec2:CreateTags', context: { 'aws:TagKeys': [key] } });
const createImageTagged: Call = { action: 'ec2:CreateImage', context: { 'aws:TagKeys': ['Environment', 'Team'] } };
const tagOnCreate = (createAction: string): Call => ({
  action: 'ec2:CreateTags',
  context: { 'aws:TagKeys': ['Environment'], 'ec2:CreateAction': createAction },
});
const runFrom = (owner: string): Call => ({ action: 'ec2:RunInstances', context: { 'ec2:Owner': owner } });
const spotRequest: Call = { action: 'ec2:RequestSpotInstances', context: { 'ec2:Owner': '111111111111' } };

/** Every call the SCPs must deny to an admin. */
const deniedToAdmin: [string, Call][] = [
  ['tagging an image with the approval key', tagImage('Environment')],
  ['tagging an image with the approval key in another case', tagImage('environment')],
  ['tagging an image with the approval key in upper case', tagImage('ENVIRONMENT')],
  ['deleting the approval tag', { action: 'ec2:DeleteTags', context: { 'aws:TagKeys': ['Environment'] } }],
  ['deleting every tag of an image (no tag list)', { action: 'ec2:DeleteTags' }],
  ['CreateImage with TagSpecifications of the key', createImageTagged],
  ...['CreateImage', 'CopyImage', 'RegisterImage', 'ImportImage', 'CreateRestoreImageTask'].map((a): [string, Call] => [
    `tag-on-create of the key through ${a} (ec2:CreateTags, ec2:CreateAction=${a})`,
    tagOnCreate(a),
  ]),
  ['RunInstances of an image from an untrusted owner', runFrom('444455556666')],
  ['RunInstances of an AWS Marketplace image when aws-marketplace is not a provider', runFrom('aws-marketplace')],
  ['RequestSpotInstances, even of a trusted image', spotRequest],
  [
    'RequestSpotFleet',
    { action: 'ec2:RequestSpotFleet', resource: `arn:aws:ec2:eu-west-1:${account}:spot-fleet-request/sfr-0123456789abcdef0` },
  ],
  ['CreateImage without any tag (outside the pipeline)', { action: 'ec2:CreateImage' }],
  ['CopyImage (outside the pipeline)', { action: 'ec2:CopyImage' }],
];

describe('organization SCPs (iam-simulate, SCPs from the synthesized organization stack)', () => {
  test.each(deniedToAdmin)('deny an AdministratorAccess member principal %s', async (_, c) => {
    await expect(call(admin, c)).resolves.toBe('ExplicitlyDenied');
  });

  test('the tag guard alone denies CreateImage with the approval key in TagSpecifications, and tag-on-create', async () => {
    await expect(call(admin, createImageTagged, [tagGuard])).resolves.toBe('ExplicitlyDenied');
    await expect(call(admin, tagOnCreate('CopyImage'), [tagGuard])).resolves.toBe('ExplicitlyDenied');
    await expect(call(admin, { action: 'ec2:CreateImage', context: { 'aws:TagKeys': ['Team'] } }, [tagGuard])).resolves.toBe(
      'Allowed',
    );
  });

  test('leave other tags on images to the accounts', async () => {
    await expect(call(admin, tagImage('CostCenter'))).resolves.toBe('Allowed');
  });

  test('do not deny a launch from a trusted owner (an account ID or the amazon alias)', async () => {
    await expect(call(admin, runFrom('111111111111'))).resolves.toBe('Allowed');
    await expect(call(admin, runFrom('amazon'))).resolves.toBe('Allowed');
  });

  test('let the pipeline principal tag images with the approval key and create images', async () => {
    await expect(call(pipeline, tagImage('Environment'))).resolves.toBe('Allowed');
    await expect(call(pipeline, { action: 'ec2:DeleteTags', context: { 'aws:TagKeys': ['Environment'] } })).resolves.toBe(
      'Allowed',
    );
    await expect(call(pipeline, createImageTagged)).resolves.toBe('Allowed');
    await expect(call(pipeline, tagOnCreate('CreateImage'))).resolves.toBe('Allowed');
  });

  test('still bind the pipeline principal to trusted owners and no legacy Spot requests', async () => {
    await expect(call(pipeline, runFrom('444455556666'))).resolves.toBe('ExplicitlyDenied');
    await expect(call(pipeline, spotRequest)).resolves.toBe('ExplicitlyDenied');
  });

  test.each(deniedToAdmin)('let a break-glass principal pass every SCP: %s', async (_, c) => {
    await expect(call(breakGlass, c)).resolves.toBe('Allowed');
  });

  test('match the wildcard pipeline principals of the config in any member account', async () => {
    const builder = 'arn:aws:iam::111111111111:role/ImageBuilder-nightly';
    await expect(call(builder, tagImage('Environment'))).resolves.toBe('Allowed');
    const otherAccountsBuilder = 'arn:aws:iam::333333333333:role/ImageBuilder-nightly';
    await expect(call(otherAccountsBuilder, tagImage('Environment'))).resolves.toBe('ExplicitlyDenied');
  });

  test('name no aws-backup-vault owner (it has no ec2:Owner value) but every other provider', () => {
    const statement = launchGuard.Statement.find((s) => s.Sid === 'DenyRunInstancesFromUntrustedImageOwners');
    expect(statement?.Condition?.StringNotEquals['ec2:Owner']).toEqual(['111111111111', 'amazon']);
  });
});

describe('organization tag guard SCP: the exception tag on instances', () => {
  const instance = `arn:aws:ec2:eu-west-1:${account}:instance/i-0123456789abcdef0`;
  const granter = `arn:aws:iam::${account}:role/platform-change-approver`;
  const onInstance = (action: string, context: Record<string, string | string[]>): Call => ({
    action,
    resource: instance,
    context,
  });
  const exceptionCalls: [string, Call][] = [
    ['tagging a running instance with the exception key', onInstance('ec2:CreateTags', { 'aws:TagKeys': ['AmiGuardException'] })],
    [
      'tag-on-create of the key through RunInstances',
      onInstance('ec2:CreateTags', { 'aws:TagKeys': ['amiguardexception'], 'ec2:CreateAction': 'RunInstances' }),
    ],
    ['a launch that requests the key on the instance', onInstance('ec2:RunInstances', { 'aws:TagKeys': ['AmiGuardException'] })],
    ['removing the key', onInstance('ec2:DeleteTags', { 'aws:TagKeys': ['AmiGuardException'] })],
  ];

  test.each(exceptionCalls)('denies an admin %s', async (_, c) => {
    await expect(call(admin, c, [tagGuard])).resolves.toBe('ExplicitlyDenied');
  });

  test.each(exceptionCalls)('lets an exception granter and break-glass do it: %s', async (_, c) => {
    await expect(call(granter, c, [tagGuard])).resolves.toBe('Allowed');
    await expect(call(breakGlass, c, [tagGuard])).resolves.toBe('Allowed');
  });

  test('leaves other instance tags to the accounts', async () => {
    await expect(call(admin, onInstance('ec2:CreateTags', { 'aws:TagKeys': ['Team'] }), [tagGuard])).resolves.toBe('Allowed');
  });
});
