/**
 * Building blocks every section of the config schema shares: the ID, ARN and name patterns, the
 * account ID and region fields, tag fields checked like the contract checks them, and encryption.
 */
import { z } from 'zod';
import { AWS_PARTITIONS, AWS_REGIONS } from '../regions';

const ACCOUNT_ID = /^\d{12}$/;
export const PARTITION = `(${AWS_PARTITIONS.join('|')})`;
export const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
export const IAM_PATH_NAME = '[\\w+=,.@/*-]+';
export const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]+$`);
export const STACK_NAME = /^[a-z][a-z0-9-]{1,62}$/;
/** A KMS key ARN (not an alias): a key ID is a UUID, a multi-Region key's `mrk-` and 32 hex digits. */
const KMS_KEY_ARN = new RegExp(
  `^arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`,
);
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Optional customer managed encryption; without it, each resource keeps its AWS-managed default (docs/security.md). */
export const encryptionSchema = z
  .strictObject({
    kmsKeyArn: z
      .string()
      .regex(
        KMS_KEY_ARN,
        'expected a KMS key ARN such as "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" (not an alias)',
      )
      .optional()
      .describe('Customer managed KMS key, in the same region, whose key policy lets the services named here use it.'),
  })
  .describe('Customer managed encryption; the default is encryption with keys AWS manages (docs/security.md).');

export const accountId = z.string().regex(ACCOUNT_ID, 'expected 12 digits (an AWS account ID such as "111122223333", quoted)');

export const region = z.enum(AWS_REGIONS as [string, ...string[]], {
  error:
    'expected an AWS region code such as "eu-west-1" (config/aws-regions.json lists the regions of the pinned AWS SDK; `npm run regions` refreshes it)',
});

/**
 * A tag key or value as every layer understands it: the pattern (which also feeds the JSON Schema), then
 * the contract's own check (no whitespace at the ends, only characters IAM policies can hold), the same
 * function the rule Lambda and the policy builders call.
 */
export function enforcedTag(pattern: RegExp, expected: string, problem: (text: string) => string | undefined) {
  return z
    .string()
    .regex(pattern, expected)
    .superRefine((text, ctx) => {
      const why = pattern.test(text) ? problem(text) : undefined;
      if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} ${why}` });
    });
}

export type EncryptionSettings = z.output<typeof encryptionSchema>;
