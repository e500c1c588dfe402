/**
 * The Lambda bundle entry. One function serves both the AWS Config rule and the remediation's
 * check mode, so both always run the same evaluator with the same parameters.
 */
import { lazyAwsClients, type AwsClients } from './aws';
import { isCheckEvent, runCheck } from './check';
import type { CheckEvent, CheckResult } from './contract';
import { handleConfigEvent, type ConfigHandlerResult, type ConfigRuleEvent, type InvocationContext } from './handler';

// Created once per container, and each SDK client only when first used.
let clients: AwsClients | undefined;

/**
 * Routes `{ amiGuardCheck }` events to the check mode and everything else to the Config rule handler,
 * which bounds a sweep by the invocation's remaining time.
 */
export const handler = async (
  event: ConfigRuleEvent | CheckEvent,
  context?: InvocationContext,
): Promise<ConfigHandlerResult | CheckResult> => {
  clients ??= lazyAwsClients();
  return isCheckEvent(event) ? runCheck(event, clients) : handleConfigEvent(event, clients, { context });
};
