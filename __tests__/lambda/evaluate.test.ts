import {
  evaluateInstance,
  MAX_ANNOTATION,
  triageConfigurationItem,
  truncateAnnotation,
  type ImageFacts,
  type InstanceFacts,
} from '../../lambda/ami-compliance/evaluate';
import type { RuleParameters } from '../../lambda/ami-compliance/params';
import changeEvent from './fixtures/instance-change.invoking-event.json';
import deletedEvent from './fixtures/instance-deleted.invoking-event.json';

const PIPELINE = '111111111111';
const params: RuleParameters = {
  tagKey: 'Environment',
  tagValues: ['Prod', 'Staging'],
  exceptionTagKey: 'AmiGuardException',
};
const now = new Date('2026-06-15T12:00:00Z');
const instance = (tags: Record<string, string> = {}, state = 'running'): InstanceFacts => ({
  instanceId: 'i-0123456789abcdef0',
  imageId: 'ami-0aaaaaaaaaaaaaaa1',
  state,
  tags,
});
const image = (tags: Record<string, string>, ownerId = PIPELINE, ownerAlias?: string): ImageFacts => ({
  imageId: 'ami-0aaaaaaaaaaaaaaa1',
  ownerId,
  ownerAlias,
  tags,
});

describe('evaluateInstance: the approval tag', () => {
  test('an AMI tagged with an approved value is COMPLIANT', () => {
    // GIVEN an AMI tagged Environment=Prod
    // WHEN the instance launched from it is evaluated
    const v = evaluateInstance(instance(), image({ Environment: 'Prod' }), params, { now });
    // THEN it is compliant and the annotation says why
    expect(v).toEqual({
      complianceType: 'COMPLIANT',
      annotation: 'AMI ami-0aaaaaaaaaaaaaaa1 (owner 111111111111) is approved: Environment="Prod".',
    });
  });

  test('the approved value in the wrong case is NON_COMPLIANT and the annotation names the value found', () => {
    // GIVEN an AMI tagged Environment=prod (lowercase), approved values are case-sensitive
    const v = evaluateInstance(instance(), image({ Environment: 'prod' }), params, { now });
    // THEN it is non-compliant, naming what was found and what was expected
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain('has Environment="prod" (wrong case)');
    expect(v.annotation).toMatch(/Fix: AMI tag Environment="Prod" or "Staging"\.$/);
  });

  test('an unapproved value is NON_COMPLIANT without a wrong-case hint', () => {
    const v = evaluateInstance(instance(), image({ Environment: 'Dev' }), params, { now });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain('has Environment="Dev".');
    expect(v.annotation).not.toContain('wrong case');
  });

  test('an AMI without the tag is NON_COMPLIANT', () => {
    const v = evaluateInstance(instance(), image({ Name: 'golden' }), params, { now });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toBe(
      'AMI ami-0aaaaaaaaaaaaaaa1 (owner 111111111111) has no tag Environment. Fix: AMI tag Environment="Prod" or "Staging".',
    );
  });

  test('a tag key in the wrong case does not count, and the annotation says the key case differs', () => {
    const v = evaluateInstance(instance(), image({ environment: 'Prod' }), params, { now });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain('has "environment"="Prod" (tag key case differs) but no Environment');
  });

  test('an AMI that cannot be found is NON_COMPLIANT, never skipped', () => {
    // GIVEN the AMI is deregistered or not shared (DescribeImages did not return it)
    const v = evaluateInstance(instance(), undefined, { ...params, approvedImageIdsParameter: '/ami-guard/ids' }, { now });
    // THEN the instance is non-compliant and the annotation offers both fixes
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toBe(
      'AMI ami-0aaaaaaaaaaaaaaa1 not found (deregistered, or not shared with this account). ' +
        'Fix: AMI tag Environment="Prod" or "Staging", or list the ID in /ami-guard/ids.',
    );
  });
});

describe('evaluateInstance: trusted owners', () => {
  const trusted: RuleParameters = { ...params, trustedOwners: [PIPELINE, 'amazon'] };

  test('an approved tag on an AMI of an untrusted owner is NON_COMPLIANT naming the owner', () => {
    // GIVEN anyone can tag their own AMI Environment=Prod and share it
    const v = evaluateInstance(instance(), image({ Environment: 'Prod' }, '999999999999'), trusted, { now });
    // THEN the owner check rejects it
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toMatch(
      /^AMI ami-0aaaaaaaaaaaaaaa1 \(owner 999999999999\) owner not trusted \(trusted: 111111111111, amazon\)\./,
    );
  });

  test('an approved tag on an AMI of a trusted account is COMPLIANT', () => {
    const v = evaluateInstance(instance(), image({ Environment: 'Prod' }), trusted, { now });
    expect(v.complianceType).toBe('COMPLIANT');
  });

  test('the alias amazon trusts images whose ImageOwnerAlias is amazon', () => {
    const v = evaluateInstance(instance(), image({ Environment: 'Prod' }, '137112412989', 'amazon'), trusted, { now });
    expect(v.complianceType).toBe('COMPLIANT');
    expect(v.annotation).toContain('owner 137112412989/amazon');
  });

  test('the alias amazon does not trust aws-marketplace images', () => {
    const v = evaluateInstance(instance(), image({ Environment: 'Prod' }, '679593333241', 'aws-marketplace'), trusted, {
      now,
    });
    expect(v.complianceType).toBe('NON_COMPLIANT');
  });

  test('a missing tag and an untrusted owner are both reported', () => {
    const v = evaluateInstance(instance(), image({}, '999999999999'), trusted, { now });
    expect(v.annotation).toMatch(/\(owner 999999999999\) has no tag Environment; owner not trusted/);
  });
});

describe('evaluateInstance: the approved-ID list', () => {
  test('an AMI ID in the list is COMPLIANT even with no visible tags (shared from another account)', () => {
    // GIVEN a golden AMI shared from the pipeline account: its tags are invisible here
    const withList = { ...params, approvedImageIdsParameter: '/ami-guard/approved-image-ids' };
    const v = evaluateInstance(instance(), image({}, PIPELINE), withList, {
      now,
      approvedImageIds: new Set(['ami-0aaaaaaaaaaaaaaa1']),
    });
    // THEN the ID list approves it
    expect(v).toEqual({
      complianceType: 'COMPLIANT',
      annotation: 'AMI ami-0aaaaaaaaaaaaaaa1 is in the approved-ID list /ami-guard/approved-image-ids.',
    });
  });

  test('an AMI ID in the list is COMPLIANT even when DescribeImages no longer finds it', () => {
    const v = evaluateInstance(instance(), undefined, params, {
      now,
      approvedImageIds: new Set(['ami-0aaaaaaaaaaaaaaa1']),
    });
    expect(v.complianceType).toBe('COMPLIANT');
  });

  test('a list that does not hold the ID changes nothing', () => {
    const v = evaluateInstance(instance(), image({}), params, {
      now,
      approvedImageIds: new Set(['ami-0bbbbbbbbbbbbbbb2']),
    });
    expect(v.complianceType).toBe('NON_COMPLIANT');
  });
});

describe('evaluateInstance: exception tag', () => {
  test('a valid exception 30 days out makes an unapproved AMI COMPLIANT; the annotation has the ticket and the date', () => {
    // GIVEN an instance on an untagged AMI with an exception until 30 days from now
    const v = evaluateInstance(instance({ AmiGuardException: 'CHG-1234 until 2026-07-15' }), image({}), params, {
      now,
    });
    // THEN it is compliant, and the annotation says by which ticket, until when, and what is wrong
    expect(v.complianceType).toBe('COMPLIANT');
    expect(v.annotation).toMatch(/^Exception CHG-1234 \(tag AmiGuardException\) valid until 2026-07-15 23:59:59 UTC;/);
    expect(v.annotation).toContain('; without it: AMI ami-0aaaaaaaaaaaaaaa1 (owner 111111111111) has no tag Environment.');
  });

  test('an exception also covers an AMI that was not found', () => {
    const v = evaluateInstance(instance({ AmiGuardException: 'CHG-1 until 2026-06-15' }), undefined, params, { now });
    expect(v.complianceType).toBe('COMPLIANT');
  });

  test('an exception is valid through the last second of its UTC day and expired one second later', () => {
    const tags = { AmiGuardException: 'CHG-1234 until 2026-06-15' };
    const lastSecond = evaluateInstance(instance(tags), image({}), params, {
      now: new Date('2026-06-15T23:59:59.999Z'),
    });
    const nextDay = evaluateInstance(instance(tags), image({}), params, { now: new Date('2026-06-16T00:00:00Z') });
    expect(lastSecond.complianceType).toBe('COMPLIANT');
    expect(nextDay.complianceType).toBe('NON_COMPLIANT');
  });

  test('an expired exception is NON_COMPLIANT and mentioned in the annotation', () => {
    const v = evaluateInstance(instance({ AmiGuardException: 'CHG-1234 until 2026-01-31' }), image({}), params, {
      now,
    });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toMatch(
      /has no tag Environment\. Exception CHG-1234 \(tag AmiGuardException\) expired at the end of 2026-01-31 UTC\. Fix: /,
    );
  });

  test.each([
    ['no date', 'CHG-1234'],
    ['another date format', 'CHG-1234 until 31/12/2026'],
    ['a date that does not exist', 'CHG-1234 until 2026-02-30'],
    ['no ticket', 'until 2026-12-31'],
    ['a different word', 'CHG-1234 till 2026-12-31'],
  ])('a malformed exception (%s) is NON_COMPLIANT and named malformed', (_case, value) => {
    const v = evaluateInstance(instance({ AmiGuardException: value }), image({}), params, { now });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain(`Exception tag AmiGuardException=${JSON.stringify(value)} is malformed`);
    expect(v.annotation).toContain('(want "<ticket> until YYYY-MM-DD")');
  });

  test('an exception dated beyond the limit is NON_COMPLIANT, and the annotation names the 90-day limit', () => {
    // GIVEN a "forever" exception
    const v = evaluateInstance(instance({ AmiGuardException: 'CHG-3 until 9999-12-31' }), image({}), params, { now });
    // THEN it does not count, and the annotation says why and what the latest allowed date is
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain(
      'Exception CHG-3 (tag AmiGuardException) until 9999-12-31 exceeds the 90-day limit (latest 2026-09-13).',
    );
    expect(v.annotation).toMatch(/ Fix: AMI tag Environment=/);
  });

  test('the limit counts whole UTC days from today: day 90 is valid, day 91 is not', () => {
    const at = (until: string) =>
      evaluateInstance(instance({ AmiGuardException: `CHG-1 until ${until}` }), image({}), params, { now }).complianceType;
    expect(at('2026-09-13')).toBe('COMPLIANT');
    expect(at('2026-09-14')).toBe('NON_COMPLIANT');
  });

  test('maxExceptionDays sets the limit', () => {
    const week = { ...params, maxExceptionDays: 7 };
    const v = evaluateInstance(instance({ AmiGuardException: 'CHG-1 until 2026-06-23' }), image({}), week, { now });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain('exceeds the 7-day limit (latest 2026-06-22)');
  });

  test.each([
    ['a dash', '-'],
    ['two characters', 'C1'],
    ['a leading dash', '-CHG1'],
    ['an underscore', 'CHG_1234'],
  ])('a ticket of %s does not match the default pattern and is malformed', (_case, ticket) => {
    const value = `${ticket} until 2026-07-15`;
    const v = evaluateInstance(instance({ AmiGuardException: value }), image({}), params, { now });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).toContain(
      `Exception tag AmiGuardException=${JSON.stringify(value)} is malformed: ticket ${JSON.stringify(ticket)} does not match`,
    );
  });

  test('a configured ticket pattern must match the whole ticket', () => {
    const changes = { ...params, exceptionTicketPattern: 'CHG-[0-9]+' };
    const at = (ticket: string) =>
      evaluateInstance(instance({ AmiGuardException: `${ticket} until 2026-07-15` }), image({}), changes, { now }).complianceType;
    expect(at('CHG-1234')).toBe('COMPLIANT');
    expect(at('INC-1234')).toBe('NON_COMPLIANT');
    expect(at('xCHG-1234')).toBe('NON_COMPLIANT');
  });

  test('the exception tag is ignored when exceptionTagKey is not configured', () => {
    const noExceptions = { tagKey: 'Environment', tagValues: ['Prod'] };
    const v = evaluateInstance(instance({ AmiGuardException: 'CHG-1 until 2026-12-31' }), image({}), noExceptions, {
      now,
    });
    expect(v.complianceType).toBe('NON_COMPLIANT');
    expect(v.annotation).not.toContain('Exception');
  });
});

describe('evaluateInstance: not applicable', () => {
  test.each(['terminated', 'shutting-down'])('a %s instance is NOT_APPLICABLE', (state) => {
    const v = evaluateInstance(instance({}, state), undefined, params, { now });
    expect(v).toEqual({ complianceType: 'NOT_APPLICABLE', annotation: `Instance i-0123456789abcdef0 is ${state}.` });
  });

  test.each(['stopped', 'pending', 'stopping'])('a %s instance is still evaluated', (state) => {
    expect(evaluateInstance(instance({}, state), undefined, params, { now }).complianceType).toBe('NON_COMPLIANT');
  });
});

describe('annotations fit AWS Config', () => {
  test('an annotation built from very long inputs is at most 256 characters', () => {
    // GIVEN long tag values, a long parameter name, many owners and a long malformed exception
    const long = 'x'.repeat(300);
    const wide: RuleParameters = {
      tagKey: 'K'.repeat(128),
      tagValues: ['V'.repeat(256), 'W'.repeat(256)],
      trustedOwners: Array.from({ length: 20 }, (_, i) => String(100000000000 + i)),
      approvedImageIdsParameter: `/${'p'.repeat(1000)}`,
      exceptionTagKey: 'E'.repeat(128),
    };
    const v = evaluateInstance(instance({ ['E'.repeat(128)]: long }), image({ ['K'.repeat(128)]: long }, '999999999999'), wide, {
      now,
    });
    // THEN the annotation is cut to Config's limit, with a visible ellipsis
    expect(v.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION);
    expect(v.annotation.endsWith('…')).toBe(true);
    expect(v.annotation.startsWith('AMI ami-0aaaaaaaaaaaaaaa1 (owner 999999999999) has')).toBe(true);
  });

  test('truncation never leaves half of a surrogate pair', () => {
    // GIVEN an emoji (two UTF-16 units) straddling the cut
    const text = `${'a'.repeat(254)}😀${'b'.repeat(10)}`;
    const cut = truncateAnnotation(text);
    expect(cut.length).toBeLessThanOrEqual(256);
    expect(cut).toBe(`${'a'.repeat(254)}…`);
    expect(truncateAnnotation('short')).toBe('short');
  });
});

describe('triageConfigurationItem', () => {
  test('a live instance item yields the instance facts, tags from the item', () => {
    const t = triageConfigurationItem(changeEvent.configurationItem);
    expect(t).toEqual({
      kind: 'instance',
      instance: {
        instanceId: 'i-0123456789abcdef0',
        imageId: 'ami-0aaaaaaaaaaaaaaa1',
        state: 'running',
        tags: { Name: 'payments-api' },
        launchTime: new Date('2026-01-10T09:30:00.000Z'),
      },
    });
  });

  test('tags fall back to configuration.tags when the item has no tag map', () => {
    const t = triageConfigurationItem({ ...changeEvent.configurationItem, tags: null });
    expect(t.kind === 'instance' && t.instance.tags).toEqual({ Name: 'payments-api' });
  });

  test('a deleted instance item is NOT_APPLICABLE', () => {
    const t = triageConfigurationItem(deletedEvent.configurationItem);
    expect(t).toEqual({
      kind: 'not-applicable',
      verdict: {
        complianceType: 'NOT_APPLICABLE',
        annotation: 'AWS::EC2::Instance i-0123456789abcdef0 is ResourceDeleted.',
      },
    });
  });

  test.each(['ResourceNotRecorded', 'ResourceDeletedNotRecorded', 'ResourceDeleted'])(
    'an item with status %s is NOT_APPLICABLE',
    (status) => {
      const t = triageConfigurationItem({ ...changeEvent.configurationItem, configurationItemStatus: status });
      expect(t.kind === 'not-applicable' && t.verdict.complianceType).toBe('NOT_APPLICABLE');
    },
  );

  test('a resource that is not an EC2 instance is NOT_APPLICABLE', () => {
    const t = triageConfigurationItem({
      resourceType: 'AWS::EC2::Volume',
      resourceId: 'vol-1',
      configurationItemStatus: 'OK',
    });
    expect(t.kind === 'not-applicable' && t.verdict.annotation).toBe(
      'Resource type AWS::EC2::Volume is not evaluated; only AWS::EC2::Instance is.',
    );
  });

  test('a terminated instance item is NOT_APPLICABLE', () => {
    const item = changeEvent.configurationItem;
    const t = triageConfigurationItem({
      ...item,
      configuration: { ...item.configuration, state: { code: 48, name: 'terminated' } },
    });
    expect(t.kind === 'not-applicable' && t.verdict.annotation).toBe('Instance i-0123456789abcdef0 is terminated.');
  });

  test('a resource that left the scope of the rule is NOT_APPLICABLE', () => {
    const t = triageConfigurationItem(changeEvent.configurationItem, true);
    expect(t.kind).toBe('not-applicable');
  });

  test('the instance is identified by resourceId, the identity Config files the evaluation under', () => {
    const item = { ...changeEvent.configurationItem, configuration: { imageId: 'ami-0aaaaaaaaaaaaaaa1' } };
    const t = triageConfigurationItem(item);
    expect(t.kind === 'instance' && t.instance.instanceId).toBe('i-0123456789abcdef0');
  });

  test('a resourceId that differs from configuration.instanceId is an error naming both', () => {
    const item = changeEvent.configurationItem;
    const other = { ...item, configuration: { ...item.configuration, instanceId: 'i-0fedcba9876543210' } };
    expect(() => triageConfigurationItem(other)).toThrow(
      /resourceId i-0123456789abcdef0 does not match its configuration\.instanceId i-0fedcba9876543210/,
    );
  });

  test('a live instance item without an imageId throws instead of guessing', () => {
    const item = { ...changeEvent.configurationItem, configuration: { instanceId: 'i-0123456789abcdef0' } };
    expect(() => triageConfigurationItem(item)).toThrow(/has no configuration\.imageId/);
  });
});

describe('evaluateInstance: the owner in the annotation', () => {
  const withOwners: RuleParameters = { ...params, ownerTagKeys: ['Owner', 'Team'] };

  test('a NON_COMPLIANT annotation ends with the owner when it fits', () => {
    const v = evaluateInstance(instance({ Owner: 'alice@example.org', Team: 'payments' }), image({}), withOwners, { now });
    expect(v.annotation).toBe(
      'AMI ami-0aaaaaaaaaaaaaaa1 (owner 111111111111) has no tag Environment. Fix: AMI tag Environment="Prod" or "Staging". ' +
        'Owner: alice@example.org (team payments).',
    );
  });

  test('the owner is left out rather than cutting the problem or the fix', () => {
    const long = { ...withOwners, approvedImageIdsParameter: `/${'p'.repeat(150)}` };
    const plain = evaluateInstance(instance({}), image({}), long, { now });
    const owned = evaluateInstance(instance({ Owner: 'alice@example.org' }), image({}), long, { now });
    expect(plain.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION);
    expect(owned.annotation).toBe(plain.annotation);
  });

  test('without owner tag keys, or an owner tag, nothing is added', () => {
    const v = evaluateInstance(instance({ Owner: 'alice@example.org' }), image({}), params, { now });
    expect(v.annotation).not.toContain('Owner:');
  });
});
