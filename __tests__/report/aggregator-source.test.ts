/**
 * `--source aggregator` reads GetAggregateComplianceDetailsByConfigRule, which moto lacks (e2e/moto-gaps.ts):
 * tested against SDK mocks of the real client.
 */
import {
  ConfigServiceClient,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  type AggregateEvaluationResult,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULE_NAME } from '../../lambda/ami-compliance/contract';
import type { Report } from '../../modules/report/model';
import { makeReport } from '../../modules/report/run';
import { fleetAccountId, fleetConfig } from '../../test-support/report-config';
import { tempDir } from '../../test-support/temp';

const NOW = new Date('2026-01-11T00:00:00Z');

const result = (accountId: string, region: string, i: number, type: string): AggregateEvaluationResult => ({
  EvaluationResultIdentifier: {
    EvaluationResultQualifier: {
      ConfigRuleName: RULE_NAME,
      ResourceType: 'AWS::EC2::Instance',
      ResourceId: `i-${String(i).padStart(17, '0')}`,
    },
  },
  ComplianceType: type as AggregateEvaluationResult['ComplianceType'],
  Annotation: `${type} because ${i}`,
  AccountId: accountId,
  AwsRegion: region,
});

async function run(client: ConfigServiceClient, accounts = 2) {
  const out = tempDir();
  const outcome = await makeReport({
    config: fleetConfig({ accounts, regions: ['eu-west-1', 'us-east-1'], aggregator: true }),
    source: 'aggregator',
    formats: ['json'],
    out,
    now: NOW,
    aggregatorClient: client,
    stdout: () => undefined,
  });
  return { outcome, report: JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as Report };
}

test('reads every account/region of the config from the aggregator, page by page, 100 at a time', async () => {
  // GIVEN an aggregator whose account 0 eu-west-1 has 250 results over three pages, and one result elsewhere
  const client = new ConfigServiceClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  mock.on(GetAggregateComplianceDetailsByConfigRuleCommand).callsFake((input) => {
    if (input.AccountId === fleetAccountId(0) && input.AwsRegion === 'eu-west-1') {
      const start = Number(input.NextToken ?? 0);
      const page = Array.from({ length: Math.min(100, 250 - start) }, (_, k) =>
        result(input.AccountId, input.AwsRegion, start + k, (start + k) % 5 === 0 ? 'NON_COMPLIANT' : 'COMPLIANT'),
      );
      return { AggregateEvaluationResults: page, NextToken: start + 100 < 250 ? String(start + 100) : undefined };
    }
    return { AggregateEvaluationResults: [result(input.AccountId!, input.AwsRegion!, 1, 'INSUFFICIENT_DATA')] };
  });
  // WHEN the report reads it
  const { outcome, report } = await run(client);
  // THEN every page was read with the aggregator's name, the rule's name and the page limit
  const calls = mock.commandCalls(GetAggregateComplianceDetailsByConfigRuleCommand).map((c) => c.args[0].input);
  expect(calls).toHaveLength(3 + 3);
  for (const input of calls) {
    expect(input).toMatchObject({ ConfigurationAggregatorName: 'ami-guard-organization', ConfigRuleName: RULE_NAME, Limit: 100 });
  }
  expect(calls.filter((c) => c.AccountId === fleetAccountId(0) && c.AwsRegion === 'eu-west-1').map((c) => c.NextToken)).toEqual([
    undefined,
    '100',
    '200',
  ]);
  // and the report counts them, with no AMI or owner (the aggregator does not know them)
  expect(outcome.exitCode).toBe(0);
  expect(report.source).toBe('aggregator');
  expect(report.totals).toMatchObject({ instances: 253, nonCompliant: 50, compliant: 200, notApplicable: 3 });
  expect(report.findings[0]).toMatchObject({ imageId: null, owner: null, reason: 'NON_COMPLIANT because 0' });
  expect(report.findings.find((f) => f.compliance === 'NOT_APPLICABLE')?.reason).toBe('Config reports INSUFFICIENT_DATA.');
  expect(report.amis).toEqual([]);
});

test('an account/region the aggregator refuses is reported as failed with the reason; the others complete; exit 3', async () => {
  const client = new ConfigServiceClient({ region: 'eu-west-1' });
  const mock = mockClient(client);
  mock.on(GetAggregateComplianceDetailsByConfigRuleCommand).callsFake((input) => {
    if (input.AccountId === fleetAccountId(1) && input.AwsRegion === 'us-east-1') {
      throw Object.assign(new Error('The configuration aggregator does not exist.'), {
        name: 'NoSuchConfigurationAggregatorException',
      });
    }
    return { AggregateEvaluationResults: [result(input.AccountId!, input.AwsRegion!, 7, 'NON_COMPLIANT')] };
  });
  const { outcome, report } = await run(client);
  expect(outcome.exitCode).toBe(3);
  expect(report.totals).toMatchObject({ regions: 4, failedRegions: 1, instances: 3 });
  const failed = report.accounts.flatMap((a) => a.regions).find((r) => r.status === 'failed');
  expect(failed).toMatchObject({
    accountId: fleetAccountId(1),
    region: 'us-east-1',
    error: 'NoSuchConfigurationAggregatorException: The configuration aggregator does not exist.',
  });
});

test('an aggregator that hands back the same NextToken twice fails that account/region instead of looping', async () => {
  const client = new ConfigServiceClient({ region: 'eu-west-1' });
  mockClient(client)
    .on(GetAggregateComplianceDetailsByConfigRuleCommand)
    .callsFake((input) => ({
      AggregateEvaluationResults: [result(input.AccountId!, input.AwsRegion!, 1, 'COMPLIANT')],
      NextToken: 'same',
    }));
  const { report } = await run(client, 1);
  expect(report.totals.failedRegions).toBe(2);
  expect(report.accounts[0].regions[0].error).toContain('same NextToken twice');
});
