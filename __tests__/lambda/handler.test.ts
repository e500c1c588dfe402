import {
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  type GetResourceConfigHistoryCommandOutput,
} from '@aws-sdk/client-config-service';
import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { handleConfigEvent } from '../../lambda/ami-compliance/handler';
import {
  awsError,
  clientsWith,
  configEvent,
  ec2Image,
  ec2Instance,
  mockedClients,
  quietConsole,
  sentEvaluations,
} from './fixtures/aws-fakes';
import historyReply from './fixtures/get-resource-config-history.reply.json';
import changeEvent from './fixtures/instance-change.invoking-event.json';
import deletedEvent from './fixtures/instance-deleted.invoking-event.json';
import oversizedEvent from './fixtures/instance-oversized.invoking-event.json';
import scheduledEvent from './fixtures/scheduled.invoking-event.json';

const PARAMS = { tagKey: 'Environment', tagValues: 'Prod', exceptionTagKey: 'AmiGuardException' };
const NOW = new Date('2026-06-15T12:00:00Z');
const PIPELINE = '111111111111';

quietConsole();

/** The JSON fixture as the SDK returns it: timestamps are Date objects. */
function historyFixture(): GetResourceConfigHistoryCommandOutput {
  const [item] = historyReply.configurationItems;
  return {
    $metadata: {},
    configurationItems: [{ ...item, configurationItemCaptureTime: new Date(item.configurationItemCaptureTime) }],
  } as GetResourceConfigHistoryCommandOutput;
}

function setup() {
  const m = mockedClients();
  m.configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
  return m;
}

describe('ConfigurationItemChangeNotification', () => {
  test('an instance on an approved AMI is reported COMPLIANT at the item capture time', async () => {
    // GIVEN the change notification of a new instance whose AMI is tagged Environment=Prod
    const m = setup();
    m.ec2Mock
      .on(DescribeImagesCommand)
      .resolves({ Images: [ec2Image('ami-0aaaaaaaaaaaaaaa1', PIPELINE, { Environment: 'Prod' })] });
    // WHEN the handler runs
    const result = await handleConfigEvent(configEvent(changeEvent, PARAMS), clientsWith(m), NOW);
    // THEN it sends one COMPLIANT evaluation ordered by the item's capture time, and returns its count
    const expected = {
      ComplianceResourceType: 'AWS::EC2::Instance',
      ComplianceResourceId: 'i-0123456789abcdef0',
      ComplianceType: 'COMPLIANT',
      Annotation: 'AMI ami-0aaaaaaaaaaaaaaa1 (owner 111111111111) is approved: Environment="Prod".',
      OrderingTimestamp: new Date('2026-01-10T09:31:12.345Z'),
    };
    expect(result).toEqual({
      messageType: 'ConfigurationItemChangeNotification',
      reported: 1,
      compliance: { COMPLIANT: 1, NON_COMPLIANT: 0, NOT_APPLICABLE: 0 },
      complete: true,
      notEvaluated: 0,
      unreadPages: false,
    });
    expect(m.configMock.commandCalls(PutEvaluationsCommand).map((c) => c.args[0].input)).toEqual([
      { ResultToken: 'result-token-1', Evaluations: [expected] },
    ]);
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input).toEqual({
      ImageIds: ['ami-0aaaaaaaaaaaaaaa1'],
      IncludeDeprecated: true,
      IncludeDisabled: true,
    });
  });

  test('an instance whose AMI is gone is reported NON_COMPLIANT', async () => {
    const m = setup();
    m.ec2Mock.on(DescribeImagesCommand, { ImageIds: ['ami-0aaaaaaaaaaaaaaa1'] }).rejects(awsError('InvalidAMIID.NotFound'));
    m.ec2Mock
      .on(DescribeImagesCommand, { Filters: [{ Name: 'image-id', Values: ['ami-0aaaaaaaaaaaaaaa1'] }] })
      .resolves({ Images: [] });
    await handleConfigEvent(configEvent(changeEvent, PARAMS), clientsWith(m), NOW);
    const evaluations = sentEvaluations(m);
    expect(evaluations[0].ComplianceType).toBe('NON_COMPLIANT');
    expect(evaluations[0].Annotation).toContain('not found (deregistered');
  });

  test('a deleted instance is NOT_APPLICABLE and needs neither EC2 nor SSM', async () => {
    // GIVEN only a Config client: reading ec2 or ssm would throw
    const m = setup();
    await handleConfigEvent(
      configEvent(deletedEvent, { ...PARAMS, approvedImageIdsParameter: '/ami-guard/ids' }),
      clientsWith({ config: m.config }),
      NOW,
    );
    const evaluations = sentEvaluations(m);
    expect(evaluations).toEqual([
      expect.objectContaining({
        ComplianceType: 'NOT_APPLICABLE',
        OrderingTimestamp: new Date('2026-01-12T17:02:00.000Z'),
      }),
    ]);
  });

  test('eventLeftScope makes the resource NOT_APPLICABLE', async () => {
    const m = setup();
    const event = { ...configEvent(changeEvent, PARAMS), eventLeftScope: true };
    await handleConfigEvent(event, clientsWith({ config: m.config }), NOW);
    const evaluations = sentEvaluations(m);
    expect(evaluations[0].ComplianceType).toBe('NOT_APPLICABLE');
  });

  test('the approved-ID list is read from SSM and approves an untagged AMI', async () => {
    const m = setup();
    m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [ec2Image('ami-0aaaaaaaaaaaaaaa1', PIPELINE)] });
    m.ssmMock.on(GetParameterCommand, { Name: '/ami-guard/ids' }).resolves({
      Parameter: { Name: '/ami-guard/ids', Type: 'StringList', Value: 'ami-0ccccccccccccccc3,ami-0aaaaaaaaaaaaaaa1' },
    });
    const event = configEvent(changeEvent, { ...PARAMS, approvedImageIdsParameter: '/ami-guard/ids' });
    await handleConfigEvent(event, clientsWith(m), NOW);
    const evaluations = sentEvaluations(m);
    expect(evaluations[0]).toMatchObject({
      ComplianceType: 'COMPLIANT',
      Annotation: expect.stringContaining('approved-ID list'),
    });
  });
});

describe('OversizedConfigurationItemChangeNotification', () => {
  test('the item is fetched with GetResourceConfigHistory (limit 1) and evaluated', async () => {
    // GIVEN an oversized notification; the full item carries a valid exception tag and an untagged AMI
    const m = setup();
    m.configMock.on(GetResourceConfigHistoryCommand).resolves(historyFixture());
    m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [ec2Image('ami-0bbbbbbbbbbbbbbb2', PIPELINE)] });
    // WHEN the handler runs
    await handleConfigEvent(configEvent(oversizedEvent, PARAMS), clientsWith(m), NOW);
    const evaluations = sentEvaluations(m);
    // THEN it asked for exactly that resource and judged the fetched configuration
    expect(m.configMock.commandCalls(GetResourceConfigHistoryCommand)[0].args[0].input).toEqual({
      resourceType: 'AWS::EC2::Instance',
      resourceId: 'i-0123456789abcdef0',
      limit: 1,
    });
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)[0].args[0].input.ImageIds).toEqual(['ami-0bbbbbbbbbbbbbbb2']);
    expect(evaluations).toEqual([
      expect.objectContaining({
        ComplianceResourceId: 'i-0123456789abcdef0',
        ComplianceType: 'COMPLIANT',
        Annotation: expect.stringMatching(/^Exception CHG-1234 .* valid until 2026-07-15/),
        OrderingTimestamp: new Date('2026-01-10T09:31:12.345Z'),
      }),
    ]);
  });

  test('a fetched configuration that is not JSON fails, naming the resource', async () => {
    const m = setup();
    const reply = historyFixture();
    reply.configurationItems![0].configuration = '{"imageId": "ami-0bbb';
    m.configMock.on(GetResourceConfigHistoryCommand).resolves(reply);
    await expect(handleConfigEvent(configEvent(oversizedEvent, PARAMS), clientsWith(m), NOW)).rejects.toThrow(
      /GetResourceConfigHistory returned a configuration for AWS::EC2::Instance i-0123456789abcdef0 that is not valid JSON/,
    );
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });

  test('a deleted oversized item is NOT_APPLICABLE without fetching it', async () => {
    const m = setup();
    const summary = { ...oversizedEvent.configurationItemSummary, configurationItemStatus: 'ResourceDeleted' };
    const event = configEvent({ ...oversizedEvent, configurationItemSummary: summary }, PARAMS);
    await handleConfigEvent(event, clientsWith({ config: m.config }), NOW);
    const evaluations = sentEvaluations(m);
    expect(evaluations[0].ComplianceType).toBe('NOT_APPLICABLE');
    expect(m.configMock.commandCalls(GetResourceConfigHistoryCommand)).toHaveLength(0);
  });
});

describe('ScheduledNotification', () => {
  test('every live instance is evaluated at the notification time; terminated ones are filtered out by EC2', async () => {
    // GIVEN three live instances: approved AMI, untagged AMI, missing AMI
    const m = setup();
    m.ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            ec2Instance('i-000000000000000a1', 'ami-0aaaaaaaaaaaaaaa1'),
            ec2Instance('i-000000000000000b2', 'ami-0bbbbbbbbbbbbbbb2'),
          ],
        },
        { Instances: [ec2Instance('i-000000000000000c3', 'ami-0ccccccccccccccc3', {}, 'stopped')] },
      ],
    });
    m.ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [ec2Image('ami-0aaaaaaaaaaaaaaa1', PIPELINE, { Environment: 'Prod' }), ec2Image('ami-0bbbbbbbbbbbbbbb2', PIPELINE)],
    });
    // WHEN the periodic sweep runs
    await handleConfigEvent(configEvent(scheduledEvent, PARAMS), clientsWith(m), NOW);
    const evaluations = sentEvaluations(m);
    // THEN each instance has its verdict, ordered by the notification time
    expect(evaluations.map((e) => [e.ComplianceResourceId, e.ComplianceType])).toEqual([
      ['i-000000000000000a1', 'COMPLIANT'],
      ['i-000000000000000b2', 'NON_COMPLIANT'],
      ['i-000000000000000c3', 'NON_COMPLIANT'],
    ]);
    expect(evaluations.every((e) => e.OrderingTimestamp?.toISOString() === '2026-01-11T00:00:00.000Z')).toBe(true);
    expect(m.ec2Mock.commandCalls(DescribeInstancesCommand)[0].args[0].input).toEqual({
      MaxResults: 1000,
      Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
    });
    expect(m.ec2Mock.commandCalls(DescribeImagesCommand)).toHaveLength(1);
  });

  test('an account without instances sends no evaluations', async () => {
    const m = setup();
    m.ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    await handleConfigEvent(configEvent(scheduledEvent, PARAMS), clientsWith(m), NOW);
    const evaluations = sentEvaluations(m);
    expect(evaluations).toEqual([]);
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });
});

describe('result token', () => {
  test('TESTMODE sends the evaluations with TestMode: true', async () => {
    const m = setup();
    const event = configEvent(deletedEvent, PARAMS, 'TESTMODE');
    await handleConfigEvent(event, clientsWith({ config: m.config }), NOW);
    expect(m.configMock.commandCalls(PutEvaluationsCommand)[0].args[0].input).toMatchObject({
      ResultToken: 'TESTMODE',
      TestMode: true,
    });
  });

  test('a real token sends no TestMode', async () => {
    const m = setup();
    await handleConfigEvent(configEvent(deletedEvent, PARAMS), clientsWith({ config: m.config }), NOW);
    expect(m.configMock.commandCalls(PutEvaluationsCommand)[0].args[0].input.TestMode).toBeUndefined();
  });
});

describe('broken events throw an error naming the field', () => {
  const base = configEvent(changeEvent, PARAMS);
  test.each<[string, object, RegExp]>([
    ['no invokingEvent', { ...base, invokingEvent: undefined }, /no invokingEvent/],
    ['invokingEvent not JSON', { ...base, invokingEvent: '{"messageType":' }, /invokingEvent is not valid JSON/],
    ['invokingEvent a JSON string', { ...base, invokingEvent: '"hello"' }, /invokingEvent must be a JSON object/],
    [
      'unknown messageType',
      configEvent({ messageType: 'ComplianceChange' }, PARAMS),
      /invokingEvent\.messageType "ComplianceChange" is not handled; expected one of ConfigurationItemChangeNotification/,
    ],
    ['no messageType', configEvent({}, PARAMS), /invokingEvent\.messageType undefined is not handled/],
    ['no resultToken', { ...base, resultToken: undefined }, /no resultToken/],
    [
      'no configurationItem',
      configEvent({ messageType: 'ConfigurationItemChangeNotification' }, PARAMS),
      /invokingEvent\.configurationItem is missing/,
    ],
    [
      'no configurationItemSummary',
      configEvent({ messageType: 'OversizedConfigurationItemChangeNotification' }, PARAMS),
      /invokingEvent\.configurationItemSummary is missing/,
    ],
    [
      'no notificationCreationTime',
      configEvent({ messageType: 'ScheduledNotification' }, PARAMS),
      /invokingEvent\.notificationCreationTime is missing or not an ISO-8601 time/,
    ],
    [
      'bad capture time',
      configEvent(
        {
          ...changeEvent,
          configurationItem: { ...changeEvent.configurationItem, configurationItemCaptureTime: 'yesterday' },
        },
        PARAMS,
      ),
      /configurationItem\.configurationItemCaptureTime is missing or not an ISO-8601 time: "yesterday"/,
    ],
    ['invalid rule parameters', configEvent(changeEvent, { tagKey: 'Environment' }), /Rule parameter tagValues is required/],
  ])('%s', async (_case, event, message) => {
    // GIVEN a fake with no clients at all: a broken event must fail before any AWS call
    await expect(handleConfigEvent(event, clientsWith({}), NOW)).rejects.toThrow(message);
  });
});

describe('API errors never become COMPLIANT', () => {
  test('AccessDenied on DescribeImages rejects the invocation and sends nothing', async () => {
    // GIVEN the role lacks ec2:DescribeImages
    const m = setup();
    m.ec2Mock
      .on(DescribeImagesCommand)
      .rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform: ec2:DescribeImages'));
    // WHEN / THEN the invocation fails (Config retries) and no evaluation is sent
    await expect(handleConfigEvent(configEvent(changeEvent, PARAMS), clientsWith(m), NOW)).rejects.toThrow(/ec2:DescribeImages/);
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
    expect(console.error).toHaveBeenCalledWith(expect.stringContaining('"error":"UnauthorizedOperation"'));
  });

  test('AccessDenied on the approved-ID parameter rejects the invocation', async () => {
    const m = setup();
    m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    m.ssmMock.on(GetParameterCommand).rejects(awsError('AccessDeniedException'));
    const event = configEvent(changeEvent, { ...PARAMS, approvedImageIdsParameter: '/ami-guard/ids' });
    await expect(handleConfigEvent(event, clientsWith(m), NOW)).rejects.toThrow('AccessDeniedException');
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });

  test('a sweep whose second DescribeInstances page fails sends nothing', async () => {
    const m = setup();
    m.ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [ec2Instance('i-000000000000000a1', 'ami-0aaaaaaaaaaaaaaa1')] }],
        NextToken: 'p2',
      })
      .rejectsOnce(awsError('RequestLimitExceeded'));
    m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [] });
    await expect(handleConfigEvent(configEvent(scheduledEvent, PARAMS), clientsWith(m), NOW)).rejects.toThrow(
      'RequestLimitExceeded',
    );
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(0);
  });

  test('GetResourceConfigHistory failing rejects an oversized notification', async () => {
    const m = setup();
    m.configMock.on(GetResourceConfigHistoryCommand).rejects(awsError('ResourceNotDiscoveredException'));
    await expect(handleConfigEvent(configEvent(oversizedEvent, PARAMS), clientsWith(m), NOW)).rejects.toThrow(
      'ResourceNotDiscoveredException',
    );
  });

  test('an evaluation PutEvaluations rejects twice fails the invocation', async () => {
    const m = setup();
    m.configMock.on(PutEvaluationsCommand).callsFake((input) => ({ FailedEvaluations: input.Evaluations }));
    await expect(handleConfigEvent(configEvent(deletedEvent, PARAMS), clientsWith({ config: m.config }), NOW)).rejects.toThrow(
      /PutEvaluations rejected 1 evaluation\(s\) after one retry, e\.g\. i-0123456789abcdef0/,
    );
    expect(m.configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(2);
  });
});
