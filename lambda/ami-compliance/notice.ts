/**
 * The notice a person acts on, as a pure function of the check's answer: plain text for email
 * subscribers, and the same content as an AWS Chatbot (Amazon Q Developer in chat applications) custom
 * notification, which a topic subscribed by Chatbot renders in Slack or Teams with no extra code.
 *
 * Custom notification format (version, source "custom", content.title, content.description,
 * content.nextSteps, content.keywords, metadata.threadId, metadata.summary):
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 */
import { FRESHNESS_REASONS, PHASE, type ActingMode, type FindingReason, type Phase } from './contract';
import type { Replacement } from './freshness';

/** What the notice says: the check's answer about one NON_COMPLIANT instance. */
export interface NoticeInput {
  readonly instanceId: string;
  readonly imageId: string;
  readonly finding: FindingReason;
  /** The evaluator's sentence (the annotation), e.g. `AMI ami-… is 212 days old (max 180). Move to …`. */
  readonly reason: string;
  readonly owner: string | null;
  readonly team: string | null;
  /** The deadline in force (`2026-12-01T10:00Z`), or null. */
  readonly deadline: string | null;
  /** What the runbook does next. */
  readonly phase: Phase;
  /** The runbook's mode. */
  readonly mode: ActingMode;
  /** The AMI to move to, for a stale or deprecated AMI that has one. */
  readonly replacement?: Replacement;
  /** What the owner should do (the check's `fix`). */
  readonly fix: string;
  /** The Auto Scaling group and its launch template, or null. */
  readonly autoScaling: string | null;
  /** The region, when known. */
  readonly region?: string;
}

/** An AWS Chatbot custom notification (the fields AMI Guard sets). */
export interface ChatbotCustomNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    /** One thread per instance: the notice, the stop and the all-clear group together. */
    readonly threadId: string;
    readonly summary: string;
  };
}

/** The notice in both formats. */
export interface Notice {
  /** The SNS subject (ASCII-cut below 100 characters, SNS's limit). */
  readonly subject: string;
  /** The plain-text message, for email subscribers. */
  readonly text: string;
  readonly chat: ChatbotCustomNotification;
}

const TITLES: Record<FindingReason, string> = {
  unapproved: 'runs an unapproved AMI',
  stale: 'runs a stale AMI',
  deprecated: 'runs a deprecated AMI',
  'unknown-image': 'runs an AMI that cannot be found',
};

/**
 * SNS's limit on a subject: "less than 100 characters", no line breaks or control characters; a
 * non-ASCII subject is modified on delivery, so the cut ends in ASCII dots.
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (Subject)
 * https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-alertmanager-receiver-validation-truncation.html
 */
const MAX_SUBJECT = 100;

/** Builds the notice of one finding. */
export function buildNotice(input: NoticeInput): Notice {
  const title = `AMI Guard: ${input.instanceId} ${TITLES[input.finding]}`;
  const owner = input.owner
    ? `${input.owner}${input.team && input.team !== input.owner ? ` (team ${input.team})` : ''}`
    : 'unknown (no owner tag)';
  const where = input.region ? ` in ${input.region}` : '';
  const facts = [
    `Instance: ${input.instanceId}${where}, AMI ${input.imageId}`,
    `Owner: ${owner}`,
    `Reason (${input.finding}): ${input.reason}`,
    `Deadline: ${deadlineLine(input)}`,
  ];
  const steps = nextSteps(input);
  const text = [title, '', ...facts, '', 'Next steps:', ...steps.map((s, i) => `${i + 1}. ${s}`)].join('\n');
  const chat: ChatbotCustomNotification = {
    version: '1.0',
    source: 'custom',
    id: `${input.instanceId}-${input.finding}`,
    content: {
      textType: 'client-markdown',
      title,
      description: facts.map((line) => line.replace(/^([^:]+):/, '*$1:*')).join('\n'),
      nextSteps: steps,
      keywords: ['AMI Guard', input.finding, ...(input.team ? [input.team] : [])],
    },
    metadata: { threadId: `ami-guard-${input.instanceId}`, summary: title },
  };
  return { subject: title.length >= MAX_SUBJECT ? `${title.slice(0, MAX_SUBJECT - 4)}...` : title, text, chat };
}

/** What happens and when. */
function deadlineLine(input: NoticeInput): string {
  const verb = input.mode === 'terminate' ? 'terminate' : 'stop';
  if (input.phase === PHASE.notify) {
    if (input.mode !== 'notify' && FRESHNESS_REASONS.includes(input.finding)) {
      return `none. Stale and deprecated AMIs are reported, never acted on (remediation.enforceFreshness is off); AMI Guard will not ${verb} it.`;
    }
    return 'none. AMI Guard reports this finding and changes nothing.';
  }
  if (input.deadline === null) return 'none.';
  return `${input.deadline} UTC. After it, AMI Guard will ${verb} the instance if a fresh check still finds it non-compliant.`;
}

/** The owner's steps: the AMI to move to with the launch-template hint, then the check's fix. */
function nextSteps(input: NoticeInput): string[] {
  const steps: string[] = [];
  const r = input.replacement;
  if (r) {
    const name = r.name ? ` (${r.name}, ${r.ageDays} days old)` : ` (${r.ageDays} days old)`;
    steps.push(`Move to ${r.imageId}${name}.`);
    steps.push(
      input.autoScaling
        ? `Auto Scaling ${input.autoScaling}: create a launch template version with "ImageId": "${r.imageId}", make it the group's version, then start an instance refresh.`
        : `Launch template hint: create a version with "ImageId": "${r.imageId}" (aws ec2 create-launch-template-version --launch-template-id <template> --source-version '$Latest' --launch-template-data '{"ImageId":"${r.imageId}"}'), then relaunch the instance from it.`,
    );
  }
  if (input.fix) steps.push(input.fix);
  if (steps.length === 0) steps.push('Relaunch the instance from an approved AMI.');
  return steps;
}

/**
 * The SNS message of a notice, for `Publish` with `MessageStructure: "json"`: plain text by default
 * and for email, the Chatbot custom notification for HTTPS subscribers (AWS Chatbot subscribes to a
 * topic over HTTPS). https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (MessageStructure)
 */
export function snsMessage(notice: Notice): string {
  const chat = JSON.stringify(notice.chat);
  return JSON.stringify({ default: notice.text, email: notice.text, https: chat });
}
