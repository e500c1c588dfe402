/**
 * "Check mode" for the SSM Automation remediation: re-judge one instance right now, with the same
 * evaluator as the Config rule, before anything is stopped or terminated. Config results can be hours
 * old; the instance may have been fixed, excepted or terminated since. The answer also says who owns
 * and who launched the instance, its Auto Scaling group, and what the runbook does next (its phase).
 */
import {
  describeAutoScaling,
  describeInstance,
  errorCode,
  lookupLauncher,
  readApprovedImageIds,
  readNoticeRecord,
  ImageCatalog,
  type AwsClients,
} from './aws';
import { ReplacementSource } from './approved-images';
import { onlyNotifies, planPhase } from './deadline';
import { evaluateInstance, type InstanceFacts } from './evaluate';
import {
  ACTING_MODES,
  CHECK_EVENT_KEY,
  DEADLINE_TAG_KEY,
  INSTANCE_ID_PATTERN,
  MAX_GRACE_HOURS,
  PHASE,
  RULE_PARAMETERS_ENV,
  VERDICT,
  type ActingMode,
  type CheckEvent,
  type CheckResult,
  type RuleParameters,
} from './contract';
import { buildNotice, snsMessage } from './notice';
import { ownerOf } from './owner';
import { parseRuleParameters } from './params';

/** States in which a stop has nothing left to do. */
const STOPPED_STATES = new Set(['stopping', 'stopped']);

/** True when the event is a check-mode event (has an `amiGuardCheck` key). */
export function isCheckEvent(event: unknown): event is CheckEvent {
  return typeof event === 'object' && event !== null && CHECK_EVENT_KEY in event;
}

/**
 * Judges one instance now.
 * @throws on a malformed event, missing/invalid rule parameters, or any AWS API error of the verdict
 * (the automation fails; nothing is changed). The launcher and Auto Scaling lookups are best-effort:
 * their errors are reported in the answer and never change the verdict.
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
  const stated: unknown = event[CHECK_EVENT_KEY].mode;
  if (stated !== undefined && !(ACTING_MODES as readonly unknown[]).includes(stated)) {
    throw new Error(`${CHECK_EVENT_KEY}.mode must be one of ${ACTING_MODES.join(', ')}, got ${String(JSON.stringify(stated))}.`);
  }
  const mode = (stated ?? 'notify') as ActingMode;
  const graceHours: unknown = event[CHECK_EVENT_KEY].graceHours;
  if (
    graceHours !== undefined &&
    (typeof graceHours !== 'number' || !Number.isInteger(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS)
  ) {
    throw new Error(
      `${CHECK_EVENT_KEY}.graceHours must be a whole number of hours from 0 to ${MAX_GRACE_HOURS}, got ${JSON.stringify(graceHours)}.`,
    );
  }
  if (graceHours !== undefined && stated === 'notify') {
    throw new Error(
      `${CHECK_EVENT_KEY}.graceHours applies to stop and terminate mode only; notify mode sets no deadline. Fix: leave it out.`,
    );
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
      phase: PHASE.skip,
      deadline: null,
      owner: null,
      team: null,
      launcher: '',
      autoScaling: null,
      fix: '',
      finding: null,
      replacement: null,
      subject: '',
      notice: '',
      chatNotice: '',
      snsMessage: '',
    };
  }
  const approvedImageIds = params.approvedImageIdsParameter
    ? await readApprovedImageIds(clients.ssm, params.approvedImageIdsParameter)
    : undefined;
  const images = new ImageCatalog(clients.ec2);
  await images.load([instance.imageId]);
  const image = images.get(instance.imageId);
  const approvedImages = await new ReplacementSource(clients.ec2, images, params, approvedImageIds, now).whenNeeded([image]);
  // The owner has its own field (and line in the messages): the reason leaves it out.
  const evaluation = evaluateInstance(
    instance,
    image,
    { ...params, ownerTagKeys: undefined },
    { now, approvedImageIds, approvedImages },
  );
  // Still non-compliant, but stopping it again changes nothing and would announce a stop that is not one.
  const alreadyStopped =
    evaluation.complianceType === 'NON_COMPLIANT' &&
    mode === 'stop' &&
    instance.state !== undefined &&
    STOPPED_STATES.has(instance.state);
  const verdict = evaluation.complianceType === 'NON_COMPLIANT' && !alreadyStopped ? VERDICT.remediate : VERDICT.skip;
  const annotation = alreadyStopped
    ? `Instance ${instanceId} is already ${instance.state}; not stopped again. ${evaluation.annotation}`
    : evaluation.annotation;
  // Only acting modes have notices; notify mode never reads (nor may read) the records.
  const recorded = graceHours === undefined ? undefined : await readNoticeRecord(clients.ssm, instanceId);
  const plan = planPhase({
    verdict,
    compliance: evaluation.complianceType,
    mark: instance.tags[DEADLINE_TAG_KEY],
    recorded,
    now,
    graceHours: graceHours as number | undefined,
    notifyOnly: onlyNotifies(evaluation.reason, params.enforceFreshness),
  });
  // Who to tell and what to change matter only when something will happen.
  const context = verdict === VERDICT.remediate ? await attribution(instance, clients, now) : undefined;
  const reason = plan.note ? `${annotation} ${plan.note}` : annotation;
  const ownership = ownerOf(instance.tags, params.ownerTagKeys);
  const fix = context ? fixFor(context.group, context.autoScaling, params) : '';
  const finding = evaluation.complianceType === 'NON_COMPLIANT' ? (evaluation.reason ?? 'unapproved') : null;
  const notice =
    context && finding
      ? buildNotice({
          instanceId,
          imageId: instance.imageId,
          finding,
          reason,
          ...ownership,
          deadline: plan.deadline,
          phase: plan.phase,
          mode,
          replacement: evaluation.replacement,
          fix,
          autoScaling: context.autoScaling,
          region: env.AWS_REGION,
        })
      : undefined;
  const replacement = evaluation.replacement;
  return {
    instanceId,
    imageId: instance.imageId,
    compliance: evaluation.complianceType,
    verdict,
    reason,
    phase: plan.phase,
    deadline: plan.deadline,
    ...ownership,
    launcher: context?.launcher ?? '',
    autoScaling: context?.autoScaling ?? null,
    fix,
    finding,
    replacement: replacement ? `${replacement.imageId}${replacement.name ? ` (${replacement.name})` : ''}` : null,
    subject: notice?.subject ?? '',
    notice: notice?.text ?? '',
    chatNotice: notice ? JSON.stringify(notice.chat) : '',
    snsMessage: notice ? snsMessage(notice) : '',
  };
}

/** Who launched the instance and its Auto Scaling group; a failed lookup is reported, never thrown. */
async function attribution(instance: InstanceFacts, clients: AwsClients, now: Date) {
  const [launcher, scaling] = await Promise.all([
    lookupLauncher(clients.cloudTrail, instance.instanceId, instance.createdAt, now).catch(
      (err: unknown) => `unknown (CloudTrail lookup failed: ${errorCode(err) ?? (err as Error)?.message})`,
    ),
    describeAutoScaling(clients.autoScaling, instance.instanceId).then(
      (facts) => ({ facts, failure: undefined }),
      (err: unknown) => ({ facts: undefined, failure: errorCode(err) ?? (err as Error)?.message }),
    ),
  ]);
  const autoScaling = scaling.facts
    ? `group ${scaling.facts.group}, ${scaling.facts.launchSource}`
    : scaling.failure
      ? `unknown (Auto Scaling lookup failed: ${scaling.failure})`
      : null;
  return { launcher, autoScaling, group: scaling.facts };
}

/** What the owner should do: for an Auto Scaling instance, change the template, not the instance. */
function fixFor(
  group: { group: string; launchSource: string } | undefined,
  autoScaling: string | null,
  params: RuleParameters,
): string {
  const exception = params.exceptionTagKey
    ? `, or grant a time-boxed exception: tag the instance ${params.exceptionTagKey}="<ticket> until YYYY-MM-DD"`
    : '';
  if (group) {
    return (
      `Point the ${group.launchSource} of Auto Scaling group ${group.group} at an approved AMI and start an instance refresh ` +
      `(replacing this instance alone brings the same AMI back)${exception}.`
    );
  }
  const unsure = autoScaling ? " If it belongs to an Auto Scaling group, fix the group's launch template instead." : '';
  return `Relaunch it from an approved AMI${exception}.${unsure}`;
}
