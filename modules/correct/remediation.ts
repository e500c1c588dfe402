import { Construct } from 'constructs';
import { ConfigRemediationConfiguration } from '@cdktf/provider-aws/lib/config-remediation-configuration';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SsmDocument } from '@cdktf/provider-aws/lib/ssm-document';
import { INSTANCE_RESOURCE_TYPE } from '../../lambda/ami-compliance/contract';
import { accountRootArn, arn } from '../shared/iam';
import { PolicyDocument, renderPolicy } from '../shared/policy-document';
import { ServiceRole } from '../shared/service-role';
import { ActingMode, remediationDocument } from './remediation-document';

/** A Lambda function known by its literal name and ARN. */
export interface FunctionReference {
  readonly functionName: string;
  readonly functionArn: string;
}

export interface RemediationProps {
  readonly accountId: string;
  readonly region: string;
  /** `notify` publishes findings; `stop` also stops the instance after a fresh check. */
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
  /** SNS subscriptions to the findings topic. @default [] */
  readonly subscriptions?: readonly { protocol: string; endpoint: string }[];
}

/** Name prefix of every remediation resource. */
const NAME = 'ami-guard-remediation';

/**
 * The runbook's name, the same in `notify` and `stop` mode: a document's name cannot change in place,
 * its content can (a new default version). Before, it was `AmiGuard-Remediate-Notify` or
 * `AmiGuard-Remediate-NotifyOrStop` by mode.
 */
const RUNBOOK_NAME = 'AmiGuard-Remediate';

/** Least-privilege permissions of the automation role. */
function automationRolePolicy(props: {
  accountId: string;
  region: string;
  mode: ActingMode;
  checkFunctionArn: string;
  topicArn: string;
}): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'RunFreshCheck', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: props.checkFunctionArn },
      { Sid: 'Notify', Effect: 'Allow', Action: 'sns:Publish', Resource: props.topicArn },
      ...(props.mode === 'stop'
        ? [
            // aws:changeInstanceState polls DescribeInstances, which has no resource-level permissions.
            { Sid: 'WatchInstanceState', Effect: 'Allow' as const, Action: 'ec2:DescribeInstances', Resource: '*' },
            {
              Sid: 'StopInstancesOfThisAccount',
              Effect: 'Allow' as const,
              Action: 'ec2:StopInstances',
              Resource: arn(props.region, 'ec2', props.accountId, 'instance/*'),
            },
          ]
        : []),
    ],
  };
}

/** Topic policy: only the automation role and the account itself may publish. */
function topicPolicy(props: { accountId: string; region: string; topicArn: string; automationRoleArn: string }): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AutomationPublishes',
        Effect: 'Allow',
        Principal: { AWS: props.automationRoleArn },
        Action: 'sns:Publish',
        Resource: props.topicArn,
      },
      {
        Sid: 'AccountManagesTopic',
        Effect: 'Allow',
        Principal: { AWS: accountRootArn(props.region, props.accountId) },
        Action: [
          'sns:Publish',
          'sns:Subscribe',
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
          'sns:ListSubscriptionsByTopic',
        ],
        Resource: props.topicArn,
      },
    ],
  };
}

/** Correct: the findings topic, the re-checking runbook, its role, and the remediation wired to the rule. */
export class Remediation extends Construct {
  readonly topic: SnsTopic;
  readonly document: SsmDocument;
  readonly role: ServiceRole;
  readonly configuration: ConfigRemediationConfiguration;
  readonly topicArn: string;
  readonly roleArn: string;
  readonly rolePolicy: PolicyDocument;

  constructor(scope: Construct, id: string, props: RemediationProps) {
    super(scope, id);
    const attempts = props.maximumAutomaticAttempts ?? 5;
    if (attempts < 1 || attempts > 25)
      throw new Error(`\`maximumAutomaticAttempts\` must be 1 to 25 (AWS Config's limit), got ${attempts}.`);
    const { accountId, region } = props;
    // Literal ARNs so the policies read in full before any plan.
    this.topicArn = arn(region, 'sns', accountId, `${NAME}`);
    this.rolePolicy = automationRolePolicy({
      accountId,
      region,
      mode: props.mode,
      checkFunctionArn: props.checkFunction.functionArn,
      topicArn: this.topicArn,
    });
    this.role = new ServiceRole(this, {
      accountId,
      region,
      roleName: `${NAME}-${region}`,
      description: `AMI Guard remediation (${props.mode}) run by SSM Automation`,
      service: 'ssm.amazonaws.com',
      policyName: 'remediation',
      policy: this.rolePolicy,
    });
    this.roleArn = this.role.roleArn;

    this.topic = new SnsTopic(this, 'topic', { name: NAME, kmsMasterKeyId: 'alias/aws/sns' });
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: this.topic.arn,
      policy: renderPolicy(topicPolicy({ accountId, region, topicArn: this.topicArn, automationRoleArn: this.roleArn })),
      dependsOn: [this.role.role],
    });
    (props.subscriptions ?? []).forEach((s, i) => {
      new SnsTopicSubscription(this, `subscription-${i}`, {
        topicArn: this.topic.arn,
        protocol: s.protocol,
        endpoint: s.endpoint,
      });
    });

    this.document = new SsmDocument(this, 'runbook', {
      name: RUNBOOK_NAME,
      documentType: 'Automation',
      documentFormat: 'JSON',
      content: JSON.stringify(
        remediationDocument({ checkFunctionName: props.checkFunction.functionName, mode: props.mode }),
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
        { name: 'AutomationAssumeRole', staticValue: this.role.role.arn },
        { name: 'InstanceId', resourceValue: 'RESOURCE_ID' },
        { name: 'Mode', staticValue: props.mode },
        { name: 'TopicArn', staticValue: this.topic.arn },
      ],
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
