/**
 * Escalation: blocked instances, and instances still non-compliant escalateAfterHours past their
 * deadline, go to the escalation topic with action=escalate. Owners' routes are on the findings topic,
 * so none receives an escalation, and none can filter one out.
 */
import { ACTION, ESCALATE_AFTER_HOURS_PARAMETER } from '../../lambda/ami-compliance/contract';
import type { AutomationDocument, AutomationStep } from '../../modules/correct/remediation-document';
import { exampleVariant, onlyResource, resourcesOf, sharedSynth } from '../../test-support/synth';

const config = exampleVariant((j) => {
  j.accounts[1].remediation.escalation = [{ protocol: 'email', endpoint: 'platform-oncall@example.org' }];
  j.accounts[1].remediation.escalateAfterHours = 48;
});
const stack = sharedSynth(config).stacks['payments-prod'];
const runbook = JSON.parse(String(onlyResource(stack, 'aws_ssm_document').content)) as AutomationDocument;
const publishes = runbook.mainSteps.filter((s: AutomationStep) => s.inputs.Api === 'Publish');
const topicRef = (name: string) => {
  const [key] = Object.entries(stack.resource?.aws_sns_topic ?? {}).find(([, t]) => (t as { name: string }).name === name)!;
  return `\${aws_sns_topic.${key}.arn}`;
};

describe('escalation', () => {
  test('escalate messages, and only they, go to the escalation topic', () => {
    const escalations = publishes.filter(
      (s) => (s.inputs.MessageAttributes as { action: { StringValue: string } }).action.StringValue === ACTION.escalate,
    );
    expect(escalations.map((s) => s.name).sort()).toEqual(['EscalateBlocked', 'EscalateFailed', 'EscalateOverdue']);
    for (const step of publishes) {
      const escalate = escalations.includes(step);
      expect({ step: step.name, topic: step.inputs.TopicArn }).toEqual({
        step: step.name,
        topic: escalate ? '{{ EscalationTopicArn }}' : '{{ TopicArn }}',
      });
    }
  });

  test('the escalation subscriptions are on the escalation topic, unfiltered; every route is on the findings topic', () => {
    const subscriptions = resourcesOf(stack, 'aws_sns_topic_subscription');
    const escalation = subscriptions.filter((s) => s.topic_arn === topicRef('ami-guard-escalation'));
    expect(escalation).toEqual([expect.objectContaining({ protocol: 'email', endpoint: 'platform-oncall@example.org' })]);
    expect(escalation[0].filter_policy).toBeUndefined();
    const routes = subscriptions.filter((s) => s.filter_policy !== undefined);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route.topic_arn).toBe(topicRef('ami-guard-remediation'));
  });

  test('the threshold reaches the runbook as its EscalateAfterHours parameter, from the config', () => {
    const remediation = onlyResource(stack, 'aws_config_remediation_configuration');
    expect(remediation.parameter).toContainEqual({ name: ESCALATE_AFTER_HOURS_PARAMETER, static_value: '48' });
    expect(runbook.parameters[ESCALATE_AFTER_HOURS_PARAMETER]).toBeDefined();
  });

  test.each([
    [-1, /escalateAfterHours/],
    [1.5, /escalateAfterHours/],
    [9000, /at most 8760 hours/],
  ])('escalateAfterHours %p is refused, naming the field', (value, message) => {
    expect(() =>
      exampleVariant((j) => {
        j.accounts[1].remediation.escalateAfterHours = value;
      }),
    ).toThrow(message);
  });

  test('notify mode has no escalation topic, and refuses escalation subscriptions', () => {
    const notify = sharedSynth(
      exampleVariant((j) => {
        j.accounts[1].remediation.mode = 'notify';
      }),
    ).stacks['payments-prod'];
    expect(resourcesOf(notify, 'aws_sns_topic').map((t) => t.name)).toEqual(['ami-guard-remediation']);
    expect(() =>
      sharedSynth(
        exampleVariant((j) => {
          j.accounts[1].remediation.mode = 'notify';
          j.accounts[1].remediation.escalation = [{ protocol: 'email', endpoint: 'x@example.org' }];
        }),
      ),
    ).toThrow(/escalation.*need mode stop or terminate/);
  });
});
