import { Construct } from 'constructs';
import { wholeNumber } from './whole-number';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { globalArn } from './iam';
import { PolicyDocument, PolicyStatement, renderPolicy } from './policy-document';

export interface SecureBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  /** Region of the bucket, for its ARN partition. */
  readonly region: string;
  /** Days before noncurrent object versions are deleted. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** Extra bucket policy statements (e.g. a service's delivery access); `{bucketArn}` is replaced. @default [] */
  readonly policyStatements?: readonly PolicyStatement[];
  /** Allow `terraform destroy` to delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
  /**
   * Customer managed KMS key for default encryption (SSE-KMS, with an S3 Bucket Key to cut KMS calls); its key
   * policy must let the bucket's writers use it. @default SSE-S3 (AES256, keys managed by S3)
   */
  readonly kmsKeyArn?: string;
  /** Server access logs of this bucket, delivered into another bucket under a prefix. @default no access logging */
  readonly accessLogs?: BucketAccessLogs;
}

/** Where S3 delivers a bucket's server access logs. */
export interface BucketAccessLogs {
  /** The target bucket (same account and region; it must let logging.s3.amazonaws.com write). */
  readonly bucket: string;
  /** Key prefix of the log objects, e.g. `state-bucket/`. */
  readonly prefix: string;
}

/** An S3 bucket with versioning, SSE, no public access, owner-enforced objects, TLS-only access and a lifecycle. */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly bucketArn: string;
  readonly policyDocument: PolicyDocument;
  /** The bucket policy; depend on it before a service writes to the bucket. */
  readonly bucketPolicy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    const days = wholeNumber('noncurrentVersionDays', props.noncurrentVersionDays ?? 90, { min: 1 });
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    // Literal ARN so the policy reads in full before any plan.
    this.bucketArn = globalArn(props.region, 's3', '', props.bucketName);
    const bucket = this.bucket.id;
    new S3BucketVersioningA(this, 'versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    // An S3 Bucket Key only applies to SSE-KMS; with SSE-S3 it has no effect, so it is set with a KMS key alone.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
    new S3BucketServerSideEncryptionConfigurationA(this, 'sse', {
      bucket,
      rule: [
        props.kmsKeyArn
          ? {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.kmsKeyArn },
              bucketKeyEnabled: true,
            }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    if (props.accessLogs) {
      new S3BucketLoggingA(this, 'access-logs', {
        bucket,
        targetBucket: props.accessLogs.bucket,
        targetPrefix: props.accessLogs.prefix,
      });
    }
    const pab = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      rule: [
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: days }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    const substitute = (s: PolicyStatement): PolicyStatement =>
      JSON.parse(JSON.stringify(s).split('{bucketArn}').join(this.bucketArn)) as PolicyStatement;
    this.policyDocument = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Resource: [this.bucketArn, `${this.bucketArn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        ...(props.policyStatements ?? []).map(substitute),
      ],
    };
    // After the public access block, or S3 may reject the policy while both are applied at once.
    this.bucketPolicy = new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: renderPolicy(this.policyDocument),
      dependsOn: [pab],
    });
  }
}
