import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../config/load';
import { synthesizeFile } from '../modules/stacks/app';
import { exampleJson, RawJson } from '../test-support/example-config';
import { tempDir } from '../test-support/temp';

type Edit = (json: RawJson) => void;

/** Each bad config: what is wrong, how to make it, and the field (and hint) the message must name. */
const badConfigs: [string, Edit, RegExp][] = [
  ['short account ID', (j) => (j.accounts[2].accountId = '12345'), /accounts\[2\]\.accountId: expected 12 digits .*got "12345"/],
  [
    'account ID as a number',
    (j) => (j.accounts[0].accountId = 111111111111),
    /accounts\[0\]\.accountId: expected a string, got the number 111111111111; quote it: "111111111111"/,
  ],
  [
    'duplicate stack name',
    (j) => (j.accounts[1].stackName = 'image-pipeline'),
    /accounts\[1\]\.stackName: stack name "image-pipeline" is already used by accounts\[0\]/,
  ],
  [
    'duplicate account/region',
    (j) => ((j.accounts[2].accountId = '222222222222'), (j.accounts[2].region = 'eu-west-1')),
    /accounts\[2\]\.accountId: account 222222222222 in region eu-west-1 is already used by accounts\[1\]/,
  ],
  [
    'unknown key in an account',
    (j) => (j.accounts[1].regoin = 'eu-west-2'),
    /accounts\[1\]\.regoin: unknown key; remove it or fix its spelling/,
  ],
  ['unknown key at the top', (j) => (j.acounts = []), /acounts: unknown key/],
  [
    'empty tag value',
    (j) => (j.defaults.approval.tagValues = ['Prod', '']),
    /defaults\.approval\.tagValues\[1\]: expected a non-empty tag value/,
  ],
  [
    'a tag value with a trailing space',
    (j) => (j.defaults.approval.tagValues = ['Prod ']),
    /defaults\.approval\.tagValues\[0\]: "Prod " has whitespace at the start or end, which IAM compares as written but people do not see; write "Prod"/,
  ],
  [
    'a tag key with a trailing space',
    (j) => (j.accounts[1].approval = { tagKey: 'Environment ' }),
    /accounts\[1\]\.approval\.tagKey: "Environment " has whitespace at the start or end.*; write "Environment"/,
  ],
  [
    'a blank tag value',
    (j) => (j.defaults.approval.tagValues = [' ']),
    /defaults\.approval\.tagValues\[0\]: " " has whitespace at the start or end.*; use a value with letters or digits/,
  ],
  [
    'a tag value IAM policies cannot hold',
    (j) => (j.defaults.approval.tagValues = ['本番']),
    /defaults\.approval\.tagValues\[0\]: "本番" contains "本" \(U\+672C\), but IAM policies hold only characters up to U\+00FF/,
  ],
  [
    'a tag key in the reserved aws: namespace, in another case',
    (j) => (j.defaults.approval.tagKey = 'AWS:Environment'),
    /defaults\.approval\.tagKey: expected a tag key .*not starting with "aws:" in any case, got "AWS:Environment"/,
  ],
  [
    'an exception tag key with a leading space',
    (j) => (j.defaults.detection.exceptionTagKey = ' AmiGuardException'),
    /defaults\.detection\.exceptionTagKey: " AmiGuardException" has whitespace/,
  ],
  [
    'no exception limit (0 days)',
    (j) => (j.defaults.detection.maxExceptionDays = 0),
    /defaults\.detection\.maxExceptionDays: expected at least 1 day, got 0/,
  ],
  [
    'an exception limit beyond ten years',
    (j) => (j.accounts[1].detection = { maxExceptionDays: 36500 }),
    /accounts\[1\]\.detection\.maxExceptionDays: expected at most 3650 days \(ten years\), got 36500/,
  ],
  [
    'a ticket pattern that is not a regex',
    (j) => (j.defaults.detection.exceptionTicketPattern = '^CHG-('),
    /defaults\.detection\.exceptionTicketPattern: "\^CHG-\(" is not a valid regular expression .*; use one such as/,
  ],
  [
    'a malformed exception granter',
    (j) => (j.defaults.approval.exceptionGranters = ['platform-change-approver']),
    /defaults\.approval\.exceptionGranters\[0\]: expected an IAM role or user ARN such as "arn:aws:iam::\{accountId\}:role\/change-approver"/,
  ],
  [
    'no tag values',
    (j) => (j.accounts[1].approval = { tagValues: [] }),
    /accounts\[1\]\.approval\.tagValues: expected at least one approved tag value/,
  ],
  [
    'malformed deploy role ARN',
    (j) => (j.accounts[1].deployRoleArn = 'arn:aws:iam::222222222222:ami-guard-deploy'),
    /accounts\[1\]\.deployRoleArn: expected an IAM role ARN/,
  ],
  [
    'deploy role of another account',
    (j) => (j.accounts[1].deployRoleArn = 'arn:aws:iam::999999999999:role/x'),
    /accounts\[1\]\.deployRoleArn: the role is in account 999999999999, but accountId is 222222222222/,
  ],
  [
    'malformed tagger principal',
    (j) => (j.defaults.approval.taggerPrincipals = ['image-pipeline']),
    /approval\.taggerPrincipals\[0\]: expected an IAM role or user ARN/,
  ],
  [
    'missing tag key everywhere',
    (j) => delete j.defaults.approval.tagKey,
    /accounts\[0\]\.approval\.tagKey: required .*set it in accounts\[0\]\.approval or defaults\.approval/,
  ],
  [
    'missing region everywhere',
    (j) => (delete j.defaults.region, delete j.accounts[0].region),
    /accounts\[0\]\.region: required; set it or defaults\.region/,
  ],
  ['bad region', (j) => (j.accounts[2].region = 'Frankfurt'), /accounts\[2\]\.region: expected an AWS region code/],
  [
    'a region AWS does not have',
    (j) => (j.accounts[2].region = 'eu-west-9'),
    /accounts\[2\]\.region: expected an AWS region code such as "eu-west-1" \(config\/aws-regions\.json lists the regions of the pinned AWS SDK.*got "eu-west-9"/,
  ],
  [
    'a duplicate role to attach to',
    (j) => (j.accounts[1].attachTo.roles = ['app-deployer', 'ops-admin', 'App-Deployer']),
    /accounts\[1\]\.attachTo\.roles\[2\]: "App-Deployer" is already listed at roles\[0\] \(IAM names ignore case\); list each role once/,
  ],
  ['untrusted owner alias', (j) => (j.defaults.approval.trustedOwners = ['self']), /trustedOwners\[0\]/],
  [
    'unknown remediation mode',
    (j) => (j.accounts[1].remediation.mode = 'delete'),
    /accounts\[1\]\.remediation\.mode: .*"off"\|"notify"\|"stop"\|"terminate"/,
  ],
  [
    'terminate inherited from defaults',
    (j) => (j.defaults.remediation.mode = 'terminate'),
    /defaults\.remediation\.mode: "terminate" is never inherited; write "mode": "terminate" in the remediation of each account/,
  ],
  [
    'grace 0 inherited from defaults',
    (j) => (j.defaults.remediation.graceHours = 0),
    /defaults\.remediation\.graceHours: 0 \(act without notice\) is never inherited/,
  ],
  [
    'a grace longer than 30 days',
    (j) => (j.accounts[1].remediation.graceHours = 721),
    /accounts\[1\]\.remediation\.graceHours: expected at most 720 hours .*got 721/,
  ],
  [
    'a route matching an attribute messages do not carry',
    (j) =>
      (j.accounts[1].remediation.routes = [{ match: { squad: ['payments'] }, protocol: 'email', endpoint: 'a@example.org' }]),
    /accounts\[1\]\.remediation\.routes\[0\]\.match\.squad: .*/,
  ],
  [
    'a route matching nothing',
    (j) => (j.accounts[1].remediation.routes = [{ match: {}, protocol: 'email', endpoint: 'a@example.org' }]),
    /accounts\[1\]\.remediation\.routes\[0\]\.match: expected at least one message attribute/,
  ],
  [
    'a route with no values',
    (j) => (j.accounts[1].remediation.routes = [{ match: { team: [] }, protocol: 'email', endpoint: 'a@example.org' }]),
    /accounts\[1\]\.remediation\.routes\[0\]\.match\.team: expected at least one value/,
  ],
  [
    'a route whose filter policy SNS refuses: 100 teams × 100 owners is 10,000 combinations, over 150',
    (j) =>
      (j.accounts[1].remediation.routes = [
        {
          match: { team: Array.from({ length: 100 }, (_, i) => `t${i}`), owner: Array.from({ length: 100 }, (_, i) => `o${i}`) },
          protocol: 'email',
          endpoint: 'a@example.org',
        },
      ]),
    /accounts\[1\]\.remediation\.routes\[0\]\.match: the route to email a@example\.org: .*100 × 100 = 10,000, over SNS's limit of 150 .*split the route/,
  ],
  [
    'an owner tag key AWS reserves',
    (j) => (j.defaults.remediation.ownerTagKeys = ['aws:createdBy']),
    /defaults\.remediation\.ownerTagKeys\[0\]: expected a tag key such as "Owner"/,
  ],
  [
    'automatic remediation while off',
    (j) => (j.accounts[0].remediation = { mode: 'off', automatic: true }),
    /accounts\[0\]\.remediation\.automatic: true has no effect while remediation\.mode is "off"/,
  ],
  [
    'remediation without detection',
    (j) => (j.accounts[1].detection = { enabled: false }),
    /accounts\[1\]\.remediation\.mode: "stop" needs the detection rule/,
  ],
  ['bad rule frequency', (j) => (j.defaults.detection.frequency = 'daily'), /detection\.frequency: .*TwentyFour_Hours/],
  [
    'reserved stack name',
    (j) => (j.accounts[0].stackName = 'state-backend'),
    /accounts\[0\]\.stackName: "state-backend" is reserved/,
  ],
  ['bad state bucket name', (j) => (j.backend.bucket = 'Bad_Bucket'), /backend\.bucket: expected an S3 bucket name/],
  ['no accounts', (j) => (j.accounts = []), /accounts: expected at least one account/],
];

function writeVariant(edit: Edit): string {
  const json = exampleJson();
  edit(json);
  const file = path.join(tempDir('ami-guard-config-'), 'accounts.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('a bad config', () => {
  test.each(badConfigs)('%s: fails naming the field, and writes no stack', (_what, edit, message) => {
    const file = writeVariant(edit);
    const outdir = tempDir('ami-guard-out-');
    let error: unknown;
    try {
      synthesizeFile(file, { outdir });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(file);
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('reports every problem at once', () => {
    const json = exampleJson();
    json.accounts[0].accountId = '1';
    json.accounts[1].region = 'nowhere';
    json.backend.lockTable = '';
    let error: ConfigError | undefined;
    try {
      parseConfig(json, 'all.json');
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'accounts[0].accountId',
      'accounts[1].region',
      'backend.lockTable',
    ]);
  });

  test('that is not JSON names the syntax error', () => {
    const file = path.join(tempDir(), 'broken.json');
    fs.writeFileSync(file, '{ "backend": ');
    expect(() => loadConfig(file)).toThrow(/not valid JSON at line 1, column 14: expected a value/);
  });

  test('that is missing names AMI_GUARD_CONFIG', () => {
    expect(() => loadConfig('/nonexistent/accounts.json')).toThrow(/ENOENT.*set AMI_GUARD_CONFIG/);
  });

  test('makes `cdktf synth` (main.ts) exit non-zero with the message and no output directory', () => {
    const file = writeVariant((j) => (j.accounts[2].accountId = '12345'));
    const outdir = path.join(tempDir(), 'cdktf.out');
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), 'main.ts'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, AMI_GUARD_CONFIG: file, CDKTF_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/accounts\[2\]\.accountId: expected 12 digits/);
    expect(fs.existsSync(outdir)).toBe(false);
  }, 150_000); // a child process: bounded by its own limit, not by the machine's speed
});

describe('defaults', () => {
  test('apply to every account and are overridden field by field', () => {
    const json = exampleJson();
    json.accounts[1].approval = { tagValues: ['Gold'] };
    const config = parseConfig(json);
    const [pipeline, payments] = config.accounts;
    expect(payments.approval).toMatchObject({ tagKey: 'Environment', tagValues: ['Gold'], trustedOwners: ['111111111111'] });
    expect(pipeline.approval.tagValues).toEqual(['Prod']);
    expect(payments.remediation).toMatchObject({
      mode: 'stop',
      automatic: true,
      maximumAutomaticAttempts: 5,
      retryAttemptSeconds: 60,
    });
    expect(payments.region).toBe('eu-west-1');
  });

  test('put the governed account into "{accountId}" principal ARNs', () => {
    const config = parseConfig(exampleJson());
    expect(config.accounts[1].approval.taggerPrincipals).toEqual(['arn:aws:iam::222222222222:role/image-pipeline']);
    expect(config.accounts[1].approval.exceptionGranters).toEqual(['arn:aws:iam::222222222222:role/platform-change-approver']);
  });

  test('bound exceptions to 90 days and a ticket of letters, digits and dashes, and let no one grant them', () => {
    const json = exampleJson();
    delete json.defaults.detection.maxExceptionDays;
    delete json.defaults.approval.exceptionGranters;
    const { detection, approval } = parseConfig(json).accounts[0];
    expect(detection).toMatchObject({ maxExceptionDays: 90, exceptionTicketPattern: '^[A-Za-z0-9][A-Za-z0-9-]{2,}$' });
    expect(approval.exceptionGranters).toEqual([]);
  });
});
