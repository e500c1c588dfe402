import { Construct } from 'constructs';
import { AssetType, TerraformAsset } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import {
  DEFAULT_FUNCTION_MEMORY_MB,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  EVIDENCE_TAG,
  NOTICE_RECORD_PATH,
  NOTICE_RECORDS_LIST_PATH,
  REMEDIATION_TRIGGER_ENV,
  RULE_PARAMETERS_ENV,
  type RemediationTrigger,
} from '../../lambda/ami-compliance/contract';
import { arn, imageArnPattern } from '../shared/iam';
import { amiComplianceZip, LambdaZip } from './lambda-asset';
import { PolicyDocument } from '../shared/policy-document';
import { ServiceRole } from '../shared/service-role';

export interface AmiComplianceFunctionProps {
  readonly accountId: string;
  readonly region: string;
  /** Rule parameters (string values, as AWS Config passes them); also given to the check mode. */
  readonly ruleParameters: Record<string, string>;
  /** SSM parameter of approved AMI IDs the function may read. @default none */
  readonly approvedImageIdsParameter?: string;
  /** Function name. @default `ami-guard-ami-compliance` */
  readonly functionName?: string;
  /** Log retention in days. @default 90 */
  readonly logRetentionDays?: number;
  /**
   * Customer managed KMS key (in this region) for the log group; its key policy must allow
   * `logs.<region>.amazonaws.com`. @default CloudWatch Logs' own encryption
   */
  readonly logKmsKeyArn?: string;
  /** The deployment package. @default the bundled `lambda/ami-compliance` */
  readonly code?: LambdaZip;
  /** Memory in MB (128-10240); CPU comes in proportion. @default DEFAULT_FUNCTION_MEMORY_MB (1024) */
  readonly memoryMb?: number;
  /** Timeout in seconds (30-900); a sweep stops judging shortly before it. @default DEFAULT_FUNCTION_TIMEOUT_SECONDS (300) */
  readonly timeoutSeconds?: number;
  /**
   * The remediation's check mode runs here: let it look up who launched an instance (CloudTrail) and
   * its Auto Scaling group. @default false
   */
  readonly ownerAttribution?: boolean;
  /**
   * The remediation acts (`stop`/`terminate`): the check mode reads the notice records
   * (`/ami-guard/notices/*`), which decide every deadline. @default false
   */
  readonly noticeRecords?: boolean;
  /**
   * Where remediation acts automatically: the runbook the sweep starts again after a deadline, and the
   * role that runs it. @default none (the sweep starts nothing)
   */
  readonly remediationTrigger?: FunctionRemediationTrigger;
}

/** The runbook the scheduled sweep may start, and the role the runbook runs as. */
export interface FunctionRemediationTrigger extends RemediationTrigger {
  /** The automation role (passed to SSM when the sweep starts the runbook). */
  readonly automationRoleArn: string;
}

/** Least-privilege permissions of the rule Lambda: read instances, images and one parameter; report to Config; log. */
function amiComplianceFunctionPolicy(props: {
  accountId: string;
  region: string;
  logGroupName: string;
  approvedImageIdsParameter?: string;
  ownerAttribution?: boolean;
  noticeRecords?: boolean;
  remediationTrigger?: FunctionRemediationTrigger;
}): PolicyDocument {
  const { accountId, region, remediationTrigger: trigger } = props;
  const logGroupArn = arn(region, 'logs', accountId, `log-group:${props.logGroupName}`);
  // DeregisterImage (image) and DeleteSnapshot (snapshot) take aws:ResourceTag/${TagKey} conditions, as
  // AWS's own EC2ImageBuilderLifecycleExecutionPolicy uses them:
  // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/EC2ImageBuilderLifecycleExecutionPolicy.html
  // and https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html (image,
  // snapshot: aws:ResourceTag/${TagKey}, ec2:ResourceTag/${TagKey}). Both evidence keys are reserved to
  // AMI Guard's roles by the tag guards; EC2 has no condition key for an image's name, which the sweep checks.
  const evidenceOnly = {
    Null: { [`aws:ResourceTag/${EVIDENCE_TAG.instance}`]: 'false', [`aws:ResourceTag/${EVIDENCE_TAG.keepUntil}`]: 'false' },
  };
  return {
    Version: '2012-10-17',
    Statement: [
      // Describe* and PutEvaluations support no resource-level permissions.
      { Sid: 'ReadInstancesAndImages', Effect: 'Allow', Action: ['ec2:DescribeInstances', 'ec2:DescribeImages'], Resource: '*' },
      {
        Sid: 'ReportToConfig',
        Effect: 'Allow',
        Action: ['config:PutEvaluations', 'config:GetResourceConfigHistory'],
        Resource: '*',
      },
      ...(props.approvedImageIdsParameter
        ? [
            {
              Sid: 'ReadApprovedImageIds',
              Effect: 'Allow' as const,
              Action: 'ssm:GetParameter',
              Resource: arn(region, 'ssm', accountId, `parameter${props.approvedImageIdsParameter}`),
            },
          ]
        : []),
      ...(props.ownerAttribution
        ? [
            // LookupEvents and the Auto Scaling Describe* support no resource-level permissions.
            { Sid: 'FindLauncher', Effect: 'Allow' as const, Action: 'cloudtrail:LookupEvents', Resource: '*' },
            {
              Sid: 'FindAutoScalingGroup',
              Effect: 'Allow' as const,
              Action: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeAutoScalingGroups'],
              Resource: '*',
            },
          ]
        : []),
      ...(props.noticeRecords
        ? [
            {
              Sid: 'ReadNoticeRecords',
              Effect: 'Allow' as const,
              Action: 'ssm:GetParameter',
              Resource: arn(region, 'ssm', accountId, `parameter${NOTICE_RECORD_PATH}*`),
            },
          ]
        : []),
      ...(trigger
        ? [
            {
              Sid: 'StartRemediationAgain',
              Effect: 'Allow' as const,
              Action: 'ssm:StartAutomationExecution',
              Resource: [
                arn(region, 'ssm', accountId, `document/${trigger.documentName}`),
                arn(region, 'ssm', accountId, `automation-definition/${trigger.documentName}:*`),
                arn(region, 'ssm', accountId, 'automation-execution/*'),
              ],
            },
            {
              Sid: 'PassAutomationRoleToSsm',
              Effect: 'Allow' as const,
              Action: 'iam:PassRole',
              Resource: trigger.automationRoleArn,
              Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
            },
            {
              // Which instances have a notice record: the sweep clears the record of one that became compliant.
              // GetParametersByPath is authorized against the path asked for, not the parameters returned.
              Sid: 'ListNoticeRecords',
              Effect: 'Allow' as const,
              Action: 'ssm:GetParametersByPath',
              Resource: arn(region, 'ssm', accountId, `parameter${NOTICE_RECORDS_LIST_PATH}`),
            },
          ]
        : []),
      ...(trigger?.expireEvidence
        ? [
            // DescribeSnapshots supports no resource-level permissions.
            { Sid: 'FindEvidenceSnapshots', Effect: 'Allow' as const, Action: 'ec2:DescribeSnapshots', Resource: '*' },
            {
              Sid: 'ExpireEvidenceImages',
              Effect: 'Allow' as const,
              Action: 'ec2:DeregisterImage',
              Resource: imageArnPattern(region),
              Condition: evidenceOnly,
            },
            {
              Sid: 'ExpireEvidenceSnapshots',
              Effect: 'Allow' as const,
              Action: 'ec2:DeleteSnapshot',
              Resource: arn(region, 'ec2', '', 'snapshot/*'),
              Condition: evidenceOnly,
            },
          ]
        : []),
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroupArn}:*`,
      },
    ],
  };
}

/** The rule's Lambda: bundled TypeScript on Node.js 22, its role and its log group. */
export class AmiComplianceFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: ServiceRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly functionName: string;
  /** Literal ARN, so policies that name the function read in full before any plan. */
  readonly functionArn: string;
  readonly policy: PolicyDocument;

  constructor(scope: Construct, id: string, props: AmiComplianceFunctionProps) {
    super(scope, id);
    const memoryMb = props.memoryMb ?? DEFAULT_FUNCTION_MEMORY_MB;
    const timeoutSeconds = props.timeoutSeconds ?? DEFAULT_FUNCTION_TIMEOUT_SECONDS;
    if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240) {
      throw new Error(`AmiComplianceFunction memoryMb: expected whole MB from 128 to 10240, got ${memoryMb}. Fix: e.g. 1024.`);
    }
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 30 || timeoutSeconds > 900) {
      throw new Error(
        `AmiComplianceFunction timeoutSeconds: expected whole seconds from 30 to 900, got ${timeoutSeconds}. Fix: e.g. 300.`,
      );
    }
    this.functionName = props.functionName ?? 'ami-guard-ami-compliance';
    this.functionArn = arn(props.region, 'lambda', props.accountId, `function:${this.functionName}`);
    const logGroupName = `/aws/lambda/${this.functionName}`;
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? 90,
      ...(props.logKmsKeyArn ? { kmsKeyId: props.logKmsKeyArn } : {}),
    });
    this.policy = amiComplianceFunctionPolicy({
      accountId: props.accountId,
      region: props.region,
      logGroupName,
      approvedImageIdsParameter: props.approvedImageIdsParameter,
      ownerAttribution: props.ownerAttribution,
      noticeRecords: props.noticeRecords,
      remediationTrigger: props.remediationTrigger,
    });
    this.role = new ServiceRole(this, {
      accountId: props.accountId,
      region: props.region,
      roleName: `${this.functionName}-${props.region}`,
      description: 'AMI Guard rule Lambda: evaluates instances against the approved-AMI rule',
      service: 'lambda.amazonaws.com',
      policyName: 'ami-compliance',
      policy: this.policy,
    });
    const code = props.code ?? amiComplianceZip();
    const asset = new TerraformAsset(this, 'code', { path: code.path, type: AssetType.FILE });
    this.function = new LambdaFunction(this, 'function', {
      functionName: this.functionName,
      description: 'AMI Guard: marks instances launched from unapproved AMIs NON_COMPLIANT',
      role: this.role.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      filename: asset.path,
      sourceCodeHash: code.sha256,
      timeout: timeoutSeconds,
      memorySize: memoryMb,
      environment: {
        variables: {
          [RULE_PARAMETERS_ENV]: JSON.stringify(props.ruleParameters),
          ...(props.remediationTrigger
            ? {
                [REMEDIATION_TRIGGER_ENV]: JSON.stringify({
                  documentName: props.remediationTrigger.documentName,
                  mode: props.remediationTrigger.mode,
                  parameters: props.remediationTrigger.parameters,
                  expireEvidence: props.remediationTrigger.expireEvidence,
                } satisfies RemediationTrigger),
              }
            : {}),
        },
      },
      // The log group and permissions exist before the first invocation can log or call AWS.
      dependsOn: [this.logGroup, this.role.rolePolicy],
    });
  }
}
