/**
 * The `accounts` entries and the sections they share with `defaults`: each section overridable field by
 * field, and the account as resolved (every default applied), which a stack is built from.
 */
import { z } from 'zod';
import { TAG_KEY_PATTERN } from '../../lambda/ami-compliance/contract';
import { approvalSchema, type ApprovalRule } from './approval';
import { attachSchema, type AttachTargets } from './attach';
import { accountId, encryptionSchema, type EncryptionSettings, region, ROLE_ARN, STACK_NAME } from './common';
import { detectionSchema, type DetectionSettings } from './detection';
import { remediationSchema, type RemediationSettings } from './remediation';

/** The same section with every field optional and no defaults, so an override never masks `defaults`. */
function override<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    shape[key] = ((field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType).optional();
  }
  return z.strictObject(shape) as unknown as z.ZodObject<{ [K in keyof T]: z.ZodOptional<T[K]> }>;
}

/** Sections an account may take from `defaults` and override field by field. */
export const overridable = {
  approval: override(approvalSchema),
  attachTo: override(attachSchema),
  detection: override(detectionSchema),
  remediation: override(remediationSchema),
  tags: z
    .record(z.string().regex(TAG_KEY_PATTERN, 'expected a tag key'), z.string().max(256))
    .describe("Tags on every resource of the stack (provider default_tags); an account's tags are merged over defaults.tags."),
};

export const rawAccountSchema = z.strictObject({
  stackName: z
    .string()
    .regex(STACK_NAME, 'expected a lowercase stack name of letters, digits and hyphens, starting with a letter')
    .describe('The cdktf stack name: `npx cdktf deploy <stackName>`.'),
  accountId: accountId.describe('The 12-digit AWS account ID, quoted: "111122223333".'),
  region: region.optional().describe('Region of the stack, a code from config/aws-regions.json; defaults to defaults.region.'),
  deployRoleArn: z
    .string()
    .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::111122223333:role/ami-guard-deploy"')
    .optional()
    .describe('Role the AWS provider assumes to deploy this stack; omit to use the caller credentials.'),
  planRoleArn: z
    .string()
    .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::111122223333:role/ami-guard-plan"')
    .optional()
    .describe('Read-only role the pull-request workflow assumes (GitHub OIDC) to plan this stack; defaults to deployRoleArn.'),
  approval: overridable.approval.optional(),
  attachTo: overridable.attachTo.optional(),
  detection: overridable.detection.optional(),
  remediation: overridable.remediation.optional(),
  tags: overridable.tags.optional(),
  encryption: encryptionSchema
    .optional()
    .describe('encryption.kmsKeyArn: a key of this account and region for the rule Lambda log group and the Config bucket.'),
});

/** Fully resolved sections, after defaults are applied and validated. */
export const resolvedSections = {
  approval: approvalSchema,
  attachTo: attachSchema,
  detection: detectionSchema,
  remediation: remediationSchema,
};

/** One account/region with every default applied: what a stack is built from. */
export interface AccountConfig {
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
  readonly deployRoleArn?: string;
  /** Read-only role for pull-request plans; deployRoleArn when not set. */
  readonly planRoleArn?: string;
  readonly approval: ApprovalRule;
  readonly attachTo: AttachTargets;
  readonly detection: DetectionSettings;
  readonly remediation: RemediationSettings;
  readonly tags: Record<string, string>;
  /** Customer managed KMS key for the rule Lambda log group and the Config bucket. @default AWS-managed encryption */
  readonly encryption?: EncryptionSettings;
}
