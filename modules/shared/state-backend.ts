import { S3Backend, TerraformStack } from 'cdktf';
import { BackendConfig } from '../../config/schema';

/** The state key of an account stack: one object per account and region in the shared bucket. */
export function stateKey(backend: Pick<BackendConfig, 'keyPrefix'>, accountId: string, region: string): string {
  return `${backend.keyPrefix}/${accountId}/${region}/terraform.tfstate`;
}

/** The state key of the organization stack: beside the account keys, never equal to one (no account ID). */
export function organizationStateKey(backend: Pick<BackendConfig, 'keyPrefix'>, stackName: string): string {
  return `${backend.keyPrefix}/${stackName}/terraform.tfstate`;
}

/**
 * Points a stack's state at the shared S3 bucket, encrypted, locked with the DynamoDB table.
 */
export function useSharedStateBackend(stack: TerraformStack, backend: BackendConfig, key: string): S3Backend {
  return new S3Backend(stack, {
    bucket: backend.bucket,
    key,
    region: backend.region,
    encrypt: true,
    dynamodbTable: backend.lockTable,
    ...(backend.roleArn ? { assumeRole: { roleArn: backend.roleArn, sessionName: 'ami-guard-state' } } : {}),
  });
}
