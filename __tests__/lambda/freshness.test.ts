import type { RuleParameters } from '../../lambda/ami-compliance/contract';
import { evaluateInstance, isApprovedImage, type ImageFacts, type InstanceFacts } from '../../lambda/ami-compliance/evaluate';
import { ApprovedImages, imageFamily } from '../../lambda/ami-compliance/freshness';

const NOW = new Date('2026-06-15T12:00:00Z');
const PIPELINE = '111111111111';
const params: RuleParameters = { tagKey: 'Environment', tagValues: ['Prod'], trustedOwners: [PIPELINE], maxImageAgeDays: 180 };
const instance: InstanceFacts = {
  instanceId: 'i-0123456789abcdef0',
  imageId: 'ami-0aaaaaaaaaaaaaaa1',
  state: 'running',
  tags: {},
};

/** An approved golden image created `days` days (and an hour) before NOW. */
function golden(id: string, days: number, extra: Partial<ImageFacts> = {}): ImageFacts {
  const created = new Date(NOW.getTime() - days * 86_400_000 - 3_600_000);
  return {
    imageId: id,
    ownerId: PIPELINE,
    tags: { Environment: 'Prod' },
    name: `golden-al2023-${created.toISOString().slice(0, 10)}`,
    creationDate: created.toISOString(),
    architecture: 'x86_64',
    platform: 'Linux/UNIX',
    virtualizationType: 'hvm',
    ...extra,
  };
}

function judge(image: ImageFacts, pool: readonly ImageFacts[] = [], p: RuleParameters = params) {
  const approvedImages = new ApprovedImages(pool, (i) => isApprovedImage(i as ImageFacts, p), p, NOW);
  return evaluateInstance({ ...instance, imageId: image.imageId }, image, p, { now: NOW, approvedImages });
}

describe('freshness verdict', () => {
  test('an approved AMI exactly at the age limit is COMPLIANT', () => {
    expect(judge(golden('ami-0aaaaaaaaaaaaaaa1', 180))).toMatchObject({ complianceType: 'COMPLIANT' });
  });

  test('one day over the limit is NON_COMPLIANT, stale, and names the newest approved AMI of its family', () => {
    const current = golden('ami-0aaaaaaaaaaaaaaa1', 181);
    const newer = golden('ami-0bbbbbbbbbbbbbbb2', 14);
    const older = golden('ami-0ccccccccccccccc3', 60);
    const verdict = judge(current, [current, older, newer]);
    expect(verdict).toMatchObject({
      complianceType: 'NON_COMPLIANT',
      reason: 'stale',
      replacement: { imageId: newer.imageId, ageDays: 14 },
    });
    expect(verdict.annotation).toBe(
      `AMI ami-0aaaaaaaaaaaaaaa1 (${current.name}) is 181 days old (max 180). Move to ami-0bbbbbbbbbbbbbbb2 (${newer.name}, 14 days old).`,
    );
    expect(verdict.annotation.length).toBeLessThanOrEqual(256);
  });

  test("without an age limit, an old approved AMI stays COMPLIANT (today's verdicts do not change)", () => {
    expect(judge(golden('ami-0aaaaaaaaaaaaaaa1', 900), [], { ...params, maxImageAgeDays: undefined })).toMatchObject({
      complianceType: 'COMPLIANT',
    });
  });

  test('deprecated in the past is NON_COMPLIANT (deprecated); in the future it is not; "ignore" ignores it', () => {
    const past = golden('ami-0aaaaaaaaaaaaaaa1', 10, { deprecationTime: '2026-06-01T00:00:00.000Z' });
    const verdict = judge(past);
    expect(verdict).toMatchObject({ complianceType: 'NON_COMPLIANT', reason: 'deprecated' });
    expect(verdict.annotation).toContain('was deprecated on 2026-06-01');
    const future = golden('ami-0aaaaaaaaaaaaaaa1', 10, { deprecationTime: '2026-07-01T00:00:00.000Z' });
    expect(judge(future)).toMatchObject({ complianceType: 'COMPLIANT' });
    expect(judge(past, [], { ...params, deprecatedImages: 'ignore' })).toMatchObject({ complianceType: 'COMPLIANT' });
  });

  test('no CreationDate: the age cannot be proven, so NON_COMPLIANT', () => {
    const verdict = judge(golden('ami-0aaaaaaaaaaaaaaa1', 1, { creationDate: undefined }));
    expect(verdict).toMatchObject({ complianceType: 'NON_COMPLIANT', reason: 'stale' });
    expect(verdict.annotation).toContain('has no CreationDate');
  });

  test.each(['yesterday', '2026-13-45T00:00:00Z', '', 'NaN', '1e12'])(
    'an unparseable CreationDate %j is never COMPLIANT',
    (date) => {
      const verdict = judge(golden('ami-0aaaaaaaaaaaaaaa1', 1, { creationDate: date }));
      expect(verdict.complianceType).toBe('NON_COMPLIANT');
      expect(verdict.annotation).toContain('unreadable CreationDate');
    },
  );

  test('a family with no replacement: the annotation says so and names the family', () => {
    const current = golden('ami-0aaaaaaaaaaaaaaa1', 200);
    const otherFamily = { ...golden('ami-0bbbbbbbbbbbbbbb2', 3), name: 'golden-ubuntu-2026-06-12' };
    const verdict = judge(current, [current, otherFamily]);
    expect(verdict.replacement).toBeUndefined();
    expect(verdict.annotation).toContain('No fresh approved AMI of family "golden-al2023" for x86_64 Linux/UNIX');
  });

  test('a replacement of another architecture, platform or virtualization is never offered', () => {
    const current = golden('ami-0aaaaaaaaaaaaaaa1', 200);
    const pool = [
      golden('ami-0bbbbbbbbbbbbbbb2', 3, { architecture: 'arm64' }),
      golden('ami-0ccccccccccccccc3', 4, { platform: 'Windows' }),
      golden('ami-0ddddddddddddddd4', 5, { virtualizationType: 'paravirtual' }),
    ];
    expect(judge(current, pool).replacement).toBeUndefined();
    const sameKind = golden('ami-0eeeeeeeeeeeeeee5', 30);
    expect(judge(current, [...pool, sameKind]).replacement?.imageId).toBe(sameKind.imageId);
  });

  test('a replacement must be approved and fresh itself', () => {
    const current = golden('ami-0aaaaaaaaaaaaaaa1', 200);
    const unapproved = golden('ami-0bbbbbbbbbbbbbbb2', 3, { tags: { Environment: 'prod' } });
    const untrusted = golden('ami-0ccccccccccccccc3', 4, { ownerId: '999999999999' });
    const alsoStale = golden('ami-0ddddddddddddddd4', 190);
    const deprecated = golden('ami-0eeeeeeeeeeeeeee5', 2, { deprecationTime: '2026-06-14T00:00:00Z' });
    expect(judge(current, [unapproved, untrusted, alsoStale, deprecated]).replacement).toBeUndefined();
  });

  test('with familyTagKey, the family is the tag: an AMI without it has no family', () => {
    const p = { ...params, familyTagKey: 'ImageFamily' };
    const current = golden('ami-0aaaaaaaaaaaaaaa1', 200, { tags: { Environment: 'Prod', ImageFamily: 'web' }, name: 'x-1' });
    const sameTag = golden('ami-0bbbbbbbbbbbbbbb2', 3, { tags: { Environment: 'Prod', ImageFamily: 'web' }, name: 'y-2' });
    const sameName = golden('ami-0ccccccccccccccc3', 1, { tags: { Environment: 'Prod' } });
    expect(judge(current, [sameName, sameTag], p).replacement?.imageId).toBe(sameTag.imageId);
    const untagged = golden('ami-0ddddddddddddddd4', 200);
    expect(judge(untagged, [sameName, sameTag], p).annotation).toContain('the AMI has no tag ImageFamily');
  });

  test('a valid exception still covers a stale AMI; an unapproved AMI is "unapproved", a missing one "unknown-image"', () => {
    const stale = golden('ami-0aaaaaaaaaaaaaaa1', 400);
    const p = { ...params, exceptionTagKey: 'AmiGuardException' };
    const excepted = evaluateInstance({ ...instance, tags: { AmiGuardException: 'CHG-1 until 2026-07-01' } }, stale, p, {
      now: NOW,
    });
    expect(excepted.complianceType).toBe('COMPLIANT');
    expect(judge(golden('ami-0aaaaaaaaaaaaaaa1', 1, { tags: {} })).reason).toBe('unapproved');
    expect(evaluateInstance(instance, undefined, params, { now: NOW }).reason).toBe('unknown-image');
  });

  test('without the approved images, a stale AMI is still NON_COMPLIANT and the fix names the family', () => {
    const verdict = evaluateInstance(instance, golden(instance.imageId, 300), params, { now: NOW });
    expect(verdict.complianceType).toBe('NON_COMPLIANT');
    expect(verdict.annotation).toContain('Move to a current approved AMI of family "golden-al2023".');
  });

  test('long names keep the annotation within 256 characters, the replacement still named', () => {
    const long = 'a'.repeat(120);
    const current = golden('ami-0aaaaaaaaaaaaaaa1', 400, { name: `${long}-2025-01-01` });
    const newer = golden('ami-0bbbbbbbbbbbbbbb2', 1, { name: `${long}-2026-06-14` });
    const verdict = judge(current, [newer]);
    expect(verdict.annotation.length).toBeLessThanOrEqual(256);
    expect(verdict.annotation).toContain('Move to ami-0bbbbbbbbbbbbbbb2');
  });
});

describe('the family rule', () => {
  test.each([
    ['al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64', 'al2023-ami-kernel-6.1-x86_64'],
    ['al2023-ami-2023.6.20241121.0-kernel-6.12-arm64', 'al2023-ami-kernel-6.12-arm64'],
    ['amzn2-ami-kernel-5.10-hvm-2.0.20241113.1-x86_64-gp2', 'amzn2-ami-kernel-5.10-hvm-x86_64-gp2'],
    [
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119',
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server',
    ],
    ['Windows_Server-2022-English-Full-Base-2024.11.13', 'Windows_Server-2022-English-Full-Base'],
    ['golden-al2023-2026-03-02', 'golden-al2023'],
    ['golden-al2023-2026-03-02T1030Z', 'golden-al2023'],
    ['web-base-v1.4.2', 'web-base'],
    ['web-base-v12', 'web-base'],
    ['web-base-1.4.2', 'web-base'],
    ['ubuntu-24.04-20241119', 'ubuntu-24.04'],
    ['packer-1732012345', 'packer'],
  ])('%s is of family %s', (name, family) => {
    expect(imageFamily(name)).toBe(family);
  });

  test('two releases of each real-world family share it; different kernels and architectures do not', () => {
    expect(imageFamily('al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64')).toBe(
      imageFamily('al2023-ami-2023.7.20250512.0-kernel-6.1-x86_64'),
    );
    expect(imageFamily('Windows_Server-2022-English-Full-Base-2024.11.13')).toBe(
      imageFamily('Windows_Server-2022-English-Full-Base-2025.01.15'),
    );
    expect(imageFamily('al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64')).not.toBe(
      imageFamily('al2023-ami-2023.6.20241121.0-kernel-6.12-x86_64'),
    );
    expect(imageFamily('ubuntu-noble-24.04-amd64-server-20241119')).not.toBe(
      imageFamily('ubuntu-noble-24.04-arm64-server-20241119'),
    );
  });

  test('a name that is only a release has no family', () => {
    expect(imageFamily('2026-03-02')).toBeUndefined();
    expect(imageFamily('20260302')).toBeUndefined();
  });
});
