/**
 * The SSM Automation runbook AWS Config runs on a NON_COMPLIANT instance. Config remediates from a
 * compliance snapshot that can be stale, so the runbook first asks the rule Lambda (check mode: same
 * evaluator, fresh data) and acts only on its REMEDIATE verdict for that same instance.
 */
import {
  CHECK_EVENT_KEY,
  CHECK_OUTPUTS,
  COMPLIANCE_TYPES,
  INSTANCE_ID_PATTERN,
  VERDICT,
  type ActingMode,
  type ComplianceType,
} from '../../lambda/ami-compliance/contract';

/** What remediation does. `off` creates nothing; there is no terminate: stopping is reversible. */
export type { ActingMode } from '../../lambda/ami-compliance/contract';

export interface RemediationDocumentProps {
  /** Name of the rule Lambda whose check mode decides. */
  readonly checkFunctionName: string;
  /** `notify` builds a runbook with no stop step at all; `stop` adds it behind the verdict. */
  readonly mode: ActingMode;
}

/** One Automation step. */
export interface AutomationStep {
  readonly name: string;
  readonly action: string;
  readonly description?: string;
  readonly inputs: Record<string, unknown>;
  readonly outputs?: readonly { Name: string; Selector: string; Type: string }[];
  readonly onFailure?: string;
  readonly nextStep?: string;
  readonly isEnd?: boolean;
  readonly timeoutSeconds?: number;
  readonly maxAttempts?: number;
}

export interface AutomationDocument {
  readonly schemaVersion: '0.3';
  readonly description: string;
  readonly assumeRole: string;
  readonly parameters: Record<string, { type: string; description: string; allowedPattern?: string; allowedValues?: string[] }>;
  readonly mainSteps: readonly AutomationStep[];
  readonly outputs: readonly string[];
}

/** Name of the step that invokes the check; its outputs feed every later step. */
export const CHECK_STEP = 'CheckInstance';
/** Name of the stop step (present only in `stop` mode). */
export const STOP_STEP = 'StopInstance';

// aws:executeScript returns the script's dict as Payload, so the branch can read one field of the
// verdict; aws:invokeLambdaFunction only returns the whole response as one string. The script is the
// last gate before any stop: it fails closed on anything but a consistent, fresh answer about this
// very instance. Every name and value it checks comes from the contract module.
const py = (value: unknown): string => JSON.stringify(value);
const CHECK_FIELDS = Object.values(CHECK_OUTPUTS);

/** The Python of the check step, generated from the contract. */
const CHECK_SCRIPT = `import json
import re

import boto3

CHECK_EVENT_KEY = ${py(CHECK_EVENT_KEY)}
REMEDIATE = ${py(VERDICT.remediate)}
SKIP = ${py(VERDICT.skip)}
NON_COMPLIANT = ${py('NON_COMPLIANT' satisfies ComplianceType)}
COMPLIANCE_TYPES = (${COMPLIANCE_TYPES.map(py).join(', ')})
INSTANCE_ID = re.compile(${py(INSTANCE_ID_PATTERN.source)})
FIELDS = (${CHECK_FIELDS.map(py).join(', ')})


def fail(why, body=""):
    raise Exception("AMI Guard check failed, nothing was changed: " + why + (": " + body[:500] if body else ""))


def check(events, context):
    instance_id = events["InstanceId"]
    if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
        fail("not an instance ID " + json.dumps(instance_id))
    try:
        response = boto3.client("lambda").invoke(
            FunctionName=events["FunctionName"],
            Payload=json.dumps({CHECK_EVENT_KEY: {"instanceId": instance_id, "mode": events["Mode"]}}).encode(),
        )
        body = response["Payload"].read().decode()
    except Exception as err:
        fail("the check function could not be invoked (" + type(err).__name__ + ": " + str(err) + ")")
    status = response.get("StatusCode")
    if response.get("FunctionError"):
        fail("the check function raised " + str(response.get("FunctionError")), body)
    if not isinstance(status, int) or not 200 <= status < 300:
        fail("the check function answered with status " + json.dumps(status), body)
    try:
        answer = json.loads(body)
    except ValueError:
        fail("the answer is not JSON", body)
    if not isinstance(answer, dict):
        fail("the answer is not a JSON object", body)
    if answer.get("instanceId") != instance_id:
        fail("the answer is about another instance", body)
    verdict = answer.get("verdict")
    compliance = answer.get("compliance")
    if verdict not in (REMEDIATE, SKIP) or compliance not in COMPLIANCE_TYPES:
        fail("unexpected verdict or compliance", body)
    if verdict == REMEDIATE and compliance != NON_COMPLIANT:
        fail("REMEDIATE for an instance that is not NON_COMPLIANT", body)
    result = {field: answer.get(field) for field in FIELDS}
    result[${py(CHECK_OUTPUTS.ImageId)}] = answer.get(${py(CHECK_OUTPUTS.ImageId)}) or "unknown"
    result[${py(CHECK_OUTPUTS.Reason)}] = answer.get(${py(CHECK_OUTPUTS.Reason)}) or ""
    return result
`;

function publish(name: string, subject: string, message: string, next: { nextStep?: string; isEnd?: boolean }): AutomationStep {
  return {
    name,
    action: 'aws:executeAwsApi',
    inputs: { Service: 'sns', Api: 'Publish', TopicArn: '{{ TopicArn }}', Subject: subject, Message: message },
    onFailure: 'Abort',
    ...next,
  };
}

/** Builds the runbook for one mode. */
export function remediationDocument(props: RemediationDocumentProps): AutomationDocument {
  const finding =
    'Instance {{ InstanceId }} runs AMI {{ CheckInstance.ImageId }}, which AMI Guard does not approve.\n' +
    'Reason: {{ CheckInstance.Reason }}\n' +
    'Fix: relaunch it from an approved AMI, or tag it with a time-boxed exception ("<ticket> until YYYY-MM-DD").\n' +
    'Automation execution: {{ automation:EXECUTION_ID }}';
  const steps: AutomationStep[] = [
    {
      name: CHECK_STEP,
      action: 'aws:executeScript',
      description: 'Re-evaluate this instance now with the rule Lambda (check mode); Config findings can be stale.',
      inputs: {
        Runtime: 'python3.11',
        Handler: 'check',
        Script: CHECK_SCRIPT,
        // The mode goes to the check, which answers SKIP for an instance that stop mode would stop again.
        InputPayload: { FunctionName: props.checkFunctionName, InstanceId: '{{ InstanceId }}', Mode: '{{ Mode }}' },
      },
      outputs: Object.entries(CHECK_OUTPUTS).map(([Name, field]) => ({ Name, Selector: `$.Payload.${field}`, Type: 'String' })),
      timeoutSeconds: 300,
      onFailure: 'Abort',
      nextStep: 'Decide',
    },
    {
      name: 'Decide',
      action: 'aws:branch',
      inputs: {
        Choices: [
          ...(props.mode === 'stop'
            ? [
                {
                  NextStep: 'NotifyStopping',
                  And: [
                    { Variable: '{{ CheckInstance.Verdict }}', StringEquals: VERDICT.remediate },
                    { Variable: '{{ Mode }}', StringEquals: 'stop' },
                  ],
                },
              ]
            : []),
          { NextStep: 'NotifyNonCompliant', Variable: '{{ CheckInstance.Verdict }}', StringEquals: VERDICT.remediate },
        ],
        Default: 'NotifySkipped',
      },
    },
    publish(
      'NotifySkipped',
      'AMI Guard: remediation skipped for {{ InstanceId }}',
      'Remediation of instance {{ InstanceId }} was skipped: a fresh check found it {{ CheckInstance.Compliance }}.\n' +
        'Reason: {{ CheckInstance.Reason }}\nAutomation execution: {{ automation:EXECUTION_ID }}',
      { isEnd: true },
    ),
    publish('NotifyNonCompliant', 'AMI Guard: {{ InstanceId }} runs an unapproved AMI', finding, { isEnd: true }),
  ];
  if (props.mode === 'stop') {
    steps.push(
      publish(
        'NotifyStopping',
        'AMI Guard: stopping {{ InstanceId }} (unapproved AMI)',
        `${finding}\nAction: the instance is being stopped (not terminated; start it again once fixed).`,
        {
          nextStep: STOP_STEP,
        },
      ),
      {
        name: STOP_STEP,
        action: 'aws:changeInstanceState',
        inputs: { InstanceIds: ['{{ InstanceId }}'], DesiredState: 'stopped' },
        onFailure: 'step:NotifyStopFailed',
        nextStep: 'NotifyStopped',
      },
      publish(
        'NotifyStopped',
        'AMI Guard: stopped {{ InstanceId }}',
        'Instance {{ InstanceId }} (AMI {{ CheckInstance.ImageId }}) was stopped by AMI Guard.\nReason: {{ CheckInstance.Reason }}\nAutomation execution: {{ automation:EXECUTION_ID }}',
        {
          isEnd: true,
        },
      ),
      publish(
        'NotifyStopFailed',
        'AMI Guard: FAILED to stop {{ InstanceId }}',
        'AMI Guard could not stop instance {{ InstanceId }} (AMI {{ CheckInstance.ImageId }}); it is still running. See automation execution {{ automation:EXECUTION_ID }}.',
        {
          isEnd: true,
        },
      ),
    );
  }
  return {
    schemaVersion: '0.3',
    description:
      props.mode === 'stop'
        ? 'AMI Guard: re-check an instance flagged for an unapproved AMI; notify, and stop it if still non-compliant.'
        : 'AMI Guard: re-check an instance flagged for an unapproved AMI and notify its owners. Never stops anything.',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      InstanceId: { type: 'String', description: 'The flagged instance.', allowedPattern: INSTANCE_ID_PATTERN.source },
      Mode: {
        type: 'String',
        description: 'notify, or stop (only where the account enabled stop mode).',
        allowedValues: props.mode === 'stop' ? ['notify', 'stop'] : ['notify'],
      },
      TopicArn: {
        type: 'String',
        description: 'SNS topic for notifications.',
        allowedPattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]+$',
      },
      AutomationAssumeRole: {
        type: 'String',
        description: 'Role the automation runs as.',
        allowedPattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]+$',
      },
    },
    mainSteps: steps,
    outputs: ['CheckInstance.Verdict', 'CheckInstance.Reason'],
  };
}
