import { Construct } from 'constructs';
import { ConfigConfigurationRecorder } from '@cdktf/provider-aws/lib/config-configuration-recorder';
import { ConfigConfigurationRecorderStatus } from '@cdktf/provider-aws/lib/config-configuration-recorder-status';
import { ConfigDeliveryChannel } from '@cdktf/provider-aws/lib/config-delivery-channel';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { partitionOf } from '../shared/arn';
import { serviceTrustPolicy } from './ami-compliance-function';
import { PolicyStatement, renderPolicy } from '../shared/policy-document';
import { SecureBucket } from '../shared/secure-bucket';

export interface ConfigRecorderProps {
  readonly accountId: string;
  readonly region: string;
  /** Resource types to record; recording more is a cost decision. @default ['AWS::EC2::Instance'] */
  readonly resourceTypes?: readonly string[];
  /** Delivery bucket name. @default `ami-guard-config-<accountId>-<region>` */
  readonly bucketName?: string;
  /** How often Config delivers configuration snapshots. @default 'TwentyFour_Hours' */
  readonly snapshotFrequency?: string;
  /** Allow `terraform destroy` to delete a non-empty delivery bucket. @default false */
  readonly forceDestroy?: boolean;
}

/** Bucket policy statements that let AWS Config of this account (only) deliver into the bucket. */
export function configDeliveryStatements(accountId: string): PolicyStatement[] {
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
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: ConfigRecorderProps) {
    super(scope, id);
    const resourceTypes = [...(props.resourceTypes ?? ['AWS::EC2::Instance'])];
    if (resourceTypes.length === 0) {
      throw new Error('`resourceTypes` must name at least one type; the AMI rule needs "AWS::EC2::Instance".');
    }
    if (!resourceTypes.includes('AWS::EC2::Instance')) {
      throw new Error('`resourceTypes` must include "AWS::EC2::Instance", or the AMI rule is never triggered by changes.');
    }
    const bucketName = props.bucketName ?? `ami-guard-config-${props.accountId}-${props.region}`;
    this.bucket = new SecureBucket(this, 'bucket', {
      bucketName,
      region: props.region,
      noncurrentVersionDays: 365,
      policyStatements: configDeliveryStatements(props.accountId),
      forceDestroy: props.forceDestroy,
    });
    this.role = new IamRole(this, 'role', {
      name: `ami-guard-config-recorder-${props.region}`,
      path: '/ami-guard/',
      description: 'AMI Guard: AWS Config recorder',
      assumeRolePolicy: renderPolicy(serviceTrustPolicy('config.amazonaws.com', props.accountId)),
    });
    const managed = new IamRolePolicyAttachment(this, 'config-role', {
      role: this.role.name,
      policyArn: `arn:${partitionOf(props.region)}:iam::aws:policy/service-role/AWS_ConfigRole`,
    });
    const delivery = new IamRolePolicy(this, 'delivery', {
      name: 'config-delivery',
      role: this.role.name,
      policy: renderPolicy({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'CheckBucket', Effect: 'Allow', Action: 's3:GetBucketAcl', Resource: this.bucket.bucketArn },
          {
            Sid: 'Deliver',
            Effect: 'Allow',
            Action: 's3:PutObject',
            Resource: `${this.bucket.bucketArn}/AWSLogs/${props.accountId}/Config/*`,
            Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
          },
        ],
      }),
    });
    this.recorder = new ConfigConfigurationRecorder(this, 'recorder', {
      name: 'ami-guard',
      roleArn: this.role.arn,
      recordingGroup: {
        allSupported: false,
        includeGlobalResourceTypes: false,
        resourceTypes,
        recordingStrategy: [{ useOnly: 'INCLUSION_BY_RESOURCE_TYPES' }],
      },
      dependsOn: [managed, delivery],
    });
    // Config checks the bucket policy when the channel is created, and needs the recorder first.
    this.deliveryChannel = new ConfigDeliveryChannel(this, 'delivery-channel', {
      name: 'ami-guard',
      s3BucketName: this.bucket.bucket.bucket,
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
