import { z } from 'zod';
import { INSTANCE_RESOURCE_TYPE, TAG_KEY_PATTERN, TAG_VALUE_PATTERN } from '../lambda/ami-compliance/contract';

/**
 * The account config file: one shared state backend, defaults, and one entry per account/region.
 * Every field is documented with `.describe()`, which also feeds the published JSON Schema.
 */

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const PARTITION = 'aws(-cn|-us-gov|-iso|-iso-b)?';
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
const IAM_PATH_NAME = '[\\w+=,.@/*-]+';
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]+$`);
const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}|\\{accountId\\}):(role|user)/${IAM_PATH_NAME}$`);
const STACK_NAME = /^[a-z][a-z0-9-]{1,62}$/;

/** The stack that holds the shared state bucket and lock table; no account stack may take its name. */
export const STATE_BACKEND_STACK = 'state-backend';

const accountId = z.string().regex(ACCOUNT_ID, 'expected 12 digits (an AWS account ID such as "111122223333", quoted)');

const region = z.string().regex(REGION, 'expected an AWS region code such as "eu-west-1"');

/** Config rule frequencies, as AWS Config spells them. */
const FREQUENCIES = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'] as const;

/** Remediation modes. There is deliberately no `terminate`: stopping is reversible, terminating loses data. */
const REMEDIATION_MODES = ['off', 'notify', 'stop'] as const;

const approvalSchema = z.strictObject({
  tagKey: z
    .string()
    .regex(TAG_KEY_PATTERN, 'expected a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with "aws:"')
    .describe('The tag key that marks an approved AMI, e.g. "Environment".'),
  tagValues: z
    .array(z.string().regex(TAG_VALUE_PATTERN, 'expected a non-empty tag value (1-256 letters, digits, spaces or _.:/=+-@)'))
    .min(1, 'expected at least one approved tag value, e.g. ["Prod"]')
    .describe('Approved values of the tag; compared exactly and case-sensitively, like IAM StringEquals.'),
  trustedOwners: z
    .array(z.union([accountId, z.literal('amazon')]))
    .default([])
    .describe('If not empty, an approved AMI must also be owned by one of these account IDs (or "amazon").'),
  taggerPrincipals: z
    .array(
      z
        .string()
        .regex(
          PRINCIPAL_ARN,
          'expected an IAM role or user ARN such as "arn:aws:iam::{accountId}:role/image-pipeline" (wildcards allowed in the name)',
        ),
    )
    .min(1, 'expected at least one principal (the image pipeline role) allowed to set the approval tag')
    .describe(
      'The only principals allowed to add or remove the approval tag on images (the image pipeline); "{accountId}" stands for the account the stack governs.',
    ),
});

const attachSchema = z.strictObject({
  roles: z.array(z.string().regex(IAM_NAME, 'expected an IAM role name (not an ARN)')).default([]),
  groups: z.array(z.string().regex(IAM_NAME, 'expected an IAM group name (not an ARN)')).default([]),
  users: z.array(z.string().regex(IAM_NAME, 'expected an IAM user name (not an ARN)')).default([]),
});

const detectionSchema = z.strictObject({
  enabled: z.boolean().default(true).describe('Create the AWS Config rule and its Lambda.'),
  recorder: z
    .enum(['create', 'existing'])
    .default('create')
    .describe('"create" a configuration recorder and delivery channel, or use the "existing" one (Control Tower).'),
  recordedResourceTypes: z
    .array(
      z
        .string()
        .regex(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/, `expected a Config resource type such as "${INSTANCE_RESOURCE_TYPE}"`),
    )
    .min(1)
    .default([INSTANCE_RESOURCE_TYPE])
    .describe('Resource types the created recorder records; recording more is a cost decision.'),
  frequency: z.enum(FREQUENCIES).default('TwentyFour_Hours').describe('How often the rule sweeps every instance.'),
  approvedImageIdsParameter: z
    .string()
    .regex(/^\/[\w./-]{1,1010}$/, 'expected an SSM parameter name starting with "/", e.g. "/ami-guard/approved-image-ids"')
    .optional()
    .describe('SSM StringList parameter of AMI IDs approved by ID (shared golden AMIs whose tags are invisible here).'),
  exceptionTagKey: z
    .string()
    .regex(TAG_KEY_PATTERN, 'expected a tag key such as "AmiGuardException"')
    .default('AmiGuardException')
    .describe('Instance tag granting a time-boxed exception; value "<ticket> until YYYY-MM-DD".'),
  logRetentionDays: z
    .union([
      z.literal(1),
      z.literal(3),
      z.literal(5),
      z.literal(7),
      z.literal(14),
      z.literal(30),
      z.literal(60),
      z.literal(90),
      z.literal(180),
      z.literal(365),
    ])
    .default(90)
    .describe('Retention of the rule Lambda log group, in days.'),
  configBucketName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)')
    .optional()
    .describe('Name of the Config delivery bucket; default "ami-guard-config-<accountId>-<region>".'),
});

const subscriptionSchema = z.strictObject({
  protocol: z.enum(['email', 'email-json', 'https', 'sqs', 'lambda']),
  endpoint: z.string().min(3, 'expected the subscription endpoint (an address, URL or ARN)'),
});

const remediationSchema = z.strictObject({
  mode: z.enum(REMEDIATION_MODES).default('off').describe('off | notify | stop. No terminate mode: stop is reversible.'),
  automatic: z
    .boolean()
    .default(false)
    .describe('Run remediation automatically; false offers it in the Config console for a person to run.'),
  maximumAutomaticAttempts: z.number().int().min(1).max(25).default(5),
  retryAttemptSeconds: z.number().int().min(1).max(2678000).default(60),
  concurrentExecutionRatePercentage: z.number().int().min(1).max(100).default(10),
  errorPercentage: z.number().int().min(1).max(100).default(10),
  subscriptions: z.array(subscriptionSchema).default([]),
});

/** The same section with every field optional and no defaults, so an override never masks `defaults`. */
function override<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    shape[key] = ((field instanceof z.ZodDefault ? field.unwrap() : field) as z.ZodType).optional();
  }
  return z.strictObject(shape) as unknown as z.ZodObject<{ [K in keyof T]: z.ZodOptional<T[K]> }>;
}

/** Sections an account may take from `defaults` and override field by field. */
const overridable = {
  approval: override(approvalSchema),
  attachTo: override(attachSchema),
  detection: override(detectionSchema),
  remediation: override(remediationSchema),
  tags: z.record(z.string().regex(TAG_KEY_PATTERN, 'expected a tag key'), z.string().max(256)),
};

const rawAccountSchema = z.strictObject({
  stackName: z
    .string()
    .regex(STACK_NAME, 'expected a lowercase stack name of letters, digits and hyphens, starting with a letter')
    .describe('The cdktf stack name: `npx cdktf deploy <stackName>`.'),
  accountId,
  region: region.optional().describe('Defaults to defaults.region.'),
  deployRoleArn: z
    .string()
    .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::111122223333:role/ami-guard-deploy"')
    .optional()
    .describe('Role the AWS provider assumes to deploy this stack; omit to use the caller credentials.'),
  approval: overridable.approval.optional(),
  attachTo: overridable.attachTo.optional(),
  detection: overridable.detection.optional(),
  remediation: overridable.remediation.optional(),
  tags: overridable.tags.optional(),
});

export const rawConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  backend: z
    .strictObject({
      bucket: z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
          'expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
        ),
      region,
      lockTable: z.string().regex(/^[\w.-]{3,255}$/, 'expected a DynamoDB table name (3-255 letters, digits, _ . -)'),
      keyPrefix: z
        .string()
        .regex(/^[\w.-]+$/, 'expected a key prefix without slashes, e.g. "ami-guard"')
        .default('ami-guard'),
      roleArn: z
        .string()
        .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::111122223333:role/terraform-state"')
        .optional()
        .describe('Role Terraform assumes to read and write state, when the bucket lives in another account.'),
    })
    .describe('The shared S3 state backend: one bucket and one lock table for every stack.'),
  defaults: z
    .strictObject({
      region: region.optional(),
      approval: overridable.approval.optional(),
      attachTo: overridable.attachTo.optional(),
      detection: overridable.detection.optional(),
      remediation: overridable.remediation.optional(),
      tags: overridable.tags.optional(),
    })
    .default({}),
  accounts: z.array(rawAccountSchema).min(1, 'expected at least one account'),
});

/** Fully resolved sections, after defaults are applied and validated. */
export const resolvedSections = {
  approval: approvalSchema,
  attachTo: attachSchema,
  detection: detectionSchema,
  remediation: remediationSchema,
};

/** The approval as configured: the shared `Approval` of the contract plus who may set the tag. */
export type ApprovalRule = z.output<typeof approvalSchema>;
export type AttachTargets = z.output<typeof attachSchema>;
export type DetectionSettings = z.output<typeof detectionSchema>;
export type RemediationSettings = z.output<typeof remediationSchema>;

/** One account/region with every default applied: what a stack is built from. */
export interface AccountConfig {
  readonly stackName: string;
  readonly accountId: string;
  readonly region: string;
  readonly deployRoleArn?: string;
  readonly approval: ApprovalRule;
  readonly attachTo: AttachTargets;
  readonly detection: DetectionSettings;
  readonly remediation: RemediationSettings;
  readonly tags: Record<string, string>;
}

export interface BackendConfig {
  readonly bucket: string;
  readonly region: string;
  readonly lockTable: string;
  readonly keyPrefix: string;
  readonly roleArn?: string;
}

/** The validated config file. */
export interface AmiGuardConfig {
  readonly backend: BackendConfig;
  readonly accounts: readonly AccountConfig[];
}
