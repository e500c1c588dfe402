/**
 * The SSM Automation runbook AWS Config runs on a NON_COMPLIANT instance (and the scheduled sweep runs
 * again once a deadline passes, or when a NON_COMPLIANT instance has lost its deadline tag). Config
 * remediates from a compliance snapshot that can be stale, so the runbook first asks the rule Lambda
 * (check mode: same evaluator, fresh data) and acts only on its answer for that same instance. In
 * `stop` and `terminate` mode the first REMEDIATE publishes a notice, then writes the notice record
 * (which decides) and the deadline tag (which shows it); only a later fresh REMEDIATE after the
 * record's deadline stops or terminates, and only when no Auto Scaling group or protection forbids it.
 * A terminate asks the check once more after the evidence image, and that answer decides. Blocked, or
 * still non-compliant long past the deadline, the instance is escalated. The Python is in `runbook/`.
 */
import {
  ACTION,
  CHECK_OUTPUTS,
  DEFAULT_ESCALATE_AFTER_HOURS,
  DEFAULT_GRACE_HOURS,
  DEFAULT_KEEP_EVIDENCE_DAYS,
  ESCALATE_AFTER_HOURS_PARAMETER,
  ESCALATION_TOPIC_PARAMETER,
  EVIDENCE_TAG,
  INSTANCE_ID_PATTERN,
  MAX_GRACE_HOURS,
  NOTICE_RECORD_PATH,
  PHASE,
  type ActingMode,
} from '../../lambda/ami-compliance/contract';
import { EVIDENCE_IMAGE_NAME_PREFIX } from '../../lambda/ami-compliance/trust-model';
import { wholeNumber } from '../shared/whole-number';
import { OVERDUE_OUTPUT, runbookScript } from './runbook-scripts';
import {
  changeStateSteps,
  check,
  CHECK_STEP,
  FACTS,
  FIX,
  FOOTER,
  HEADLINE,
  markDeadline,
  publish,
  publishNotice,
  ref,
  STRING,
  type AutomationDocument,
  type AutomationStep,
} from './runbook-steps';

export type { ActingMode } from '../../lambda/ami-compliance/contract';
export { CHECK_STEP, type AutomationDocument, type AutomationStep } from './runbook-steps';

export interface RemediationDocumentProps {
  /** Name of the rule Lambda whose check mode decides. */
  readonly checkFunctionName: string;
  /** `notify` builds a runbook that never changes an instance; `stop`/`terminate` add the deadline and the action. */
  readonly mode: ActingMode;
  /** Hours from the notice to the action (`stop`/`terminate`); 0 acts at once. @default 24 */
  readonly graceHours?: number;
  /** `terminate`: days to keep an image of the instance taken just before; 0 takes none. @default 14 */
  readonly keepEvidenceDays?: number;
}

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

/** An `aws:executeScript` step running one handler of a `runbook/*.py` file. */
function scriptStep(
  name: string,
  file: Parameters<typeof runbookScript>[0],
  handler: string,
  payload: Record<string, unknown>,
  outputs: readonly [string, string][],
  rest: Partial<AutomationStep>,
): AutomationStep {
  return {
    name,
    action: 'aws:executeScript',
    inputs: { Runtime: 'python3.11', Handler: handler, Script: runbookScript(file), InputPayload: payload },
    outputs: outputs.map(([Name, field]) => ({ Name, Selector: `$.Payload.${field}`, Type: STRING })),
    onFailure: 'Abort',
    ...rest,
  };
}

/** The check step (first, or again before a terminate): the rule Lambda's fresh answer, checked by check.py. */
function checkStep(name: string, props: { functionName: string; acting: boolean; graceHours: number }, next: string) {
  return scriptStep(
    name,
    'check.py',
    'check',
    {
      FunctionName: props.functionName,
      InstanceId: ref('InstanceId'),
      // The mode goes to the check, which answers SKIP for an instance that stop mode would stop again.
      Mode: ref('Mode'),
      ...(props.acting
        ? { GraceHours: props.graceHours, [ESCALATE_AFTER_HOURS_PARAMETER]: ref(ESCALATE_AFTER_HOURS_PARAMETER) }
        : {}),
    },
    [...Object.entries(CHECK_OUTPUTS), ...(props.acting ? [[OVERDUE_OUTPUT, OVERDUE_OUTPUT] as [string, string]] : [])],
    {
      description: 'Re-evaluate this instance now with the rule Lambda (check mode); Config findings can be stale.',
      timeoutSeconds: 300,
      nextStep: next,
    },
  );
}

/** Builds the runbook for one mode. */
export function remediationDocument(props: RemediationDocumentProps): AutomationDocument {
  const { mode } = props;
  const graceHours = wholeNumber('graceHours', props.graceHours ?? DEFAULT_GRACE_HOURS, { min: 0, max: MAX_GRACE_HOURS });
  const keepEvidenceDays = wholeNumber(
    'keepEvidenceDays',
    mode === 'terminate' ? (props.keepEvidenceDays ?? DEFAULT_KEEP_EVIDENCE_DAYS) : 0,
    { min: 0 },
  );
  const acting = mode !== 'notify';
  const steps: AutomationStep[] = [
    checkStep(CHECK_STEP, { functionName: props.checkFunctionName, acting, graceHours }, 'Decide'),
    {
      name: 'Decide',
      action: 'aws:branch',
      inputs: {
        Choices: [
          ...(acting ? actingChoices(mode) : []),
          { NextStep: 'NotifyFinding', Variable: check('Phase'), StringEquals: PHASE.notify },
        ],
        Default: 'NotifySkipped',
      },
    },
    // The check's notice: it names the finding (a stale AMI is not an unapproved one) and says whether AMI Guard acts.
    publishNotice('NotifyFinding', ACTION.notify, { isEnd: true }),
    publish(
      'NotifySkipped',
      ACTION.skipped,
      `AMI Guard: remediation skipped for ${ref('InstanceId')}`,
      [
        `Remediation of instance ${ref('InstanceId')} was skipped: a fresh check found it ${check('Compliance')}.`,
        `Reason: ${check('Reason')}`,
        FOOTER,
      ],
      { isEnd: true },
    ),
    ...(acting ? actingSteps(mode, { functionName: props.checkFunctionName, graceHours, keepEvidenceDays }) : []),
  ];

  return {
    schemaVersion: '0.3',
    description: {
      notify: 'AMI Guard: re-check an instance flagged for an unapproved AMI and notify its owners. Never changes an instance.',
      stop: `AMI Guard: re-check an instance flagged for an unapproved AMI; notify its owner with a deadline (${graceHours} h), and stop it after the deadline if still non-compliant.`,
      terminate: `AMI Guard: re-check an instance flagged for an unapproved AMI; notify its owner with a deadline (${graceHours} h), and terminate it after the deadline if still non-compliant and safe to terminate.`,
    }[mode],
    assumeRole: ref('AutomationAssumeRole'),
    parameters: {
      InstanceId: { type: STRING, description: 'The flagged instance.', allowedPattern: INSTANCE_ID_PATTERN.source },
      Mode: {
        type: STRING,
        description: acting ? `notify, or ${mode} (where the account enabled it).` : 'notify.',
        allowedValues: acting ? ['notify', mode] : ['notify'],
      },
      TopicArn: { type: STRING, description: 'SNS topic for notifications.', allowedPattern: TOPIC_ARN_PATTERN },
      ...(acting
        ? {
            [ESCALATION_TOPIC_PARAMETER]: {
              type: STRING,
              description: 'SNS topic for escalations (blocked, or long past the deadline); no owner route subscribes to it.',
              allowedPattern: TOPIC_ARN_PATTERN,
            },
            [ESCALATE_AFTER_HOURS_PARAMETER]: {
              type: STRING,
              description: `Hours past the deadline after which a still non-compliant instance is escalated (default ${DEFAULT_ESCALATE_AFTER_HOURS}).`,
              allowedPattern: '^\\d{1,5}$',
            },
          }
        : {}),
      AutomationAssumeRole: {
        type: STRING,
        description: 'Role the automation runs as.',
        allowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
      },
    },
    mainSteps: steps,
    outputs: [`${CHECK_STEP}.Verdict`, `${CHECK_STEP}.Phase`, `${CHECK_STEP}.Deadline`, `${CHECK_STEP}.Reason`],
  };
}

const TOPIC_ARN_PATTERN = '^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]+$';

/** The Decide choices of `stop`/`terminate` mode. */
function actingChoices(mode: ActingMode) {
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
function actingSteps(
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
