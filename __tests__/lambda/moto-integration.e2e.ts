/**
 * The BUILT bundle (dist-style index.js from build.ts) against moto_server on 127.0.0.1.
 *
 * What moto 5.2 does and does not do here, found by reading moto/config and moto/ec2:
 * - PutEvaluations is implemented ONLY with TestMode=true, and stores nothing (it answers
 *   `FailedEvaluations: []`); so these tests use resultToken TESTMODE, and the bundle talks to moto through
 *   a recording proxy on 127.0.0.1: the evaluations asserted are the ones sent to Config.
 * - GetResourceConfigHistory does not know AWS::EC2::Instance (moto's Config RESOURCE_MAP has S3, IAM, SNS
 *   only): the oversized path answers ResourceNotDiscoveredException, pinned below as a rejection.
 * - DescribeImages with ImageIds does not fail when only some IDs are missing (EC2 does); a deregistered ID
 *   simply is not returned. The filter fallback is covered by the unit tests instead.
 */
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { buildAmiComplianceBundle } from '../../lambda/ami-compliance/build';
import { BUNDLE_CALL_MS, bundleHandler, recordingProxy, type BundleHandler } from '../../e2e/lambda-bundle';
import { motoUnavailableReason, startMoto, type MotoServer } from '../../e2e/moto';

/** Time limit of one bundle invocation (a fresh Node process); test limits are multiples of it, not guesses of machine speed. */
const CALL_MS = BUNDLE_CALL_MS;
/** The limit of a test that makes `calls` bundle invocations, with room for its own SDK calls. */
const forCalls = (calls: number) => calls * CALL_MS + 30_000;

const REGION = 'us-east-1';
/** An exception 30 days out: within the default 90-day limit, as the bundle reads the real clock. */
const EXCEPTION_UNTIL = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
/** How long moto_server may take to answer after it starts. */
const MOTO_START_MS = 60_000;
const BUILTINS = new Set(builtinModules);
const MOTO_ACCOUNT = '123456789012';
const PARAMS = {
  tagKey: 'Environment',
  tagValues: 'Prod',
  trustedOwners: MOTO_ACCOUNT,
  approvedImageIdsParameter: '/ami-guard/approved-image-ids',
  exceptionTagKey: 'AmiGuardException',
};
/** The Lambda's environment, less AWS_ENDPOINT_URL (moto's port is known only at start). */
const LAMBDA_ENV = {
  AWS_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
  AMI_GUARD_RULE_PARAMETERS: JSON.stringify(PARAMS),
};

let moto: MotoServer | undefined;
let proxy: Awaited<ReturnType<typeof recordingProxy>> | undefined;
let outDir: string;
let handler: BundleHandler;
/** Instance IDs by role. */
const ids = {} as Record<'builder' | 'prod' | 'untagged' | 'deregistered' | 'excepted' | 'byId', string>;
const amis = {} as Record<'prod' | 'untagged' | 'deregistered' | 'byId', string>;

beforeAll(async () => {
  // No skip: without moto_server this suite fails with the reason.
  const reason = motoUnavailableReason();
  if (reason) throw new Error(reason);
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-bundle-'));
  const { bundle } = await buildAmiComplianceBundle(outDir);
  moto = await startMoto({ timeoutMs: MOTO_START_MS });
  proxy = await recordingProxy(moto.url);

  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: outDir, ...LAMBDA_ENV, AWS_ENDPOINT_URL: proxy.url };
  handler = bundleHandler(bundle, env);

  const sdk = {
    region: REGION,
    endpoint: moto.url,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  const ec2 = new EC2Client(sdk);
  const ssm = new SSMClient(sdk);
  const launch = async (imageId: string, tags: Record<string, string> = {}): Promise<string> => {
    const tagSpec = Object.keys(tags).length
      ? [{ ResourceType: 'instance' as const, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }]
      : undefined;
    const reply = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
        TagSpecifications: tagSpec,
      }),
    );
    return reply.Instances![0].InstanceId!;
  };
  const image = async (name: string): Promise<string> =>
    (await ec2.send(new CreateImageCommand({ InstanceId: ids.builder, Name: name }))).ImageId!;

  // A builder instance from one of moto's default AMIs, imaged three ways, then terminated.
  const base = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
  ids.builder = await launch(base);
  amis.prod = await image('golden-prod');
  await ec2.send(new CreateTagsCommand({ Resources: [amis.prod], Tags: [{ Key: 'Environment', Value: 'Prod' }] }));
  amis.untagged = await image('untagged');
  amis.deregistered = await image('soon-deregistered');
  amis.byId = await image('approved-by-id');
  ids.prod = await launch(amis.prod);
  ids.untagged = await launch(amis.untagged);
  ids.deregistered = await launch(amis.deregistered);
  ids.excepted = await launch(amis.untagged, { AmiGuardException: `CHG-1234 until ${EXCEPTION_UNTIL}` });
  ids.byId = await launch(amis.byId);
  await ec2.send(new DeregisterImageCommand({ ImageId: amis.deregistered }));
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids.builder] }));
  await ssm.send(
    new PutParameterCommand({
      Name: PARAMS.approvedImageIdsParameter,
      Type: 'StringList',
      Value: `ami-0123456789abcdef0,${amis.byId}`,
    }),
  );
  ec2.destroy();
  ssm.destroy();
}, MOTO_START_MS + 240_000);

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

const configEvent = (invokingEvent: object) => ({
  invokingEvent: JSON.stringify(invokingEvent),
  ruleParameters: JSON.stringify(PARAMS),
  resultToken: 'TESTMODE',
  eventLeftScope: false,
  configRuleName: 'ami-guard-approved-ami',
  accountId: MOTO_ACCOUNT,
});

test('the built bundle is one CommonJS file that needs no node_modules', () => {
  const code = fs.readFileSync(path.join(outDir, 'index.js'), 'utf8');
  expect(code).toMatch(/module\.exports=\w+\(/);
  // Only Node built-ins may be required at run time: the Lambda zip holds index.js alone.
  // (The lookbehind skips the SDK's error text `[require("@aws-sdk/signature-v4-crt");]`.)
  const required = [...code.matchAll(/(?<![[\w.])require\("([^"]+)"\)/g)].map((m) => m[1]);
  expect(required).toContain('node:fs');
  expect(required.filter((name) => !name.startsWith('node:') && !BUILTINS.has(name))).toEqual([]);
});

test(
  'a scheduled sweep judges every live instance, and skips the terminated one',
  async () => {
    // GIVEN five live instances and one terminated builder in moto
    // WHEN the built handler runs a scheduled notification in test mode
    proxy!.evaluations.length = 0;
    const result = await handler(
      configEvent({
        awsAccountId: MOTO_ACCOUNT,
        notificationCreationTime: '2026-01-11T00:00:00.000Z',
        messageType: 'ScheduledNotification',
        recordVersion: '1.0',
      }),
    );
    // THEN each live instance has its verdict, as sent to Config, and the answer counts them
    const evaluations = proxy!.evaluations;
    expect(result).toMatchObject({ messageType: 'ScheduledNotification', reported: 5, complete: true });
    expect(result.compliance).toEqual({ COMPLIANT: 3, NON_COMPLIANT: 2, NOT_APPLICABLE: 0 });
    const byId = new Map(evaluations.map((e) => [e.ComplianceResourceId, e]));
    expect(byId.size).toBe(5);
    expect(byId.has(ids.builder)).toBe(false);
    expect(byId.get(ids.prod)).toMatchObject({
      ComplianceType: 'COMPLIANT',
      Annotation: `AMI ${amis.prod} (owner ${MOTO_ACCOUNT}) is approved: Environment="Prod".`,
    });
    expect(byId.get(ids.untagged)).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: expect.stringContaining(`AMI ${amis.untagged} (owner ${MOTO_ACCOUNT}) has no tag Environment`),
    });
    expect(byId.get(ids.deregistered)).toMatchObject({
      ComplianceType: 'NON_COMPLIANT',
      Annotation: expect.stringContaining(`AMI ${amis.deregistered} not found (deregistered`),
    });
    expect(byId.get(ids.excepted)).toMatchObject({
      ComplianceType: 'COMPLIANT',
      Annotation: expect.stringContaining(`Exception CHG-1234 (tag AmiGuardException) valid until ${EXCEPTION_UNTIL}`),
    });
    expect(byId.get(ids.byId)).toMatchObject({
      ComplianceType: 'COMPLIANT',
      Annotation: expect.stringContaining('approved-ID list'),
    });
    expect(evaluations.every((e) => new Date(e.OrderingTimestamp * 1000).toISOString() === '2026-01-11T00:00:00.000Z')).toBe(
      true,
    );
  },
  forCalls(1),
);

test(
  'a configuration item change for the untagged instance is NON_COMPLIANT',
  async () => {
    // GIVEN the item Config would send, built from moto's view of the instance
    const ec2 = new EC2Client({
      region: REGION,
      endpoint: moto!.url,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids.untagged] }))).Reservations![0]
      .Instances![0];
    ec2.destroy();
    const item = {
      configurationItemStatus: 'ResourceDiscovered',
      configurationItemCaptureTime: '2026-01-10T09:31:12.345Z',
      resourceType: 'AWS::EC2::Instance',
      resourceId: instance.InstanceId,
      awsAccountId: MOTO_ACCOUNT,
      awsRegion: REGION,
      configuration: {
        instanceId: instance.InstanceId,
        imageId: instance.ImageId,
        state: { code: 16, name: instance.State?.Name },
        tags: [],
      },
      tags: {},
    };
    // WHEN the built handler runs the change notification
    proxy!.evaluations.length = 0;
    await handler(
      configEvent({
        configurationItem: item,
        messageType: 'ConfigurationItemChangeNotification',
        notificationCreationTime: '2026-01-10T09:31:13.000Z',
        recordVersion: '1.3',
      }),
    );
    // THEN it is NON_COMPLIANT at the capture time
    const evaluations = proxy!.evaluations;
    expect(evaluations).toEqual([
      expect.objectContaining({ ComplianceResourceId: ids.untagged, ComplianceType: 'NON_COMPLIANT' }),
    ]);
    expect(new Date(evaluations[0].OrderingTimestamp * 1000).toISOString()).toBe('2026-01-10T09:31:12.345Z');
  },
  forCalls(1),
);

test(
  'an oversized notification fails loudly because moto cannot serve GetResourceConfigHistory for instances',
  async () => {
    // moto's Config only records S3, IAM and SNS resources; the handler must throw, never guess.
    const event = configEvent({
      configurationItemSummary: {
        configurationItemStatus: 'OK',
        resourceType: 'AWS::EC2::Instance',
        resourceId: ids.prod,
        configurationItemCaptureTime: '2026-01-10T09:31:12.345Z',
      },
      messageType: 'OversizedConfigurationItemChangeNotification',
      notificationCreationTime: '2026-01-10T09:31:13.000Z',
      recordVersion: '1.0',
    });
    await expect(handler(event)).rejects.toMatchObject({ name: 'ResourceNotDiscoveredException' });
  },
  forCalls(1),
);

test(
  'check mode: REMEDIATE for the untagged and deregistered AMIs, SKIP otherwise',
  async () => {
    const check = (instanceId: string) => handler({ amiGuardCheck: { instanceId } });
    await expect(check(ids.untagged)).resolves.toMatchObject({
      instanceId: ids.untagged,
      imageId: amis.untagged,
      compliance: 'NON_COMPLIANT',
      verdict: 'REMEDIATE',
      phase: 'notify',
      // moto has no LookupEvents: the launcher is unknown, and the verdict stands. Auto Scaling answers: no group.
      launcher: expect.stringMatching(/^unknown \(CloudTrail lookup failed: /),
      autoScaling: null,
      finding: 'unapproved',
    });
    await expect(check(ids.deregistered)).resolves.toMatchObject({ compliance: 'NON_COMPLIANT', verdict: 'REMEDIATE' });
    await expect(check(ids.prod)).resolves.toMatchObject({ compliance: 'COMPLIANT', verdict: 'SKIP' });
    await expect(check(ids.excepted)).resolves.toMatchObject({ compliance: 'COMPLIANT', verdict: 'SKIP' });
    await expect(check(ids.builder)).resolves.toMatchObject({
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: `Instance ${ids.builder} is terminated.`,
    });
    await expect(check('i-0123456789abcdef0')).resolves.toEqual({
      instanceId: 'i-0123456789abcdef0',
      imageId: null,
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: 'Instance i-0123456789abcdef0 no longer exists.',
      phase: 'skip',
      deadline: null,
      owner: null,
      team: null,
      launcher: '',
      autoScaling: null,
      fix: '',
      finding: null,
      replacement: null,
      subject: '',
      notice: '',
      chatNotice: '',
      snsMessage: '',
    });
  },
  forCalls(10),
);

test(
  'moto rejects PutEvaluations outside TestMode, and the handler surfaces that as a failure',
  async () => {
    // moto 5.2 raises NotImplementedError for PutEvaluations without TestMode and answers an HTML 500 page,
    // which the SDK cannot parse: the evaluations are computed, the call fails, the invocation rejects.
    const event = {
      ...configEvent({
        awsAccountId: MOTO_ACCOUNT,
        notificationCreationTime: '2026-01-11T00:00:00.000Z',
        messageType: 'ScheduledNotification',
        recordVersion: '1.0',
      }),
      resultToken: 'a-real-token',
    };
    await expect(handler(event)).rejects.toThrow(/Deserialization error/);
  },
  forCalls(1),
);
