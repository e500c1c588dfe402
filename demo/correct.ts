/**
 * Correct: the remediation runbook as deployed (read back from SSM in moto) walked step by step with
 * its own Python, the check step answered by the real check mode against moto. SSM Automation does not
 * run in moto (e2e/moto-gaps.ts), so the runbook's boto3 calls are recorded instead of sent; the
 * notice shown is the SNS message the runbook publishes.
 */
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetDocumentCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  DEFAULT_ESCALATE_AFTER_HOURS,
  ESCALATE_AFTER_HOURS_PARAMETER,
  ESCALATION_TOPIC_PARAMETER,
  type CheckResult,
} from '../lambda/ami-compliance/contract';
import type { AutomationDocument } from '../modules/correct/remediation-document';
import { runAutomation } from '../test-support/runbook';

const FAKE_KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The runbook document as deployed, and the grace hours its check step passes. */
export async function deployedRunbook(
  url: string,
  region: string,
  name: string,
): Promise<{ doc: AutomationDocument; graceHours?: number }> {
  const ssm = new SSMClient({ region, endpoint: url, credentials: FAKE_KEYS });
  try {
    const out = await ssm.send(new GetDocumentCommand({ Name: name, DocumentFormat: 'JSON' }));
    const doc = JSON.parse(out.Content!) as AutomationDocument;
    const payload = doc.mainSteps[0].inputs.InputPayload as { GraceHours?: number } | undefined;
    return { doc, graceHours: payload?.GraceHours };
  } finally {
    ssm.destroy();
  }
}

/** The automation role the stack created (its name holds "remediation"). */
async function automationRole(url: string): Promise<string> {
  const iam = new IAMClient({ region: 'us-east-1', endpoint: url, credentials: FAKE_KEYS });
  try {
    const roles = await iam.send(new ListRolesCommand({ PathPrefix: '/ami-guard/' }));
    const role = (roles.Roles ?? []).find((r) => r.RoleName?.includes('remediation'));
    if (!role?.Arn) throw new Error('no AMI Guard remediation role in IAM');
    return role.Arn;
  } finally {
    iam.destroy();
  }
}

/** Walks the runbook for one instance and returns the notice it publishes, as its owner gets it. */
export async function ownerNotice(options: {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly doc: AutomationDocument;
  readonly topicArn: string;
  readonly answer: CheckResult;
  readonly now: Date;
}): Promise<{ text: string; steps: readonly string[] }> {
  const result = runAutomation(options.doc, {
    parameters: {
      InstanceId: options.answer.instanceId,
      Mode: 'stop',
      TopicArn: options.topicArn,
      // As the remediation configuration passes them (moto cannot hold one): the default threshold, and the
      // escalation topic beside the findings topic.
      [ESCALATE_AFTER_HOURS_PARAMETER]: String(DEFAULT_ESCALATE_AFTER_HOURS),
      [ESCALATION_TOPIC_PARAMETER]: options.topicArn.replace(/:[^:]+$/, ':ami-guard-escalation'),
      AutomationAssumeRole: await automationRole(options.url),
    },
    now: options.now,
    accountId: options.accountId,
    region: options.region,
    stub: {
      'lambda.invoke': { StatusCode: 200, Payload: JSON.stringify(options.answer) },
      'sns.publish': { MessageId: 'demo-message-1' },
      'ssm.put_parameter': { Version: 1 },
      'ec2.create_tags': {},
    },
  });
  const publish = result.calls.find((c) => c.method === 'publish');
  if (result.status !== 'Success' || !publish) {
    throw new Error(`the runbook did not publish a notice (${result.status}: ${result.failure ?? result.steps.join(' -> ')})`);
  }
  const attributes = publish.kwargs.MessageAttributes as Record<string, { StringValue: string }>;
  const text = [
    `Subject: ${String(publish.kwargs.Subject)}`,
    `Message attributes: ${Object.entries(attributes)
      .map(([name, a]) => `${name}=${a.StringValue}`)
      .join(', ')}`,
    '',
    String(publish.kwargs.Message),
  ].join('\n');
  return { text, steps: result.steps };
}
