/**
 * Owner routing: every message carries the same attributes, and each configured route becomes an SNS
 * subscription whose filter policy lets through its own team's messages and nobody else's. The
 * messages are the runbook's own publish steps, read from the synthesized stack.
 */
import { ACTION, MESSAGE_ATTRIBUTE_NAMES, type ActingMode } from '../../lambda/ami-compliance/contract';
import { routeFilterPolicy } from '../../modules/correct/remediation';
import { remediationDocument, type AutomationDocument, type AutomationStep } from '../../modules/correct/remediation-document';
import { simulate } from '../../test-support/iam';
import { matchesFilterPolicy, type MessageAttributes } from '../../test-support/sns-filter';
import { substitute } from '../../test-support/runbook';
import { exampleConfig, exampleVariant, onlyResource, resourcesOf, sharedSynth } from '../../test-support/synth';

const { stacks } = sharedSynth(exampleConfig());
const payments = stacks['payments-prod'];
const runbook = (): AutomationDocument => JSON.parse(String(onlyResource(payments, 'aws_ssm_document').content));
const publishes = (doc: AutomationDocument): AutomationStep[] =>
  doc.mainSteps.filter((s) => s.action === 'aws:executeAwsApi' && s.inputs.Service === 'sns' && s.inputs.Api === 'Publish');

/** The attributes the runbook's notice carries for an instance of `team`, as SSM would fill them in. */
function noticeAttributes(team: string): MessageAttributes {
  const notice = publishes(runbook()).find((s) => s.name === 'NotifyNotice')!;
  const values = {
    'CheckInstance.Owner': 'someone@example.org',
    'CheckInstance.Team': team,
    'global:ACCOUNT_ID': '222222222222',
    'global:REGION': 'eu-west-1',
  };
  const raw = notice.inputs.MessageAttributes as Record<string, { DataType: string; StringValue: string }>;
  return Object.fromEntries(
    Object.entries(raw).map(([name, a]) => [name, { DataType: a.DataType, StringValue: substitute(a.StringValue, values) }]),
  );
}

describe('routes', () => {
  const routes = resourcesOf(payments, 'aws_sns_topic_subscription').filter((s) => s.filter_policy !== undefined);

  test('each configured route is a subscription filtering on the message attributes', () => {
    expect(routes.map((r) => [r.endpoint, r.filter_policy_scope, JSON.parse(String(r.filter_policy))])).toEqual([
      ['payments-oncall@example.org', 'MessageAttributes', { team: ['payments'] }],
      ['checkout-oncall@example.org', 'MessageAttributes', { team: ['checkout', 'checkout-platform'] }],
    ]);
  });

  test.each([
    ['payments-oncall@example.org', ['payments']],
    ['checkout-oncall@example.org', ['checkout', 'checkout-platform']],
  ])("%s receives its team's notices and no other team's", (endpoint, own) => {
    const route = routes.find((r) => r.endpoint === endpoint)!;
    const policy = JSON.parse(String(route.filter_policy));
    for (const team of ['payments', 'checkout', 'checkout-platform', 'analytics', 'Payments', 'unknown']) {
      expect([team, matchesFilterPolicy(policy, noticeAttributes(team))]).toEqual([team, own.includes(team)]);
    }
  });

  test('the topic policy still admits only the account and the automation role, not the rule Lambda', async () => {
    const terminate = sharedSynth(
      exampleVariant((j) => {
        j.accounts[1].remediation.mode = 'terminate';
      }),
    ).stacks['payments-prod'];
    for (const stack of [payments, terminate]) {
      // The findings topic's policy, and in acting modes the escalation topic's: the same two publishers.
      const policies = resourcesOf(stack, 'aws_sns_topic_policy').map(
        (p) => JSON.parse(String(p.policy)) as { Statement: { Resource: string; Principal: { AWS: string } }[] },
      );
      expect(policies.map((p) => p.Statement[0].Resource.split(':').at(-1)).sort()).toEqual([
        'ami-guard-escalation',
        'ami-guard-remediation',
      ]);
      const policy = policies.find((p) => p.Statement[0].Resource.endsWith(':ami-guard-remediation'))!;
      const publish = (principal: string) =>
        simulate({
          policies: [],
          principal,
          resourcePolicy: policy,
          action: 'sns:Publish',
          resource: 'arn:aws:sns:eu-west-1:222222222222:ami-guard-remediation',
        });
      await expect(publish('arn:aws:iam::222222222222:role/ami-guard/ami-guard-remediation-eu-west-1')).resolves.toBe('Allowed');
      await expect(publish('arn:aws:iam::999999999999:role/ami-guard/ami-guard-remediation-eu-west-1')).resolves.not.toBe(
        'Allowed',
      );
      expect(policy.Statement.map((s) => s.Principal.AWS)).toEqual([
        'arn:aws:iam::222222222222:role/ami-guard/ami-guard-remediation-eu-west-1',
        'arn:aws:iam::222222222222:root',
      ]);
    }
  });

  test.each<[string, object, RegExp]>([
    ['no attribute', {}, /`routes\[0\]\.match` must name 1 to 5 message attributes/],
    ['an attribute messages do not carry', { squad: ['x'] }, /`routes\[0\]\.match\.squad` is not a message attribute/],
    ['an empty value', { team: [''] }, /`routes\[0\]\.match\.team` must list at least one non-empty value/],
  ])('a route with %s is refused naming the field', (_, match, message) => {
    expect(() => routeFilterPolicy({ match, protocol: 'email', endpoint: 'a@example.org' }, 'routes[0]')).toThrow(message);
  });
});

describe.each<ActingMode>(['notify', 'stop', 'terminate'])('every message of the %s runbook', (mode) => {
  test('carries owner, team, accountId, region and action, so every route sees every message of its team', () => {
    const steps = publishes(remediationDocument({ checkFunctionName: 'fn', mode }));
    expect(steps.length).toBeGreaterThanOrEqual(2);
    for (const step of steps) {
      const attributes = step.inputs.MessageAttributes as Record<string, { DataType: string; StringValue: string }>;
      expect(Object.keys(attributes)).toEqual([...MESSAGE_ATTRIBUTE_NAMES]);
      expect(attributes.team.StringValue).toBe('{{ CheckInstance.Team }}');
      expect(Object.values(ACTION)).toContain(attributes.action.StringValue);
    }
  });
});
