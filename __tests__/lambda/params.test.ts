import { parseRuleParameters, RuleParameterError } from '../../lambda/ami-compliance/params';

const valid = { tagKey: 'Environment', tagValues: 'Prod' };
const parse = (extra: Record<string, unknown>) => () => parseRuleParameters(JSON.stringify({ ...valid, ...extra }));

describe('parseRuleParameters: valid input', () => {
  test('a full parameter set parses into typed lists', () => {
    // GIVEN Config's JSON-of-strings, with spaces around the owners (not tags: those are taken as written)
    const raw = JSON.stringify({
      tagKey: 'Environment',
      tagValues: 'Prod,Staging',
      trustedOwners: '111122223333, amazon',
      approvedImageIdsParameter: '/ami-guard/approved-image-ids',
      exceptionTagKey: 'AmiGuardException',
      maxExceptionDays: '30',
      exceptionTicketPattern: '^CHG-[0-9]+$',
      ownerTagKeys: 'Owner,Cost Center,Team',
    });
    // WHEN parsed THEN every value is typed
    expect(parseRuleParameters(raw)).toEqual({
      tagKey: 'Environment',
      tagValues: ['Prod', 'Staging'],
      trustedOwners: ['111122223333', 'amazon'],
      approvedImageIdsParameter: '/ami-guard/approved-image-ids',
      exceptionTagKey: 'AmiGuardException',
      maxExceptionDays: 30,
      exceptionTicketPattern: '^CHG-[0-9]+$',
      ownerTagKeys: ['Owner', 'Cost Center', 'Team'],
    });
  });

  test('an empty optional parameter means not set', () => {
    const p = parseRuleParameters(
      JSON.stringify({ ...valid, trustedOwners: '', exceptionTagKey: '', maxExceptionDays: '', exceptionTicketPattern: '' }),
    );
    expect(p.trustedOwners).toBeUndefined();
    expect(p.exceptionTagKey).toBeUndefined();
    expect(p.maxExceptionDays).toBeUndefined();
    expect(p.exceptionTicketPattern).toBeUndefined();
  });

  test('tag values keep their case: comparison is exact', () => {
    expect(parseRuleParameters(JSON.stringify({ tagKey: 'Environment', tagValues: 'Prod,prod' })).tagValues).toEqual([
      'Prod',
      'prod',
    ]);
  });
});

describe('parseRuleParameters: each bad parameter throws naming it, its value and the fix', () => {
  test.each<[string, () => unknown, RegExp]>([
    ['missing ruleParameters', () => parseRuleParameters(undefined), /tagKey is required\. Fix: .*"Environment"/],
    [
      'ruleParameters not JSON',
      () => parseRuleParameters('{tagKey:Environment}'),
      /ruleParameters is not valid JSON: \{tagKey:Environment\}\. Fix:/,
    ],
    ['ruleParameters an array', () => parseRuleParameters('["Environment"]'), /ruleParameters must be a JSON object/],
    [
      'unknown key (typo)',
      parse({ tagvalues: 'Prod' }),
      /Unknown rule parameter tagvalues\. Fix: remove it, or use one of tagKey, tagValues/,
    ],
    ['non-string value', parse({ tagValues: ['Prod'] }), /Rule parameter tagValues must be a string, got \["Prod"\]/],
    ['missing tagKey', () => parseRuleParameters(JSON.stringify({ tagValues: 'Prod' })), /Rule parameter tagKey is required/],
    [
      'tagKey in the aws: namespace',
      parse({ tagKey: 'aws:env' }),
      /Rule parameter tagKey has invalid value "aws:env": it is not a tag key .*not starting with "aws:" in any case/,
    ],
    [
      'missing tagValues',
      () => parseRuleParameters(JSON.stringify({ tagKey: 'Environment' })),
      /Rule parameter tagValues is required/,
    ],
    [
      'empty tagValues entry',
      parse({ tagValues: 'Prod,,Staging' }),
      /Rule parameter tagValues has an empty entry at position 2 in "Prod,,Staging"\. Fix: remove the stray comma/,
    ],
    ['trailing comma in tagValues', parse({ tagValues: 'Prod,' }), /tagValues has an empty entry at position 2/],
    [
      'tag value with a forbidden character',
      parse({ tagValues: 'Prod;Dev' }),
      /Rule parameter tagValues has invalid value "Prod;Dev"/,
    ],
    [
      'a tag value with a trailing space (IAM would compare it as written)',
      parse({ tagValues: 'Prod ,Staging' }),
      /Rule parameter tagValues has invalid value "Prod ": it has whitespace at the start or end.*; write "Prod"\./,
    ],
    [
      'a tag key with a leading space',
      parse({ tagKey: ' Environment' }),
      /tagKey has invalid value " Environment".*write "Environment"/,
    ],
    ['a blank tag value', parse({ tagValues: ' ' }), /tagValues has an empty entry at position 1/],
    ['a blank exception tag key', parse({ exceptionTagKey: ' ' }), /exceptionTagKey has invalid value " ": it has whitespace/],
    [
      'an owner tag key with a space after the comma (the instance tag is read as written)',
      parse({ ownerTagKeys: 'Owner, Team' }),
      /ownerTagKeys has invalid value " Team": it has whitespace at the start or end.*; write "Team"\./,
    ],
    [
      'an owner tag key in the aws: namespace',
      parse({ ownerTagKeys: 'aws:createdBy' }),
      /ownerTagKeys has invalid value "aws:createdBy"/,
    ],
    [
      'a tag value IAM cannot hold',
      parse({ tagValues: '本番' }),
      /tagValues has invalid value "本番": it contains "本" \(U\+672C\)/,
    ],
    [
      'maxExceptionDays not a number',
      parse({ maxExceptionDays: '90d' }),
      /maxExceptionDays has invalid value "90d"\. Fix: a whole number of days from 1 to 3650/,
    ],
    ['maxExceptionDays zero', parse({ maxExceptionDays: '0' }), /maxExceptionDays has invalid value "0"/],
    ['maxExceptionDays beyond ten years', parse({ maxExceptionDays: '3651' }), /maxExceptionDays has invalid value "3651"/],
    [
      'exceptionTicketPattern not a regex',
      parse({ exceptionTicketPattern: '^CHG-(' }),
      /exceptionTicketPattern "\^CHG-\(" is not a valid regular expression/,
    ],
    [
      'trustedOwners short account ID',
      parse({ trustedOwners: '12345' }),
      /Rule parameter trustedOwners has invalid value "12345"\. Fix: expected 12-digit account IDs or "amazon"/,
    ],
    ['trustedOwners alias in the wrong case', parse({ trustedOwners: 'Amazon' }), /trustedOwners has invalid value "Amazon"/],
    ['trustedOwners empty entry', parse({ trustedOwners: '111122223333,' }), /trustedOwners has an empty entry at position 2/],
    [
      'approvedImageIdsParameter with a space',
      parse({ approvedImageIdsParameter: '/ami guard/ids' }),
      /Rule parameter approvedImageIdsParameter has invalid value "\/ami guard\/ids"\. Fix: expected an SSM parameter name/,
    ],
    [
      'approvedImageIdsParameter too long',
      parse({ approvedImageIdsParameter: `/${'a'.repeat(1011)}` }),
      /approvedImageIdsParameter is longer than 1011 characters/,
    ],
    [
      'exceptionTagKey invalid',
      parse({ exceptionTagKey: 'aws:exception' }),
      /Rule parameter exceptionTagKey has invalid value "aws:exception": it is not a tag key/,
    ],
  ])('%s', (_case, run, message) => {
    expect(run).toThrow(RuleParameterError);
    expect(run).toThrow(message);
  });
});
