/**
 * The building blocks of the remediation runbook: the document's types, references to parameters and
 * to the check step's outputs, and the SNS messages every path publishes.
 */
import {
  ACTION,
  CHECK_OUTPUTS,
  DEADLINE_TAG_KEY,
  ESCALATION_TOPIC_PARAMETER,
  MESSAGE_ATTRIBUTES,
  type Action,
  type MessageAttributeName,
} from '../../lambda/ami-compliance/contract';

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
  readonly parameters: Record<
    string,
    { type: string; description: string; allowedPattern?: string; allowedValues?: string[]; default?: string }
  >;
  readonly mainSteps: readonly AutomationStep[];
  readonly outputs: readonly string[];
}

/** Name of the step that invokes the check; its outputs feed every later step. */
export const CHECK_STEP = 'CheckInstance';

export const STRING = 'String';
export const ref = (name: string) => `{{ ${name} }}`;
/** A check step output, by default the first check's. */
export const check = (field: keyof typeof CHECK_OUTPUTS | 'Overdue', step = CHECK_STEP) => ref(`${step}.${field}`);

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

/**
 * A message to the findings topic, or (`escalate`) to the escalation topic, which owners' routes never
 * subscribe to: an owner cannot filter an escalation out.
 */
export function publish(
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
      TopicArn: ref(action === ACTION.escalate ? ESCALATION_TOPIC_PARAMETER : 'TopicArn'),
      Subject: subject,
      Message: lines.join('\n'),
      MessageAttributes: attributes(action),
    },
    onFailure: 'Abort',
    ...next,
  };
}

/**
 * The check's own notice of the finding (the same text whatever the finding: unapproved, stale,
 * deprecated, unknown image): its subject, and its message for `MessageStructure: json`, plain text
 * by default and for email, the AWS Chatbot custom notification for HTTPS subscribers.
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (MessageStructure, Subject)
 * Only for phases the check builds a notice for (a REMEDIATE verdict): the check leaves both empty
 * otherwise, and SNS refuses an empty message.
 */
export function publishNotice(name: string, action: Action, next: { nextStep?: string; isEnd?: boolean }): AutomationStep {
  const step = publish(name, action, check('Subject'), [check('SnsMessage')], next);
  return { ...step, inputs: { ...step.inputs, MessageStructure: 'json' } };
}

export const HEADLINE = `Instance ${ref('InstanceId')} in account ${ref('global:ACCOUNT_ID')} (${ref('global:REGION')}) runs AMI ${check('ImageId')}, which AMI Guard reports as ${check('Finding')}.`;
export const FACTS = [
  `Owner: ${check('Owner')} (team ${check('Team')})`,
  `Launched by: ${check('Launcher')}`,
  `Auto Scaling: ${check('AutoScaling')}`,
  `Reason: ${check('Reason')}`,
];
export const FIX = `Fix: ${check('Fix')}`;
export const FOOTER = `Automation execution: ${ref('automation:EXECUTION_ID')}`;

/**
 * The state change after the deadline, then the owner's "done" message, or "failed" when the change
 * fails (and, past the escalation threshold, an escalation). `doneLines` follow the reason in the
 * "done" message; `stillThere` ends the "failed" line's first sentence.
 */
export function changeStateSteps(
  name: string,
  state: 'stopped' | 'terminated',
  doneLines: readonly string[],
  stillThere: string,
  afterFailure: string,
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
      { nextStep: afterFailure },
    ),
  ];
}

/** Writes the deadline tag from the check's deadline (which the check took from the notice record, or set for a new notice). */
export function markDeadline(name: string, next: { nextStep?: string; isEnd?: boolean }): AutomationStep {
  return {
    name,
    action: 'aws:executeAwsApi',
    description: `Show the deadline on the instance (${DEADLINE_TAG_KEY}); the notice record, not the tag, decides.`,
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
