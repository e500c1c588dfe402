/**
 * The optional `organization` section (SCPs, the Allowed AMIs declarative policy, an organization-wide
 * Config aggregator), deployed as the `organization` stack, and the section as resolved.
 */
import { z } from 'zod';
import { TAG_KEY_PATTERN } from '../../lambda/ami-compliance/contract';
import { accountId, IAM_PATH_NAME, PARTITION, region, ROLE_ARN } from './common';

/** The stack of the organization guardrails; no account stack may take its name. */
export const ORGANIZATION_STACK = 'organization';

/** AWS's limits for Allowed AMIs: criteria per policy, providers and name patterns per criterion. */
export const ALLOWED_IMAGES_LIMITS = { criteria: 10, providers: 200, names: 50 } as const;

/** Allowed AMIs states AMI Guard sets (as the EC2 API spells them; the declarative policy says `audit_mode`). */
export const ALLOWED_IMAGES_STATES = ['audit-mode', 'enabled'] as const;

/** Image providers other than account IDs, as the EC2 API spells them. */
const IMAGE_PROVIDER_ALIASES = ['amazon', 'aws-marketplace', 'aws-backup-vault'] as const;

const IMAGE_PROVIDER = new RegExp(`^(\\d{12}|${IMAGE_PROVIDER_ALIASES.join('|')})$`);
/** Role or user ARN pattern valid in any member account: the account may be `*`. */
const ORG_PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}|\\*):(role|user)/${IAM_PATH_NAME}$`);
const ROOT_ID = '^r-[0-9a-z]{4,32}$';
const OU_ID = '^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$';
const TARGET_ID = new RegExp(`(${ROOT_ID})|(${OU_ID})|(^\\d{12}$)`);
/** Allowed AMIs name pattern: 1-128 letters, digits, spaces and ( ) [ ] . / - ' @ _ * ? (EC2 ImageCriterion). */
const IMAGE_NAME = /^[A-Za-z0-9()[\]./\-'@_*? ]{1,128}$/;
const MAX_DAYS = 2147483647;
/** The `maximumDaysSinceCreated` that opts a criterion into the accounts' `approval.maxImageAgeDays`. */
export const AGE_FROM_APPROVAL = 'approval';

const orgPrincipals = (what: string) =>
  z.array(
    z
      .string()
      .regex(
        ORG_PRINCIPAL_ARN,
        `expected an IAM role or user ARN such as "arn:aws:iam::*:role/${what}" (the account may be "*", wildcards allowed in the name)`,
      ),
  );

const imageCriterionSchema = z
  .strictObject({
    imageProviders: z
      .array(
        z
          .string()
          .regex(
            IMAGE_PROVIDER,
            `expected a 12-digit account ID or one of ${IMAGE_PROVIDER_ALIASES.map((a) => `"${a}"`).join(', ')}`,
          ),
      )
      .min(1, 'expected at least one image provider; omit the field for the default')
      .max(ALLOWED_IMAGES_LIMITS.providers, `AWS allows at most ${ALLOWED_IMAGES_LIMITS.providers} providers per criterion`)
      .optional()
      .describe(
        'Owners whose AMIs are allowed: account IDs, "amazon", "aws-marketplace", "aws-backup-vault". Default: every trustedOwners of the accounts plus the accounts of organization.taggerPrincipals (the pipeline account).',
      ),
    imageNames: z
      .array(
        z
          .string()
          .regex(IMAGE_NAME, "expected an AMI name pattern of 1-128 letters, digits, spaces and ( ) [ ] . / - ' @ _ * ?")
          .refine((n) => !n.includes('?') || n.length >= 3, 'a name pattern with "?" must be at least 3 characters'),
      )
      .min(1, 'expected at least one name pattern; omit the field to allow any name')
      .max(ALLOWED_IMAGES_LIMITS.names, `AWS allows at most ${ALLOWED_IMAGES_LIMITS.names} name patterns per criterion`)
      .optional()
      .describe('AMI name patterns (wildcards * and ?) an allowed AMI must match, e.g. "golden-al2023-*".'),
    maximumDaysSinceCreated: z
      .union([
        z.number().int('expected a whole number of days').min(0).max(MAX_DAYS),
        z.literal(AGE_FROM_APPROVAL, { error: `expected a whole number of days, or "${AGE_FROM_APPROVAL}"` }),
      ])
      .optional()
      .describe(
        `Allow only AMIs created at most this many days ago; "${AGE_FROM_APPROVAL}" takes the largest approval.maxImageAgeDays of the accounts, so an AMI the rule finds stale cannot be launched either.`,
      ),
    maximumDaysSinceDeprecated: z
      .number()
      .int('expected a whole number of days')
      .min(0)
      .max(MAX_DAYS)
      .optional()
      .describe('Allow deprecated AMIs only this many days after their deprecation; 0 allows no deprecated AMI.'),
  })
  .describe('One Allowed AMIs criterion: an AMI is allowed when it matches every condition of at least one criterion.');

const allowedImagesSchema = z
  .strictObject({
    state: z
      .enum(ALLOWED_IMAGES_STATES)
      .default('audit-mode')
      .describe(
        '"audit-mode" reports which AMIs would be blocked (DescribeImages/DescribeInstanceImageMetadata ImageAllowed) without blocking; "enabled" blocks them.',
      ),
    criteria: z
      .array(imageCriterionSchema)
      .min(1, 'expected at least one criterion; omit the field for the default criterion')
      .max(ALLOWED_IMAGES_LIMITS.criteria, `AWS allows at most ${ALLOWED_IMAGES_LIMITS.criteria} criteria`)
      .default([{}])
      .describe('Allowed AMIs criteria (an AMI must match one). Default: one criterion with the default image providers.'),
    exceptionMessage: z
      .string()
      .min(1, 'expected a non-empty message, or omit the field')
      .optional()
      .describe('Message EC2 shows to users whose call the declarative policy blocks, e.g. where to ask for an exception.'),
  })
  .describe('The EC2 declarative policy ami-guard-allowed-images (Allowed AMIs), enforced by EC2 for every launch path.');

const organizationTargetSchema = z
  .strictObject({
    id: z
      .string()
      .regex(TARGET_ID, 'expected the root ID ("r-..."), an OU ID ("ou-...-...") or a 12-digit account ID')
      .describe('Where the policies are attached: the organization root, an OU or a member account.'),
    launchGuard: z
      .boolean()
      .default(false)
      .describe(
        'Also attach the SCP ami-guard-launch-guard (untrusted-owner launches, legacy Spot requests and image creation outside the pipeline are denied). Opt-in: it changes what teams can do.',
      ),
  })
  .describe('One attachment target of the organization policies.');

const aggregatorSchema = z
  .strictObject({
    accountId: accountId.describe(
      'Account of the aggregator: the management account or the delegated administrator for AWS Config.',
    ),
    deployRoleArn: z
      .string()
      .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::444455556666:role/ami-guard-deploy"')
      .optional()
      .describe(
        'Role the second AWS provider assumes to deploy the aggregator (must be in accountId); omit to use the caller credentials.',
      ),
    name: z
      .string()
      .regex(/^[\w-]{1,256}$/, 'expected an aggregator name of letters, digits, _ and -')
      .default('ami-guard-organization')
      .describe('Name of the configuration aggregator.'),
    regions: z
      .array(region)
      .min(1, 'expected at least one region; omit the field to aggregate every region')
      .optional()
      .describe('Regions to aggregate; default every region, including regions AWS adds later.'),
  })
  .describe('An organization-wide AWS Config aggregator, so one account lists every NON_COMPLIANT instance.');

export const organizationSchema = z
  .strictObject({
    managementAccountId: accountId.describe(
      'The management account, or the delegated administrator for Organizations policies, that owns the policies.',
    ),
    deployRoleArn: z
      .string()
      .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::999999999999:role/ami-guard-deploy"')
      .optional()
      .describe('Role the AWS provider assumes to deploy the organization stack (must be in managementAccountId).'),
    planRoleArn: z
      .string()
      .regex(ROLE_ARN, 'expected an IAM role ARN such as "arn:aws:iam::999999999999:role/ami-guard-org-plan"')
      .optional()
      .describe(
        'Read-only role the pull-request workflow assumes (GitHub OIDC) to plan the organization stack (must be in managementAccountId: the management account or the delegated administrator); defaults to deployRoleArn.',
      ),
    region: region
      .optional()
      .describe(
        'Region of the stack (Organizations is global; the aggregator lives here). Default: defaults.region, then backend.region.',
      ),
    targets: z
      .array(organizationTargetSchema)
      .min(1, 'expected at least one target: the root ("r-...") or an OU ("ou-...")')
      .describe('Where the SCPs and the declarative policy are attached.'),
    taggerPrincipals: orgPrincipals('image-pipeline')
      .min(1, 'expected at least one principal (the image pipeline role)')
      .describe(
        'The image pipeline: the only principals that may set or remove the approval tag on images and, under launchGuard, create, copy, register or import images.',
      ),
    breakGlassPrincipals: orgPrincipals('break-glass')
      .default([])
      .describe('Principals exempt from every AMI Guard SCP (ArnNotLike aws:PrincipalArn).'),
    exceptionGranters: orgPrincipals('change-approver')
      .default([])
      .describe(
        'The only principals (besides break-glass) that may add or remove the exception tag on instances in member accounts, at launch or later; empty: none.',
      ),
    iamAdminPrincipals: orgPrincipals('iam-admin')
      .default([])
      .describe(
        'The IAM administrators of the member accounts: the only principals (besides break-glass and each account\'s deployRoleArn) that may create or change a role whose name the SCP trusts in every account ("arn:aws:iam::*:role/NAME" in taggerPrincipals, exceptionGranters, breakGlassPrincipals or here, and AMI Guard\'s own roles under /ami-guard/). Required when any of those lists names a role in every account. Each account\'s deployRoleArn is listed in the SCP by its ARN unless this list names its role in every account: an organization of many accounts adds e.g. "arn:aws:iam::*:role/ami-guard-deploy" here, one ARN instead of one per account (an SCP takes 5,120 characters).',
      ),
    allowedImages: allowedImagesSchema.default({ state: 'audit-mode', criteria: [{}] }),
    aggregator: aggregatorSchema.optional(),
    tags: z
      .record(z.string().regex(TAG_KEY_PATTERN, 'expected a tag key'), z.string().max(256))
      .optional()
      .describe('Tags on the stack resources, merged over defaults.tags.'),
  })
  .describe(
    'Organization guardrails (optional): SCPs, the Allowed AMIs declarative policy and a Config aggregator, deployed as the "organization" stack from the management account.',
  );

export type RawOrganization = z.output<typeof organizationSchema>;
export type AllowedImagesState = (typeof ALLOWED_IMAGES_STATES)[number];

/** One Allowed AMIs criterion with its providers resolved. */
export interface ImageCriterion {
  readonly imageProviders: readonly string[];
  readonly imageNames?: readonly string[];
  readonly maximumDaysSinceCreated?: number;
  readonly maximumDaysSinceDeprecated?: number;
}

/** An attachment target; `kind` follows from the ID. */
export interface OrganizationTarget {
  readonly id: string;
  readonly kind: 'root' | 'ou' | 'account';
  readonly launchGuard: boolean;
}

/** The organization section with every default applied: what the organization stack is built from. */
export interface OrganizationConfig {
  readonly managementAccountId: string;
  readonly deployRoleArn?: string;
  /** Read-only role of the pull-request plan job. @default deployRoleArn */
  readonly planRoleArn?: string;
  readonly region: string;
  readonly targets: readonly OrganizationTarget[];
  /** The approval tag keys of the accounts (distinct, ignoring case): the SCP guards each of them. */
  readonly approvalTagKeys: readonly string[];
  /** The exception tag keys of the accounts, with detection on or off (distinct, ignoring case): reserved on instances. */
  readonly exceptionTagKeys: readonly string[];
  /** Who may grant exceptions in member accounts (besides break-glass). */
  readonly exceptionGranters: readonly string[];
  readonly taggerPrincipals: readonly string[];
  readonly breakGlassPrincipals: readonly string[];
  /** Who may create or change the roles the SCP trusts by name: `iamAdminPrincipals` plus every deployRoleArn of the accounts and the aggregator. */
  readonly iamAdminPrincipals: readonly string[];
  /** The approved-ID parameters of the accounts (distinct): reserved for the pipeline in every member account. */
  readonly approvedImageIdsParameters: readonly string[];
  /** Every account's family tag key (freshness), reserved on images for the pipeline. */
  readonly familyTagKeys: readonly string[];
  readonly allowedImages: {
    readonly state: AllowedImagesState;
    readonly criteria: readonly ImageCriterion[];
    readonly exceptionMessage?: string;
  };
  readonly aggregator?: {
    readonly accountId: string;
    readonly deployRoleArn?: string;
    readonly name: string;
    readonly regions?: readonly string[];
  };
  readonly tags: Record<string, string>;
}
