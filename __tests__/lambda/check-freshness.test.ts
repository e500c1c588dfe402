import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type DescribeImagesCommandInput,
  type Image,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { runCheck } from '../../lambda/ami-compliance/check';
import { DEADLINE_TAG_KEY, RULE_PARAMETERS_ENV } from '../../lambda/ami-compliance/contract';
import { buildNotice } from '../../lambda/ami-compliance/notice';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { awsError, clientsWith, ec2Image, ec2Instance, mockedClients } from './fixtures/aws-fakes';

const ID = 'i-0123456789abcdef0';
const OLD = 'ami-0aaaaaaaaaaaaaaa1';
const NEW = 'ami-0bbbbbbbbbbbbbbb2';
const NOW = new Date('2026-06-15T12:00:00Z');
const PIPELINE = '111111111111';

function image(id: string, created: string, extra: Partial<Image> = {}): Image {
  return {
    ...ec2Image(id, PIPELINE, { Environment: 'Prod' }),
    Name: `golden-al2023-${created}`,
    CreationDate: `${created}T09:00:00.000Z`,
    Architecture: 'x86_64',
    PlatformDetails: 'Linux/UNIX',
    VirtualizationType: 'hvm',
    ...extra,
  };
}

/** EC2 with the instance on OLD (created 2025-11-01, 226 days before NOW) and NEW approved by tag. */
function fleet(tags: Record<string, string> = { Owner: 'alice@example.org', Team: 'payments' }) {
  const m = mockedClients();
  m.cloudTrailMock.on(LookupEventsCommand).resolves({ Events: [] });
  m.autoScalingMock.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
  m.ec2Mock.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [ec2Instance(ID, OLD, tags, 'running')] }] });
  // The notice record (only the runbook writes it) holds the deadline the tag shows, when there is one.
  const deadline = tags[DEADLINE_TAG_KEY];
  if (deadline) m.ssmMock.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ deadline }) } });
  else m.ssmMock.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
  const all = [image(OLD, '2025-11-01'), image(NEW, '2026-06-01')];
  m.ec2Mock.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => ({
    Images: input.ImageIds ? all.filter((i) => input.ImageIds!.includes(i.ImageId!)) : all,
  }));
  return m;
}

const envWith = (extra: Record<string, string>) => ({
  [RULE_PARAMETERS_ENV]: JSON.stringify({
    tagKey: 'Environment',
    tagValues: 'Prod',
    maxImageAgeDays: '180',
    ownerTagKeys: 'Owner,Team',
    ...extra,
  }),
  AWS_REGION: 'eu-west-1',
});
const stop = { amiGuardCheck: { instanceId: ID, mode: 'stop', graceHours: 24 } } as const;

describe('check mode: stale AMIs', () => {
  test('stale + stop mode: REMEDIATE with the notify phase and no deadline (the runbook notifies, never stops)', async () => {
    const m = fleet();
    const result = await runCheck(stop, clientsWith(m), envWith({}), NOW);
    expect(result).toMatchObject({
      compliance: 'NON_COMPLIANT',
      verdict: 'REMEDIATE',
      finding: 'stale',
      phase: 'notify',
      deadline: null,
      replacement: `${NEW} (golden-al2023-2026-06-01)`,
    });
    expect(result.reason).toContain(`Move to ${NEW} (golden-al2023-2026-06-01, 14 days old).`);
    // The approved images were read with the tag filter, once
    const tagged = m.ec2Mock
      .commandCalls(DescribeImagesCommand)
      .filter((c) => c.args[0].input.Filters?.[0]?.Name === 'tag:Environment');
    expect(tagged).toHaveLength(1);
  });

  test('stale + stop mode + enforceFreshness: a notice with a deadline, then the action once it has passed', async () => {
    const first = await runCheck(stop, clientsWith(fleet()), envWith({ enforceFreshness: 'true' }), NOW);
    expect(first).toMatchObject({ finding: 'stale', phase: 'notice', deadline: '2026-06-16T12:00Z' });
    const later = fleet({ Owner: 'alice@example.org', [DEADLINE_TAG_KEY]: '2026-06-16T12:00Z' });
    const after = await runCheck(
      stop,
      clientsWith(later),
      envWith({ enforceFreshness: 'true' }),
      new Date('2026-06-16T12:01:00Z'),
    );
    expect(after).toMatchObject({ finding: 'stale', phase: 'act', deadline: '2026-06-16T12:00Z' });
  });

  test('an unapproved AMI in stop mode still gets its deadline: enforceFreshness concerns stale findings only', async () => {
    const m = fleet();
    m.ec2Mock.on(DescribeImagesCommand).resolves({ Images: [{ ...image(OLD, '2026-06-01'), Tags: [] }] });
    const result = await runCheck(stop, clientsWith(m), envWith({}), NOW);
    expect(result).toMatchObject({ finding: 'unapproved', phase: 'notice' });
  });

  test('the check carries the notice, in plain text and as a Chatbot custom notification', async () => {
    const result = await runCheck(stop, clientsWith(fleet()), envWith({}), NOW);
    expect(result.subject).toBe(`AMI Guard: ${ID} runs a stale AMI`);
    expect(result.notice).toContain(`AMI Guard: ${ID} runs a stale AMI`);
    expect(result.notice).toContain('Owner: alice@example.org (team payments)');
    expect(result.notice).toContain(`Move to ${NEW} (golden-al2023-2026-06-01, 14 days old).`);
    expect(result.notice).toContain('remediation.enforceFreshness is off');
    const chat = JSON.parse(result.chatNotice) as unknown;
    expect(chatbotCustomNotification.safeParse(chat).success).toBe(true);
    // One SNS message: text by default and for email, the Chatbot JSON for HTTPS (Chatbot's) subscribers
    const message = JSON.parse(result.snsMessage) as Record<string, string>;
    expect(message).toEqual({ default: result.notice, email: result.notice, https: result.chatNotice });
  });
});

/**
 * The AWS Chatbot (Amazon Q Developer in chat applications) custom notification schema, written out from
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html ("Event schema"): version and
 * source are required, source is "custom", content needs a title and a description; nextSteps and
 * keywords are lists of strings; no other keys at the top or in content.
 */
const chatbotCustomNotification = z.strictObject({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.string().optional(),
  content: z.strictObject({
    textType: z.literal('client-markdown').optional(),
    title: z.string().min(1),
    description: z.string().min(1),
    nextSteps: z.array(z.string().min(1)).optional(),
    keywords: z.array(z.string().min(1)).optional(),
  }),
  metadata: z
    .strictObject({
      threadId: z.string().optional(),
      summary: z.string().optional(),
      eventType: z.string().optional(),
      relatedResources: z.array(z.string()).optional(),
      additionalContext: z.record(z.string(), z.string()).optional(),
      enableCustomActions: z.boolean().optional(),
    })
    .optional(),
});

describe('the notice', () => {
  const base = {
    instanceId: ID,
    imageId: OLD,
    reason: `AMI ${OLD} (golden-al2023-2025-11-01) is 226 days old (max 180). Move to ${NEW} (golden-al2023-2026-06-01, 14 days old).`,
    owner: 'alice@example.org',
    team: 'payments',
    fix: 'Relaunch it from an approved AMI.',
    autoScaling: null,
    region: 'eu-west-1',
  } as const;

  test.each([
    ['unapproved', 'notice', 'stop', '2026-06-16T12:00Z'],
    ['stale', 'notify', 'stop', null],
    ['deprecated', 'notify', 'notify', null],
    ['unknown-image', 'act', 'terminate', '2026-06-16T12:00Z'],
  ] as const)('a %s finding (%s, %s mode) is valid against the custom notification schema', (finding, phase, mode, deadline) => {
    const notice = buildNotice({ ...base, finding, phase, mode, deadline });
    const parsed = chatbotCustomNotification.safeParse(JSON.parse(JSON.stringify(notice.chat)));
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(notice.subject.length).toBeLessThanOrEqual(100);
    expect(notice.chat.content.title).toBe(notice.subject);
  });

  test('the deadline and what happens after it are stated; the replacement comes with its launch-template hint', () => {
    const withDeadline = buildNotice({
      ...base,
      finding: 'unapproved',
      phase: 'notice',
      mode: 'stop',
      deadline: '2026-06-16T12:00Z',
    });
    expect(withDeadline.text).toContain('Deadline: 2026-06-16T12:00Z UTC. After it, AMI Guard will stop the instance');
    const stale = buildNotice({
      ...base,
      finding: 'stale',
      phase: 'notify',
      mode: 'stop',
      deadline: null,
      replacement: { imageId: NEW, name: 'golden-al2023-2026-06-01', ageDays: 14 },
    });
    expect(stale.chat.content.nextSteps[0]).toBe(`Move to ${NEW} (golden-al2023-2026-06-01, 14 days old).`);
    expect(stale.chat.content.nextSteps[1]).toContain(`"ImageId": "${NEW}"`);
    const group = buildNotice({
      ...base,
      finding: 'stale',
      phase: 'notify',
      mode: 'notify',
      deadline: null,
      autoScaling: 'group web, launch template web (lt-0123) version 7',
      replacement: { imageId: NEW, ageDays: 14 },
    });
    expect(group.chat.content.nextSteps[1]).toContain('Auto Scaling group web, launch template web (lt-0123) version 7');
    expect(group.chat.content.nextSteps[1]).toContain('instance refresh');
  });
});
