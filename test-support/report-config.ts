/** Configs of many accounts for the fleet report's tests and benchmark, validated by the real loader. */
import { parseConfig } from '../config/load';
import type { AmiGuardConfig } from '../config/schema';

/** The ID of account `i` of a generated fleet. */
export const fleetAccountId = (i: number): string => String(100000000000 + i);
/** The read-only role the report assumes in account `i`. */
export const planRole = (accountId: string): string => `arn:aws:iam::${accountId}:role/ami-guard-plan`;

/** The config file's JSON: `accounts` accounts, each in every one of `regions`. */
export function fleetConfigJson(options: {
  readonly accounts: number | readonly string[];
  readonly regions?: readonly string[];
  readonly approvedImageIdsParameter?: string;
  readonly trustedOwners?: readonly string[];
  readonly aggregator?: boolean;
}): Record<string, unknown> {
  const ids =
    typeof options.accounts === 'number'
      ? Array.from({ length: options.accounts }, (_, i) => fleetAccountId(i))
      : options.accounts;
  const regions = options.regions ?? ['eu-west-1'];
  return {
    backend: { bucket: 'example-ami-guard-tfstate', region: 'eu-west-1', lockTable: 'ami-guard-tf-locks' },
    defaults: {
      region: regions[0],
      approval: {
        tagKey: 'Environment',
        tagValues: ['Prod'],
        trustedOwners: [...(options.trustedOwners ?? [])],
        taggerPrincipals: ['arn:aws:iam::{accountId}:role/image-pipeline'],
      },
      detection: {
        exceptionTagKey: 'AmiGuardException',
        ...(options.approvedImageIdsParameter ? { approvedImageIdsParameter: options.approvedImageIdsParameter } : {}),
      },
    },
    accounts: ids.flatMap((accountId, i) =>
      regions.map((region) => ({
        stackName: `workload-${i}-${region}`,
        accountId,
        region,
        planRoleArn: planRole(accountId),
      })),
    ),
    ...(options.aggregator
      ? {
          organization: {
            managementAccountId: '999999999999',
            targets: [{ id: 'r-abcd' }],
            taggerPrincipals: ['arn:aws:iam::111111111111:role/image-pipeline'],
            // Who may create AMI Guard's /ami-guard/ roles (the tag guard SCP reserves them).
            iamAdminPrincipals: ['arn:aws:iam::999999999999:role/ami-guard-deploy'],
            aggregator: { accountId: '999999999999' },
          },
        }
      : {}),
  };
}

/** The same, validated and resolved as `npm run report` loads it. */
export function fleetConfig(options: Parameters<typeof fleetConfigJson>[0]): AmiGuardConfig {
  return parseConfig(fleetConfigJson(options), '<fleet>');
}
