import { Construct } from 'constructs';
import { ConfigRemediationConfiguration } from '@cdktf/provider-aws/lib/config-remediation-configuration';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SsmDocument } from '@cdktf/provider-aws/lib/ssm-document';
import {
  DEFAULT_ESCALATE_AFTER_HOURS,
  DEFAULT_GRACE_HOURS,
  DEFAULT_KEEP_EVIDENCE_DAYS,
  ESCALATE_AFTER_HOURS_PARAMETER,
  ESCALATION_TOPIC_PARAMETER,
  INSTANCE_RESOURCE_TYPE,
  MESSAGE_ATTRIBUTE_NAMES,
  RUNBOOK_DOCUMENT_NAME,
  type ActingMode,
  type MessageAttributeName,
} from '../../lambda/ami-compliance/contract';
import { arn, roleArn } from '../shared/iam';
import { renderPolicy } from '../shared/policy-document';
import { wholeNumber } from '../shared/whole-number';
import { ServiceRole } from '../shared/service-role';
import { remediationDocument } from './remediation-document';
import { automationRolePolicy, topicPolicy } from './remediation-policies';

/** A Lambda function known by its literal name and ARN. */
export interface FunctionReference {
  readonly functionName: string;
  readonly functionArn: string;
}

/** An SNS subscription to the findings topic. */
export interface Subscription {
  /** `email`, `email-json`, `https`, `sqs` or `lambda`. */
  readonly protocol: string;
  /** The address, URL or ARN. */
  readonly endpoint: string;
}

/** A subscription that receives only the messages whose attributes match, e.g. `{ "team": ["payments"] }`. */
export interface Route extends Subscription {
  /** Message attribute name (`owner`, `team`, `accountId`, `region`, `action`) to the values it accepts; all must match. */
  readonly match: Readonly<Partial<Record<MessageAttributeName, readonly string[]>>>;
}

export interface RemediationProps {
  readonly accountId: string;
  readonly region: string;
  /**
   * `notify` publishes findings; `stop` and `terminate` publish a notice with a deadline first, and act
   * only on a fresh REMEDIATE after it.
   */
  readonly mode: ActingMode;
  /** Name of the Config rule to remediate. */
  readonly configRuleName: string;
  /** The rule Lambda, whose check mode decides (any construct with its literal name and ARN). */
  readonly checkFunction: FunctionReference;
  /** Run automatically; false offers remediation in the Config console for a person to run. @default false */
  readonly automatic?: boolean;
  /** Automatic attempts within `retryAttemptSeconds`. @default 5 */
  readonly maximumAutomaticAttempts?: number;
  /** @default 60 */
  readonly retryAttemptSeconds?: number;
  /** Percentage of non-compliant resources remediated at once. @default 10 */
  readonly concurrentExecutionRatePercentage?: number;
  /** Percentage of errors after which remediation stops. @default 10 */
  readonly errorPercentage?: number;
  /** SNS subscriptions to the findings topic; they receive every message. @default [] */
  readonly subscriptions?: readonly Subscription[];
  /** Subscriptions that receive only their team's (or owner's, region's...) messages. @default [] */
  readonly routes?: readonly Route[];
  /** `stop`/`terminate`: hours from the notice to the action; 0 acts at once. @default 24 */
  readonly graceHours?: number;
  /** `terminate`: days to keep an image of the instance taken before terminating it; 0 takes none. @default 14 */
  readonly keepEvidenceDays?: number;
  /**
   * `stop`/`terminate`: hours past the deadline after which a still non-compliant instance is escalated
   * (a blocked one is escalated at once). @default 72
   */
  readonly escalateAfterHours?: number;
  /**
   * `stop`/`terminate`: subscriptions to the escalation topic. Unfiltered: they receive every
   * escalation, whatever its owner or team, and no owner route receives one. @default []
   */
  readonly escalation?: readonly Subscription[];
}

/** Name prefix of every remediation resource. */
const NAME = 'ami-guard-remediation';
/** The escalation topic's name (acting modes). */
const ESCALATION_NAME = 'ami-guard-escalation';

/**
 * The runbook's name, the same in every mode: a document's name cannot change in place, its content
 * can (a new default version). Before, it was `AmiGuard-Remediate-Notify` or
 * `AmiGuard-Remediate-NotifyOrStop` by mode.
 */
const RUNBOOK_NAME = RUNBOOK_DOCUMENT_NAME;

/** The literal names and ARNs of a stack's remediation, known before anything exists (the rule Lambda needs them). */
export function remediationNames(props: { accountId: string; region: string }) {
  const roleName = `${NAME}-${props.region}`;
  return {
    topicArn: arn(props.region, 'sns', props.accountId, NAME),
    escalationTopicArn: arn(props.region, 'sns', props.accountId, ESCALATION_NAME),
    roleName,
    roleArn: roleArn(props.region, props.accountId, roleName),
    documentName: RUNBOOK_NAME,
  };
}

/**
 * The runbook parameters besides `InstanceId`, as AWS Config passes them and the sweep passes them again.
 * `stop`/`terminate` add the escalation topic and threshold.
 */
export function runbookParameters(props: {
  roleArn: string;
  mode: ActingMode;
  topicArn: string;
  escalationTopicArn: string;
  /** @default 72 */
  escalateAfterHours?: number;
}): Record<string, string> {
  const hours = wholeNumber('escalateAfterHours', props.escalateAfterHours ?? DEFAULT_ESCALATE_AFTER_HOURS, {
    min: 0,
    max: 8760,
  });
  return {
    AutomationAssumeRole: props.roleArn,
    Mode: props.mode,
    TopicArn: props.topicArn,
    ...(props.mode === 'notify'
      ? {}
      : { [ESCALATION_TOPIC_PARAMETER]: props.escalationTopicArn, [ESCALATE_AFTER_HOURS_PARAMETER]: String(hours) }),
  };
}

/** The SNS filter policy of a route (scope `MessageAttributes`), checked: an unknown attribute would match nothing. */
export function routeFilterPolicy(route: Route, field = 'routes'): Record<string, string[]> {
  const keys = Object.keys(route.match) as MessageAttributeName[];
  if (keys.length === 0 || keys.length > 5) {
    throw new Error(`\`${field}.match\` must name 1 to 5 message attributes (SNS's limit), got ${keys.length}.`);
  }
  for (const key of keys) {
    if (!(MESSAGE_ATTRIBUTE_NAMES as readonly string[]).includes(key)) {
      throw new Error(`\`${field}.match.${key}\` is not a message attribute; use one of ${MESSAGE_ATTRIBUTE_NAMES.join(', ')}.`);
    }
    const values = route.match[key] ?? [];
    if (values.length === 0 || values.some((v) => v === '')) {
      throw new Error(`\`${field}.match.${key}\` must list at least one non-empty value, got ${JSON.stringify(values)}.`);
    }
  }
  return Object.fromEntries(keys.map((key) => [key, [...(route.match[key] ?? [])]]));
}

/** Correct: the findings topic, the re-checking runbook, its role, and the remediation wired to the rule. */
export class Remediation extends Construct {
  readonly topic: SnsTopic;
  /** Where escalations go (`stop`/`terminate` only). */
  readonly escalationTopic?: SnsTopic;
  readonly document: SsmDocument;
  readonly role: ServiceRole;
  readonly configuration: ConfigRemediationConfiguration;

  constructor(scope: Construct, id: string, props: RemediationProps) {
    super(scope, id);
    const attempts = wholeNumber('maximumAutomaticAttempts', props.maximumAutomaticAttempts ?? 5, {
      min: 1,
      max: 25,
      limit: "AWS Config's limit",
    });
    const { accountId, region, mode } = props;
    const graceHours = props.graceHours ?? DEFAULT_GRACE_HOURS;
    const keepEvidenceDays = mode === 'terminate' ? (props.keepEvidenceDays ?? DEFAULT_KEEP_EVIDENCE_DAYS) : 0;
    const filterPolicies = (props.routes ?? []).map((route, i) => routeFilterPolicy(route, `routes[${i}]`));
    const acting = mode !== 'notify';
    if (!acting && (props.escalation ?? []).length > 0) {
      throw new Error('`escalation` subscriptions need mode stop or terminate: notify mode never escalates. Fix: remove them.');
    }
    // Literal ARNs so the policies read in full before any plan.
    const names = remediationNames({ accountId, region });
    const { topicArn } = names;
    this.role = new ServiceRole(this, {
      accountId,
      region,
      roleName: names.roleName,
      description: `AMI Guard remediation (${props.mode}) run by SSM Automation`,
      service: 'ssm.amazonaws.com',
      policyName: 'remediation',
      policy: automationRolePolicy({
        accountId,
        region,
        mode,
        checkFunctionArn: props.checkFunction.functionArn,
        topicArn,
        escalationTopicArn: names.escalationTopicArn,
        evidence: keepEvidenceDays > 0,
      }),
    });

    this.topic = new SnsTopic(this, 'topic', { name: NAME, kmsMasterKeyId: 'alias/aws/sns' });
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: this.topic.arn,
      policy: renderPolicy(topicPolicy({ accountId, region, topicArn, automationRoleArn: this.role.roleArn })),
      dependsOn: [this.role.role],
    });
    (props.subscriptions ?? []).forEach((s, i) => {
      new SnsTopicSubscription(this, `subscription-${i}`, {
        topicArn: this.topic.arn,
        protocol: s.protocol,
        endpoint: s.endpoint,
      });
    });
    (props.routes ?? []).forEach((route, i) => {
      new SnsTopicSubscription(this, `route-${i}`, {
        topicArn: this.topic.arn,
        protocol: route.protocol,
        endpoint: route.endpoint,
        filterPolicy: JSON.stringify(filterPolicies[i]),
        filterPolicyScope: 'MessageAttributes',
      });
    });

    if (acting) {
      this.escalationTopic = new SnsTopic(this, 'escalation-topic', { name: ESCALATION_NAME, kmsMasterKeyId: 'alias/aws/sns' });
      new SnsTopicPolicy(this, 'escalation-topic-policy', {
        arn: this.escalationTopic.arn,
        policy: renderPolicy(
          topicPolicy({ accountId, region, topicArn: names.escalationTopicArn, automationRoleArn: this.role.roleArn }),
        ),
        dependsOn: [this.role.role],
      });
      (props.escalation ?? []).forEach((s, i) => {
        new SnsTopicSubscription(this, `escalation-${i}`, {
          topicArn: this.escalationTopic!.arn,
          protocol: s.protocol,
          endpoint: s.endpoint,
        });
      });
    }

    this.document = new SsmDocument(this, 'runbook', {
      name: names.documentName,
      documentType: 'Automation',
      documentFormat: 'JSON',
      content: JSON.stringify(
        remediationDocument({ checkFunctionName: props.checkFunction.functionName, mode, graceHours, keepEvidenceDays }),
        null,
        2,
      ),
      // Upgrading from the per-mode names: the remediation switches to the new runbook before the old one goes.
      lifecycle: { createBeforeDestroy: true },
    });

    this.configuration = new ConfigRemediationConfiguration(this, 'configuration', {
      configRuleName: props.configRuleName,
      resourceType: INSTANCE_RESOURCE_TYPE,
      targetType: 'SSM_DOCUMENT',
      targetId: this.document.name,
      parameter: [
        ...Object.entries(
          runbookParameters({
            roleArn: this.role.role.arn,
            mode,
            topicArn: this.topic.arn,
            escalationTopicArn: this.escalationTopic?.arn ?? names.escalationTopicArn,
            escalateAfterHours: props.escalateAfterHours,
          }),
        ).map(([name, staticValue]) => ({ name, staticValue })),
        { name: 'InstanceId', resourceValue: 'RESOURCE_ID' },
      ].sort((a, b) => a.name.localeCompare(b.name)),
      automatic: props.automatic ?? false,
      maximumAutomaticAttempts: attempts,
      retryAttemptSeconds: props.retryAttemptSeconds ?? 60,
      executionControls: {
        ssmControls: {
          concurrentExecutionRatePercentage: props.concurrentExecutionRatePercentage ?? 10,
          errorPercentage: props.errorPercentage ?? 10,
        },
      },
      // The role must be able to act before Config may start an execution.
      dependsOn: [this.role.rolePolicy],
    });
  }
}
