/**
 * The pull-request comment and the JSON for machines, rendered from real plans: the comment leads
 * with a summary, lists flags per stack, collapses resource lists, keeps unchanged stacks to one
 * line, and stays under GitHub's limit with a visible note of what was cut.
 */
import { renderJson } from '../../modules/review/render-json';
import { COMMENT_MARKER, GITHUB_COMMENT_LIMIT, renderMarkdown } from '../../modules/review/render-markdown';
import { NamedPlan, reviewPlans } from '../../modules/review/review';
import { loadPlan } from './fixtures/plans';
import { ANALYTICS, PAYMENTS, STATE_BACKEND } from './fixtures/review-cases';

function plans(...entries: [string, string, string?][]): NamedPlan[] {
  return entries.map(([reviewCase, stack, as]) => ({ stack: as ?? stack, plan: loadPlan(reviewCase, stack) }));
}

describe('the Markdown comment', () => {
  const review = reviewPlans(
    plans(
      ['attachment-removed', PAYMENTS],
      ['unchanged', ANALYTICS],
      ['unchanged', STATE_BACKEND],
      ['tagger-added', PAYMENTS, 'payments-staging'],
    ),
  );
  const text = renderMarkdown(review);

  test('GIVEN several stacks THEN the marker comes first, then the summary table, then the sections, most severe first', () => {
    expect(text.split('\n')[0]).toBe(COMMENT_MARKER);
    const table = text.indexOf('| stack | create | update | delete | replace | highest |');
    expect(table).toBeGreaterThan(0);
    expect(text).toContain('| `payments-prod` | 1 | 0 | 2 | 0 | 🔴 critical |');
    expect(text).toContain('| `payments-staging` | 1 | 1 | 0 | 0 | 🟠 high |');
    expect(text.indexOf('### `payments-prod`')).toBeGreaterThan(table);
    expect(text.indexOf('### `payments-prod`')).toBeLessThan(text.indexOf('### `payments-staging`'));
    expect(text).toContain('3 of 4 stacks change; highest flag: 🔴 **critical**.');
  });

  test('GIVEN flags THEN each reads severity, code, message and address; info only as a count', () => {
    expect(text).toContain(
      '- 🔴 **critical** `launch-policy-removed` launch policy ami-guard-launch-policy-eu-west-1 no longer attached to role ops-admin<br><sub>`aws_iam_role_policy_attachment.launch-policy_attach_role-ops-admin_289059EF`</sub>',
    );
    expect(text).toContain('1 plain change (info), listed below');
    expect(text).not.toContain('**info**');
  });

  test('GIVEN a stack with changes THEN its resources are in a collapsed block; an unchanged stack is one line', () => {
    const section = text.slice(text.indexOf('### `payments-prod`'), text.indexOf('### `payments-staging`'));
    expect(section).toContain('<details><summary>3 resources: 1 to create, 2 to delete</summary>');
    expect(section).toMatch(/\| delete \| `aws_iam_role_policy_attachment\.image-tag-guard_attach_role-ops-admin_\w+` \|/);
    expect(text.split('\n').filter((l) => l.includes(ANALYTICS))).toEqual([`- \`${ANALYTICS}\`: no changes`]);
  });

  test('GIVEN text with Markdown in it THEN it is escaped, so a principal wildcard is not italics', () => {
    const wildcard = reviewPlans(plans(['tagger-added', PAYMENTS]));
    const flag = wildcard.stacks[0].flags.find((f) => f.code === 'tag-guard-weakened')!;
    const edited = { stacks: [{ ...wildcard.stacks[0], flags: [{ ...flag, message: 'role/* and role/*_x | y' }] }] };

    expect(renderMarkdown(edited)).toContain('role/\\* and role/\\*\\_x \\| y');
  });
});

describe('GitHub comment limit', () => {
  /** 100 stacks: every fifth unchanged, the others cycling through the real changed plans (each read once). */
  function hundredStacks(): NamedPlan[] {
    const cache = new Map<string, ReturnType<typeof loadPlan>>();
    const load = (reviewCase: string, stack: string) => {
      const key = `${reviewCase}/${stack}`;
      if (!cache.has(key)) cache.set(key, loadPlan(reviewCase, stack));
      return cache.get(key)!;
    };
    const changed: [string, string][] = [
      ['detection-disabled', ANALYTICS],
      ['attachment-removed', PAYMENTS],
      ['tag-value-added', PAYMENTS],
      ['remediation-stop', PAYMENTS],
      ['tagger-added', PAYMENTS],
      ['state-backend-changed', STATE_BACKEND],
    ];
    return Array.from({ length: 100 }, (_, i) => {
      const [reviewCase, stack] = i % 5 === 4 ? ['unchanged', ANALYTICS] : changed[i % changed.length];
      return { stack: `account-${String(i).padStart(3, '0')}`, plan: load(reviewCase, stack) };
    });
  }
  let review: ReturnType<typeof reviewPlans>;
  beforeAll(() => {
    review = reviewPlans(hundredStacks());
  });

  test('GIVEN 100 stacks THEN the comment is under 65,536 characters, names every flagged stack, and says what was cut and where the rest is', () => {
    const full = renderMarkdown(review, { maxChars: Number.POSITIVE_INFINITY });
    const text = renderMarkdown(review, { reportUrl: 'https://github.com/o/r/actions/runs/1' });

    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT); // the case needs cutting at all
    expect(text.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
    const flagged = review.stacks.filter((s) => s.flags.some((f) => f.severity !== 'info'));
    expect(flagged.length).toBeGreaterThanOrEqual(80);
    for (const s of flagged) expect(text).toContain(`| \`${s.stack}\` |`);
    expect(text).toMatch(
      /> ✂️ Shortened to stay under GitHub's 65,536-character comment limit: resource lists of \d+ stacks.* cut\. Everything is in \[the full report\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)\./,
    );
    // Cutting starts with the least severe stacks: critical flags are still spelled out.
    expect(text).toContain('no longer attached to role ops-admin');
  });

  test('GIVEN a smaller limit THEN lower levels are cut further, but never past one table row per flagged stack', () => {
    const text = renderMarkdown(review, { maxChars: 12_000 });

    expect(text.length).toBeLessThanOrEqual(12_000);
    for (const s of review.stacks.filter((x) => x.flags.some((f) => f.severity !== 'info')))
      expect(text).toContain(`\`${s.stack}\``);
    expect(text).toMatch(/the per-stack sections/);
  });

  test('GIVEN a review that fits THEN nothing is cut and no note is added', () => {
    expect(renderMarkdown(reviewPlans(plans(['tagger-added', PAYMENTS])))).not.toContain('Shortened');
  });
});

describe('the JSON output', () => {
  test('GIVEN plans THEN the document has exactly the documented shape', () => {
    const json = JSON.parse(renderJson(reviewPlans(plans(['tagger-added', PAYMENTS], ['unchanged', ANALYTICS]))));

    expect(Object.keys(json)).toEqual(['stacks']);
    expect(json.stacks.map((s: object) => Object.keys(s))).toEqual([
      ['stack', 'counts', 'flags'],
      ['stack', 'counts', 'flags'],
    ]);
    expect(json.stacks[0].counts).toEqual({ create: 1, update: 1, delete: 0, replace: 0 });
    expect(json.stacks[0].flags[0]).toEqual({
      severity: 'high',
      code: 'tag-guard-weakened',
      address: expect.stringMatching(/^aws_iam_policy\.image-tag-guard_/),
      message: 'image tag guard ami-guard-tag-guard-eu-west-1: tagger principal arn:aws:iam::123456789012:role/release-bot added',
    });
    expect(json.stacks[1]).toEqual({ stack: ANALYTICS, counts: { create: 0, update: 0, delete: 0, replace: 0 }, flags: [] });
  });
});
