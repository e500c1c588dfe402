import type { RuleParameters } from '../lambda/ami-compliance/contract';
import type { AccountConfig } from './schema';

/**
 * The rule parameters of one account, as its stack deploys them and the rule Lambda reads them: the one
 * mapping from config to rule, used by the account stack and by `npm run report`. Empty lists mean "not
 * set" (the rule's Config parameters drop them), so an empty `trustedOwners` trusts every owner.
 */
export function ruleParametersOf(account: Pick<AccountConfig, 'approval' | 'detection' | 'remediation'>): RuleParameters {
  const { approval, detection, remediation } = account;
  return {
    tagKey: approval.tagKey,
    tagValues: approval.tagValues,
    trustedOwners: approval.trustedOwners.length > 0 ? approval.trustedOwners : undefined,
    approvedImageIdsParameter: detection.approvedImageIdsParameter,
    exceptionTagKey: detection.exceptionTagKey,
    maxExceptionDays: detection.maxExceptionDays,
    exceptionTicketPattern: detection.exceptionTicketPattern,
    ownerTagKeys: remediation.ownerTagKeys.length > 0 ? remediation.ownerTagKeys : undefined,
    maxImageAgeDays: approval.maxImageAgeDays,
    deprecatedImages: approval.deprecatedImages,
    familyTagKey: approval.familyTagKey,
    enforceFreshness: remediation.enforceFreshness,
  };
}
