import * as fs from 'node:fs';
import * as path from 'node:path';
import { Testing } from 'cdktf';
import { ConfigError } from '../config/load';
import { ManagedPolicy } from '../modules/prevent/managed-policy';
import {
  AWS_LIMITS,
  AwsLimitError,
  checkIamDescription,
  checkPolicyDocument,
  snsFilterPolicyProblem,
} from '../modules/shared/aws-limits';
import { synthesizeFile } from '../modules/stacks/app';
import { exampleJson, tempDir, type RawJson } from '../test-support/synth';

/** Synthesizes a variant of the example; returns the error (if any) and whether anything was written. */
function synth(edit: (json: RawJson) => void): { error?: Error; wrote: string[] } {
  const dir = tempDir('ami-guard-limits-');
  try {
    const json = exampleJson();
    edit(json);
    const file = path.join(dir, 'accounts.json');
    fs.writeFileSync(file, JSON.stringify(json));
    const outdir = path.join(dir, 'out');
    fs.mkdirSync(outdir);
    let error: Error | undefined;
    try {
      synthesizeFile(file, { outdir });
    } catch (err) {
      error = err as Error;
    }
    return { error, wrote: fs.readdirSync(outdir) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `n` distinct tag values of `length` characters each. */
const tagValues = (n: number, length: number) =>
  Array.from({ length: n }, (_, i) => `v${String(i).padStart(3, '0')}`.padEnd(length, 'x'));

describe('AWS limits are checked at synth, as config errors naming the account, the limit and the fix', () => {
  test("60 tag values of 20 characters exceed AWS Config's 1,024 characters of rule parameters", () => {
    const { error, wrote } = synth((j) => (j.defaults.approval.tagValues = tagValues(60, 20)));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(
      /accounts\[0\] \(image-pipeline\): Config rule ami-guard-approved-amis: the rule parameters are 1,\d{3} characters, over AWS Config's limit of 1,024 for a rule's input parameters \(tagValues alone is 1,259\); use fewer or shorter approval\.tagValues/,
    );
    // every account is reported, and nothing is written
    expect(error!.message).toMatch(/accounts\[1\] \(payments-prod\)/);
    expect(error!.message).not.toMatch(/\n\s+at /); // no stack trace
    expect(wrote).toEqual([]);
  });

  test("a launch policy over IAM's 6,144 characters (whitespace not counted) fails, naming the policy", () => {
    const { error, wrote } = synth((j) => {
      j.defaults.approval.tagValues = tagValues(150, 20);
      j.defaults.detection = { enabled: false };
      for (const account of j.accounts) delete account.remediation;
      for (const account of j.accounts) delete account.detection;
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(
      /accounts\[0\] \(image-pipeline\): IAM policy ami-guard-launch-policy-eu-west-1: [\d,]+ characters without whitespace, over IAM's limit of 6,144; use fewer or shorter approval tag values/,
    );
    expect(wrote).toEqual([]);
  });

  test("a route of 100 teams × 100 owners exceeds SNS's 150 combinations of a filter policy, naming the route and the product", () => {
    const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const { error, wrote } = synth((j) => {
      j.accounts[1].remediation.routes = [
        { match: { team: ['payments'] }, protocol: 'email', endpoint: 'ok@example.org' },
        { match: { team: values('team-', 100), owner: values('owner-', 100) }, protocol: 'email', endpoint: 'all@example.org' },
      ];
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(
      /accounts\[1\]\.remediation\.routes\[1\]\.match: the route to email all@example\.org: the filter policy's total combination of values is 100 × 100 = 10,000, over SNS's limit of 150 .*; split the route into several routes with fewer values each/,
    );
    expect(error!.message).not.toMatch(/routes\[0\]/);
    expect(wrote).toEqual([]);
  });

  test('the example is within every limit', () => {
    expect(synth(() => undefined).error).toBeUndefined();
  });
});

describe('the limit checks', () => {
  const doc = (value: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: value }] }, null, 2);

  test('IAM counts a policy without whitespace: an indented document just over the limit passes if its content fits', () => {
    const fits = doc('a'.repeat(AWS_LIMITS.managedPolicyCharacters - 60));
    expect(fits.length).toBeGreaterThan(AWS_LIMITS.managedPolicyCharacters);
    expect(() => checkPolicyDocument('p', fits, AWS_LIMITS.managedPolicyCharacters, 'fix')).not.toThrow();
    const over = doc('a'.repeat(AWS_LIMITS.managedPolicyCharacters));
    expect(() => checkPolicyDocument('p', over, AWS_LIMITS.managedPolicyCharacters, 'fix')).toThrow(AwsLimitError);
  });

  test('a character above U+00FF is refused in a policy, Latin-1 is not', () => {
    expect(() => checkPolicyDocument('policy p', doc('本番'), 6144, 'fix')).toThrow(
      'policy p: contains "本" (U+672C), but IAM policy documents hold only characters up to U+00FF',
    );
    expect(() => checkPolicyDocument('policy p', doc('Produktion-Größe'), 6144, 'fix')).not.toThrow();
  });

  test('an IAM description over 1,000 characters, or with a character IAM refuses, fails', () => {
    expect(() => checkIamDescription('role r', 'd'.repeat(1000))).not.toThrow();
    expect(() => checkIamDescription('role r', 'd'.repeat(1001))).toThrow(
      "role r: the description has 1,001 characters, over IAM's limit of 1,000; shorten it",
    );
    expect(() => checkIamDescription('role r', 'tab\tok, but not €')).toThrow(/contains "€" \(U\+20AC\)/);
  });

  test('an SNS filter policy: at most 150 combinations (the product of the array sizes), 5 keys and 256 KB', () => {
    const n = (k: number) => Array.from({ length: k }, (_, i) => `v${i}`);
    // GIVEN policies at and just over each limit
    expect(snsFilterPolicyProblem({ team: n(150) })).toBeUndefined();
    expect(snsFilterPolicyProblem({ team: n(10), owner: n(15) })).toBeUndefined();
    expect(snsFilterPolicyProblem({ team: n(151) })).toMatch(/is 151 = 151, over SNS's limit of 150/);
    expect(snsFilterPolicyProblem({ team: n(2), owner: n(3), region: n(5), action: n(6) })).toMatch(/2 × 3 × 5 × 6 = 180/);
    const six = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => [k, ['x']]));
    expect(snsFilterPolicyProblem(six)).toMatch(/6 keys, over SNS's limit of 5/);
    expect(snsFilterPolicyProblem({ team: ['x'.repeat(AWS_LIMITS.snsFilterPolicyBytes)] })).toMatch(
      /262,\d{3} bytes, over SNS's limit of 262,144/,
    );
  });

  test('the ManagedPolicy construct applies them before creating anything', () => {
    const stack = Testing.synthScope((scope) => {
      expect(
        () =>
          new ManagedPolicy(scope, 'p', {
            policyName: 'too-long',
            description: 'x'.repeat(1001),
            document: { Version: '2012-10-17', Statement: [] },
          }),
      ).toThrow(/IAM policy too-long: the description has 1,001 characters/);
    });
    expect(stack).not.toContain('too-long');
  });
});
