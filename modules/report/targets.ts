/** What the report reads, from the config: one target per account/region, grouped by account. */
import { ruleParametersOf } from '../../config/rule-parameters';
import type { AmiGuardConfig } from '../../config/schema';
import type { RuleParameters } from '../../lambda/ami-compliance/contract';

/** One account/region of the config and the rule it deploys there. */
export interface RegionTarget {
  readonly stackName: string;
  readonly region: string;
  readonly params: RuleParameters;
}

/** One account: the read-only role to assume, and its regions. */
export interface AccountTarget {
  readonly accountId: string;
  /** The config's `planRoleArn` (which defaults to `deployRoleArn`); undefined: the caller's own credentials. */
  readonly roleArn?: string;
  readonly regions: readonly RegionTarget[];
}

/**
 * The accounts of the config, each once, with its regions in config order. Entries of one account that
 * name different roles use the first one's role (each role is read-only and in that account).
 */
export function accountTargets(config: Pick<AmiGuardConfig, 'accounts'>): AccountTarget[] {
  const byAccount = new Map<string, { roleArn?: string; regions: RegionTarget[] }>();
  for (const account of config.accounts) {
    const entry = byAccount.get(account.accountId) ?? { roleArn: account.planRoleArn, regions: [] };
    entry.regions.push({ stackName: account.stackName, region: account.region, params: ruleParametersOf(account) });
    byAccount.set(account.accountId, entry);
  }
  return [...byAccount.entries()].map(([accountId, entry]) => ({ accountId, ...entry }));
}
