/**
 * "Check mode" for the SSM Automation remediation: re-judge one instance right now, with the same
 * evaluator as the Config rule, before anything is stopped. Config results can be hours old; the
 * instance may have been fixed, excepted or terminated since.
 */
import { describeInstance, readApprovedImageIds, ImageCatalog, type AwsClients } from './aws';
import { evaluateInstance } from './evaluate';
import {
  ACTING_MODES,
  CHECK_EVENT_KEY,
  INSTANCE_ID_PATTERN,
  RULE_PARAMETERS_ENV,
  VERDICT,
  type CheckEvent,
  type CheckResult,
} from './contract';
import { parseRuleParameters } from './params';

/** States in which a stop has nothing left to do. */
const STOPPED_STATES = new Set(['stopping', 'stopped']);

/** True when the event is a check-mode event (has an `amiGuardCheck` key). */
export function isCheckEvent(event: unknown): event is CheckEvent {
  return typeof event === 'object' && event !== null && CHECK_EVENT_KEY in event;
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
  const instanceId: unknown = event[CHECK_EVENT_KEY]?.instanceId;
  if (typeof instanceId !== 'string' || !INSTANCE_ID_PATTERN.test(instanceId)) {
    const got = String(JSON.stringify(instanceId));
    throw new Error(`${CHECK_EVENT_KEY}.instanceId must be an instance ID such as "i-0123456789abcdef0", got ${got}.`);
  }
  const mode: unknown = event[CHECK_EVENT_KEY].mode ?? 'notify';
  if (!(ACTING_MODES as readonly unknown[]).includes(mode)) {
    throw new Error(`${CHECK_EVENT_KEY}.mode must be one of ${ACTING_MODES.join(', ')}, got ${String(JSON.stringify(mode))}.`);
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
      verdict: VERDICT.skip,
      reason: `Instance ${instanceId} no longer exists.`,
    };
  }
  const approvedImageIds = params.approvedImageIdsParameter
    ? await readApprovedImageIds(clients.ssm, params.approvedImageIdsParameter)
    : undefined;
  const images = new ImageCatalog(clients.ec2);
  await images.load([instance.imageId]);
  const verdict = evaluateInstance(instance, images.get(instance.imageId), params, { now, approvedImageIds });
  if (verdict.complianceType === 'NON_COMPLIANT' && mode === 'stop' && instance.state && STOPPED_STATES.has(instance.state)) {
    // Still non-compliant, but stopping it again changes nothing and would announce a stop that is not one.
    return {
      instanceId,
      imageId: instance.imageId,
      compliance: verdict.complianceType,
      verdict: VERDICT.skip,
      reason: `Instance ${instanceId} is already ${instance.state}; not stopped again. ${verdict.annotation}`,
    };
  }
  return {
    instanceId,
    imageId: instance.imageId,
    compliance: verdict.complianceType,
    verdict: verdict.complianceType === 'NON_COMPLIANT' ? VERDICT.remediate : VERDICT.skip,
    reason: verdict.annotation,
  };
}
