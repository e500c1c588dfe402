import { simulate } from '../test-support/iam';
import { exampleConfig, onlyResource, resourcesOf, sharedSynth } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';
import {
  AutomationDocument,
  AutomationStep,
  CHECK_STEP,
  remediationDocument,
  SAFETY_STEP,
  STOP_STEP,
  TERMINATE_STEP,
} from '../modules/correct/remediation-document';

const { stacks } = sharedSynth(exampleConfig());
const off = stacks['image-pipeline']; // mode off
const notify = stacks['analytics-prod']; // mode notify, manual
const stop = stacks['payments-prod']; // mode stop, automatic

/** Automation actions documented in the SSM Automation actions reference. */
const AUTOMATION_ACTIONS = new Set([
  'aws:approve',
  'aws:assertAwsResourceProperty',
  'aws:branch',
  'aws:changeInstanceState',
  'aws:copyImage',
  'aws:createImage',
  'aws:createStack',
  'aws:createTags',
  'aws:deleteImage',
  'aws:deleteStack',
  'aws:executeAutomation',
  'aws:executeAwsApi',
  'aws:executeScript',
  'aws:executeStateMachine',
  'aws:invokeLambdaFunction',
  'aws:invokeWebhook',
  'aws:loop',
  'aws:pause',
  'aws:runCommand',
  'aws:runInstances',
  'aws:sleep',
  'aws:updateVariable',
  'aws:waitForAwsResourceProperty',
]);

function runbook(stack: TerraformJson): AutomationDocument {
  return JSON.parse(String(onlyResource(stack, 'aws_ssm_document').content));
}

/** Where a step can go next: nextStep, branch choices and default, onFailure targets, or the following step. */
function successors(doc: AutomationDocument, step: AutomationStep): string[] {
  if (step.isEnd) return [];
  const next: string[] = [];
  if (step.action === 'aws:branch') {
    const inputs = step.inputs as { Choices: { NextStep: string }[]; Default?: string };
    next.push(...inputs.Choices.map((c) => c.NextStep), ...(inputs.Default ? [inputs.Default] : []));
    return next;
  }
  if (step.onFailure?.startsWith('step:')) next.push(step.onFailure.slice(5));
  if (step.nextStep) next.push(step.nextStep);
  else {
    const i = doc.mainSteps.indexOf(step);
    if (doc.mainSteps[i + 1]) next.push(doc.mainSteps[i + 1].name);
  }
  return next;
}

/** Every path from the first step to a step with no successor. */
function paths(doc: AutomationDocument): string[][] {
  const byName = new Map(doc.mainSteps.map((s) => [s.name, s]));
  const out: string[][] = [];
  const walk = (name: string, path: string[]) => {
    expect(path).not.toContain(name); // no loops
    const step = byName.get(name)!;
    const next = successors(doc, step);
    if (next.length === 0) out.push([...path, name]);
    next.forEach((n) => walk(n, [...path, name]));
  };
  walk(doc.mainSteps[0].name, []);
  return out;
}

const isPublish = (s: AutomationStep) =>
  s.action === 'aws:executeAwsApi' && s.inputs.Service === 'sns' && s.inputs.Api === 'Publish';

describe('remediation modes', () => {
  test('off creates no remediation resources', () => {
    for (const type of ['aws_config_remediation_configuration', 'aws_ssm_document', 'aws_sns_topic']) {
      expect(resourcesOf(off, type)).toEqual([]);
    }
    expect(JSON.stringify(off)).not.toContain('ssm.amazonaws.com');
  });

  test('notify never references stopping an instance anywhere in the stack', () => {
    const text = JSON.stringify(notify);
    expect(text).not.toContain('ec2:StopInstances');
    expect(text).not.toContain('aws:changeInstanceState');
    expect(runbook(notify).parameters.Mode.allowedValues).toEqual(['notify']);
  });

  test('stop grants and uses ec2:StopInstances', () => {
    const text = JSON.stringify(stop);
    expect(text).toContain('ec2:StopInstances');
    expect(runbook(stop).mainSteps.map((s) => s.action)).toContain('aws:changeInstanceState');
  });

  test('notify is manual by default, stop is automatic where the account opted in', () => {
    expect(onlyResource(notify, 'aws_config_remediation_configuration').automatic).toBe(false);
    expect(onlyResource(stop, 'aws_config_remediation_configuration').automatic).toBe(true);
  });
});

describe('remediation wiring', () => {
  const remediation = onlyResource(stop, 'aws_config_remediation_configuration');

  test('maps the flagged resource ID to InstanceId and passes the rest statically', () => {
    expect(remediation.parameter).toEqual([
      { name: 'AutomationAssumeRole', static_value: expect.stringMatching(/^\$\{aws_iam_role\.remediation_role_.*\.arn\}$/) },
      { name: 'EscalateAfterHours', static_value: '72' },
      {
        name: 'EscalationTopicArn',
        static_value: expect.stringMatching(/^\$\{aws_sns_topic\.remediation_escalation-topic_.*\.arn\}$/),
      },
      { name: 'InstanceId', resource_value: 'RESOURCE_ID' },
      { name: 'Mode', static_value: 'stop' },
      { name: 'TopicArn', static_value: expect.stringMatching(/^\$\{aws_sns_topic\.remediation_topic_.*\.arn\}$/) },
    ]);
    expect(Object.keys(runbook(stop).parameters).sort()).toEqual([
      'AutomationAssumeRole',
      'EscalateAfterHours',
      'EscalationTopicArn',
      'InstanceId',
      'Mode',
      'TopicArn',
    ]);
  });

  test('targets the runbook on the AMI rule with AWS defaults for retries and the configured execution controls', () => {
    expect(remediation).toMatchObject({
      config_rule_name: expect.stringMatching(/^\$\{aws_config_config_rule\..*\.name\}$/),
      resource_type: 'AWS::EC2::Instance',
      target_type: 'SSM_DOCUMENT',
      target_id: expect.stringMatching(/^\$\{aws_ssm_document\..*\.name\}$/),
      maximum_automatic_attempts: 5,
      retry_attempt_seconds: 60,
      execution_controls: { ssm_controls: { concurrent_execution_rate_percentage: 10, error_percentage: 10 } },
    });
  });

  test('creates an encrypted findings topic; the plain subscriptions receive everything (no filter)', () => {
    const topics = resourcesOf(stop, 'aws_sns_topic');
    expect(topics.map((t) => [t.name, t.kms_master_key_id]).sort()).toEqual([
      ['ami-guard-escalation', 'alias/aws/sns'],
      ['ami-guard-remediation', 'alias/aws/sns'],
    ]);
    const plain = resourcesOf(stop, 'aws_sns_topic_subscription').filter((s) => s.filter_policy === undefined);
    expect(plain).toEqual([expect.objectContaining({ protocol: 'email', endpoint: 'cloud-security@example.org' })]);
  });

  test('lets only the automation role and the account publish to the topic', async () => {
    for (const name of ['ami-guard-remediation', 'ami-guard-escalation']) {
      const topic = `arn:aws:sns:eu-west-1:222222222222:${name}`;
      const policy = JSON.parse(
        String(resourcesOf(stop, 'aws_sns_topic_policy').find((p) => String(p.policy).includes(`"${topic}"`))!.policy),
      );
      const publish = (principal: string) =>
        simulate({ policies: [], principal, resourcePolicy: policy, action: 'sns:Publish', resource: topic });
      await expect(publish('arn:aws:iam::222222222222:role/ami-guard/ami-guard-remediation-eu-west-1')).resolves.toBe('Allowed');
      await expect(publish('arn:aws:iam::999999999999:role/attacker')).resolves.not.toBe('Allowed');
    }
  });
});

describe('automation runbook', () => {
  describe.each([
    ['notify', runbook(notify)],
    ['stop', runbook(stop)],
  ])('(%s)', (_mode, doc) => {
    test('is schema 0.3, runs as the given role, and uses only real Automation actions', () => {
      expect(doc.schemaVersion).toBe('0.3');
      expect(doc.assumeRole).toBe('{{ AutomationAssumeRole }}');
      for (const step of doc.mainSteps) expect(AUTOMATION_ACTIONS).toContain(step.action);
    });

    test('names steps uniquely and every branch, next and failure target exists', () => {
      const names = doc.mainSteps.map((s) => s.name);
      expect(new Set(names).size).toBe(names.length);
      for (const step of doc.mainSteps) for (const target of successors(doc, step)) expect(names).toContain(target);
    });

    test('starts with the fresh check, and every outcome publishes a message, except waiting for the deadline', () => {
      const all = paths(doc);
      expect(all.length).toBeGreaterThanOrEqual(2);
      for (const path of all) {
        expect(path[0]).toBe(CHECK_STEP);
        if (path.at(-1) === 'RestoreDeadline') continue;
        expect(path.some((name) => isPublish(doc.mainSteps.find((s) => s.name === name)!))).toBe(true);
      }
    });

    test('fits in an SSM document (64 KB)', () => {
      expect(JSON.stringify(doc, null, 2).length).toBeLessThan(64 * 1024);
    });

    test('fails without acting when the check fails', () => {
      expect(doc.mainSteps[0].onFailure).toBe('Abort');
    });
  });

  test.each([
    ['stop', STOP_STEP, 'stopped'],
    ['terminate', TERMINATE_STEP, 'terminated'],
  ] as const)(
    '%s: acts only through the act phase in its own mode, then the safety check, and announces it first',
    (mode, actionStep, state) => {
      const doc = remediationDocument({ checkFunctionName: 'fn', mode });
      const action = doc.mainSteps.find((s) => s.name === actionStep)!;
      expect(action.inputs).toEqual({ InstanceIds: ['{{ InstanceId }}'], DesiredState: state });
      const toAct = paths(doc).filter((p) => p.includes(actionStep));
      expect(toAct.length).toBeGreaterThan(0);
      for (const path of toAct) {
        const decide = doc.mainSteps.find((s) => s.name === path[1])!;
        type Choice = { NextStep: string; And?: unknown[] };
        const choice = (decide.inputs.Choices as Choice[]).find((c) => c.NextStep === path[2]);
        expect(choice?.And?.slice(0, 2)).toEqual([
          { Variable: '{{ CheckInstance.Phase }}', StringEquals: 'act' },
          { Variable: '{{ Mode }}', StringEquals: mode },
        ]);
        // Past the escalation threshold, the escalation goes first; the safety check comes next either way.
        const safety = path[2] === 'EscalateOverdue' ? 3 : 2;
        expect(path[safety]).toBe(SAFETY_STEP);
        const gate = doc.mainSteps.find((s) => s.name === path[safety + 1])!;
        expect(gate.inputs.Choices).toEqual([
          { NextStep: 'MarkBeforeAction', Variable: '{{ CheckSafety.Blocked }}', StringEquals: 'no' },
        ]);
        expect(path.indexOf('NotifyActing')).toBeLessThan(path.indexOf(actionStep));
      }
    },
  );

  test('notify mode has no step that changes an instance', () => {
    const doc = remediationDocument({ checkFunctionName: 'fn', mode: 'notify' });
    const changing = doc.mainSteps.filter(
      (s) => s.action === 'aws:changeInstanceState' || (s.action === 'aws:executeAwsApi' && s.inputs.Service === 'ec2'),
    );
    expect(changing).toEqual([]);
  });

  test('reads the verdict field from the check step output', () => {
    const doc = remediationDocument({ checkFunctionName: 'ami-guard-ami-compliance', mode: 'notify' });
    expect(doc.mainSteps[0].outputs).toContainEqual({ Name: 'Verdict', Selector: '$.Payload.verdict', Type: 'String' });
    expect((doc.mainSteps[0].inputs.InputPayload as Record<string, string>).FunctionName).toBe('ami-guard-ami-compliance');
  });
});

describe('automation role (least privilege)', () => {
  const role = resourcesOf(stop, 'aws_iam_role').find((r) => String(r.name).startsWith('ami-guard-remediation'))!;
  const policy = JSON.parse(String(resourcesOf(stop, 'aws_iam_role_policy').find((p) => p.name === 'remediation')!.policy));
  const can = (action: string, resource: string) => simulate({ policies: [policy], action, resource });

  test('is assumable only by SSM on behalf of this account', () => {
    const trust = JSON.parse(String(role.assume_role_policy));
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'ssm.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '222222222222' } },
      }),
    ]);
  });

  test.each([
    ['lambda:InvokeFunction', 'arn:aws:lambda:eu-west-1:222222222222:function:ami-guard-ami-compliance'],
    ['ec2:DescribeInstances', '*'],
    ['sns:Publish', 'arn:aws:sns:eu-west-1:222222222222:ami-guard-remediation'],
  ])('allows %s on %s', async (action, resource) => {
    await expect(can(action, resource)).resolves.toBe('Allowed');
  });

  test('stops only instances of this account that carry the deadline tag', async () => {
    const instance = 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0';
    const marked = { 'aws:ResourceTag/AmiGuardDeadline': '2026-06-16T12:00Z' };
    await expect(
      simulate({ policies: [policy], action: 'ec2:StopInstances', resource: instance, context: marked }),
    ).resolves.toBe('Allowed');
    await expect(simulate({ policies: [policy], action: 'ec2:StopInstances', resource: instance })).resolves.not.toBe('Allowed');
  });

  test.each([
    ['ec2:StopInstances', 'arn:aws:ec2:eu-west-1:999999999999:instance/i-0123456789abcdef0'],
    ['sns:Publish', 'arn:aws:sns:eu-west-1:222222222222:other-topic'],
    ['lambda:InvokeFunction', 'arn:aws:lambda:eu-west-1:222222222222:function:other-function'],
    ['ec2:TerminateInstances', 'arn:aws:ec2:eu-west-1:222222222222:instance/i-0123456789abcdef0'],
  ])('does not allow %s on %s', async (action, resource) => {
    await expect(can(action, resource)).resolves.not.toBe('Allowed');
  });
});
