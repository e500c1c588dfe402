/**
 * The Lambda bundle entry. One function serves both the AWS Config rule and the remediation's
 * check mode, so both always run the same evaluator with the same parameters.
 */
import { lazyAwsClients, type AwsClients } from './aws';
import { isCheckEvent, runCheck } from './check';
import { REMEDIATION_TRIGGER_ENV, type CheckEvent, type CheckResult } from './contract';
import { handleConfigEvent, type ConfigHandlerResult, type ConfigRuleEvent, type InvocationContext } from './handler';
import { parseRemediationTrigger } from './retrigger';

// Created once per container, and each SDK client only when first used.
let clients: AwsClients | undefined;

/**
 * Routes `{ amiGuardCheck }` events to the check mode and everything else to the Config rule handler,
 * which bounds a sweep by the invocation's remaining time and, where remediation acts automatically,
 * starts the runbook again for instances past their deadline.
 */
export const handler = async (
  event: ConfigRuleEvent | CheckEvent,
  context?: InvocationContext,
): Promise<ConfigHandlerResult | CheckResult> => {
  clients ??= lazyAwsClients();
  if (isCheckEvent(event)) return runCheck(event, clients);
  return handleConfigEvent(event, clients, {
    context,
    remediation: parseRemediationTrigger(process.env[REMEDIATION_TRIGGER_ENV]),
  });
};
