import { z } from 'zod';
import {
  DEFAULT_DEPRECATED_IMAGES,
  DEFAULT_EXCEPTION_TICKET_PATTERN,
  DEFAULT_FUNCTION_MEMORY_MB,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_ESCALATE_AFTER_HOURS,
  DEFAULT_GRACE_HOURS,
  DEFAULT_KEEP_EVIDENCE_DAYS,
  DEFAULT_MAX_EXCEPTION_DAYS,
  DEFAULT_OWNER_TAG_KEYS,
  INSTANCE_RESOURCE_TYPE,
  MAX_EXCEPTION_DAYS_LIMIT,
  DEPRECATED_IMAGES,
  MAX_GRACE_HOURS,
  MAX_IMAGE_AGE_DAYS_LIMIT,
  MESSAGE_ATTRIBUTE_NAMES,
  REMEDIATION_MODES,
  TAG_KEY_PATTERN,
  TAG_VALUE_PATTERN,
  tagKeyProblem,
  tagValueProblem,
  ticketPatternProblem,
} from '../lambda/ami-compliance/contract';
import { snsFilterPolicyProblem } from '../modules/shared/aws-limits';
import { AWS_PARTITIONS, AWS_REGIONS } from './regions';

/**
 * The account config file: one shared state backend, defaults, and one entry per account/region.
 * Every field is documented with `.describe()`, which also feeds the published JSON Schema.
 */

const ACCOUNT_ID = /^\d{12}$/;
const PARTITION = `(${AWS_PARTITIONS.join('|')})`;
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
const IAM_PATH_NAME = '[\\w+=,.@/*-]+';
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::\\d{12}:role/[\\w+=,.@/-]+$`);
const PRINCIPAL_ARN = new RegExp(`^arn:${PARTITION}:iam::(\\d{12}|\\{accountId\\}):(role|user)/${IAM_PATH_NAME}$`);
const STACK_NAME = /^[a-z][a-z0-9-]{1,62}$/;
/** A KMS key ARN (not an alias): a key ID is a UUID, a multi-Region key's `mrk-` and 32 hex digits. */
const KMS_KEY_ARN = new RegExp(
  `^arn:${PARTITION}:kms:[a-z0-9-]+:\\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`,
);
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Optional customer managed encryption; without it, each resource keeps its AWS-managed default (docs/security.md). */
const encryptionSchema = z
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

/** The stack that holds the shared state bucket and lock table; no account stack may take its name. */
export const STATE_BACKEND_STACK = 'state-backend';

const accountId = z.string().regex(ACCOUNT_ID, 'expected 12 digits (an AWS account ID such as "111122223333", quoted)');

const region = z.enum(AWS_REGIONS as [string, ...string[]], {
  error:
    'expected an AWS region code such as "eu-west-1" (config/aws-regions.json lists the regions of the pinned AWS SDK; `npm run regions` refreshes it)',
});

/** Config rule frequencies, as AWS Config spells them. */
const FREQUENCIES = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'] as const;

/**
 * A tag key or value as every layer understands it: the pattern (which also feeds the JSON Schema), then
 * the contract's own check (no whitespace at the ends, only characters IAM policies can hold), the same
 * function the rule Lambda and the policy builders call.
 */
function enforcedTag(pattern: RegExp, expected: string, problem: (text: string) => string | undefined) {
  return z
    .string()
    .regex(pattern, expected)
    .superRefine((text, ctx) => {
      const why = pattern.test(text) ? problem(text) : undefined;
      if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)} ${why}` });
    });
}

const principalArns = (what: string) =>
  z.array(
    z
      .string()
      .regex(
        PRINCIPAL_ARN,
        `expected an IAM role or user ARN such as "arn:aws:iam::{accountId}:role/${what}" (wildcards allowed in the name)`,
      ),
  );

const approvalSchema = z.strictObject({
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

/** IAM names of one kind, each at most once: IAM names ignore case, and one principal takes a policy once. */
const iamNames = (kind: 'role' | 'group' | 'user') =>
  z.array(z.string().regex(IAM_NAME, `expected an IAM ${kind} name (not an ARN)`)).superRefine((names, ctx) => {
    const first = new Map<string, number>();
    names.forEach((name, i) => {
      const seen = first.get(name.toLowerCase());
      if (seen === undefined) first.set(name.toLowerCase(), i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${JSON.stringify(name)} is already listed at ${kind}s[${seen}] (IAM names ignore case); list each ${kind} once`,
        });
    });
  });

const attachSchema = z.strictObject({
  roles: iamNames('role')
    .default([])
    .describe('Existing IAM roles (names, not ARNs) to attach the launch policy and the tag guard to.'),
  groups: iamNames('group').default([]).describe('Existing IAM groups (names) to attach both policies to.'),
  users: iamNames('user').default([]).describe('Existing IAM users (names) to attach both policies to.'),
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
  exceptionTagKey: enforcedTag(TAG_KEY_PATTERN, 'expected a tag key such as "AmiGuardException"', tagKeyProblem)
    .default('AmiGuardException')
    .describe('Instance tag granting a time-boxed exception; value "<ticket> until YYYY-MM-DD".'),
  maxExceptionDays: z
    .number()
    .int('expected a whole number of days')
    .min(1, 'expected at least 1 day')
    .max(MAX_EXCEPTION_DAYS_LIMIT, `expected at most ${MAX_EXCEPTION_DAYS_LIMIT} days (ten years)`)
    .default(DEFAULT_MAX_EXCEPTION_DAYS)
    .describe('An exception may end at most this many days after today (UTC); one dated later does not count.'),
  exceptionTicketPattern: z
    .string()
    .superRefine((pattern, ctx) => {
      const why = ticketPatternProblem(pattern);
      if (why !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(pattern)} ${why}` });
    })
    .default(DEFAULT_EXCEPTION_TICKET_PATTERN)
    .describe(
      'JavaScript regular expression the whole ticket of an exception must match; default: letters, digits and dashes, at least 3.',
    ),
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
  memoryMb: z
    .number()
    .int()
    .min(128, 'expected at least 128 (MB), the Lambda minimum')
    .max(10240, 'expected at most 10240 (MB), the Lambda maximum')
    .default(DEFAULT_FUNCTION_MEMORY_MB)
    .describe(
      'Memory of the rule Lambda in MB; Lambda gives CPU in proportion. The default sweeps 100,000 instances well inside the timeout (docs/benchmarks.md).',
    ),
  timeoutSeconds: z
    .number()
    .int()
    .min(30, 'expected at least 30 (seconds): a sweep keeps a few seconds to report what it judged')
    .max(900, 'expected at most 900 (seconds), the Lambda maximum')
    .default(DEFAULT_FUNCTION_TIMEOUT_SECONDS)
    .describe('Timeout of the rule Lambda in seconds; a sweep stops judging shortly before it and reports what it has.'),
});

const subscriptionSchema = z.strictObject({
  protocol: z.enum(['email', 'email-json', 'https', 'sqs', 'lambda']).describe('SNS subscription protocol.'),
  endpoint: z
    .string()
    .min(3, 'expected the subscription endpoint (an address, URL or ARN)')
    .describe('Where the messages go: an email address, an HTTPS URL, or a queue or function ARN.'),
});

const routeSchema = subscriptionSchema
  .extend({
    match: z
      .partialRecord(
        z.enum(MESSAGE_ATTRIBUTE_NAMES),
        z
          .array(z.string().min(1, 'expected a non-empty value').max(256))
          .min(1, 'expected at least one value, e.g. ["payments"]')
          .max(100),
      )
      .refine((m) => Object.keys(m).length > 0, 'expected at least one message attribute, e.g. { "team": ["payments"] }')
      .describe(
        `Message attributes (${MESSAGE_ATTRIBUTE_NAMES.join(', ')}) to the values this subscription receives; every attribute named must match.`,
      ),
  })
  .superRefine((route, ctx) => {
    // SNS refuses such a filter policy at apply, in one account out of many: fail here, naming the route.
    const problem = snsFilterPolicyProblem(route.match as Record<string, string[]>);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['match'], message: `the route to ${route.protocol} ${route.endpoint}: ${problem}` });
    }
  })
  .describe('A subscription that receives only the matching messages: an SNS filter policy on the message attributes.');

const remediationSchema = z.strictObject({
  mode: z
    .enum(REMEDIATION_MODES)
    .default('off')
    .describe(
      'off | notify | stop | terminate. "terminate" must be written in the account itself (never inherited from defaults).',
    ),
  automatic: z
    .boolean()
    .default(false)
    .describe('Run remediation automatically; false offers it in the Config console for a person to run.'),
  maximumAutomaticAttempts: z
    .number()
    .int()
    .min(1)
    .max(25)
    .default(5)
    .describe('Automatic remediation: failed attempts Config makes within retryAttemptSeconds (AWS default 5).'),
  retryAttemptSeconds: z
    .number()
    .int()
    .min(1)
    .max(2678000)
    .default(60)
    .describe('Automatic remediation: the window, in seconds, of maximumAutomaticAttempts (AWS default 60).'),
  concurrentExecutionRatePercentage: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe('SSM execution control: the share of non-compliant instances remediated at once.'),
  errorPercentage: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .describe('SSM execution control: the share of failed executions at which SSM stops starting more.'),
  subscriptions: z.array(subscriptionSchema).default([]).describe('Subscriptions that receive every message.'),
  escalation: z
    .array(subscriptionSchema)
    .default([])
    .describe(
      'stop/terminate: subscriptions to the escalation topic (a platform team, not the owner). They receive every escalation: an instance blocked by protection or Auto Scaling, or still non-compliant escalateAfterHours past its deadline. No owner route receives escalations, so an owner cannot silence them.',
    ),
  escalateAfterHours: z
    .number()
    .int()
    .min(0)
    .max(8760, 'expected at most 8760 hours (a year); escalation is for instances that outstay their deadline')
    .default(DEFAULT_ESCALATE_AFTER_HOURS)
    .describe(
      'stop/terminate: hours past the deadline after which a still non-compliant instance is escalated; 0 escalates at the first failed action.',
    ),
  routes: z
    .array(routeSchema)
    .default([])
    .describe('Subscriptions that receive only their own instances\' messages, e.g. { "match": { "team": ["payments"] }, ... }.'),
  ownerTagKeys: z
    .array(enforcedTag(TAG_KEY_PATTERN, 'expected a tag key such as "Owner"', tagKeyProblem))
    .min(1, 'expected at least one tag key, e.g. ["Owner", "Team"]')
    .max(10)
    .default([...DEFAULT_OWNER_TAG_KEYS])
    .describe(
      'Instance tags naming the owner, most specific first: the owner is the first present, the team (which routes match) the last key.',
    ),
  graceHours: z
    .number()
    .int()
    .min(0)
    .max(MAX_GRACE_HOURS, `expected at most ${MAX_GRACE_HOURS} hours (30 days); a longer grace is an exception without a ticket`)
    .default(DEFAULT_GRACE_HOURS)
    .describe(
      'stop/terminate: hours between the notice and the action. 0 acts at once and must be written in the account itself.',
    ),
  terminate: z
    .strictObject({
      keepEvidenceDays: z
        .number()
        .int()
        .min(0)
        .max(3650)
        .default(DEFAULT_KEEP_EVIDENCE_DAYS)
        .describe('Days to keep an image of the instance, taken before terminating it; 0 takes none.'),
    })
    .default({ keepEvidenceDays: DEFAULT_KEEP_EVIDENCE_DAYS })
    .describe('Settings of mode "terminate".'),
  enforceFreshness: z
    .boolean()
    .default(false)
    .describe(
      'Stale and deprecated approved AMIs follow the mode (stop, terminate) like unapproved ones; false: their findings only ever notify.',
    ),
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
  tags: z
    .record(z.string().regex(TAG_KEY_PATTERN, 'expected a tag key'), z.string().max(256))
    .describe("Tags on every resource of the stack (provider default_tags); an account's tags are merged over defaults.tags."),
};

const rawAccountSchema = z.strictObject({
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

// ---------------------------------------------------------------------------------------------
// organization: the optional `organization` section (SCPs, the Allowed AMIs declarative policy,
// an organization-wide Config aggregator), deployed as the `organization` stack.
// ---------------------------------------------------------------------------------------------

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
        'The IAM administrators of the member accounts: the only principals (besides break-glass and each account\'s deployRoleArn) that may create or change a role whose name the SCP trusts in every account ("arn:aws:iam::*:role/NAME" in taggerPrincipals, exceptionGranters, breakGlassPrincipals or here, and AMI Guard\'s own roles under /ami-guard/). Required when any of those lists names a role in every account.',
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

// ---- end of organization ----------------------------------------------------------------------

export const rawConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  backend: z
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
    .describe('The shared S3 state backend: one bucket and one lock table for every stack.'),
  defaults: z
    .strictObject({
      region: region.optional().describe('Region of every account that names none.'),
      approval: overridable.approval.optional(),
      attachTo: overridable.attachTo.optional(),
      detection: overridable.detection.optional(),
      remediation: overridable.remediation.optional(),
      tags: overridable.tags.optional(),
    })
    .default({}),
  accounts: z.array(rawAccountSchema).min(1, 'expected at least one account'),
  organization: organizationSchema.optional(),
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

export type EncryptionSettings = z.output<typeof encryptionSchema>;

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

/** The validated config file. */
export interface AmiGuardConfig {
  readonly backend: BackendConfig;
  readonly accounts: readonly AccountConfig[];
  /** Present when the file has an `organization` section: the organization stack is built from it. */
  readonly organization?: OrganizationConfig;
}
