/**
 * The freshness sweep against moto_server: the approved AMIs read with the tag filter and the owner, the
 * verdict and the annotation of each instance. moto sets every AMI's CreationDate to the moment it is
 * created and has no DeprecationTime (e2e/moto-gaps.ts, MOTO_RUNTIME_GAPS), so here the ages come from
 * the sweep's clock; AMIs of different ages, deprecation and the replacement are covered by
 * __tests__/lambda/freshness-sweep.test.ts against the AWS model.
 */
import {
  CreateImageCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { lazyAwsClients } from '../../lambda/ami-compliance/aws';
import { handleConfigEvent } from '../../lambda/ami-compliance/handler';
import { MOTO_RUNTIME_GAPS } from '../../e2e/moto-gaps';
import { motoUnavailableReason, startMoto, type MotoServer } from '../../e2e/moto';

const REGION = 'us-east-1';
const MOTO_ACCOUNT = '123456789012';
const DAY = 86_400_000;

let moto: MotoServer | undefined;
const ids = {} as Record<'golden' | 'other', string>;
const amis = {} as Record<'first' | 'second' | 'other', string>;

beforeAll(async () => {
  // No skip: without moto_server this suite fails with the reason.
  const reason = motoUnavailableReason();
  if (reason) throw new Error(reason);
  moto = await startMoto({ timeoutMs: 60_000 });
  const ec2 = new EC2Client({
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const launch = async (imageId: string) =>
    (await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' })))
      .Instances![0].InstanceId!;
  const base = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
  const builder = await launch(base);
  const image = async (name: string, tags: Record<string, string>) => {
    const id = (await ec2.send(new CreateImageCommand({ InstanceId: builder, Name: name }))).ImageId!;
    await ec2.send(
      new CreateTagsCommand({ Resources: [id], Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
    );
    return id;
  };
  amis.first = await image('golden-web-2026-01-05', { Environment: 'Prod' });
  amis.second = await image('golden-web-2026-02-05', { Environment: 'Prod' });
  amis.other = await image('golden-db-v1.0.0', { Environment: 'Prod', ImageFamily: 'db' });
  ids.golden = await launch(amis.first);
  ids.other = await launch(amis.other);
  ec2.destroy();
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

/** One scheduled sweep at `now`, with the evaluations the handler sent (moto stores none: TestMode only). */
async function sweepAt(now: Date, params: Record<string, string>) {
  const clients = lazyAwsClients({
    region: REGION,
    endpoint: moto!.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const sent = new Map<string, string>();
  let tagged = 0;
  clients.config.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as {
        Evaluations?: { ComplianceResourceId: string; ComplianceType: string; Annotation: string }[];
      };
      if (context.commandName === 'PutEvaluationsCommand') {
        for (const e of input.Evaluations ?? []) sent.set(e.ComplianceResourceId, `${e.ComplianceType}: ${e.Annotation}`);
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  clients.ec2.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Filters?: { Name?: string }[] };
      if (context.commandName === 'DescribeImagesCommand' && input.Filters?.[0]?.Name?.startsWith('tag:')) tagged++;
      return next(args);
    },
    { step: 'initialize' },
  );
  const event = {
    invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: now.toISOString() }),
    ruleParameters: JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod', trustedOwners: MOTO_ACCOUNT, ...params }),
    resultToken: 'TESTMODE',
  };
  const result = await handleConfigEvent(event, clients, { now });
  return { result, sent, tagged };
}

describe('freshness sweep against moto', () => {
  test('moto-gaps names the CreationDate and DeprecationTime this suite cannot set', () => {
    expect(MOTO_RUNTIME_GAPS.map((g) => g.api).join('\n')).toMatch(/CreationDate[\s\S]*DeprecationTime/);
  });

  test('fresh approved AMIs are COMPLIANT and the approved AMIs are not read', async () => {
    const { sent, tagged } = await sweepAt(new Date(), { maxImageAgeDays: '180' });
    expect(sent.get(ids.golden)).toMatch(new RegExp(`^COMPLIANT: AMI ${amis.first} .* is approved`));
    expect(tagged).toBe(0);
  }, 60_000);

  test('200 days on, the AMI is stale: NON_COMPLIANT, and the annotation names its family as having no fresh AMI', async () => {
    const { sent, tagged } = await sweepAt(new Date(Date.now() + 200 * DAY), { maxImageAgeDays: '180' });
    const annotation = sent.get(ids.golden) ?? '';
    expect(annotation).toMatch(
      new RegExp(`^NON_COMPLIANT: AMI ${amis.first} \\(golden-web-2026-01-05\\) is 200 days old \\(max 180\\)\\. `),
    );
    expect(annotation).toContain('No fresh approved AMI of family "golden-web"');
    expect(annotation.length).toBeLessThanOrEqual(256 + 'NON_COMPLIANT: '.length);
    expect(tagged).toBe(1);
  }, 60_000);

  test('with familyTagKey, the family comes from the tag moto stores', async () => {
    const { sent } = await sweepAt(new Date(Date.now() + 200 * DAY), { maxImageAgeDays: '180', familyTagKey: 'ImageFamily' });
    expect(sent.get(ids.other)).toContain('No fresh approved AMI of family "db"');
    expect(sent.get(ids.golden)).toContain('No replacement: the AMI has no tag ImageFamily.');
  }, 60_000);
});
