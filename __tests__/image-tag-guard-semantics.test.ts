import { simulate } from '../test-support/iam';
import { exampleConfig, exampleVariant, managedPolicy, sharedSynth } from '../test-support/synth';

const { stacks } = sharedSynth(exampleConfig());
const guard = managedPolicy(stacks['payments-prod'], 'ami-guard-tag-guard-');
const allowTagging = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*Tags', Resource: '*' }] };
const image = 'arn:aws:ec2:eu-west-1::image/ami-0123456789abcdef0';
const pipeline = 'arn:aws:iam::222222222222:role/image-pipeline';
const developer = 'arn:aws:iam::222222222222:role/app-deployer';

function tag(action: 'ec2:CreateTags' | 'ec2:DeleteTags', principal: string, context: Record<string, string | string[]>) {
  return simulate({
    policies: [guard, allowTagging],
    action,
    resource: image,
    principal,
    context: { 'aws:PrincipalArn': principal, ...context },
  });
}

describe('image tag guard', () => {
  test('explicitly denies a non-pipeline principal adding the approval tag to an image', async () => {
    await expect(tag('ec2:CreateTags', developer, { 'aws:TagKeys': ['Environment'] })).resolves.toBe('ExplicitlyDenied');
  });

  test('does not deny the pipeline principal adding the approval tag', async () => {
    await expect(tag('ec2:CreateTags', pipeline, { 'aws:TagKeys': ['Environment'] })).resolves.toBe('Allowed');
  });

  test('denies removing the approval tag outside the pipeline', async () => {
    await expect(tag('ec2:DeleteTags', developer, { 'aws:TagKeys': ['Environment'] })).resolves.toBe('ExplicitlyDenied');
  });

  test('denies a differently-cased approval key, which IAM would match as the same condition key', async () => {
    await expect(tag('ec2:CreateTags', developer, { 'aws:TagKeys': ['environment'] })).resolves.toBe('ExplicitlyDenied');
  });

  test('denies deleting all tags of an image (DeleteTags without a tag list)', async () => {
    await expect(tag('ec2:DeleteTags', developer, {})).resolves.toBe('ExplicitlyDenied');
  });

  test('leaves other tags on images to the account', async () => {
    await expect(tag('ec2:CreateTags', developer, { 'aws:TagKeys': ['Team', 'CostCenter'] })).resolves.toBe('Allowed');
  });

  test('leaves the approval key on instances alone (only images are guarded)', async () => {
    const result = await simulate({
      policies: [guard, allowTagging],
      action: 'ec2:CreateTags',
      resource: 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0',
      principal: developer,
      context: { 'aws:PrincipalArn': developer, 'aws:TagKeys': ['Environment'] },
    });
    expect(result).toBe('Allowed');
  });

  test('matches wildcard pipeline principals from the config', async () => {
    const imagePipelineGuard = managedPolicy(stacks['image-pipeline'], 'ami-guard-tag-guard-');
    const builder = 'arn:aws:iam::111111111111:role/ImageBuilder-nightly';
    const result = await simulate({
      policies: [imagePipelineGuard, allowTagging],
      action: 'ec2:CreateTags',
      resource: image,
      principal: builder,
      resourceAccount: '111111111111',
      context: { 'aws:PrincipalArn': builder, 'aws:TagKeys': ['Environment'] },
    });
    expect(result).toBe('Allowed');
  });
});

// --- tag-on-create of the approval key (issue: organization guardrails, item 3) -----------------------
describe('image tag guard: tag-on-create', () => {
  const allowImages = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['ec2:*Image', 'ec2:*Tags', 'ec2:CreateRestoreImageTask'], Resource: '*' }],
  };
  const creating = ['CreateImage', 'CopyImage', 'RegisterImage', 'ImportImage', 'CreateRestoreImageTask'];
  const request = (principal: string, action: string, context: Record<string, string | string[]>) =>
    simulate({
      policies: [guard, allowImages],
      action,
      resource: image,
      principal,
      context: { 'aws:PrincipalArn': principal, ...context },
    });

  test.each(creating)(
    'denies tagging a new image with the approval key through %s (CreateTags with ec2:CreateAction)',
    async (a) => {
      await expect(request(developer, 'ec2:CreateTags', { 'aws:TagKeys': ['Environment'], 'ec2:CreateAction': a })).resolves.toBe(
        'ExplicitlyDenied',
      );
    },
  );

  test.each(creating)('denies %s itself when its TagSpecifications carry the approval key (any case)', async (a) => {
    await expect(request(developer, `ec2:${a}`, { 'aws:TagKeys': ['Team', 'ENVIRONMENT'] })).resolves.toBe('ExplicitlyDenied');
  });

  test('leaves image creation with other tags, and the pipeline with the key, alone', async () => {
    await expect(request(developer, 'ec2:CreateImage', { 'aws:TagKeys': ['Team'] })).resolves.toBe('Allowed');
    await expect(request(pipeline, 'ec2:CreateImage', { 'aws:TagKeys': ['Environment'] })).resolves.toBe('Allowed');
    await expect(
      request(pipeline, 'ec2:CreateTags', { 'aws:TagKeys': ['Environment'], 'ec2:CreateAction': 'CreateImage' }),
    ).resolves.toBe('Allowed');
  });
});
// --- end of tag-on-create ------------------------------------------------------------------------------

describe('instance tag guard: the exception tag (payments-prod: granter platform-change-approver)', () => {
  const instance = 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0';
  const granter = 'arn:aws:iam::222222222222:role/platform-change-approver';
  const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] };
  const onInstance = (
    action: 'ec2:CreateTags' | 'ec2:DeleteTags' | 'ec2:RunInstances',
    principal: string,
    context: Record<string, string | string[]>,
    policy = guard,
  ) =>
    simulate({
      policies: [policy, allowAll],
      action,
      resource: instance,
      principal,
      context: { 'aws:PrincipalArn': principal, ...context },
    });

  test('denies a developer tagging their running instance with the exception key', async () => {
    await expect(onInstance('ec2:CreateTags', developer, { 'aws:TagKeys': ['AmiGuardException'] })).resolves.toBe(
      'ExplicitlyDenied',
    );
  });

  test('denies it at launch: tag-on-create through RunInstances TagSpecifications (ec2:CreateAction)', async () => {
    const atLaunch = { 'aws:TagKeys': ['Name', 'AmiGuardException'], 'ec2:CreateAction': 'RunInstances' };
    await expect(onInstance('ec2:CreateTags', developer, atLaunch)).resolves.toBe('ExplicitlyDenied');
  });

  test('denies the launch itself when it requests the exception key on the instance', async () => {
    await expect(onInstance('ec2:RunInstances', developer, { 'aws:TagKeys': ['AmiGuardException'] })).resolves.toBe(
      'ExplicitlyDenied',
    );
  });

  test('compares the key ignoring case, as IAM does for tag condition keys', async () => {
    await expect(onInstance('ec2:CreateTags', developer, { 'aws:TagKeys': ['amiguardexception'] })).resolves.toBe(
      'ExplicitlyDenied',
    );
  });

  test('denies removing the exception key outside the granters', async () => {
    await expect(onInstance('ec2:DeleteTags', developer, { 'aws:TagKeys': ['AmiGuardException'] })).resolves.toBe(
      'ExplicitlyDenied',
    );
  });

  test('lets a granter grant an exception, later or at launch', async () => {
    await expect(onInstance('ec2:CreateTags', granter, { 'aws:TagKeys': ['AmiGuardException'] })).resolves.toBe('Allowed');
    await expect(
      onInstance('ec2:CreateTags', granter, { 'aws:TagKeys': ['AmiGuardException'], 'ec2:CreateAction': 'RunInstances' }),
    ).resolves.toBe('Allowed');
    await expect(onInstance('ec2:RunInstances', granter, { 'aws:TagKeys': ['AmiGuardException'] })).resolves.toBe('Allowed');
  });

  test('leaves other instance tags, and launches with other tags, to the account', async () => {
    await expect(onInstance('ec2:CreateTags', developer, { 'aws:TagKeys': ['Team'] })).resolves.toBe('Allowed');
    await expect(
      onInstance('ec2:CreateTags', developer, { 'aws:TagKeys': ['Name'], 'ec2:CreateAction': 'RunInstances' }),
    ).resolves.toBe('Allowed');
    await expect(onInstance('ec2:RunInstances', developer, { 'aws:TagKeys': ['Name'] })).resolves.toBe('Allowed');
  });

  test('with no granters configured, nobody bound by the guard may grant an exception', async () => {
    const config = exampleVariant((json) => (json.defaults.approval.exceptionGranters = []));
    const strict = managedPolicy(sharedSynth(config).stacks['payments-prod'], 'ami-guard-tag-guard-');
    await expect(onInstance('ec2:CreateTags', granter, { 'aws:TagKeys': ['AmiGuardException'] }, strict)).resolves.toBe(
      'ExplicitlyDenied',
    );
  });

  test('switching detection off leaves the guard as it is: the exception tag stays reserved', () => {
    const guardOf = (enabled: boolean) =>
      managedPolicy(
        sharedSynth(
          exampleVariant((json) => {
            json.accounts[0].detection = { enabled };
          }),
        ).stacks['image-pipeline'],
        'ami-guard-tag-guard-',
      );
    const off = guardOf(false);
    expect(JSON.stringify(off)).toContain('instance/');
    expect(off).toEqual(guardOf(true));
  });
});
