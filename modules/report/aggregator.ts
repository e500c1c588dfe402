/**
 * `--source aggregator`: the verdicts the deployed rules already stored, read from the organization's
 * Config aggregator (the config's `organization.aggregator`) with GetAggregateComplianceDetailsByConfigRule,
 * one account/region at a time (AccountId and AwsRegion are required parameters), 100 results a page
 * (the API's maximum):
 * https://docs.aws.amazon.com/powershell/latest/reference/items/Get-CFGAggregateComplianceDetailsByConfigRule.html
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/configservice/aws.sdk.kotlin.services.configservice.model/-get-aggregate-compliance-details-by-config-rule-request
 * The aggregator knows the instance, the verdict and the annotation, not the AMI or the tags: those
 * columns stay empty. moto lacks this API (e2e/moto-gaps.ts), so it is tested against SDK mocks.
 *
 * IAM action used, in the aggregator's account: config:GetAggregateComplianceDetailsByConfigRule.
 */
import {
  ConfigServiceClient,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  type ConfigServiceClientConfig,
} from '@aws-sdk/client-config-service';
import { CLIENT_RETRY } from '../../lambda/ami-compliance/aws';
import { COMPLIANCE_TYPES, RULE_NAME, type ComplianceType } from '../../lambda/ami-compliance/contract';
import { RegionCounter, type Finding } from './model';
import { describeError, DEFAULT_ACCOUNT_CONCURRENCY, type ClientSettings, type FindingSink } from './scan';
import type { AccountTarget } from './targets';

/** The most results one call returns. */
const AGGREGATE_PAGE_LIMIT = 100;

/** Which aggregator to read. */
export interface AggregatorOptions {
  /** The aggregator's name. */
  readonly aggregatorName: string;
  /** The region the aggregator lives in (the organization stack's region). */
  readonly region: string;
  /** The rule whose results are read. @default RULE_NAME */
  readonly ruleName?: string;
  /** Account/regions read at once. @default DEFAULT_ACCOUNT_CONCURRENCY */
  readonly concurrency?: number;
  /** SDK settings (endpoint, credentials of the aggregator account). @default the SDK's standard chain */
  readonly clientOverrides?: ClientSettings;
  /** A client to use instead of one made from `clientOverrides` (tests). */
  readonly client?: ConfigServiceClient;
}

/**
 * Reads the rule's results for every account/region of the config. A failed account/region is reported
 * as failed with the reason; the others go on. Never throws for an AWS error.
 */
export async function readAggregator(
  targets: readonly AccountTarget[],
  sink: FindingSink,
  options: AggregatorOptions,
): Promise<void> {
  const client =
    options.client ??
    new ConfigServiceClient({ ...options.clientOverrides, region: options.region, ...CLIENT_RETRY } as ConfigServiceClientConfig);
  const work = targets.flatMap((account) => account.regions.map((region) => ({ accountId: account.accountId, ...region })));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const { accountId, stackName, region } = work[next++];
      const counter = new RegionCounter();
      const place = { accountId, stackName, region };
      try {
        let NextToken: string | undefined;
        const seen = new Set<string>();
        do {
          const page = await client.send(
            new GetAggregateComplianceDetailsByConfigRuleCommand({
              ConfigurationAggregatorName: options.aggregatorName,
              ConfigRuleName: options.ruleName ?? RULE_NAME,
              AccountId: accountId,
              AwsRegion: region,
              Limit: AGGREGATE_PAGE_LIMIT,
              NextToken,
            }),
          );
          for (const result of page.AggregateEvaluationResults ?? []) {
            const instanceId = result.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId;
            if (!instanceId) continue;
            const known = (COMPLIANCE_TYPES as readonly string[]).includes(result.ComplianceType ?? '');
            const compliance = (known ? result.ComplianceType : 'NOT_APPLICABLE') as ComplianceType;
            const finding: Finding = {
              ...place,
              instanceId,
              state: null,
              imageId: null,
              imageName: null,
              imageCreated: null,
              imageAgeDays: null,
              compliance,
              reason: known ? (result.Annotation ?? '') : `Config reports ${result.ComplianceType ?? 'no compliance type'}.`,
              owner: null,
              team: null,
              deadline: null,
              exceptionUntil: null,
            };
            counter.add(compliance);
            await sink.finding(finding);
          }
          NextToken = page.NextToken || undefined;
          if (NextToken !== undefined) {
            if (seen.has(NextToken)) throw new Error('the aggregator returned the same NextToken twice: paging would loop');
            seen.add(NextToken);
          }
        } while (NextToken);
        sink.region({ ...place, status: 'complete', error: null, note: null, counts: counter.counts });
      } catch (err) {
        sink.region({ ...place, status: 'failed', error: describeError(err), note: null, counts: counter.counts });
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_ACCOUNT_CONCURRENCY, work.length));
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    if (!options.client) client.destroy();
  }
}
