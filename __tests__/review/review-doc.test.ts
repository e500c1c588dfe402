/**
 * docs/review.md's generated sections (the flag table, the rule tables, the allowlist and the example
 * organization comment) are what the code produces now: `npm run docs:review` rewrites them.
 */
import * as fs from 'node:fs';
import { FLAG_CODES } from '../../modules/review/flags';
import { generatedSections, REVIEW_DOC, withSections } from '../../scripts/write-review-doc';

const text = fs.readFileSync(REVIEW_DOC, 'utf8');

test('GIVEN docs/review.md THEN its generated sections are up to date (run `npm run docs:review`)', () => {
  expect(withSections(text, generatedSections())).toBe(text);
});

test('GIVEN the flag table THEN every flag code has a row with its severity', () => {
  for (const [code, severity] of Object.entries(FLAG_CODES)) expect(text).toContain(`| \`${code}\` | ${severity} |`);
});

test('GIVEN the example comment THEN it shows the wildcard exemption as critical and the launch guard as high', () => {
  const example = text.slice(
    text.indexOf('<!-- generated:example-comment -->'),
    text.indexOf('<!-- /generated:example-comment -->'),
  );

  expect(example).toMatch(
    /critical\*\* `org-policy-loosened` SCP ami-guard-image-tag-guard: exempt principal arn:aws:iam::\\\*:role\/\\\* added/,
  );
  expect(example).toMatch(
    /high\*\* `launch-guard-removed` launch guard SCP ami-guard-launch-guard no longer attached to ou-e2e0-workloads/,
  );
});
