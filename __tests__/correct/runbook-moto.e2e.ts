/**
 * The runbook's Python with the real boto3 against moto_server: notice -> deadline -> stop, a fixed
 * instance's notice record found by the sweep's listing and cleared, and
 * evidence image -> last check -> terminate -> evidence cleanup. The runbook runs as SSM Automation
 * would (test-support/runbook.ts): its API steps and its scripts' boto3 calls go to moto. What moto
 * lacks (Lambda invoke without Docker, snapshot tags in CreateImage) is listed in e2e/moto-gaps.ts with
 * what the run does instead; the check step's answer comes from the rule's check mode run against moto.
 */
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { expireEvidenceImages, lazyAwsClients, listNoticeRecords, type AwsClients } from '../../lambda/ami-compliance/aws';
import { runCheck } from '../../lambda/ami-compliance/check';
import { CHECK_EVENT_KEY, RULE_PARAMETERS_ENV, type ActingMode } from '../../lambda/ami-compliance/contract';
import { recheckReason } from '../../lambda/ami-compliance/deadline';
import { motoUnavailableReason, startMoto, type MotoServer } from '../../e2e/moto';
import { RUNBOOK_MOTO_GAPS } from '../../e2e/moto-gaps';
import { remediationDocument } from '../../modules/correct/remediation-document';
import { RunbookDriver } from '../../test-support/runbook-driver';
import { runAutomation, type StubCall } from '../../test-support/runbook';
import { CHECK_RULE_PARAMETERS } from '../../test-support/rule-parameters';

const REGION = 'eu-west-1';
const HOUR = 3_600_000;
/** The notice time, a minute boundary (deadlines are UTC minutes). */
const T0 = new Date('2026-06-15T12:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const RULE = { [RULE_PARAMETERS_ENV]: JSON.stringify(CHECK_RULE_PARAMETERS) };

let moto: MotoServer | undefined;
let driver: RunbookDriver | undefined;
let clients: AwsClients;
let ec2: EC2Client;
let ssm: SSMClient;
const topics = { findings: '', escalation: '' };
let base = '';

beforeAll(async () => {
  const reason = motoUnavailableReason();
  if (reason) throw new Error(reason);
  moto = await startMoto({ timeoutMs: 60_000 });
  const sdk = { region: REGION, endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  clients = lazyAwsClients(sdk);
  ec2 = new EC2Client(sdk);
  ssm = new SSMClient(sdk);
  const sns = new SNSClient(sdk);
  topics.findings = (await sns.send(new CreateTopicCommand({ Name: 'ami-guard-remediation' }))).TopicArn!;
  topics.escalation = (await sns.send(new CreateTopicCommand({ Name: 'ami-guard-escalation' }))).TopicArn!;
  sns.destroy();
  base = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
  driver = new RunbookDriver({
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: REGION,
  });
  for (const gap of RUNBOOK_MOTO_GAPS) console.log(`moto lacks ${gap.api} (${gap.source}); instead: ${gap.instead}`);
}, 120_000);

afterAll(async () => {
  driver?.stop();
  ec2?.destroy();
  ssm?.destroy();
  await moto?.stop();
});

async function launch(tags: Record<string, string> = {}): Promise<string> {
  const reply = await ec2.send(
    new RunInstancesCommand({
      ImageId: base,
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 't3.micro',
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: Object.entries({ Owner: 'alice', Team: 'payments', ...tags }).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  return reply.Instances![0].InstanceId!;
}

async function instance(id: string) {
  const found = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];
  const tags = Object.fromEntries((found.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']));
  return { state: found.State?.Name, tags };
}

/** A real boto3 call through the driver; the moto gaps are bridged as e2e/moto-gaps.ts says. */
function call(service: string, method: string, kwargs: Record<string, unknown>): Record<string, unknown> {
  if (service === 'ec2' && method === 'create_image') {
    const specs = kwargs.TagSpecifications as { ResourceType: string; Tags: unknown[] }[];
    const image = answer(
      driver!.call('ec2', 'create_image', { ...kwargs, TagSpecifications: specs.filter((s) => s.ResourceType === 'image') }),
    );
    const snapshots = (
      answer(driver!.call('ec2', 'describe_images', { ImageIds: [image.ImageId] })).Images as {
        BlockDeviceMappings: { Ebs?: { SnapshotId: string } }[];
      }[]
    )[0].BlockDeviceMappings.flatMap((m) => (m.Ebs ? [m.Ebs.SnapshotId] : []));
    const tags = specs.find((s) => s.ResourceType === 'snapshot')!.Tags;
    answer(driver!.call('ec2', 'create_tags', { Resources: snapshots, Tags: tags }));
    return image;
  }
  return answer(driver!.call(service, method, kwargs));
}
function answer(reply: { payload?: Record<string, unknown>; error?: string }): Record<string, unknown> {
  if (reply.error !== undefined) throw new Error(reply.error);
  return reply.payload ?? {};
}

/** Runs the runbook of `mode` on `id` at `now`, the check step answered by the check mode against moto. */
async function runbook(mode: ActingMode, id: string, now: Date, keepEvidenceDays = 14) {
  const doc = remediationDocument({ checkFunctionName: 'ami-guard-ami-compliance', mode, graceHours: 24, keepEvidenceDays });
  const answer = await runCheck({ [CHECK_EVENT_KEY]: { instanceId: id, mode, graceHours: 24 } }, clients, RULE, now);
  return runAutomation(doc, {
    parameters: {
      InstanceId: id,
      Mode: mode,
      TopicArn: topics.findings,
      EscalationTopicArn: topics.escalation,
      EscalateAfterHours: '72',
      AutomationAssumeRole: 'arn:aws:iam::123456789012:role/ami-guard/ami-guard-remediation-eu-west-1',
    },
    now,
    accountId: '123456789012',
    region: REGION,
    stub: { 'lambda.invoke': { StatusCode: 200, Payload: JSON.stringify(answer) } },
    real: { driver: driver!, call },
  });
}

const names = (calls: readonly StubCall[]) => calls.map((c) => `${c.service}.${c.method}`);
const published = (calls: readonly StubCall[]) =>
  calls
    .filter((c) => c.method === 'publish')
    .map((c) => (c.kwargs.MessageAttributes as Record<string, { StringValue: string }>).action.StringValue);

async function sweepReason(id: string, now: Date, mode: 'stop' | 'terminate') {
  const { state, tags } = await instance(id);
  return recheckReason({ instanceId: id, imageId: base, state, tags }, 'NON_COMPLIANT', now, mode);
}

describe('stop mode against moto: notice -> deadline -> stop', () => {
  test('an owner deletes the deadline tag after the notice: the instance is stopped at the original deadline, not later', async () => {
    const id = await launch();
    // The notice: published, recorded, tagged
    const notice = await runbook('stop', id, T0);
    expect(notice.status).toBe('Success');
    expect(published(notice.calls)).toEqual(['notice']);
    expect((await instance(id)).tags.AmiGuardDeadline).toBe('2026-06-16T12:00Z');
    const record = await ssm.send(new GetParameterCommand({ Name: `/ami-guard/notices/${id}` }));
    expect(JSON.parse(record.Parameter!.Value!)).toMatchObject({ deadline: '2026-06-16T12:00Z' });
    // The owner deletes the tag; the next sweep starts the runbook again, which shows the recorded deadline again
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'AmiGuardDeadline' }] }));
    expect(await sweepReason(id, at(2), 'stop')).toMatch(/without a deadline tag/);
    const again = await runbook('stop', id, at(2));
    expect(published(again.calls)).toEqual([]);
    expect((await instance(id)).tags.AmiGuardDeadline).toBe('2026-06-16T12:00Z');
    // Deleted once more: the first sweep after the original deadline stops it
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'AmiGuardDeadline' }] }));
    expect(await sweepReason(id, at(24), 'stop')).toBeDefined();
    const act = await runbook('stop', id, at(24));
    expect(act.status).toBe('Success');
    expect(names(act.calls)).toContain('ec2.stop_instances');
    expect(published(act.calls)).toEqual(['stopping', 'stopped']);
    expect((await instance(id)).state).toBe('stopped');
  }, 120_000);

  test('a backdated deadline written by someone else leads to a notice first, and the stop only after the grace', async () => {
    const id = await launch({ AmiGuardDeadline: '2000-01-01T00:00Z' });
    expect(await sweepReason(id, T0, 'stop')).toMatch(/passed/);
    const first = await runbook('stop', id, T0);
    expect(published(first.calls)).toEqual(['notice']);
    expect(names(first.calls)).not.toContain('ec2.stop_instances');
    expect((await instance(id)).state).toBe('running');
    expect((await instance(id)).tags.AmiGuardDeadline).toBe('2026-06-16T12:00Z');
    const early = await runbook('stop', id, at(23));
    expect(names(early.calls)).not.toContain('ec2.stop_instances');
    const due = await runbook('stop', id, at(24));
    expect(published(due.calls)).toEqual(['stopping', 'stopped']);
    expect((await instance(id)).state).toBe('stopped');
  }, 120_000);
});

describe('the sweep clears what a fixed instance left behind, against moto', () => {
  test('an owner deletes the deadline tag, then fixes the instance: the sweep finds its record, and the runbook deletes it', async () => {
    const id = await launch();
    expect(published((await runbook('stop', id, T0)).calls)).toEqual(['notice']);
    // The owner deletes the tag (IAM admins only, in AWS), then fixes the instance: an exception makes it compliant
    await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'AmiGuardDeadline' }] }));
    await ec2.send(
      new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'AmiGuardException', Value: 'CHG-77 until 2026-07-01' }] }),
    );
    // The sweep lists the records through moto's GetParametersByPath, and starts the runbook for it
    const records = await listNoticeRecords(clients.ssm);
    expect(records.has(id)).toBe(true);
    const { state, tags } = await instance(id);
    expect(recheckReason({ instanceId: id, imageId: base, state, tags }, 'COMPLIANT', at(2), 'stop', records.has(id))).toBe(
      'compliant with a notice record: delete it',
    );
    const clear = await runbook('stop', id, at(2));
    expect(clear.status).toBe('Success');
    expect(names(clear.calls)).toContain('ssm.delete_parameter');
    expect(names(clear.calls)).not.toContain('ec2.stop_instances');
    await expect(ssm.send(new GetParameterCommand({ Name: `/ami-guard/notices/${id}` }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
    expect((await listNoticeRecords(clients.ssm)).has(id)).toBe(false);
    expect((await instance(id)).state).toBe('running');
  }, 120_000);
});

describe('terminate mode against moto: evidence image -> last check -> terminate -> cleanup', () => {
  test('the evidence image is kept until its day, then removed; a golden image tagged by someone else survives with its snapshots', async () => {
    // A golden image someone tagged AmiGuardEvidenceUntil=2000-01-01 (the tag guards stop this in AWS; here it is written anyway)
    const builder = await launch();
    const golden = (await ec2.send(new CreateImageCommand({ InstanceId: builder, Name: 'golden-2026-06' }))).ImageId!;
    await ec2.send(new CreateTagsCommand({ Resources: [golden], Tags: [{ Key: 'AmiGuardEvidenceUntil', Value: '2000-01-01' }] }));
    const goldenSnapshots = (
      await ec2.send(new DescribeImagesCommand({ ImageIds: [golden] }))
    ).Images![0].BlockDeviceMappings!.map((m) => m.Ebs!.SnapshotId!);
    // The instance is noticed, then terminated after its deadline, after the evidence image and a last check
    const id = await launch();
    expect(published((await runbook('terminate', id, T0)).calls)).toEqual(['notice']);
    const act = await runbook('terminate', id, at(25));
    expect(act.status).toBe('Success');
    expect(names(act.calls).filter((n) => ['ec2.create_image', 'lambda.invoke', 'ec2.terminate_instances'].includes(n))).toEqual([
      'lambda.invoke',
      'ec2.create_image',
      'lambda.invoke',
      'ec2.terminate_instances',
    ]);
    expect(['shutting-down', 'terminated']).toContain((await instance(id)).state);
    const evidence = String(act.values['CreateEvidenceImage.ImageId']);
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [evidence] }))).Images![0];
    expect(image.Name).toMatch(new RegExp(`^ami-guard-evidence-${id}-`));
    expect(image.Tags).toEqual(expect.arrayContaining([{ Key: 'AmiGuardEvidenceOf', Value: id }]));
    // Before its keep-until day, the sweep keeps it; after, it removes it and its snapshots, and nothing else
    expect((await expireEvidenceImages(ec2, at(25 + 24))).images).toEqual([]);
    const expired = await expireEvidenceImages(ec2, at(25 + 24 * 16));
    expect(expired.images).toEqual([evidence]);
    expect(expired.snapshots.length).toBeGreaterThan(0);
    const left = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images!.map((i) => i.ImageId);
    expect(left).toContain(golden);
    expect(left).not.toContain(evidence);
    const snapshots = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: goldenSnapshots }))).Snapshots!;
    expect(snapshots.map((s) => s.SnapshotId).sort()).toEqual([...goldenSnapshots].sort());
  }, 120_000);
});
