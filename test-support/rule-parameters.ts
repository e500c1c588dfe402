/**
 * The rule parameters the check-mode and runbook tests run the rule with: approval by the tag
 * Environment=Prod, exceptions in AmiGuardException, owners from Owner then Team.
 */
export const CHECK_RULE_PARAMETERS = {
  tagKey: 'Environment',
  tagValues: 'Prod',
  exceptionTagKey: 'AmiGuardException',
  ownerTagKeys: 'Owner,Team',
} as const;
