/**
 * "Check mode" for the SSM Automation remediation: re-judge one instance right now, with the same
 * evaluator as the Config rule, before anything is stopped. Config results can be hours old; the
 * instance may have been fixed, excepted or terminated since.
 */
import { describeInstance, readApprovedImageIds, ImageCatalog, type AwsClients } from './aws';
import { evaluateInstance, type ComplianceType } from './evaluate';
import { parseRuleParameters } from './params';

/** The environment variable holding the rule parameters (the same JSON-of-strings as Config's `ruleParameters`). */
export const RULE_PARAMETERS_ENV = 'AMI_GUARD_RULE_PARAMETERS';

/** The event the remediation sends: `{ "amiGuardCheck": { "instanceId": "i-..." } }`. */
export interface CheckEvent {
  readonly amiGuardCheck: { readonly instanceId: string };
}

/** The answer: REMEDIATE only for NON_COMPLIANT; everything else is SKIP. */
export interface CheckResult {
  readonly instanceId: string;
  /** The instance's AMI, or null when the instance is gone. */
  readonly imageId: string | null;
  readonly compliance: ComplianceType;
  readonly verdict: 'REMEDIATE' | 'SKIP';
  readonly reason: string;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** True when the event is a check-mode event (has an `amiGuardCheck` key). */
export function isCheckEvent(event: unknown): event is CheckEvent {
  return typeof event === 'object' && event !== null && 'amiGuardCheck' in event;
}

/**
 * Judges one instance now.
 * @throws on a malformed event, missing/invalid rule parameters, or any AWS API error (the automation fails; nothing is stopped)
 */
export async function runCheck(
  event: CheckEvent,
  clients: AwsClients,
  env: Readonly<Record<string, string | undefined>> = process.env,
  now: Date = new Date(),
): Promise<CheckResult> {
  const instanceId: unknown = event.amiGuardCheck?.instanceId;
  if (typeof instanceId !== 'string' || !INSTANCE_ID.test(instanceId)) {
    const got = String(JSON.stringify(instanceId));
    throw new Error(`amiGuardCheck.instanceId must be an instance ID such as "i-0123456789abcdef0", got ${got}.`);
  }
  const raw = env[RULE_PARAMETERS_ENV];
  if (!raw) {
    throw new Error(
      `${RULE_PARAMETERS_ENV} is not set: the check needs the rule parameters, e.g. {"tagKey":"Environment","tagValues":"Prod"}.`,
    );
  }
  const params = parseRuleParameters(raw);

  const instance = await describeInstance(clients.ec2, instanceId);
  if (!instance) {
    return {
      instanceId,
      imageId: null,
      compliance: 'NOT_APPLICABLE',
      verdict: 'SKIP',
      reason: `Instance ${instanceId} no longer exists.`,
    };
  }
  const approvedImageIds = params.approvedImageIdsParameter
    ? await readApprovedImageIds(clients.ssm, params.approvedImageIdsParameter)
    : undefined;
  const images = new ImageCatalog(clients.ec2);
  await images.load([instance.imageId]);
  const verdict = evaluateInstance(instance, images.get(instance.imageId), params, { now, approvedImageIds });
  return {
    instanceId,
    imageId: instance.imageId,
    compliance: verdict.complianceType,
    verdict: verdict.complianceType === 'NON_COMPLIANT' ? 'REMEDIATE' : 'SKIP',
    reason: verdict.annotation,
  };
}
