/**
 * The runbook's input parameters: the instance, the mode, the topics, the escalation hours and the
 * role the automation runs as, each with the pattern or values SSM checks before the first step.
 */
import {
  DEFAULT_ESCALATE_AFTER_HOURS,
  ESCALATE_AFTER_HOURS_PARAMETER,
  ESCALATION_TOPIC_PARAMETER,
  INSTANCE_ID_PATTERN,
  type ActingMode,
} from '../../lambda/ami-compliance/contract';
import { STRING, type AutomationDocument } from './runbook-steps';

const TOPIC_ARN_PATTERN = '^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]+$';

/** The parameters of the runbook for one mode; `stop`/`terminate` add the escalation topic and hours. */
export function documentParameters(mode: ActingMode): AutomationDocument['parameters'] {
  const acting = mode !== 'notify';
  return {
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
  };
}
