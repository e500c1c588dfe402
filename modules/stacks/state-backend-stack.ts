import * as path from 'node:path';
import { Construct } from 'constructs';
import { LocalBackend, TerraformOutput } from 'cdktf';
import { IndependentStack } from './independent-stack';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { BackendConfig } from '../../config/schema';
import { AmiGuardProvider } from '../shared/aws-provider';
import { SecureBucket } from '../shared/secure-bucket';

export interface StateBackendStackProps {
  /** The shared backend the account stacks use. */
  readonly backend: BackendConfig;
  /** Tags on every resource. @default {} */
  readonly tags?: Record<string, string>;
  /**
   * Local state file (this stack cannot keep its state in the bucket it creates). A relative path is
   * relative to the synthesized stack directory, which `cdktf synth` rewrites.
   * @default `<project root>/terraform.state-backend.tfstate`, as cdktf places local state
   */
  readonly localStatePath?: string;
}

/** Bootstraps the shared state: a hardened S3 bucket and a DynamoDB lock table. Deploy it once, first. */
export class StateBackendStack extends IndependentStack {
  readonly bucket: SecureBucket;
  readonly lockTable: DynamodbTable;

  constructor(scope: Construct, id: string, props: StateBackendStackProps) {
    super(scope, id);
    new LocalBackend(this, { path: props.localStatePath ?? path.join(process.cwd(), `terraform.${id}.tfstate`) });
    new AmiGuardProvider(this, 'provider', {
      region: props.backend.region,
      tags: props.tags,
    });
    this.bucket = new SecureBucket(this, 'state-bucket', {
      bucketName: props.backend.bucket,
      region: props.backend.region,
      noncurrentVersionDays: 90,
      kmsKeyArn: props.backend.encryption?.kmsKeyArn,
      accessLogs: props.backend.accessLogs,
    });
    this.lockTable = new DynamodbTable(this, 'lock-table', {
      name: props.backend.lockTable,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'LockID',
      attribute: [{ name: 'LockID', type: 'S' }],
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: { enabled: true },
      deletionProtectionEnabled: true,
    });
    new TerraformOutput(this, 'state_bucket', { value: this.bucket.bucket.bucket, description: 'Shared state bucket' });
    new TerraformOutput(this, 'lock_table', { value: this.lockTable.name, description: 'DynamoDB lock table' });
  }
}
