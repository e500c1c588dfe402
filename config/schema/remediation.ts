/** The `remediation` section: the mode, the SSM execution controls, notices, routes, escalation and grace. */
import { z } from 'zod';
import {
  DEFAULT_ESCALATE_AFTER_HOURS,
  DEFAULT_GRACE_HOURS,
  DEFAULT_KEEP_EVIDENCE_DAYS,
  DEFAULT_OWNER_TAG_KEYS,
  MAX_GRACE_HOURS,
  MESSAGE_ATTRIBUTE_NAMES,
  REMEDIATION_MODES,
  TAG_KEY_PATTERN,
  tagKeyProblem,
} from '../../lambda/ami-compliance/contract';
import { snsFilterPolicyProblem } from '../../modules/shared/aws-limits';
import { enforcedTag } from './common';

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

export const remediationSchema = z.strictObject({
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

export type RemediationSettings = z.output<typeof remediationSchema>;
