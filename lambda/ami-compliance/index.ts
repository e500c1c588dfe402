/**
 * The Lambda bundle entry. One function serves both the AWS Config rule and the remediation's
 * check mode, so both always run the same evaluator with the same parameters.
 */
import { lazyAwsClients, type AwsClients } from './aws';
import { isCheckEvent, runCheck } from './check';
import { REMEDIATION_TRIGGER_ENV, type CheckEvent, type CheckResult } from './contract';
import { handleConfigEvent, type ConfigHandlerResult, type ConfigRuleEvent } from './handler';
import { parseRemediationTrigger } from './retrigger';

// Created once per container, and each SDK client only when first used.
let clients: AwsClients | undefined;

/** Routes `{ amiGuardCheck }` events to the check mode and everything else to the Config rule handler. */
export const handler = async (event: ConfigRuleEvent | CheckEvent): Promise<ConfigHandlerResult | CheckResult> => {
  clients ??= lazyAwsClients();
  if (isCheckEvent(event)) return runCheck(event, clients);
  return handleConfigEvent(event, clients, new Date(), {
    remediation: parseRemediationTrigger(process.env[REMEDIATION_TRIGGER_ENV]),
  });
};
