/**
 * `npm run report`'s scan against moto_server, two accounts: moto maps the credentials AssumeRole hands
 * out to the role's account, so each account has its own instances and AMIs. Each gets instances on an
 * approved, an unapproved, a deregistered and an ID-listed AMI, and one exception. The report's verdict
 * for every instance must equal the rule Lambda's (its scheduled sweep through handleConfigEvent, with
 * the rule parameters the stack deploys), instance by instance.
 */
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ruleParametersOf } from '../../config/rule-parameters';
import { motoUnavailableReason, startMoto, type MotoServer } from '../../e2e/moto';
import { lazyAwsClients, type AwsClients } from '../../lambda/ami-compliance/aws';
import { handleConfigEvent } from '../../lambda/ami-compliance/handler';
import { encodeRuleParameters } from '../../modules/detect/ami-compliance-rule';
import type { Report } from '../../modules/report/model';
import { makeReport } from '../../modules/report/run';
import { fleetConfig, planRole } from '../../test-support/report-config';
import { tempDir } from '../../test-support/temp';

const REGION = 'us-east-1';
const ACCOUNTS = ['111111111111', '222222222222'];
const PARAMETER = '/ami-guard/approved-image-ids';
const MOTO_START_MS = 60_000;
const NOW = new Date();
/** An exception ten days out: inside the report's 14-day window and the rule's 90-day limit. */
const EXCEPTION_UNTIL = new Date(NOW.getTime() + 10 * 86_400_000).toISOString().slice(0, 10);

let moto: MotoServer | undefined;
const config = fleetConfig({ accounts: ACCOUNTS, regions: [REGION], approvedImageIdsParameter: PARAMETER });
/** Instance IDs by account and role. */
const ids: Record<string, Record<'prod' | 'untagged' | 'deregistered' | 'byId' | 'excepted', string>> = {};

const base = () => ({ region: REGION, endpoint: moto!.url });

/** The credentials moto gives for the account's plan role: every call with them lands in that account. */
async function credentialsOf(accountId: string) {
  const sts = new STSClient({ ...base(), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: planRole(accountId), RoleSessionName: 'setup' }))).Credentials!;
  sts.destroy();
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken };
}

async function seed(accountId: string): Promise<void> {
  const sdk = { ...base(), credentials: await credentialsOf(accountId) };
  const ec2 = new EC2Client(sdk);
  const ssm = new SSMClient(sdk);
  const launch = async (ImageId: string, tags: Record<string, string> = {}) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: Object.entries({ Owner: `owner@${accountId}`, Team: 'payments', ...tags }).map(([Key, Value]) => ({
                Key,
                Value,
              })),
            },
          ],
        }),
      )
    ).Instances![0].InstanceId!;
  const amazon = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
  const builder = await launch(amazon);
  const image = async (Name: string) => (await ec2.send(new CreateImageCommand({ InstanceId: builder, Name }))).ImageId!;
  const amis = {
    prod: await image('golden-prod'),
    untagged: await image('untagged'),
    deregistered: await image('gone'),
    byId: await image('by-id'),
  };
  await ec2.send(new CreateTagsCommand({ Resources: [amis.prod], Tags: [{ Key: 'Environment', Value: 'Prod' }] }));
  ids[accountId] = {
    prod: await launch(amis.prod),
    untagged: await launch(amis.untagged),
    deregistered: await launch(amis.deregistered),
    byId: await launch(amis.byId),
    excepted: await launch(amis.untagged, { AmiGuardException: `CHG-1234 until ${EXCEPTION_UNTIL}` }),
  };
  await ec2.send(new DeregisterImageCommand({ ImageId: amis.deregistered }));
  await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builder] }));
  await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'StringList', Value: amis.byId }));
  ec2.destroy();
  ssm.destroy();
}

/** The rule Lambda's scheduled sweep in one account: instance ID to the evaluation it sends Config. */
async function lambdaVerdicts(accountId: string): Promise<Map<string, { compliance: string; annotation: string }>> {
  const sdk = { ...base(), credentials: await credentialsOf(accountId) };
  const clients: AwsClients = lazyAwsClients(sdk);
  const sent = new Map<string, { compliance: string; annotation: string }>();
  // moto stores PutEvaluations only in test mode, and stores nothing: the evaluations are read on the way out.
  const configClient = new ConfigServiceClient(sdk);
  configClient.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        Evaluations?: { ComplianceResourceId: string; ComplianceType: string; Annotation: string }[];
      };
      for (const e of input.Evaluations ?? [])
        sent.set(e.ComplianceResourceId, { compliance: e.ComplianceType, annotation: e.Annotation });
      return next(args);
    },
    { step: 'initialize', name: 'recordEvaluations' },
  );
  const account = config.accounts.find((a) => a.accountId === accountId)!;
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined); // the handler's summary line
  await handleConfigEvent(
    {
      invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: NOW.toISOString() }),
      ruleParameters: JSON.stringify(encodeRuleParameters(ruleParametersOf(account))),
      resultToken: 'TESTMODE',
    },
    { ...clients, config: configClient },
    { now: NOW },
  );
  log.mockRestore();
  configClient.destroy();
  clients.ec2.destroy();
  clients.ssm.destroy();
  return sent;
}

let report: Report;

beforeAll(async () => {
  const reason = motoUnavailableReason();
  if (reason) throw new Error(reason); // no skip: the suite fails with the reason
  moto = await startMoto({ timeoutMs: MOTO_START_MS });
  for (const accountId of ACCOUNTS) await seed(accountId);
  const out = tempDir();
  const outcome = await makeReport({
    config,
    source: 'scan',
    formats: ['json'],
    out,
    now: NOW,
    clientOverrides: { endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    stdout: () => undefined,
  });
  expect(outcome.exitCode).toBe(0);
  report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report;
}, MOTO_START_MS + 240_000);

afterAll(async () => {
  await moto?.stop();
});

test('each account is read with its own role and holds only its own five live instances', () => {
  expect(report.status).toBe('complete');
  for (const accountId of ACCOUNTS) {
    const mine = report.findings
      .filter((f) => f.accountId === accountId)
      .map((f) => f.instanceId)
      .sort();
    expect(mine).toEqual(Object.values(ids[accountId]).sort());
  }
  expect(report.totals).toMatchObject({ instances: 10, compliant: 6, nonCompliant: 4, notApplicable: 0 });
});

test.each(ACCOUNTS)('account %s: the report says what the rule Lambda says, instance by instance', async (accountId) => {
  const lambda = await lambdaVerdicts(accountId);
  const reported = new Map(
    report.findings
      .filter((f) => f.accountId === accountId)
      .map((f) => [f.instanceId, { compliance: f.compliance, annotation: f.reason }]),
  );
  expect(lambda.size).toBe(5);
  expect(reported).toEqual(lambda);
  const mine = ids[accountId];
  expect([mine.prod, mine.byId, mine.excepted].map((id) => reported.get(id)?.compliance)).toEqual([
    'COMPLIANT',
    'COMPLIANT',
    'COMPLIANT',
  ]);
  expect([mine.untagged, mine.deregistered].map((id) => reported.get(id)?.compliance)).toEqual([
    'NON_COMPLIANT',
    'NON_COMPLIANT',
  ]);
});

test('the exceptions ending within 14 days and the owners of non-compliant instances are listed', () => {
  expect(report.exceptionsExpiringNextDays.map((f) => [f.accountId, f.instanceId, f.exceptionUntil])).toEqual(
    ACCOUNTS.map((a) => [a, ids[a].excepted, EXCEPTION_UNTIL]).sort((x, y) => x[1].localeCompare(y[1])),
  );
  expect(report.nonCompliantByOwner).toEqual(ACCOUNTS.map((a) => ({ team: 'payments', owner: `owner@${a}`, nonCompliant: 2 })));
  const deregistered = report.findings.find((f) => f.instanceId === ids[ACCOUNTS[0]].deregistered)!;
  expect(deregistered).toMatchObject({ imageName: null, imageAgeDays: null, compliance: 'NON_COMPLIANT' });
  const prod = report.findings.find((f) => f.instanceId === ids[ACCOUNTS[0]].prod)!;
  expect(prod).toMatchObject({ imageName: 'golden-prod', imageAgeDays: 0 });
});
