/**
 * IAM policies are compared statement by statement with IAM's semantics: what loosens an allow
 * narrows a deny and the other way round; reordering or reformatting is no change at all.
 */
import { describeLoosening } from '../../modules/review/flags';
import {
  Loosening,
  loosenings,
  parsePolicy,
  PolicyParseError,
  polarityOf,
  wildcardMatches,
} from '../../modules/review/policy-diff';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

const allowImages = (values: string[], extra: Record<string, unknown> = {}) => ({
  Sid: 'AllowApproved',
  Effect: 'Allow',
  Action: 'ec2:RunInstances',
  Resource: 'arn:aws:ec2:eu-west-1::image/*',
  Condition: { StringEquals: { 'ec2:ResourceTag/Environment': values, ...extra } },
});
const denyOthers = (values: string[]) => ({
  Sid: 'DenyUnapproved',
  Effect: 'Deny',
  Action: 'ec2:RunInstances',
  Resource: 'arn:aws:ec2:eu-west-1::image/*',
  Condition: { StringNotEquals: { 'ec2:ResourceTag/Environment': values } },
});

function compare(before: string, after: string): string[] {
  return loosenings(parsePolicy(before), parsePolicy(after)).flatMap((l: Loosening) => describeLoosening('policy p', l));
}

describe('loosenings', () => {
  test('GIVEN the same statements reordered, reformatted, with a single action as a list THEN nothing loosens', () => {
    const before = doc(allowImages(['Prod']), denyOthers(['Prod']));
    const after = JSON.stringify(
      JSON.parse(doc(denyOthers(['Prod']), { ...allowImages(['Prod']), Action: ['ec2:RunInstances'] })),
      null,
      4,
    );

    expect(compare(before, after)).toEqual([]);
  });

  test('GIVEN a value added to an allow (positive) and to a deny (negated) THEN both read as the same acceptance', () => {
    expect(
      compare(
        doc(allowImages(['Prod']), denyOthers(['Prod'])),
        doc(allowImages(['Prod', 'Staging']), denyOthers(['Prod', 'Staging'])),
      ),
    ).toEqual(['policy p now also accepts Environment="Staging"', 'policy p now also accepts Environment="Staging"']);
  });

  test('GIVEN a value removed THEN the policy only got stricter: nothing loosens', () => {
    expect(
      compare(
        doc(allowImages(['Prod', 'Staging']), denyOthers(['Prod', 'Staging'])),
        doc(allowImages(['Prod']), denyOthers(['Prod'])),
      ),
    ).toEqual([]);
  });

  test('GIVEN an allow condition dropped THEN it is a loosening; a deny condition dropped makes the deny broader, which is not', () => {
    const withOwner = allowImages(['Prod'], { 'ec2:Owner': ['111111111111'] });
    const denyWithOwner = {
      ...denyOthers(['Prod']),
      Condition: { StringNotEquals: { 'ec2:ResourceTag/Environment': ['Prod'] }, Null: { 'ec2:Owner': 'false' } },
    };

    expect(compare(doc(withOwner), doc(allowImages(['Prod'])))).toEqual([
      'policy p no longer requires a trusted AMI owner (ec2:Owner) (StringEquals dropped from AllowApproved)',
    ]);
    expect(compare(doc(denyWithOwner), doc(denyOthers(['Prod'])))).toEqual([]);
  });

  test('GIVEN a deny removed, or gaining a condition THEN the deny applies to fewer requests', () => {
    expect(compare(doc(allowImages(['Prod']), denyOthers(['Prod'])), doc(allowImages(['Prod'])))).toEqual([
      'policy p: deny statement DenyUnapproved removed',
    ]);
    const narrowed = {
      ...denyOthers(['Prod']),
      Condition: { ...denyOthers(['Prod']).Condition, StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app-*' } },
    };
    expect(compare(doc(denyOthers(['Prod'])), doc(narrowed))).toEqual([
      'policy p: deny DenyUnapproved now applies only when StringLike aws:PrincipalArn "arn:aws:iam::*:role/app-*"',
    ]);
  });

  test('GIVEN actions and resources THEN an allow that covers more, or a deny that covers less, is a loosening; a wildcard covers what it matches', () => {
    const allow = (Action: string | string[], Resource: string | string[]) => ({ Sid: 'A', Effect: 'Allow', Action, Resource });
    const deny = (Action: string | string[], Resource: string | string[]) => ({ Sid: 'D', Effect: 'Deny', Action, Resource });

    expect(
      compare(doc(allow('ec2:RunInstances', 'arn:aws:ec2:*:1:instance/*')), doc(allow('ec2:*', 'arn:aws:ec2:*:1:instance/*'))),
    ).toEqual(['policy p: A now also allows ec2:*']);
    expect(
      compare(doc(allow('ec2:*', '*')), doc(allow(['ec2:RunInstances', 'EC2:StopInstances'], 'arn:aws:ec2:*:1:instance/*'))),
    ).toEqual([]);
    expect(compare(doc(allow('ec2:RunInstances', 'arn:aws:ec2:*:1:instance/*')), doc(allow('ec2:RunInstances', '*')))).toEqual([
      'policy p: A now also covers *',
    ]);
    expect(compare(doc(deny(['ec2:CreateTags', 'ec2:DeleteTags'], '*')), doc(deny('ec2:CreateTags', '*')))).toEqual([
      'policy p: D no longer denies ec2:DeleteTags',
    ]);
    expect(
      compare(
        doc(deny('ec2:CreateTags', ['arn:aws:ec2:*::image/*', 'arn:aws:ec2:*:1:instance/*'])),
        doc(deny('ec2:CreateTags', 'arn:aws:ec2:*::image/*')),
      ),
    ).toEqual(['policy p: D no longer denies on arn:aws:ec2:*:1:instance/*']);
  });

  test('GIVEN a new allow statement, or statements without Sid THEN the new allow is reported, and Sid-less ones pair by effect and actions', () => {
    const { Sid: _ignored, ...noSid } = allowImages(['Prod']);
    const { Sid: _ignored2, ...noSidWider } = allowImages(['Prod', 'Dev']);

    expect(compare(doc(), doc(allowImages(['Prod'])))).toEqual([
      'policy p: new statement AllowApproved allows ec2:RunInstances on arn:aws:ec2:eu-west-1::image/*',
    ]);
    expect(compare(doc(noSid), doc(noSidWider))).toEqual(['policy p now also accepts Environment="Dev"']);
  });

  test('GIVEN Bool or Numeric conditions changed THEN the change is reported without a direction', () => {
    const tls = (v: string) => ({
      Sid: 'TLS',
      Effect: 'Deny',
      Action: 's3:*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': v } },
    });

    expect(compare(doc(tls('false')), doc(tls('true')))).toEqual([
      'policy p: TLS condition Bool aws:SecureTransport changed from "false" to "true"',
    ]);
  });
});

describe('policy parsing', () => {
  test('GIVEN text that is not a policy THEN a PolicyParseError says why', () => {
    expect(() => parsePolicy('{"Statement": [')).toThrow(PolicyParseError);
    expect(() => parsePolicy('[1]')).toThrow(/not a JSON object/);
    expect(() => parsePolicy(doc({ Effect: 'Maybe', Action: '*', Resource: '*' }))).toThrow(/statement 1 has Effect "Maybe"/);
  });

  test('condition operator polarity and wildcard matching follow IAM', () => {
    expect(polarityOf('ForAnyValue:StringEqualsIgnoreCase')).toBe('positive');
    expect(polarityOf('ArnNotLikeIfExists')).toBe('negated');
    expect(polarityOf('NumericLessThan')).toBe('unordered');
    expect(wildcardMatches('arn:aws:iam::*:role/ImageBuilder-*', 'arn:aws:iam::111111111111:role/ImageBuilder-x')).toBe(true);
    expect(wildcardMatches('ec2:Run?nstances', 'ec2:RunInstances')).toBe(true);
    expect(wildcardMatches('EC2:runinstances', 'ec2:RunInstances')).toBe(false);
    expect(wildcardMatches('EC2:runinstances', 'ec2:RunInstances', true)).toBe(true);
    expect(wildcardMatches('a.b', 'axb')).toBe(false);
  });
});

describe('a deny renamed or merged into a wider one', () => {
  const tagDeny = (Sid: string, Action: string[], exempt: string[]) => ({
    Sid,
    Effect: 'Deny',
    Action,
    Resource: 'arn:aws:ec2:eu-west-1::image/*',
    Condition: {
      'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': ['Environment'] },
      ArnNotLike: { 'aws:PrincipalArn': exempt },
    },
  });
  const pipeline = ['arn:aws:iam::222222222222:role/image-pipeline'];

  test('GIVEN two denies merged into one with every action THEN nothing loosens', () => {
    const before = doc(
      tagDeny('DenyApprovalTagChanges', ['ec2:CreateTags', 'ec2:DeleteTags'], pipeline),
      tagDeny('DenyCreatingImagesWithApprovalTag', ['ec2:CreateImage'], pipeline),
    );
    const after = doc(tagDeny('ReserveImageTagsForPipeline', ['ec2:CreateTags', 'ec2:DeleteTags', 'ec2:CreateImage'], pipeline));
    expect(compare(before, after)).toEqual([]);
  });

  test('GIVEN the merged deny exempts one more principal THEN the old statement is reported removed', () => {
    const before = doc(tagDeny('DenyApprovalTagChanges', ['ec2:CreateTags'], pipeline));
    const after = doc(tagDeny('ReserveImageTagsForPipeline', ['ec2:CreateTags'], [...pipeline, 'arn:aws:iam::*:role/other']));
    expect(compare(before, after)).toEqual([expect.stringMatching(/DenyApprovalTagChanges/)]);
  });
});
