/**
 * The SSM Automation runbook AWS Config runs on a NON_COMPLIANT instance (and the scheduled sweep runs
 * again once a deadline passes). Config remediates from a compliance snapshot that can be stale, so the
 * runbook first asks the rule Lambda (check mode: same evaluator, fresh data) and acts only on its answer
 * for that same instance. In `stop` and `terminate` mode the first REMEDIATE publishes a notice and tags
 * the deadline; only a later fresh REMEDIATE after the deadline stops or terminates, and only when no
 * Auto Scaling group or protection forbids it.
 */
import {
  ACTION,
  CHECK_EVENT_KEY,
  CHECK_OUTPUTS,
  COMPLIANCE_TYPES,
  DEADLINE_PATTERN,
  DEADLINE_TAG_KEY,
  DEFAULT_GRACE_HOURS,
  DEFAULT_KEEP_EVIDENCE_DAYS,
  EVIDENCE_TAG,
  INSTANCE_ID_PATTERN,
  MAX_GRACE_HOURS,
  MESSAGE_ATTRIBUTES,
  PHASE,
  PHASES,
  UNKNOWN_OWNER,
  VERDICT,
  type Action,
  type ActingMode,
  type ComplianceType,
  type MessageAttributeName,
} from '../../lambda/ami-compliance/contract';
import { wholeNumber } from '../shared/whole-number';

export type { ActingMode } from '../../lambda/ami-compliance/contract';

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
/** Name of the step that re-checks, right before acting, what forbids the action. */
export const SAFETY_STEP = 'CheckSafety';
/** Name of the stop step (`stop` mode only). */
export const STOP_STEP = 'StopInstance';
/** Name of the terminate step (`terminate` mode only). */
export const TERMINATE_STEP = 'TerminateInstance';
/** Name of the evidence image step (`terminate` mode with `keepEvidenceDays` > 0). */
const EVIDENCE_STEP = 'CreateEvidenceImage';
/** Names of the steps that write and remove the deadline tag. */
const MARK_STEPS = { notice: 'MarkDeadline', beforeAction: 'MarkBeforeAction', clear: 'RemoveDeadline' } as const;

// aws:executeScript returns the script's dict as Payload, so the branch can read one field of the
// verdict; aws:invokeLambdaFunction only returns the whole response as one string. The script is the
// last gate before any action: it fails closed on anything but a consistent, fresh answer about this
// very instance. Every name and value it checks comes from the contract module.
const py = (value: unknown): string => JSON.stringify(value);
const CHECK_FIELDS = Object.values(CHECK_OUTPUTS);
/** What an output says when the answer has no value for it (SNS refuses empty message attributes). */
const NONE = 'none';

/** The Python of the check step, generated from the contract. */
const CHECK_SCRIPT = `import json
import re
from datetime import datetime, timezone

import boto3

CHECK_EVENT_KEY = ${py(CHECK_EVENT_KEY)}
REMEDIATE = ${py(VERDICT.remediate)}
SKIP = ${py(VERDICT.skip)}
NON_COMPLIANT = ${py('NON_COMPLIANT' satisfies ComplianceType)}
COMPLIANT = ${py('COMPLIANT' satisfies ComplianceType)}
COMPLIANCE_TYPES = (${COMPLIANCE_TYPES.map(py).join(', ')})
PHASES = (${PHASES.map(py).join(', ')})
NOTIFY_PHASES = (${py(PHASE.notify)}, ${py(PHASE.skip)})
DEADLINE_PHASES = (${py(PHASE.notice)}, ${py(PHASE.wait)}, ${py(PHASE.act)})
ACTING_PHASES = DEADLINE_PHASES + (${py(PHASE.clear)}, ${py(PHASE.skip)})
REMEDIATE_PHASES = (${py(PHASE.notify)},) + DEADLINE_PHASES
ACT = ${py(PHASE.act)}
CLEAR = ${py(PHASE.clear)}
INSTANCE_ID = re.compile(${py(INSTANCE_ID_PATTERN.source)})
DEADLINE = re.compile(${py(DEADLINE_PATTERN.source)})
MAX_GRACE_HOURS = ${MAX_GRACE_HOURS}
FIELDS = (${CHECK_FIELDS.map(py).join(', ')})
UNKNOWN = ${py(UNKNOWN_OWNER)}
NONE = ${py(NONE)}


def utc_now():
    return datetime.now(timezone.utc)


def fail(why, body=""):
    raise Exception("AMI Guard check failed, nothing was changed: " + why + (": " + body[:500] if body else ""))


def check(events, context):
    instance_id = events["InstanceId"]
    if not isinstance(instance_id, str) or not INSTANCE_ID.match(instance_id):
        fail("not an instance ID " + json.dumps(instance_id))
    grace = events.get("GraceHours")
    if events.get("Mode") == "notify":
        grace = None
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int) or not 0 <= grace <= MAX_GRACE_HOURS):
        fail("GraceHours must be a whole number of hours from 0 to " + str(MAX_GRACE_HOURS) + ", got " + json.dumps(grace))
    request = {"instanceId": instance_id, "mode": events["Mode"]}
    if grace is not None:
        request["graceHours"] = grace
    try:
        response = boto3.client("lambda").invoke(
            FunctionName=events["FunctionName"],
            Payload=json.dumps({CHECK_EVENT_KEY: request}).encode(),
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
    phase = answer.get("phase")
    if verdict not in (REMEDIATE, SKIP) or compliance not in COMPLIANCE_TYPES:
        fail("unexpected verdict or compliance", body)
    if verdict == REMEDIATE and compliance != NON_COMPLIANT:
        fail("REMEDIATE for an instance that is not NON_COMPLIANT", body)
    if phase not in PHASES or phase not in (NOTIFY_PHASES if grace is None else ACTING_PHASES):
        fail("unexpected phase " + json.dumps(phase) + (" without" if grace is None else " with") + " a grace period", body)
    if (verdict == REMEDIATE) != (phase in REMEDIATE_PHASES):
        fail("the phase does not match the verdict", body)
    if phase == CLEAR and compliance != COMPLIANT:
        fail("removing the deadline of an instance that is not COMPLIANT", body)
    deadline = answer.get("deadline")
    if phase in DEADLINE_PHASES:
        if not isinstance(deadline, str) or not DEADLINE.match(deadline):
            fail("a deadline phase without a deadline", body)
        due = datetime.strptime(deadline, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
        if phase == ACT and due > utc_now():
            fail("acting before the deadline " + deadline, body)
    result = {field: answer.get(field) for field in FIELDS}
    for field in FIELDS:
        if not isinstance(result[field], str) or result[field] == "":
            result[field] = NONE
    for field in (${py(CHECK_OUTPUTS.Owner)}, ${py(CHECK_OUTPUTS.Team)}, ${py(CHECK_OUTPUTS.Launcher)}, ${py(CHECK_OUTPUTS.ImageId)}):
        if result[field] == NONE:
            result[field] = UNKNOWN
    return result
`;

/** The Python of the safety step: what forbids the action, asked right before it, failing closed. */
const SAFETY_SCRIPT = `from datetime import datetime, timedelta, timezone

import boto3

PROTECTION = {"stop": ("disableApiStop", "DisableApiStop", "stop protection"), "terminate": ("disableApiTermination", "DisableApiTermination", "termination protection")}


def utc_now():
    return datetime.now(timezone.utc)


def safety(events, context):
    instance_id = events["InstanceId"]
    mode = events["Mode"]
    verb = "stopping" if mode == "stop" else "terminating"
    result = {"Blocked": "yes", "Why": "", "EvidenceUntil": (utc_now() + timedelta(days=int(events["KeepEvidenceDays"]))).strftime("%Y-%m-%d")}
    if mode not in PROTECTION:
        result["Why"] = "mode " + str(mode) + " does not act"
        return result
    try:
        member = boto3.client("autoscaling").describe_auto_scaling_instances(InstanceIds=[instance_id]).get("AutoScalingInstances") or []
        if member:
            result["Why"] = ("it belongs to Auto Scaling group " + str(member[0].get("AutoScalingGroupName")) + ": " + verb
                             + " it would only make the group launch a replacement from the same launch template")
            return result
        attribute, key, name = PROTECTION[mode]
        value = boto3.client("ec2").describe_instance_attribute(InstanceId=instance_id, Attribute=attribute).get(key) or {}
        if value.get("Value") is not False:
            result["Why"] = name + " (" + key + ") is on" if value.get("Value") else "its " + name + " setting could not be read"
            return result
    except Exception as err:
        result["Why"] = "AMI Guard could not confirm that " + verb + " it is safe (" + type(err).__name__ + ": " + str(err)[:300] + ")"
        return result
    result["Blocked"] = "no"
    return result
`;

const STRING = 'String';
const ref = (name: string) => `{{ ${name} }}`;
const check = (field: keyof typeof CHECK_OUTPUTS) => ref(`${CHECK_STEP}.${field}`);

/** The message attributes every message carries; routes filter on them. */
function attributes(action: Action): Record<MessageAttributeName, { DataType: string; StringValue: string }> {
  const value = (StringValue: string) => ({ DataType: STRING, StringValue });
  return {
    [MESSAGE_ATTRIBUTES.owner]: value(check('Owner')),
    [MESSAGE_ATTRIBUTES.team]: value(check('Team')),
    [MESSAGE_ATTRIBUTES.accountId]: value(ref('global:ACCOUNT_ID')),
    [MESSAGE_ATTRIBUTES.region]: value(ref('global:REGION')),
    [MESSAGE_ATTRIBUTES.action]: value(action),
  } as Record<MessageAttributeName, { DataType: string; StringValue: string }>;
}

function publish(
  name: string,
  action: Action,
  subject: string,
  lines: readonly string[],
  next: { nextStep?: string; isEnd?: boolean },
): AutomationStep {
  return {
    name,
    action: 'aws:executeAwsApi',
    inputs: {
      Service: 'sns',
      Api: 'Publish',
      TopicArn: ref('TopicArn'),
      Subject: subject,
      Message: lines.join('\n'),
      MessageAttributes: attributes(action),
    },
    onFailure: 'Abort',
    ...next,
  };
}

const HEADLINE = `Instance ${ref('InstanceId')} in account ${ref('global:ACCOUNT_ID')} (${ref('global:REGION')}) runs AMI ${check('ImageId')}, which AMI Guard does not approve.`;
const FACTS = [
  `Owner: ${check('Owner')} (team ${check('Team')})`,
  `Launched by: ${check('Launcher')}`,
  `Auto Scaling: ${check('AutoScaling')}`,
  `Reason: ${check('Reason')}`,
];
const FIX = `Fix: ${check('Fix')}`;
const FOOTER = `Automation execution: ${ref('automation:EXECUTION_ID')}`;

/**
 * The state change after the deadline, then the owner's "done" message, or "failed" when the change
 * fails. `doneLines` follow the reason in the "done" message; `stillThere` ends the "failed" line's
 * first sentence (e.g. that the instance is still running).
 */
function changeStateSteps(
  name: string,
  state: 'stopped' | 'terminated',
  doneLines: readonly string[],
  stillThere: string,
): AutomationStep[] {
  const verb = state === 'stopped' ? 'stop' : 'terminate';
  return [
    {
      name,
      action: 'aws:changeInstanceState',
      inputs: { InstanceIds: [ref('InstanceId')], DesiredState: state },
      onFailure: 'step:NotifyActionFailed',
      nextStep: 'NotifyDone',
    },
    publish(
      'NotifyDone',
      ACTION[state],
      `AMI Guard: ${state} ${ref('InstanceId')}`,
      [
        `Instance ${ref('InstanceId')} (AMI ${check('ImageId')}) was ${state} by AMI Guard.`,
        `Reason: ${check('Reason')}`,
        ...doneLines,
        FOOTER,
      ],
      { isEnd: true },
    ),
    publish(
      'NotifyActionFailed',
      ACTION.failed,
      `AMI Guard: FAILED to ${verb} ${ref('InstanceId')}`,
      [
        `AMI Guard could not ${verb} instance ${ref('InstanceId')} (AMI ${check('ImageId')})${stillThere}. See automation execution ${ref('automation:EXECUTION_ID')}.`,
      ],
      { isEnd: true },
    ),
  ];
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
  const verb =
    mode === 'terminate'
      ? { base: 'terminate', ing: 'terminating', ed: 'terminated' }
      : { base: 'stop', ing: 'stopping', ed: 'stopped' };

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
        InputPayload: {
          FunctionName: props.checkFunctionName,
          InstanceId: ref('InstanceId'),
          Mode: ref('Mode'),
          ...(acting ? { GraceHours: graceHours } : {}),
        },
      },
      outputs: Object.entries(CHECK_OUTPUTS).map(([Name, field]) => ({ Name, Selector: `$.Payload.${field}`, Type: STRING })),
      timeoutSeconds: 300,
      onFailure: 'Abort',
      nextStep: 'Decide',
    },
    {
      name: 'Decide',
      action: 'aws:branch',
      inputs: {
        Choices: [
          ...(acting
            ? [
                {
                  NextStep: SAFETY_STEP,
                  And: [
                    { Variable: check('Phase'), StringEquals: PHASE.act },
                    { Variable: ref('Mode'), StringEquals: mode },
                  ],
                },
                {
                  NextStep: 'NotifyNotice',
                  And: [
                    { Variable: check('Phase'), StringEquals: PHASE.notice },
                    { Variable: ref('Mode'), StringEquals: mode },
                  ],
                },
                { NextStep: 'BeforeDeadline', Variable: check('Phase'), StringEquals: PHASE.wait },
                { NextStep: MARK_STEPS.clear, Variable: check('Phase'), StringEquals: PHASE.clear },
              ]
            : []),
          { NextStep: 'NotifyFinding', Variable: check('Phase'), StringEquals: PHASE.notify },
        ],
        Default: 'NotifySkipped',
      },
    },
    publish(
      'NotifyFinding',
      ACTION.notify,
      `AMI Guard: ${ref('InstanceId')} runs an unapproved AMI`,
      [HEADLINE, ...FACTS, FIX, FOOTER],
      {
        isEnd: true,
      },
    ),
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
  ];

  if (acting) {
    const evidence = keepEvidenceDays > 0;
    const afterEvidence = evidence
      ? `, after taking an evidence image of it (kept until ${ref(`${SAFETY_STEP}.EvidenceUntil`)})`
      : '';
    steps.push(
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
        { nextStep: MARK_STEPS.notice },
      ),
      // The notice goes first: a deadline nobody was told about must never be on record.
      markDeadline(MARK_STEPS.notice, { isEnd: true }),
      {
        name: 'BeforeDeadline',
        action: 'aws:sleep',
        description: `Nothing to do before the deadline (${DEADLINE_TAG_KEY} tag); the sweep starts this runbook again after it.`,
        inputs: { Duration: 'PT1S' },
        isEnd: true,
      },
      {
        name: MARK_STEPS.clear,
        action: 'aws:executeAwsApi',
        description: 'The instance is compliant (fixed, or a valid exception): remove its deadline.',
        inputs: { Service: 'ec2', Api: 'DeleteTags', Resources: [ref('InstanceId')], Tags: [{ Key: DEADLINE_TAG_KEY }] },
        onFailure: 'Abort',
        nextStep: 'NotifyCleared',
      },
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
      {
        name: SAFETY_STEP,
        action: 'aws:executeScript',
        description: `Right before ${verb.ing}: an Auto Scaling group or ${mode} protection forbids it; any doubt forbids it too.`,
        inputs: {
          Runtime: 'python3.11',
          Handler: 'safety',
          Script: SAFETY_SCRIPT,
          InputPayload: { InstanceId: ref('InstanceId'), Mode: ref('Mode'), KeepEvidenceDays: keepEvidenceDays },
        },
        outputs: ['Blocked', 'Why', 'EvidenceUntil'].map((Name) => ({ Name, Selector: `$.Payload.${Name}`, Type: STRING })),
        timeoutSeconds: 120,
        onFailure: 'Abort',
        nextStep: 'DecideAction',
      },
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
        { isEnd: true },
      ),
      // Written again before acting: the permission to act requires the tag, and grace 0 has none yet.
      markDeadline(MARK_STEPS.beforeAction, { nextStep: 'NotifyActing' }),
      publish(
        'NotifyActing',
        mode === 'terminate' ? ACTION.terminating : ACTION.stopping,
        `AMI Guard: ${verb.ing} ${ref('InstanceId')} (unapproved AMI)`,
        [
          HEADLINE,
          ...FACTS,
          mode === 'stop'
            ? `Action: the deadline ${check('Deadline')} UTC passed; the instance is being stopped (not terminated; start it again once fixed).`
            : `Action: the deadline ${check('Deadline')} UTC passed; the instance is being terminated${afterEvidence}.`,
          FIX,
          FOOTER,
        ],
        { nextStep: mode === 'stop' ? STOP_STEP : evidence ? EVIDENCE_STEP : TERMINATE_STEP },
      ),
    );
    if (mode === 'stop') {
      steps.push(...changeStateSteps(STOP_STEP, 'stopped', [FIX], '; it is still running'));
    } else {
      if (evidence) {
        const tags = [
          { Key: EVIDENCE_TAG.instance, Value: ref('InstanceId') },
          { Key: EVIDENCE_TAG.keepUntil, Value: ref(`${SAFETY_STEP}.EvidenceUntil`) },
          { Key: EVIDENCE_TAG.finding, Value: ref(`${CHECK_STEP}.Reason`) },
        ];
        steps.push(
          {
            name: EVIDENCE_STEP,
            action: 'aws:executeAwsApi',
            description:
              'An image of the instance as it was, kept for the investigation; the sweep deletes it after the keep-until day.',
            inputs: {
              Service: 'ec2',
              Api: 'CreateImage',
              InstanceId: ref('InstanceId'),
              Name: `ami-guard-evidence-${ref('InstanceId')}-${ref('automation:EXECUTION_ID')}`,
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
            nextStep: TERMINATE_STEP,
          },
          publish(
            'NotifyEvidenceFailed',
            ACTION.failed,
            `AMI Guard: did not terminate ${ref('InstanceId')}; the evidence image failed`,
            [
              `AMI Guard could not take an available evidence image of instance ${ref('InstanceId')} (AMI ${check('ImageId')}), so it did not terminate it. See automation execution ${ref('automation:EXECUTION_ID')}.`,
            ],
            { isEnd: true },
          ),
        );
      }
      steps.push(
        ...changeStateSteps(
          TERMINATE_STEP,
          'terminated',
          evidence
            ? [`Evidence image: ${ref(`${EVIDENCE_STEP}.ImageId`)}, kept until ${ref(`${SAFETY_STEP}.EvidenceUntil`)}.`]
            : [],
          '',
        ),
      );
    }
  }

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
      TopicArn: {
        type: STRING,
        description: 'SNS topic for notifications.',
        allowedPattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]+$',
      },
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

/** Writes the deadline tag (the only tag key the automation role may write). */
function markDeadline(name: string, next: { nextStep?: string; isEnd?: boolean }): AutomationStep {
  return {
    name,
    action: 'aws:executeAwsApi',
    inputs: {
      Service: 'ec2',
      Api: 'CreateTags',
      Resources: [ref('InstanceId')],
      Tags: [{ Key: DEADLINE_TAG_KEY, Value: check('Deadline') }],
    },
    onFailure: 'Abort',
    ...next,
  };
}
