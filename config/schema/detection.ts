/** The `detection` section: the AWS Config recorder and rule, its Lambda, and the exception tag it honours. */
import { z } from 'zod';
import {
  DEFAULT_EXCEPTION_TICKET_PATTERN,
  DEFAULT_FUNCTION_MEMORY_MB,
  DEFAULT_FUNCTION_TIMEOUT_SECONDS,
  DEFAULT_MAX_EXCEPTION_DAYS,
  INSTANCE_RESOURCE_TYPE,
  MAX_EXCEPTION_DAYS_LIMIT,
  TAG_KEY_PATTERN,
  tagKeyProblem,
  ticketPatternProblem,
} from '../../lambda/ami-compliance/contract';
import { enforcedTag } from './common';

/** Config rule frequencies, as AWS Config spells them. */
const FREQUENCIES = ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'] as const;

export const detectionSchema = z.strictObject({
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

export type DetectionSettings = z.output<typeof detectionSchema>;
