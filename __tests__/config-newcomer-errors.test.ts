/**
 * The errors a newcomer hits first: a JSON syntax error names its line and column, a misspelt key
 * names the key it most likely meant, a number where an account ID belongs says to quote it, and
 * `npm run synth` prints a bad config's problems once, without cdktf's spinner around them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, closestKey, loadConfig, parseConfig } from '../config/load';
import { exampleJson, RawJson } from '../test-support/example-config';
import { tempDir } from '../test-support/temp';

const EXAMPLE_FILE = path.join(__dirname, '..', 'config', 'accounts.example.json');

/** The problems of a config file with this text, or [] when it loads. */
function problemsOfText(text: string): readonly string[] {
  const file = path.join(tempDir(), 'accounts.json');
  fs.writeFileSync(file, text);
  try {
    loadConfig(file);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

function problemsOf(edit: (json: RawJson) => void): readonly string[] {
  const json = exampleJson();
  edit(json);
  try {
    parseConfig(json);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

describe('a JSON syntax error', () => {
  test('a trailing comma names the line and column of the comma, and shows the line', () => {
    // GIVEN the example with a comma after the last field of backend (line 7 of the file)
    const text = fs.readFileSync(EXAMPLE_FILE, 'utf8').replace('"keyPrefix": "ami-guard"\n', '"keyPrefix": "ami-guard",\n');
    const line = text.split('\n').findIndex((l) => l.includes('"keyPrefix"')) + 1;
    const column = text.split('\n')[line - 1].indexOf('",') + 2;
    // WHEN it is loaded THEN the one problem points at that comma
    const problems = problemsOfText(text);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      `not valid JSON at line ${line}, column ${column}: a comma after the last item (JSON allows no trailing comma); remove this comma`,
    );
    expect(problems[0]).toContain(`${line} |     "keyPrefix": "ami-guard",`);
    expect(problems[0]).toMatch(new RegExp(`\\n\\s+\\| {${column}}\\^$`));
  });

  test('a missing comma and a comment name their line and column too', () => {
    expect(problemsOfText('{\n  "backend": {}\n  "accounts": []\n}')[0]).toMatch(
      /^not valid JSON at line 3, column 3: a comma is missing between two items/,
    );
    expect(problemsOfText('{\n  // my accounts\n  "accounts": []\n}')[0]).toMatch(/^not valid JSON at line 2, column 3: /);
  });
});

describe('an unknown key', () => {
  test('`gracehours` suggests `graceHours`', () => {
    expect(problemsOf((j) => (j.accounts[1].remediation.gracehours = 12))).toContain(
      'accounts[1].remediation.gracehours: unknown key; remove it or fix its spelling: did you mean `graceHours`?',
    );
  });

  test('a typo at the top and in the organization section suggests the key of that object', () => {
    expect(problemsOf((j) => (j.acounts = []))).toContain(
      'acounts: unknown key; remove it or fix its spelling: did you mean `accounts`?',
    );
    expect(problemsOf((j) => (j.organization.allowedImages.critera = []))).toContain(
      'organization.allowedImages.critera: unknown key; remove it or fix its spelling: did you mean `criteria`?',
    );
  });

  test('a key like no known one gets no guess', () => {
    expect(problemsOf((j) => (j.defaults.detection.colour = 'blue'))).toContain(
      'defaults.detection.colour: unknown key; remove it or fix its spelling',
    );
    expect(closestKey('colour', ['enabled', 'recorder', 'frequency'])).toBeUndefined();
  });
});

describe('a number where an account ID belongs', () => {
  test('says to quote it, for an account and for a trusted owner', () => {
    const problems = problemsOf((j) => {
      j.accounts[1].accountId = 222222222222;
      j.defaults.approval.trustedOwners = [111111111111];
    });
    expect(problems).toContain(
      'accounts[1].accountId: expected a string, got the number 222222222222; quote it: "222222222222" (account IDs are 12-digit strings in quotes, so leading zeros survive)',
    );
    expect(problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^defaults\.approval\.trustedOwners\[0\]: .*quote it: "111111111111"/)]),
    );
  });
});

test('`npm run synth` prints a config problem once, without the spinner, and exits 1', () => {
  // GIVEN a config with a misspelt key
  const file = path.join(tempDir(), 'accounts.json');
  const json = exampleJson();
  json.accounts[1].remediation.gracehours = 12;
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  // WHEN npm run synth runs on it
  const run = spawnSync('npm', ['run', '--silent', 'synth'], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, AMI_GUARD_CONFIG: file },
    encoding: 'utf8',
    timeout: 120_000,
  });
  // THEN the problem is printed once, cdktf never started, and the exit code says it failed
  const output = `${run.stdout}${run.stderr}`;
  expect(run.status).toBe(1);
  expect(output.split('did you mean `graceHours`?')).toHaveLength(2);
  expect(output).not.toMatch(/Synthesizing|cdktf encountered an error/);
}, 150_000); // a child process: bounded by its own limit
