import { Construct } from 'constructs';
import { ConfigConfigurationRecorder } from '@cdktf/provider-aws/lib/config-configuration-recorder';
import { ConfigConfigurationRecorderStatus } from '@cdktf/provider-aws/lib/config-configuration-recorder-status';
import { ConfigDeliveryChannel } from '@cdktf/provider-aws/lib/config-delivery-channel';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { INSTANCE_RESOURCE_TYPE } from '../../lambda/ami-compliance/contract';
import { awsManagedPolicyArn } from '../shared/iam';
import { PolicyStatement } from '../shared/policy-document';
import { SecureBucket } from '../shared/secure-bucket';
import { ServiceRole } from '../shared/service-role';

export interface ConfigRecorderProps {
  readonly accountId: string;
  readonly region: string;
  /** Resource types to record; recording more is a cost decision. @default [INSTANCE_RESOURCE_TYPE] */
  readonly resourceTypes?: readonly string[];
  /** Delivery bucket name. @default `ami-guard-config-<accountId>-<region>` */
  readonly bucketName?: string;
  /** How often Config delivers configuration snapshots. @default 'TwentyFour_Hours' */
  readonly snapshotFrequency?: string;
  /** Allow `terraform destroy` to delete a non-empty delivery bucket. @default false */
  readonly forceDestroy?: boolean;
  /**
   * Customer managed KMS key (in this region) for the delivery bucket and Config's deliveries into it; the
   * recorder role is allowed to use it. @default SSE-S3
   */
  readonly kmsKeyArn?: string;
}

/** Bucket policy statements that let AWS Config of this account (only) deliver into the bucket. */
function configDeliveryStatements(accountId: string): PolicyStatement[] {
  const fromThisAccount = { StringEquals: { 'aws:SourceAccount': accountId } };
  return [
    {
      Sid: 'AWSConfigBucketPermissionsCheck',
      Effect: 'Allow',
      Principal: { Service: 'config.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: '{bucketArn}',
      Condition: fromThisAccount,
    },
    {
      Sid: 'AWSConfigBucketExistenceCheck',
      Effect: 'Allow',
      Principal: { Service: 'config.amazonaws.com' },
      Action: 's3:ListBucket',
      Resource: '{bucketArn}',
      Condition: fromThisAccount,
    },
    {
      Sid: 'AWSConfigBucketDelivery',
      Effect: 'Allow',
      Principal: { Service: 'config.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `{bucketArn}/AWSLogs/${accountId}/Config/*`,
      Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceAccount': accountId } },
    },
  ];
}

/**
 * AWS Config for one region: a recorder of the chosen resource types, its delivery channel, bucket and
 * role, and the recorder switched on. Config allows one recorder per region: use it only where no other
 * stack (Control Tower, a landing zone) owns it.
 */
export class ConfigRecorder extends Construct {
  readonly recorder: ConfigConfigurationRecorder;
  readonly deliveryChannel: ConfigDeliveryChannel;
  /** Depend on this before creating rules: the recorder is on and delivering. */
  readonly status: ConfigConfigurationRecorderStatus;
  readonly bucket: SecureBucket;
  readonly role: ServiceRole;

  constructor(scope: Construct, id: string, props: ConfigRecorderProps) {
    super(scope, id);
    const resourceTypes = [...(props.resourceTypes ?? [INSTANCE_RESOURCE_TYPE])];
    if (resourceTypes.length === 0) {
      throw new Error(`\`resourceTypes\` must name at least one type; the AMI rule needs "${INSTANCE_RESOURCE_TYPE}".`);
    }
    if (!resourceTypes.includes(INSTANCE_RESOURCE_TYPE)) {
      throw new Error(
        `\`resourceTypes\` must include "${INSTANCE_RESOURCE_TYPE}", or the AMI rule is never triggered by changes.`,
      );
    }
    const bucketName = props.bucketName ?? `ami-guard-config-${props.accountId}-${props.region}`;
    this.bucket = new SecureBucket(this, 'bucket', {
      bucketName,
      region: props.region,
      noncurrentVersionDays: 365,
      policyStatements: configDeliveryStatements(props.accountId),
      forceDestroy: props.forceDestroy,
      kmsKeyArn: props.kmsKeyArn,
    });
    this.role = new ServiceRole(this, {
      accountId: props.accountId,
      region: props.region,
      roleName: `ami-guard-config-recorder-${props.region}`,
      description: 'AMI Guard: AWS Config recorder',
      service: 'config.amazonaws.com',
      policyId: 'delivery',
      policyName: 'config-delivery',
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'CheckBucket', Effect: 'Allow', Action: 's3:GetBucketAcl', Resource: this.bucket.bucketArn },
          {
            Sid: 'Deliver',
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: `${this.bucket.bucketArn}/AWSLogs/${props.accountId}/Config/*`,
            // Only into a bucket of this account: a bucket of the same name elsewhere never receives the snapshots.
            Condition: {
              StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:ResourceAccount': props.accountId },
            },
          },
          ...(props.kmsKeyArn
            ? [
                {
                  Sid: 'EncryptDeliveries',
                  Effect: 'Allow' as const,
                  Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
                  Resource: props.kmsKeyArn,
                },
              ]
            : []),
        ],
      },
    });
    const managed = new IamRolePolicyAttachment(this, 'config-role', {
      role: this.role.role.name,
      policyArn: awsManagedPolicyArn(props.region, 'service-role/AWS_ConfigRole'),
    });
    this.recorder = new ConfigConfigurationRecorder(this, 'recorder', {
      name: 'ami-guard',
      roleArn: this.role.role.arn,
      recordingGroup: {
        allSupported: false,
        includeGlobalResourceTypes: false,
        resourceTypes,
        recordingStrategy: [{ useOnly: 'INCLUSION_BY_RESOURCE_TYPES' }],
      },
      dependsOn: [managed, this.role.rolePolicy],
    });
    // Config checks the bucket policy when the channel is created, and needs the recorder first.
    this.deliveryChannel = new ConfigDeliveryChannel(this, 'delivery-channel', {
      name: 'ami-guard',
      s3BucketName: this.bucket.bucket.bucket,
      ...(props.kmsKeyArn ? { s3KmsKeyArn: props.kmsKeyArn } : {}),
      snapshotDeliveryProperties: { deliveryFrequency: props.snapshotFrequency ?? 'TwentyFour_Hours' },
      dependsOn: [this.recorder, this.bucket.bucketPolicy],
    });
    this.status = new ConfigConfigurationRecorderStatus(this, 'status', {
      name: this.recorder.name,
      isEnabled: true,
      dependsOn: [this.deliveryChannel],
    });
  }
}
