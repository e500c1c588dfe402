/** The `backend` section: the shared S3 state bucket and DynamoDB lock table every stack keeps its state in. */
import { z } from 'zod';
import { BUCKET_NAME, encryptionSchema, type EncryptionSettings, region, ROLE_ARN } from './common';

/** The stack that holds the shared state bucket and lock table; no account stack may take its name. */
export const STATE_BACKEND_STACK = 'state-backend';

export const backendSchema = z
  .strictObject({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)')
      .describe('The state bucket, created by the state-backend stack.'),
    region: region.describe('Region of the state bucket and the lock table.'),
    lockTable: z
      .string()
      .regex(/^[\w.-]{3,255}$/, 'expected a DynamoDB table name (3-255 letters, digits, _ . -)')
      .describe('The DynamoDB table that holds the state locks.'),
    keyPrefix: z
      .string()
      .regex(/^[\w.-]+$/, 'expected a key prefix without slashes, e.g. "ami-guard"')
      .default('ami-guard')
      .describe('First part of every state key: <keyPrefix>/<accountId>/<region>/terraform.tfstate.'),
    roleArn: z
      .string()
      .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::111122223333:role/terraform-state"')
      .optional()
      .describe('Role Terraform assumes to read and write state, when the bucket lives in another account.'),
    encryption: encryptionSchema.optional().describe('encryption.kmsKeyArn: SSE-KMS for the state bucket; default SSE-S3.'),
    accessLogs: z
      .strictObject({
        bucket: z
          .string()
          .regex(BUCKET_NAME, 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)')
          .describe(
            'Existing bucket (same account and region) that receives the logs; it must let logging.s3.amazonaws.com write.',
          ),
        prefix: z
          .string()
          .regex(/^[\w./-]*$/, 'expected a key prefix such as "state-bucket/"')
          .default('ami-guard-state/')
          .describe('Key prefix of the log objects.'),
      })
      .optional()
      .describe('S3 server access logging of the state bucket; default off.'),
  })
  .describe('The shared S3 state backend: one bucket and one lock table for every stack.');

export interface BackendConfig {
  readonly bucket: string;
  readonly region: string;
  readonly lockTable: string;
  readonly keyPrefix: string;
  readonly roleArn?: string;
  /** SSE-KMS for the state bucket. @default SSE-S3 */
  readonly encryption?: EncryptionSettings;
  /** Server access logging of the state bucket. @default off */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string };
}
