/**
 * The remediation's IAM and SNS policies, as literal JSON: the automation role's least-privilege
 * permissions (what the runbook may call, and on which resources) and the findings topic's policy.
 */
import { DEADLINE_TAG_KEY, EVIDENCE_TAG, NOTICE_RECORD_PATH, type ActingMode } from '../../lambda/ami-compliance/contract';
import { accountRootArn, arn, imageArnPattern } from '../shared/iam';
import { PolicyDocument, PolicyStatement } from '../shared/policy-document';

/** Least-privilege permissions of the automation role. */
export function automationRolePolicy(props: {
  accountId: string;
  region: string;
  mode: ActingMode;
  checkFunctionArn: string;
  topicArn: string;
  escalationTopicArn: string;
  /** `terminate`: whether the runbook takes an evidence image. @default false */
  evidence?: boolean;
}): PolicyDocument {
  const instances = arn(props.region, 'ec2', props.accountId, 'instance/*');
  const marked = { Null: { [`aws:ResourceTag/${DEADLINE_TAG_KEY}`]: 'false' } };
  const records = arn(props.region, 'ssm', props.accountId, `parameter${NOTICE_RECORD_PATH}*`);
  const acting: PolicyStatement[] = [
    { Sid: 'Escalate', Effect: 'Allow', Action: 'sns:Publish', Resource: props.escalationTopicArn },
    {
      // The notice record decides the deadline; only AMI Guard's roles may write under its path.
      Sid: 'RecordNotices',
      Effect: 'Allow',
      Action: ['ssm:PutParameter', 'ssm:DeleteParameter'],
      Resource: records,
    },
    // aws:changeInstanceState polls DescribeInstances, which has no resource-level permissions.
    { Sid: 'WatchInstanceState', Effect: 'Allow', Action: 'ec2:DescribeInstances', Resource: '*' },
    { Sid: 'ReadProtection', Effect: 'Allow', Action: 'ec2:DescribeInstanceAttribute', Resource: instances },
    { Sid: 'ReadAutoScalingMembership', Effect: 'Allow', Action: 'autoscaling:DescribeAutoScalingInstances', Resource: '*' },
    {
      // Only the deadline tag, only on instances; a DeleteTags without a tag list (all tags) has no aws:TagKeys and is refused.
      Sid: 'MarkDeadlineOnly',
      Effect: 'Allow',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: instances,
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [DEADLINE_TAG_KEY] }, Null: { 'aws:TagKeys': 'false' } },
    },
  ];
  const stop: PolicyStatement[] = [
    {
      Sid: 'StopMarkedInstancesOfThisAccount',
      Effect: 'Allow',
      Action: 'ec2:StopInstances',
      Resource: instances,
      Condition: marked,
    },
  ];
  const terminate: PolicyStatement[] = [
    {
      Sid: 'TerminateMarkedInstancesOfThisAccount',
      Effect: 'Allow',
      Action: 'ec2:TerminateInstances',
      Resource: instances,
      Condition: marked,
    },
    ...(props.evidence
      ? ([
          {
            Sid: 'EvidenceImage',
            Effect: 'Allow',
            Action: 'ec2:CreateImage',
            Resource: [instances, imageArnPattern(props.region), arn(props.region, 'ec2', '', 'snapshot/*')],
            Condition: { Null: { [`aws:RequestTag/${EVIDENCE_TAG.instance}`]: 'false' } },
          },
          {
            Sid: 'TagEvidenceAtCreation',
            Effect: 'Allow',
            Action: 'ec2:CreateTags',
            Resource: [imageArnPattern(props.region), arn(props.region, 'ec2', '', 'snapshot/*')],
            Condition: { StringEquals: { 'ec2:CreateAction': 'CreateImage' } },
          },
          { Sid: 'WatchEvidenceImage', Effect: 'Allow', Action: 'ec2:DescribeImages', Resource: '*' },
        ] satisfies PolicyStatement[])
      : []),
  ];
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'RunFreshCheck', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: props.checkFunctionArn },
      { Sid: 'Notify', Effect: 'Allow', Action: 'sns:Publish', Resource: props.topicArn },
      ...(props.mode === 'notify' ? [] : acting),
      ...(props.mode === 'stop' ? stop : []),
      ...(props.mode === 'terminate' ? terminate : []),
    ],
  };
}

/** Topic policy: only the automation role and the account itself may publish. */
export function topicPolicy(props: {
  accountId: string;
  region: string;
  topicArn: string;
  automationRoleArn: string;
}): PolicyDocument {
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
