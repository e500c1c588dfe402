import { simulate } from '../test-support/iam';
import { exampleConfig, exampleVariant, managedPolicy, sharedSynth } from '../test-support/synth';

// Policies are read from the synthesized stacks, exactly as Terraform will create them.
const { stacks } = sharedSynth(exampleConfig());
const launch = managedPolicy(stacks['payments-prod'], 'ami-guard-launch-');
const image = 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0';
const run = (resource: string, context: Record<string, string> = {}) =>
  simulate({ policies: [launch], action: 'ec2:RunInstances', resource, context });

describe('launch policy (payments-prod: Environment=Prod, trusted owner 111111111111)', () => {
  test('allows an image with the approved tag from a trusted owner', async () => {
    await expect(run(image, { 'ec2:ResourceTag/Environment': 'Prod', 'ec2:Owner': '111111111111' })).resolves.toBe('Allowed');
  });

  test.each([
    ['no tag', { 'ec2:Owner': '111111111111' }],
    ['a wrong value', { 'ec2:ResourceTag/Environment': 'Dev', 'ec2:Owner': '111111111111' }],
    ['the wrong case of the value', { 'ec2:ResourceTag/Environment': 'prod', 'ec2:Owner': '111111111111' }],
    ['the approved tag but an untrusted owner', { 'ec2:ResourceTag/Environment': 'Prod', 'ec2:Owner': '999999999999' }],
    ['the approved tag but an amazon-owned image', { 'ec2:ResourceTag/Environment': 'Prod', 'ec2:Owner': 'amazon' }],
  ])('denies an image with %s', async (_what, context) => {
    await expect(run(image, context)).resolves.toBe('ExplicitlyDenied');
  });

  test.each([
    'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0',
    'arn:aws:ec2:eu-west-1:222222222222:volume/vol-0123456789abcdef0',
    'arn:aws:ec2:eu-west-1:222222222222:network-interface/eni-0123456789abcdef0',
    'arn:aws:ec2:eu-west-1:222222222222:security-group/sg-0123456789abcdef0',
    'arn:aws:ec2:eu-west-1:444444444444:subnet/subnet-0123456789abcdef0',
    'arn:aws:ec2:eu-west-1:222222222222:key-pair/deploy',
    'arn:aws:ec2:eu-west-1:222222222222:launch-template/lt-0123456789abcdef0',
    'arn:aws:ec2:eu-west-1::snapshot/snap-0123456789abcdef0',
  ])('allows the launch resource %s', async (resource) => {
    await expect(run(resource)).resolves.toBe('Allowed');
  });

  test('does not allow launches in another region than the stack governs', async () => {
    await expect(run('arn:aws:ec2:us-east-1:222222222222:instance/i-0123456789abcdef0')).resolves.toBe('ImplicitlyDenied');
  });

  test('denies an unapproved image even when another policy allows every launch', async () => {
    const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] };
    const result = await simulate({
      policies: [launch, allowAll],
      action: 'ec2:RunInstances',
      resource: image,
      context: { 'ec2:ResourceTag/Environment': 'Dev', 'ec2:Owner': '111111111111' },
    });
    expect(result).toBe('ExplicitlyDenied');
  });

  test('allows tagging the new instance during RunInstances, and no other CreateTags', async () => {
    const instance = 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0';
    await expect(
      simulate({
        policies: [launch],
        action: 'ec2:CreateTags',
        resource: instance,
        context: { 'ec2:CreateAction': 'RunInstances' },
      }),
    ).resolves.toBe('Allowed');
    await expect(simulate({ policies: [launch], action: 'ec2:CreateTags', resource: instance })).resolves.toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('launch policy without trusted owners', () => {
  const config = exampleVariant((json) => {
    json.defaults.approval.trustedOwners = [];
    json.defaults.approval.tagValues = ['Prod', 'Production'];
  });
  const policy = managedPolicy(sharedSynth(config).stacks['payments-prod'], 'ami-guard-launch-');

  test('allows any owner when the tag carries any approved value', async () => {
    for (const value of ['Prod', 'Production']) {
      await expect(
        simulate({
          policies: [policy],
          action: 'ec2:RunInstances',
          resource: image,
          context: { 'ec2:ResourceTag/Environment': value, 'ec2:Owner': '999999999999' },
        }),
      ).resolves.toBe('Allowed');
    }
  });

  test('has no owner condition at all', () => {
    expect(JSON.stringify(policy)).not.toContain('ec2:Owner');
  });
});

describe('launch policy: EC2 Fleet launches from the same images', () => {
  const ec2 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] };
  const fleet = (context: Record<string, string>) =>
    simulate({ policies: [launch, ec2], action: 'ec2:CreateFleet', resource: image, context });

  test('denies an instant fleet of an unapproved image or an untrusted owner, to a principal with ec2:*', async () => {
    await expect(fleet({ 'ec2:ResourceTag/Environment': 'Dev', 'ec2:Owner': '111111111111' })).resolves.toBe('ExplicitlyDenied');
    await expect(fleet({ 'ec2:ResourceTag/Environment': 'Prod', 'ec2:Owner': '999999999999' })).resolves.toBe('ExplicitlyDenied');
  });

  test('leaves a fleet of an approved image alone', async () => {
    await expect(fleet({ 'ec2:ResourceTag/Environment': 'Prod', 'ec2:Owner': '111111111111' })).resolves.toBe('Allowed');
  });
});
