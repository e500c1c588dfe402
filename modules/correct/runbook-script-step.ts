/**
 * The runbook's `aws:executeScript` steps: one handler of a `runbook/*.py` file, and the check step
 * (first, and again before a terminate) that asks the rule Lambda for a fresh answer through check.py.
 */
import { CHECK_OUTPUTS, ESCALATE_AFTER_HOURS_PARAMETER } from '../../lambda/ami-compliance/contract';
import { OVERDUE_OUTPUT, runbookScript } from './runbook-scripts';
import { ref, STRING, type AutomationStep } from './runbook-steps';

/** An `aws:executeScript` step running one handler of a `runbook/*.py` file. */
export function scriptStep(
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
export function checkStep(name: string, props: { functionName: string; acting: boolean; graceHours: number }, next: string) {
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
