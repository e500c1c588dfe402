import { formatDeadline, parseDeadline, planPhase, recheckReason } from '../../lambda/ami-compliance/deadline';
import { describeOwner, ownerOf } from '../../lambda/ami-compliance/owner';
import type { InstanceFacts } from '../../lambda/ami-compliance/evaluate';

const NOW = new Date('2026-06-15T12:00:30Z');

describe('the deadline tag value', () => {
  test('is the UTC minute, seconds dropped, and reads back', () => {
    expect(formatDeadline(NOW)).toBe('2026-06-15T12:00Z');
    expect(parseDeadline('2026-06-15T12:00Z')).toEqual(new Date('2026-06-15T12:00:00Z'));
  });

  test.each(['2026-02-30T10:00Z', '2026-06-15T24:00Z', '2026-06-15T12:00:00Z', '2026-06-15 12:00', '', 'soon'])(
    '%p is not a deadline',
    (value) => {
      expect(parseDeadline(value)).toBeUndefined();
    },
  );
});

describe('planPhase', () => {
  const remediate = { verdict: 'REMEDIATE', compliance: 'NON_COMPLIANT', now: NOW } as const;

  test('a notice deadline is never less than the grace: it is rounded up to the minute', () => {
    expect(planPhase({ ...remediate, graceHours: 24 })).toEqual({ phase: 'notice', deadline: '2026-06-16T12:01Z' });
  });

  test('the deadline minute itself is due', () => {
    expect(planPhase({ ...remediate, graceHours: 24, recorded: '2026-06-15T12:00Z' })).toEqual({
      phase: 'act',
      deadline: '2026-06-15T12:00Z',
    });
  });

  test('a mark exactly grace hours away is honoured (the notice set it a moment ago)', () => {
    expect(planPhase({ ...remediate, graceHours: 24, recorded: '2026-06-16T12:01Z' })).toMatchObject({ phase: 'wait' });
    expect(planPhase({ ...remediate, graceHours: 24, recorded: '2026-06-16T12:02Z' })).toMatchObject({ phase: 'notice' });
  });

  test('the notice record decides, not the tag: a deleted tag changes nothing, a tag without a record gives notice first', () => {
    const recorded = '2026-06-15T11:00Z';
    expect(planPhase({ ...remediate, graceHours: 24, recorded })).toEqual({ phase: 'act', deadline: recorded });
    expect(planPhase({ ...remediate, graceHours: 24, recorded, mark: '2026-06-20T00:00Z' })).toEqual({
      phase: 'act',
      deadline: recorded,
    });
    const forged = planPhase({ ...remediate, graceHours: 24, mark: '2000-01-01T00:00Z' });
    expect(forged).toMatchObject({ phase: 'notice', deadline: '2026-06-16T12:01Z' });
    expect(forged.note).toContain('not set by an AMI Guard notice');
    // Grace 0 acts at once in any case: no tag makes it sooner than that.
    expect(planPhase({ ...remediate, graceHours: 0, mark: '2000-01-01T00:00Z' })).toMatchObject({ phase: 'act' });
  });

  test('a SKIP keeps a readable deadline on record and clears nothing unless COMPLIANT', () => {
    const stopped = { verdict: 'SKIP', compliance: 'NON_COMPLIANT', now: NOW, graceHours: 24 } as const;
    expect(planPhase({ ...stopped, recorded: '2026-06-16T00:00Z' })).toEqual({ phase: 'skip', deadline: '2026-06-16T00:00Z' });
    expect(planPhase({ ...stopped, mark: '2026-06-16T00:00Z' })).toEqual({ phase: 'skip', deadline: null });
    expect(planPhase({ ...stopped, compliance: 'COMPLIANT', recorded: '2026-06-16T00:00Z' })).toEqual({
      phase: 'clear',
      deadline: null,
    });
    expect(planPhase({ ...stopped, compliance: 'NOT_APPLICABLE', mark: 'x' })).toEqual({ phase: 'skip', deadline: null });
    expect(planPhase({ ...stopped, compliance: 'COMPLIANT', mark: 'x' })).toEqual({ phase: 'clear', deadline: null });
  });

  test('notify mode ignores marks', () => {
    expect(planPhase({ ...remediate, mark: '2026-06-01T00:00Z' })).toEqual({ phase: 'notify', deadline: null });
  });
});

describe('recheckReason: what the sweep starts the runbook again for', () => {
  const instance = (tags: Record<string, string>, state = 'running'): InstanceFacts => ({
    instanceId: 'i-0123456789abcdef0',
    imageId: 'ami-0aaaaaaaaaaaaaaa1',
    state,
    tags,
  });
  type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  test.each<[string, InstanceFacts, Compliance, string | undefined]>([
    [
      'no mark (deleted after the notice, or never given)',
      instance({}),
      'NON_COMPLIANT',
      'non-compliant without a deadline tag: recover it from the notice record, or give notice',
    ],
    ['compliant without a mark', instance({}), 'COMPLIANT', undefined],
    [
      'deadline passed',
      instance({ AmiGuardDeadline: '2026-06-15T12:00Z' }),
      'NON_COMPLIANT',
      'deadline 2026-06-15T12:00Z passed',
    ],
    ['deadline ahead', instance({ AmiGuardDeadline: '2026-06-15T12:01Z' }), 'NON_COMPLIANT', undefined],
    [
      'pending past the deadline',
      instance({ AmiGuardDeadline: '2026-06-01T00:00Z' }, 'pending'),
      'NON_COMPLIANT',
      'deadline 2026-06-01T00:00Z passed',
    ],
    ['unreadable mark', instance({ AmiGuardDeadline: 'tomorrow' }), 'NON_COMPLIANT', 'unreadable deadline tag: set a new one'],
    [
      'compliant with a mark, even stopped',
      instance({ AmiGuardDeadline: 'x' }, 'stopped'),
      'COMPLIANT',
      'compliant with a deadline tag: remove it',
    ],
    ['gone', instance({ AmiGuardDeadline: '2026-06-01T00:00Z' }, 'terminated'), 'NOT_APPLICABLE', undefined],
  ])('%s, in either mode', (_, facts, compliance, expected) => {
    expect(recheckReason(facts, compliance, NOW, 'stop')).toBe(expected);
    expect(recheckReason(facts, compliance, NOW, 'terminate')).toBe(expected);
  });

  // The owner deleted the tag (IAM admins only), then fixed the instance: the record alone must be cleared,
  // or it would act without a new notice once the instance turns non-compliant again.
  test.each<[string, InstanceFacts, Compliance, string | undefined]>([
    ['compliant with a record and no tag', instance({}), 'COMPLIANT', 'compliant with a notice record: delete it'],
    [
      'compliant with a record and a tag',
      instance({ AmiGuardDeadline: 'x' }),
      'COMPLIANT',
      'compliant with a deadline tag: remove it',
    ],
    [
      'non-compliant with a record and no tag',
      instance({}),
      'NON_COMPLIANT',
      'non-compliant without a deadline tag: recover it from the notice record, or give notice',
    ],
    ['gone, with a record', instance({}, 'terminated'), 'NOT_APPLICABLE', undefined],
  ])('%s, in either mode', (_, facts, compliance, expected) => {
    expect(recheckReason(facts, compliance, NOW, 'stop', true)).toBe(expected);
    expect(recheckReason(facts, compliance, NOW, 'terminate', true)).toBe(expected);
  });

  // A stopped instance can be started again on the same AMI: terminate mode still has work there, stop mode none.
  test.each<[string, InstanceFacts, string | undefined, string | undefined]>([
    [
      'stopped past the deadline',
      instance({ AmiGuardDeadline: '2026-06-01T00:00Z' }, 'stopped'),
      undefined,
      'deadline 2026-06-01T00:00Z passed',
    ],
    [
      'stopping past the deadline (the next sweep finds it stopped)',
      instance({ AmiGuardDeadline: '2026-06-01T00:00Z' }, 'stopping'),
      undefined,
      undefined,
    ],
    ['stopped before the deadline', instance({ AmiGuardDeadline: '2026-06-15T12:01Z' }, 'stopped'), undefined, undefined],
    [
      'stopped with an unreadable mark',
      instance({ AmiGuardDeadline: 'soon' }, 'stopped'),
      undefined,
      'unreadable deadline tag: set a new one',
    ],
  ])('%s: stop mode %p, terminate mode %p', (_, facts, stop, terminate) => {
    expect(recheckReason(facts, 'NON_COMPLIANT', NOW, 'stop')).toBe(stop);
    expect(recheckReason(facts, 'NON_COMPLIANT', NOW, 'terminate')).toBe(terminate);
  });
});

describe('ownerOf', () => {
  test.each<[Record<string, string>, string[] | undefined, { owner: string | null; team: string | null }, string]>([
    [
      { Owner: 'alice@example.org', Team: 'payments' },
      ['Owner', 'Team'],
      { owner: 'alice@example.org', team: 'payments' },
      'alice@example.org (team payments)',
    ],
    [{ Team: 'payments' }, ['Owner', 'Team'], { owner: 'payments', team: 'payments' }, 'team payments'],
    [{ Owner: 'alice@example.org' }, ['Owner', 'Team'], { owner: 'alice@example.org', team: null }, 'alice@example.org'],
    [{ Owner: ' ', Team: 'payments' }, ['Owner', 'Team'], { owner: 'payments', team: 'payments' }, 'team payments'],
    [{ owner: 'alice' }, ['Owner', 'Team'], { owner: null, team: null }, 'unknown'],
    [{ Owner: 'alice' }, undefined, { owner: null, team: null }, 'unknown'],
  ])('%j with keys %j', (tags, keys, expected, sentence) => {
    expect(ownerOf(tags, keys)).toEqual(expected);
    expect(describeOwner(ownerOf(tags, keys))).toBe(sentence);
  });
});
