/**
 * The runbook's steps of `stop` and `terminate` mode after Decide: the notice, the notice record and
 * the deadline tag, the safety check, the stop or (after an evidence image and one more check) the
 * terminate, and the escalations when an instance is blocked or outstays its deadline.
 */
import {
  ACTION,
  ESCALATE_AFTER_HOURS_PARAMETER,
  EVIDENCE_TAG,
  NOTICE_RECORD_PATH,
  PHASE,
  type ActingMode,
} from '../../lambda/ami-compliance/contract';
import { EVIDENCE_IMAGE_NAME_PREFIX } from '../../lambda/ami-compliance/trust-model';
import { checkStep, scriptStep } from './runbook-script-step';
import {
  changeStateSteps,
  check,
  FACTS,
  FIX,
  FOOTER,
  HEADLINE,
  markDeadline,
  publish,
  ref,
  STRING,
  type AutomationStep,
} from './runbook-steps';

/** Name of the step that re-checks, right before acting, what forbids the action. */
export const SAFETY_STEP = 'CheckSafety';
/** Name of the stop step (`stop` mode only). */
export const STOP_STEP = 'StopInstance';
/** Name of the terminate step (`terminate` mode only). */
export const TERMINATE_STEP = 'TerminateInstance';
/** Name of the check asked again after the evidence image, right before the terminate (`terminate` mode only). */
export const RECHECK_STEP = 'RecheckBeforeTerminate';
/** Name of the evidence image step (`terminate` mode with `keepEvidenceDays` > 0). */
const EVIDENCE_STEP = 'CreateEvidenceImage';
/** Names of the steps that record the notice and write, restore and remove the deadline. */
const MARK_STEPS = {
  record: 'RecordNotice',
  notice: 'MarkDeadline',
  restore: 'RestoreDeadline',
  beforeAction: 'MarkBeforeAction',
  clear: 'RemoveDeadline',
} as const;

/** The Decide choices of `stop`/`terminate` mode. */
export function actingChoices(mode: ActingMode) {
  const phase = (value: string) => [
    { Variable: check('Phase'), StringEquals: value },
    { Variable: ref('Mode'), StringEquals: mode },
  ];
  return [
    { NextStep: 'EscalateOverdue', And: [...phase(PHASE.act), { Variable: check('Overdue'), StringEquals: 'yes' }] },
    { NextStep: SAFETY_STEP, And: phase(PHASE.act) },
    { NextStep: 'NotifyNotice', And: phase(PHASE.notice) },
    { NextStep: MARK_STEPS.restore, Variable: check('Phase'), StringEquals: PHASE.wait },
    { NextStep: MARK_STEPS.clear, Variable: check('Phase'), StringEquals: PHASE.clear },
  ];
}

/** The steps of `stop`/`terminate` mode after Decide. */
export function actingSteps(
  mode: ActingMode,
  props: { functionName: string; graceHours: number; keepEvidenceDays: number },
): AutomationStep[] {
  const verb =
    mode === 'terminate'
      ? { base: 'terminate', ing: 'terminating', ed: 'terminated' }
      : { base: 'stop', ing: 'stopping', ed: 'stopped' };
  const evidence = mode === 'terminate' && props.keepEvidenceDays > 0;
  const afterEvidence = evidence
    ? `, after taking an evidence image of it (kept until ${ref(`${SAFETY_STEP}.EvidenceUntil`)})`
    : '';
  const steps: AutomationStep[] = [
    publish(
      'NotifyNotice',
      ACTION.notice,
      `AMI Guard: ${ref('InstanceId')} will be ${verb.ed} after ${check('Deadline')} UTC`,
      [
        HEADLINE,
        ...FACTS,
        `Deadline: ${check('Deadline')} UTC. After it, AMI Guard will ${verb.base} the instance if a fresh check still finds it non-compliant` +
          (mode === 'stop' ? ' (stopped, not terminated: it can be started again once fixed).' : '.'),
        FIX,
        FOOTER,
      ],
      { nextStep: MARK_STEPS.record },
    ),
    // The notice goes first: a deadline nobody was told about must never be on record.
    {
      name: MARK_STEPS.record,
      action: 'aws:executeAwsApi',
      description: `The notice record (${NOTICE_RECORD_PATH}<instance>): only AMI Guard writes it, and it survives the tag.`,
      inputs: {
        Service: 'ssm',
        Api: 'PutParameter',
        Name: `${NOTICE_RECORD_PATH}${ref('InstanceId')}`,
        Type: STRING,
        Tier: 'Standard',
        Overwrite: true,
        Value: `{"deadline":"${check('Deadline')}","executionId":"${ref('automation:EXECUTION_ID')}"}`,
        Description: `AMI Guard notice: ${ref('InstanceId')} is due for ${verb.base} after the deadline`,
      },
      onFailure: 'Abort',
      nextStep: MARK_STEPS.notice,
    },
    markDeadline(MARK_STEPS.notice, { isEnd: true }),
    // Before the deadline: show the record's deadline again, in case the tag was deleted or moved.
    markDeadline(MARK_STEPS.restore, { isEnd: true }),
    scriptStep(
      MARK_STEPS.clear,
      'deadline.py',
      'clear',
      { InstanceId: ref('InstanceId') },
      [['RecordRemoved', 'RecordRemoved']],
      {
        description: 'The instance is compliant (fixed, or a valid exception): remove its notice record and deadline tag.',
        timeoutSeconds: 60,
        nextStep: 'NotifyCleared',
      },
    ),
    publish(
      'NotifyCleared',
      ACTION.cleared,
      `AMI Guard: ${ref('InstanceId')} is compliant; its deadline was removed`,
      [
        `Instance ${ref('InstanceId')} in account ${ref('global:ACCOUNT_ID')} (${ref('global:REGION')}) is ${check('Compliance')} again; AMI Guard removed its deadline and will not ${verb.base} it.`,
        `Reason: ${check('Reason')}`,
        FOOTER,
      ],
      { isEnd: true },
    ),
    publish(
      'EscalateOverdue',
      ACTION.escalate,
      `AMI Guard ESCALATION: ${ref('InstanceId')} is still non-compliant long after its deadline`,
      [
        HEADLINE,
        ...FACTS,
        `Deadline: ${check('Deadline')} UTC passed more than ${ref(ESCALATE_AFTER_HOURS_PARAMETER)} hours ago; AMI Guard tries to ${verb.base} it again now.`,
        FIX,
        FOOTER,
      ],
      { nextStep: SAFETY_STEP },
    ),
    scriptStep(
      SAFETY_STEP,
      'safety.py',
      'safety',
      { InstanceId: ref('InstanceId'), Mode: ref('Mode'), KeepEvidenceDays: props.keepEvidenceDays },
      ['Blocked', 'Why', 'EvidenceUntil'].map((n) => [n, n] as [string, string]),
      {
        description: `Right before ${verb.ing}: an Auto Scaling group or ${mode} protection forbids it; any doubt forbids it too.`,
        timeoutSeconds: 120,
        nextStep: 'DecideAction',
      },
    ),
    {
      name: 'DecideAction',
      action: 'aws:branch',
      inputs: {
        Choices: [{ NextStep: MARK_STEPS.beforeAction, Variable: ref(`${SAFETY_STEP}.Blocked`), StringEquals: 'no' }],
        Default: 'NotifyBlocked',
      },
    },
    publish(
      'NotifyBlocked',
      ACTION.blocked,
      `AMI Guard: did not ${verb.base} ${ref('InstanceId')}; action needed`,
      [
        HEADLINE,
        ...FACTS,
        `Deadline: ${check('Deadline')} UTC passed, but AMI Guard did not ${verb.base} the instance: ${ref(`${SAFETY_STEP}.Why`)}.`,
        FIX,
        FOOTER,
      ],
      { nextStep: 'EscalateBlocked' },
    ),
    publish(
      'EscalateBlocked',
      ACTION.escalate,
      `AMI Guard ESCALATION: ${ref('InstanceId')} is past its deadline and blocked`,
      [
        HEADLINE,
        ...FACTS,
        `Deadline: ${check('Deadline')} UTC passed, but AMI Guard cannot ${verb.base} the instance: ${ref(`${SAFETY_STEP}.Why`)}.`,
        FIX,
        FOOTER,
      ],
      { isEnd: true },
    ),
    // The permission to act requires the tag: shown again from the record, in case the owner deleted it.
    markDeadline(MARK_STEPS.beforeAction, { nextStep: 'NotifyActing' }),
    publish(
      'NotifyActing',
      mode === 'terminate' ? ACTION.terminating : ACTION.stopping,
      `AMI Guard: ${verb.ing} ${ref('InstanceId')} (${check('Finding')} AMI)`,
      [
        HEADLINE,
        ...FACTS,
        mode === 'stop'
          ? `Action: the deadline ${check('Deadline')} UTC passed; the instance is being stopped (not terminated; start it again once fixed).`
          : `Action: the deadline ${check('Deadline')} UTC passed; the instance is being terminated${afterEvidence}, if a last check still finds it non-compliant.`,
        FIX,
        FOOTER,
      ],
      { nextStep: mode === 'stop' ? STOP_STEP : evidence ? EVIDENCE_STEP : RECHECK_STEP },
    ),
  ];
  if (mode === 'stop') {
    steps.push(...changeStateSteps(STOP_STEP, 'stopped', [FIX], '; it is still running', 'EscalateIfOverdue'));
  } else {
    if (evidence) steps.push(...evidenceSteps());
    steps.push(
      checkStep(
        RECHECK_STEP,
        { functionName: props.functionName, acting: true, graceHours: props.graceHours },
        'DecideTerminate',
      ),
      {
        name: 'DecideTerminate',
        action: 'aws:branch',
        description: 'The answer after the evidence image decides: an exception granted or an AMI approved meanwhile counts.',
        inputs: {
          Choices: [{ NextStep: TERMINATE_STEP, Variable: check('Phase', RECHECK_STEP), StringEquals: PHASE.act }],
          Default: 'NotifyTerminateCancelled',
        },
      },
      publish(
        'NotifyTerminateCancelled',
        ACTION.skipped,
        `AMI Guard: did not terminate ${ref('InstanceId')}; a last check found nothing to do`,
        [
          `AMI Guard did not terminate instance ${ref('InstanceId')}: the check right before the terminate found it ${check('Compliance', RECHECK_STEP)} (phase ${check('Phase', RECHECK_STEP)}).`,
          `Reason: ${check('Reason', RECHECK_STEP)}`,
          FOOTER,
        ],
        { isEnd: true },
      ),
      ...changeStateSteps(
        TERMINATE_STEP,
        'terminated',
        evidence
          ? [`Evidence image: ${ref(`${EVIDENCE_STEP}.ImageId`)}, kept until ${ref(`${SAFETY_STEP}.EvidenceUntil`)}.`]
          : [],
        '',
        'EscalateIfOverdue',
      ),
    );
  }
  steps.push(
    {
      name: 'EscalateIfOverdue',
      action: 'aws:branch',
      inputs: {
        Choices: [{ NextStep: 'EscalateFailed', Variable: check('Overdue'), StringEquals: 'yes' }],
        Default: 'FailedNotOverdue',
      },
    },
    publish(
      'EscalateFailed',
      ACTION.escalate,
      `AMI Guard ESCALATION: could not ${verb.base} ${ref('InstanceId')} long after its deadline`,
      [
        HEADLINE,
        ...FACTS,
        `Deadline: ${check('Deadline')} UTC passed more than ${ref(ESCALATE_AFTER_HOURS_PARAMETER)} hours ago, and AMI Guard could not ${verb.base} the instance.`,
        FIX,
        FOOTER,
      ],
      { isEnd: true },
    ),
    {
      name: 'FailedNotOverdue',
      action: 'aws:sleep',
      description: 'The failure was reported to the owner; the next sweep tries again.',
      inputs: { Duration: 'PT1S' },
      isEnd: true,
    },
  );
  return steps;
}

/** The evidence image before a terminate, named and tagged as AMI Guard's (the sweep deletes nothing else). */
function evidenceSteps(): AutomationStep[] {
  const tags = [
    { Key: EVIDENCE_TAG.instance, Value: ref('InstanceId') },
    { Key: EVIDENCE_TAG.keepUntil, Value: ref(`${SAFETY_STEP}.EvidenceUntil`) },
    { Key: EVIDENCE_TAG.finding, Value: check('Reason') },
  ];
  return [
    {
      name: EVIDENCE_STEP,
      action: 'aws:executeAwsApi',
      description:
        'An image of the instance as it was, kept for the investigation; the sweep deletes it after the keep-until day.',
      inputs: {
        Service: 'ec2',
        Api: 'CreateImage',
        InstanceId: ref('InstanceId'),
        Name: `${EVIDENCE_IMAGE_NAME_PREFIX}${ref('InstanceId')}-${ref('automation:EXECUTION_ID')}`,
        Description: `AMI Guard evidence of ${ref('InstanceId')} before termination`,
        NoReboot: true,
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
      },
      outputs: [{ Name: 'ImageId', Selector: '$.ImageId', Type: STRING }],
      onFailure: 'step:NotifyEvidenceFailed',
      nextStep: 'WaitForEvidenceImage',
    },
    {
      name: 'WaitForEvidenceImage',
      action: 'aws:waitForAwsResourceProperty',
      description: 'Terminate only once the evidence image is available.',
      inputs: {
        Service: 'ec2',
        Api: 'DescribeImages',
        ImageIds: [ref(`${EVIDENCE_STEP}.ImageId`)],
        PropertySelector: '$.Images[0].State',
        DesiredValues: ['available'],
      },
      timeoutSeconds: 7200,
      onFailure: 'step:NotifyEvidenceFailed',
      nextStep: RECHECK_STEP,
    },
    publish(
      'NotifyEvidenceFailed',
      ACTION.failed,
      `AMI Guard: did not terminate ${ref('InstanceId')}; the evidence image failed`,
      [
        `AMI Guard could not take an available evidence image of instance ${ref('InstanceId')} (AMI ${check('ImageId')}), so it did not terminate it. See automation execution ${ref('automation:EXECUTION_ID')}.`,
      ],
      { nextStep: 'EscalateIfOverdue' },
    ),
  ];
}
