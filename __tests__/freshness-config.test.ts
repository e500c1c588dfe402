import { ConfigError, parseConfig } from '../config/load';
import { parseRuleParameters } from '../lambda/ami-compliance/params';
import { encodeRuleParameters } from '../modules/detect/ami-compliance-rule';
import { exampleJson, type RawJson } from '../test-support/example-config';

function parse(edit: (json: RawJson) => void) {
  const json = exampleJson();
  edit(json);
  return parseConfig(json, 'freshness.json');
}

function problemsOf(edit: (json: RawJson) => void): string {
  try {
    parse(edit);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('freshness config', () => {
  test('nothing set: no age limit, deprecated AMIs stale, no family tag, stale findings only notify', () => {
    const [account] = parse(() => undefined).accounts;
    expect(account.approval).toMatchObject({ deprecatedImages: 'stale' });
    expect(account.approval.maxImageAgeDays).toBeUndefined();
    expect(account.approval.familyTagKey).toBeUndefined();
    expect(account.remediation.enforceFreshness).toBe(false);
  });

  test('defaults apply per account, and an account overrides them field by field', () => {
    const config = parse((j) => {
      j.defaults.approval.maxImageAgeDays = 180;
      j.defaults.approval.familyTagKey = 'ImageFamily';
      j.accounts[1].approval = { maxImageAgeDays: 365, deprecatedImages: 'ignore' };
      j.accounts[1].remediation = { ...(j.accounts[1].remediation ?? {}), enforceFreshness: true };
    });
    expect(config.accounts[0].approval).toMatchObject({ maxImageAgeDays: 180, familyTagKey: 'ImageFamily' });
    expect(config.accounts[1].approval).toMatchObject({
      maxImageAgeDays: 365,
      deprecatedImages: 'ignore',
      familyTagKey: 'ImageFamily',
    });
    expect(config.accounts[1].remediation.enforceFreshness).toBe(true);
  });

  test.each([
    [
      'a zero age',
      (j: RawJson) => (j.defaults.approval.maxImageAgeDays = 0),
      /defaults\.approval\.maxImageAgeDays: expected at least 1 day/,
    ],
    [
      'a fractional age',
      (j: RawJson) => (j.defaults.approval.maxImageAgeDays = 90.5),
      /maxImageAgeDays: expected a whole number of days/,
    ],
    [
      'an unknown deprecation choice',
      (j: RawJson) => (j.defaults.approval.deprecatedImages = 'warn'),
      /deprecatedImages: .*"stale".*"ignore".*got "warn"/,
    ],
    [
      'a reserved family tag key',
      (j: RawJson) => (j.defaults.approval.familyTagKey = 'aws:family'),
      /familyTagKey: expected a tag key such as "ImageFamily".*got "aws:family"/,
    ],
    [
      'a non-boolean enforceFreshness',
      (j: RawJson) => (j.defaults.remediation.enforceFreshness = 'yes'),
      /remediation\.enforceFreshness: .*boolean.*got "yes"/,
    ],
  ])('rejects %s, naming the path and the fix', (_what, edit, message) => {
    expect(problemsOf(edit)).toMatch(message);
  });

  test('the rule parameters carry only what differs from the defaults, and the Lambda reads them back', () => {
    const encoded = encodeRuleParameters({
      tagKey: 'Environment',
      tagValues: ['Prod'],
      maxImageAgeDays: 180,
      deprecatedImages: 'stale',
      familyTagKey: 'ImageFamily',
      enforceFreshness: true,
    });
    expect(encoded).toEqual({
      tagKey: 'Environment',
      tagValues: 'Prod',
      maxImageAgeDays: '180',
      familyTagKey: 'ImageFamily',
      enforceFreshness: 'true',
    });
    expect(parseRuleParameters(encoded)).toMatchObject({
      maxImageAgeDays: 180,
      familyTagKey: 'ImageFamily',
      enforceFreshness: true,
    });
    expect(encodeRuleParameters({ tagKey: 'E', tagValues: ['P'], deprecatedImages: 'ignore', enforceFreshness: false })).toEqual({
      tagKey: 'E',
      tagValues: 'P',
      deprecatedImages: 'ignore',
    });
  });

  test.each([
    ['maxImageAgeDays', '0', /maxImageAgeDays has invalid value "0".*from 1 to 3650/],
    ['maxImageAgeDays', '12x', /maxImageAgeDays has invalid value "12x"/],
    ['deprecatedImages', 'warn', /deprecatedImages has invalid value "warn".*stale, ignore/],
    ['enforceFreshness', 'yes', /enforceFreshness has invalid value "yes".*"true" or "false"/],
    ['familyTagKey', 'aws:x', /familyTagKey has invalid value "aws:x"/],
  ])('the Lambda refuses rule parameter %s=%j', (key, value, message) => {
    expect(() => parseRuleParameters({ tagKey: 'Environment', tagValues: 'Prod', [key]: value })).toThrow(message);
  });
});

describe('organization: the Allowed AMIs age from approval.maxImageAgeDays', () => {
  test('"approval" takes the largest approval.maxImageAgeDays of the accounts; a criterion without it is untouched', () => {
    const config = parse((j) => {
      j.defaults.approval.maxImageAgeDays = 180;
      j.accounts[2].approval = { maxImageAgeDays: 365 };
      j.organization.allowedImages.criteria = [{ maximumDaysSinceCreated: 'approval' }, { imageProviders: ['amazon'] }];
    });
    expect(config.organization!.allowedImages.criteria[0].maximumDaysSinceCreated).toBe(365);
    expect(config.organization!.allowedImages.criteria[1].maximumDaysSinceCreated).toBeUndefined();
  });

  test('"approval" with no account setting maxImageAgeDays is refused, with the fix', () => {
    expect(problemsOf((j) => (j.organization.allowedImages.criteria = [{ maximumDaysSinceCreated: 'approval' }]))).toMatch(
      /organization\.allowedImages\.criteria\[0\]\.maximumDaysSinceCreated: "approval" takes approval\.maxImageAgeDays, but no account sets it; set approval\.maxImageAgeDays/,
    );
  });
});
