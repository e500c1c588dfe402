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
 * The parameters, the script steps and the acting steps are in the runbook-*.ts files beside this one.
 */
import {
  ACTION,
  DEFAULT_GRACE_HOURS,
  DEFAULT_KEEP_EVIDENCE_DAYS,
  MAX_GRACE_HOURS,
  PHASE,
  type ActingMode,
} from '../../lambda/ami-compliance/contract';
import { wholeNumber } from '../shared/whole-number';
import { actingChoices, actingSteps } from './runbook-acting-steps';
import { documentParameters } from './runbook-parameters';
import { checkStep } from './runbook-script-step';
import {
  check,
  CHECK_STEP,
  FOOTER,
  publish,
  publishNotice,
  ref,
  type AutomationDocument,
  type AutomationStep,
} from './runbook-steps';

export type { ActingMode } from '../../lambda/ami-compliance/contract';
export { CHECK_STEP, type AutomationDocument, type AutomationStep } from './runbook-steps';
export { RECHECK_STEP, SAFETY_STEP, STOP_STEP, TERMINATE_STEP } from './runbook-acting-steps';

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
    parameters: documentParameters(mode),
    mainSteps: steps,
    outputs: [`${CHECK_STEP}.Verdict`, `${CHECK_STEP}.Phase`, `${CHECK_STEP}.Deadline`, `${CHECK_STEP}.Reason`],
  };
}
