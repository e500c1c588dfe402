import * as path from 'node:path';
import { Testing } from 'cdktf';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { StateBackendStack } from '../modules/stacks/state-backend-stack';
import { simulate } from '../test-support/iam';
import { exampleConfig, onlyResource } from '../test-support/synth';

// cdktf's matchers: toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...
Testing.setupJest();

const { backend } = exampleConfig();
const app = Testing.app();
const stack = new StateBackendStack(app, 'state-backend', { backend });
const text = Testing.synth(stack);
const json = JSON.parse(text);

describe('state-backend stack', () => {
  test('keeps its own state locally in the project root, outside the directory synth rewrites', () => {
    expect(json.terraform.backend).toEqual({ local: { path: path.join(process.cwd(), 'terraform.state-backend.tfstate') } });
  });

  test('creates the state bucket versioned, encrypted, private and with a lifecycle for old versions', () => {
    expect(onlyResource(json, 'aws_s3_bucket')).toMatchObject({ bucket: backend.bucket, force_destroy: false });
    expect(text).toHaveResourceWithProperties(S3BucketVersioningA, { versioning_configuration: { status: 'Enabled' } });
    expect(text).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    // SSE-S3: no S3 Bucket Key, which applies to SSE-KMS only
    expect(JSON.stringify(onlyResource(json, 'aws_s3_bucket_server_side_encryption_configuration'))).not.toContain('bucket_key');
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(text).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      rule: [expect.objectContaining({ status: 'Enabled', noncurrent_version_expiration: [{ noncurrent_days: 90 }] })],
    });
  });

  test('refuses plain-HTTP access to the bucket', async () => {
    const policy = JSON.parse(String(onlyResource(json, 'aws_s3_bucket_policy').policy));
    const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
    const request = (secure: string) =>
      simulate({
        policies: [allowAll],
        resourcePolicy: policy,
        action: 's3:GetObject',
        resource: `arn:aws:s3:::${backend.bucket}/ami-guard/x/terraform.tfstate`,
        resourceAccount: '222222222222',
        context: { 'aws:SecureTransport': secure },
      });
    await expect(request('false')).resolves.toBe('ExplicitlyDenied');
    await expect(request('true')).resolves.toBe('Allowed');
  });

  test('creates the lock table with the LockID key, point-in-time recovery and encryption', () => {
    expect(text).toHaveResourceWithProperties(DynamodbTable, {
      name: backend.lockTable,
      hash_key: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      point_in_time_recovery: { enabled: true },
      server_side_encryption: { enabled: true },
      deletion_protection_enabled: true,
    });
  });
});
