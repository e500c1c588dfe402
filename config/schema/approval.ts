/** The `approval` section: which AMIs are approved (tag, owners, freshness) and who may set the tag. */
import { z } from 'zod';
import {
  DEFAULT_DEPRECATED_IMAGES,
  DEPRECATED_IMAGES,
  MAX_IMAGE_AGE_DAYS_LIMIT,
  TAG_KEY_PATTERN,
  TAG_VALUE_PATTERN,
  tagKeyProblem,
  tagValueProblem,
} from '../../lambda/ami-compliance/contract';
import { accountId, enforcedTag, IAM_PATH_NAME, PARTITION } from './common';

/** Role or user ARN pattern in the governed account, which may be written `{accountId}`. */
const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}|\\{accountId\\}):(role|user)/${IAM_PATH_NAME}$`);

const principalArns = (what: string) =>
  z.array(
    z
      .string()
      .regex(
        PRINCIPAL_ARN,
        `expected an IAM role or user ARN such as "arn:aws:iam::{accountId}:role/${what}" (wildcards allowed in the name)`,
      ),
  );

export const approvalSchema = z.strictObject({
  tagKey: enforcedTag(
    TAG_KEY_PATTERN,
    'expected a tag key of 1-128 letters, digits, spaces or _.:/=+-@, not starting with "aws:" in any case',
    tagKeyProblem,
  ).describe('The tag key that marks an approved AMI, e.g. "Environment".'),
  tagValues: z
    .array(
      enforcedTag(
        TAG_VALUE_PATTERN,
        'expected a non-empty tag value (1-256 letters, digits, spaces or _.:/=+-@)',
        tagValueProblem,
      ),
    )
    .min(1, 'expected at least one approved tag value, e.g. ["Prod"]')
    .describe('Approved values of the tag; compared exactly and case-sensitively, like IAM StringEquals.'),
  trustedOwners: z
    .array(z.union([accountId, z.literal('amazon')]))
    .default([])
    .describe('If not empty, an approved AMI must also be owned by one of these account IDs (or "amazon").'),
  taggerPrincipals: principalArns('image-pipeline')
    .min(1, 'expected at least one principal (the image pipeline role) allowed to set the approval tag')
    .describe(
      'The only principals allowed to add or remove the approval tag on images (the image pipeline); "{accountId}" stands for the account the stack governs.',
    ),
  exceptionGranters: principalArns('change-approver')
    .default([])
    .describe(
      'The only principals (of those the policies are attached to) allowed to add or remove the exception tag on instances, at launch or later; empty: none of them may. "{accountId}" stands for the account the stack governs.',
    ),
  maxImageAgeDays: z
    .number()
    .int('expected a whole number of days')
    .min(1, 'expected at least 1 day')
    .max(MAX_IMAGE_AGE_DAYS_LIMIT, `expected at most ${MAX_IMAGE_AGE_DAYS_LIMIT} days (ten years)`)
    .optional()
    .describe(
      'An approved AMI created more than this many days ago is stale: its instances are NON_COMPLIANT, with the replacement to move to (docs/freshness.md). No default: without it, age does not count.',
    ),
  deprecatedImages: z
    .enum(DEPRECATED_IMAGES)
    .default(DEFAULT_DEPRECATED_IMAGES)
    .describe('"stale": an approved AMI past its DeprecationTime is stale; "ignore": deprecation does not count.'),
  familyTagKey: enforcedTag(TAG_KEY_PATTERN, 'expected a tag key such as "ImageFamily"', tagKeyProblem)
    .optional()
    .describe(
      'Image tag naming the AMI family, which decides the replacement of a stale AMI; set by the image pipeline. Default: the family is the AMI name without its date or version (docs/freshness.md).',
    ),
});

/** The approval as configured: the shared `Approval` of the contract plus who may set the tag. */
export type ApprovalRule = z.output<typeof approvalSchema>;
