/**
 * Every layer's rule table, and the resource types AMI Guard synthesizes that no rule reads, each
 * with the reason. The coverage test holds every synthesized type to one or the other.
 */
import { CORRECT_RULES } from './correct';
import { DETECT_RULES } from './detect';
import { ORGANIZATION_RULES } from './organization';
import { PREVENT_RULES } from './prevent';
import { RuleEntry } from './rule';
import { STATE_RULES } from './state';

/** The tables by layer, in the order the runner applies them. */
export const RULE_TABLES: Readonly<Record<'prevent' | 'detect' | 'correct' | 'organization' | 'state', readonly RuleEntry[]>> = {
  prevent: PREVENT_RULES,
  detect: DETECT_RULES,
  correct: CORRECT_RULES,
  organization: ORGANIZATION_RULES,
  state: STATE_RULES,
};

/**
 * Resource types the stacks synthesize that no rule reads, and why. A change to one still gets the
 * generic flag: medium for a delete or replace, info for a create or update.
 */
export const NOT_REVIEWED: Readonly<Record<string, string>> = {
  aws_cloudwatch_log_group: "the rule Lambda's logs: losing them loses history, not a defence",
  aws_iam_role:
    'the service roles (rule Lambda, remediation, recorder, aggregator): what they may do is in their policies and attachments, which have rules',
  aws_sns_topic: 'the findings topic: it decides who is told, not what is enforced',
  aws_sns_topic_policy: 'who may publish to the findings topic: it decides who is told, not what is enforced',
  aws_sns_topic_subscription: 'who receives findings: it decides who is told, not what is enforced',
};

/** Every resource type some rule reads. */
export function reviewedTypes(): Set<string> {
  return new Set(Object.values(RULE_TABLES).flatMap((table) => table.flatMap((row) => row.types)));
}
