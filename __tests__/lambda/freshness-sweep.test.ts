/**
 * A scheduled sweep with freshness on, against the AWS model (test-support/fake-aws.ts) through the real
 * SDK clients. moto cannot set an AMI's CreationDate or DeprecationTime (e2e/moto-gaps.ts), so the AMIs
 * of several ages are modelled here.
 */
import { handleConfigEvent } from '../../lambda/ami-compliance/handler';
import { AwsModel, imageId, instanceId } from '../../test-support/fake-aws';

const NOW = new Date('2026-06-15T00:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000 - 3_600_000).toISOString();

/**
 * Nine AMIs; AMI j is approved (Environment=Prod) when j % 3 == 0: AMI 0 (400 days old), AMI 3 (20 days)
 * and AMI 6 (5 days, deprecated yesterday), all of family golden-a. The others are not approved.
 */
const AGES = [400, 300, 300, 20, 10, 10, 5, 1, 1];
const NAMES = ['a', 'x', 'x', 'a', 'x', 'x', 'a', 'x', 'x'].map(
  (family, j) => `golden-${family}-${daysAgo(AGES[j]).slice(0, 10)}`,
);

function model() {
  return new AwsModel({
    instances: 30,
    images: 9,
    detail: 'lean',
    keepAnnotations: true,
    imageCreated: (j) => daysAgo(AGES[j]),
    imageDeprecated: (j) => (j === 6 ? daysAgo(1) : undefined),
    imageName: (j) => NAMES[j],
  });
}

const event = (params: Record<string, string>) => ({
  invokingEvent: JSON.stringify({ messageType: 'ScheduledNotification', notificationCreationTime: NOW.toISOString() }),
  ruleParameters: JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod', ...params }),
  resultToken: 'sweep',
});

describe('sweep with freshness', () => {
  test('each instance gets its verdict, and a stale one its replacement, reading the approved AMIs once', async () => {
    const m = model();
    const result = await handleConfigEvent(event({ maxImageAgeDays: '180' }), m.clients(), { now: NOW });
    expect(result.reported).toBe(30);
    // instance i runs AMI i % 9: AMI 0 is 400 days old, AMI 3 the newest fresh approved AMI of its family
    expect(m.annotations.get(instanceId(0))).toBe(
      `NON_COMPLIANT: AMI ${imageId(0)} (${NAMES[0]}) is 400 days old (max 180). Move to ${imageId(3)} (${NAMES[3]}, 20 days old).`,
    );
    expect(m.annotations.get(instanceId(3))).toMatch(/^COMPLIANT: /);
    // AMI 6 is deprecated: NON_COMPLIANT, and its replacement is AMI 3 (never itself, never a deprecated one)
    expect(m.annotations.get(instanceId(6))).toMatch(
      new RegExp(`^NON_COMPLIANT: AMI ${imageId(6)} .* was deprecated on .* Move to ${imageId(3)} `),
    );
    // the unapproved AMIs are judged as before
    expect(m.annotations.get(instanceId(1))).toMatch(/^NON_COMPLIANT: .*\(wrong case\)/);
    expect(m.taggedImageQueries).toBe(1);
  });

  test('with every approved AMI fresh, the approved AMIs are never read', async () => {
    const m = model();
    await handleConfigEvent(event({ maxImageAgeDays: '3650', deprecatedImages: 'ignore' }), m.clients(), { now: NOW });
    expect(m.annotations.get(instanceId(0))).toMatch(/^COMPLIANT: /);
    expect(m.taggedImageQueries).toBe(0);
  });
});
