import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { describeInstance, errorCode, ImageCatalog, lazyAwsClients, readApprovedImageIds } from '../../lambda/ami-compliance/aws';
import { awsError, ec2Image, ec2Instance, mockedClients } from './fixtures/aws-fakes';

describe('ImageCatalog', () => {
  test('each AMI ID is described once per invocation, however often it is asked for', async () => {
    // GIVEN a catalog and an EC2 that knows one image
    const m = mockedClients();
    m.ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [ec2Image('ami-0aaaaaaaaaaaaaaa1', '111111111111', { Environment: 'Prod' })] });
    const catalog = new ImageCatalog(m.ec2);
    // WHEN the same ID is loaded three times
    await catalog.load(['ami-0aaaaaaaaaaaaaaa1', 'ami-0aaaaaaaaaaaaaaa1']);
    await catalog.load(['ami-0aaaaaaaaaaaaaaa1']);
    // THEN one call was made and the facts are mapped
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
    expect(catalog.get('ami-0aaaaaaaaaaaaaaa1')).toEqual({
      imageId: 'ami-0aaaaaaaaaaaaaaa1',
      ownerId: '111111111111',
      ownerAlias: undefined,
      tags: { Environment: 'Prod' },
    });
  });

  test.each(['InvalidAMIID.NotFound', 'InvalidAMIID.Malformed'])(
    'when ImageIds fails with %s, the image-id filter tells found from missing',
    async (code) => {
      const m = mockedClients();
      m.ec2Mock
        .on(DescribeImagesCommand, { ImageIds: ['ami-0aaaaaaaaaaaaaaa1', 'ami-0bbbbbbbbbbbbbbb2'] })
        .rejects(awsError(code));
      m.ec2Mock
        .on(DescribeImagesCommand, {
          Filters: [{ Name: 'image-id', Values: ['ami-0aaaaaaaaaaaaaaa1', 'ami-0bbbbbbbbbbbbbbb2'] }],
        })
        .resolvesOnce({ Images: [ec2Image('ami-0aaaaaaaaaaaaaaa1', '111111111111')], NextToken: 'more' })
        .resolvesOnce({ Images: [] });
      const catalog = new ImageCatalog(m.ec2);
      await catalog.load(['ami-0aaaaaaaaaaaaaaa1', 'ami-0bbbbbbbbbbbbbbb2']);
      expect(catalog.get('ami-0aaaaaaaaaaaaaaa1')?.imageId).toBe('ami-0aaaaaaaaaaaaaaa1');
      expect(catalog.get('ami-0bbbbbbbbbbbbbbb2')).toBeUndefined();
      const filterCalls = m.ec2Mock
        .commandCalls(DescribeImagesCommand)
        .slice(1)
        .map((c) => c.args[0].input);
      expect(filterCalls[0]).toMatchObject({ IncludeDeprecated: true, IncludeDisabled: true });
      expect(filterCalls[1].NextToken).toBe('more');
    },
  );

  test('any other DescribeImages error propagates', async () => {
    const m = mockedClients();
    m.ec2Mock.on(DescribeImagesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(new ImageCatalog(m.ec2).load(['ami-0aaaaaaaaaaaaaaa1'])).rejects.toThrow('UnauthorizedOperation');
  });

  test('asking for an ID that was never loaded is a programming error, not "not found"', () => {
    expect(() => new ImageCatalog(mockedClients().ec2).get('ami-0aaaaaaaaaaaaaaa1')).toThrow(/before load\(\)/);
  });
});

describe('readApprovedImageIds', () => {
  test('a StringList becomes a set of trimmed IDs', async () => {
    const m = mockedClients();
    m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0aaaaaaaaaaaaaaa1, ami-12345678,' } });
    expect(await readApprovedImageIds(m.ssm, '/ami-guard/ids')).toEqual(new Set(['ami-0aaaaaaaaaaaaaaa1', 'ami-12345678']));
    expect(m.ssmMock.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: '/ami-guard/ids' });
  });

  test('an entry that is not an AMI ID throws naming the parameter and the entry', async () => {
    const m = mockedClients();
    m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0aaaaaaaaaaaaaaa1,ami-0AAAA' } });
    await expect(readApprovedImageIds(m.ssm, '/ami-guard/ids')).rejects.toThrow(
      /SSM parameter \/ami-guard\/ids holds "ami-0AAAA", which is not an AMI ID\. Fix:/,
    );
  });

  test('a missing parameter is an error, not an empty list', async () => {
    const m = mockedClients();
    m.ssmMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
    await expect(readApprovedImageIds(m.ssm, '/ami-guard/ids')).rejects.toThrow('ParameterNotFound');
  });
});

describe('describeInstance', () => {
  test('an instance EC2 no longer knows is undefined', async () => {
    const m = mockedClients();
    m.ec2Mock.on(DescribeInstancesCommand).rejects(awsError('InvalidInstanceID.NotFound'));
    expect(await describeInstance(m.ec2, 'i-0123456789abcdef0')).toBeUndefined();
  });

  test('other errors propagate', async () => {
    const m = mockedClients();
    m.ec2Mock.on(DescribeInstancesCommand).rejects(awsError('UnauthorizedOperation'));
    await expect(describeInstance(m.ec2, 'i-0123456789abcdef0')).rejects.toThrow('UnauthorizedOperation');
  });

  test('a described instance is mapped to facts; it was created when its primary interface was attached', async () => {
    // GIVEN an instance started again on 2026-01-10, first launched on 2025-11-02 (LaunchTime moves with every start)
    const m = mockedClients();
    const instance = {
      ...ec2Instance('i-0123456789abcdef0', 'ami-0aaaaaaaaaaaaaaa1', { Name: 'web' }, 'stopped'),
      NetworkInterfaces: [
        { Attachment: { DeviceIndex: 1, AttachTime: new Date('2025-10-01T00:00:00Z') } },
        { Attachment: { DeviceIndex: 0, AttachTime: new Date('2025-11-02T08:00:00Z') } },
      ],
    };
    m.ec2Mock
      .on(DescribeInstancesCommand, { InstanceIds: ['i-0123456789abcdef0'] })
      .resolves({ Reservations: [{ Instances: [instance] }] });
    expect(await describeInstance(m.ec2, 'i-0123456789abcdef0')).toEqual({
      instanceId: 'i-0123456789abcdef0',
      imageId: 'ami-0aaaaaaaaaaaaaaa1',
      state: 'stopped',
      tags: { Name: 'web' },
      launchTime: new Date('2026-01-10T09:30:00Z'),
      createdAt: new Date('2025-11-02T08:00:00Z'),
    });
  });
});

describe('lazyAwsClients', () => {
  test('creates each client on first use, once, with adaptive retries', async () => {
    const clients = lazyAwsClients();
    expect(clients.ec2).toBe(clients.ec2);
    expect(clients.config).toBe(clients.config);
    expect(clients.ssm).toBe(clients.ssm);
    expect(clients.ec2.config.retryMode).toBe('adaptive');
    expect(clients.config.config.retryMode).toBe('adaptive');
    expect(clients.ssm.config.retryMode).toBe('adaptive');
    expect(clients.cloudTrail).toBe(clients.cloudTrail);
    expect(clients.autoScaling).toBe(clients.autoScaling);
    expect(clients.cloudTrail.config.retryMode).toBe('adaptive');
    expect(clients.autoScaling.config.retryMode).toBe('adaptive');
  });
});

describe('errorCode', () => {
  test('reads the SDK error name, or Code, or nothing', () => {
    expect(errorCode(awsError('InvalidAMIID.NotFound'))).toBe('InvalidAMIID.NotFound');
    expect(errorCode({ Code: 'Throttling', name: 'Error' })).toBe('Throttling');
    expect(errorCode('boom')).toBeUndefined();
  });
});
