/**
 * report.html in a real browser (Debian's Chromium through playwright-core): it renders without console
 * errors or network requests, its bars and counts are the numbers of report.json, and the filter narrows
 * the findings table. A screenshot is saved in the test's temp folder (and, with AMI_GUARD_DOCS_SCREENSHOT=1,
 * as docs/report.png).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ReportBuilder, type Finding, type Report } from '../../modules/report/model';
import { renderHtml } from '../../modules/report/render-html';
import { renderJson } from '../../modules/report/render-json';
import { launchChromium } from '../../test-support/browser';
import { tempDir } from '../../test-support/temp';

const NOW = new Date('2026-03-02T09:00:00Z');

/** A small organization: three accounts, one of them partly unreadable, with owners, deadlines, exceptions and hostile text. */
function fleet(): { findings: Finding[]; builder: ReportBuilder } {
  const builder = new ReportBuilder('scan', NOW);
  const findings: Finding[] = [];
  const base = {
    state: 'running',
    imageCreated: '2025-12-01T00:00:00.000Z',
    imageAgeDays: 91,
    deadline: null,
    exceptionUntil: null,
  };
  const add = (accountId: string, region: string, n: number, make: (i: number) => Partial<Finding>) => {
    for (let i = 0; i < n; i++) {
      const f: Finding = {
        ...base,
        accountId,
        stackName: `stack-${accountId.slice(-1)}`,
        region,
        instanceId: `i-${accountId.slice(-4)}${region.length}${String(i).padStart(9, '0')}`,
        imageId: 'ami-000000000000000a1',
        imageName: 'golden-al2023',
        compliance: 'COMPLIANT',
        reason: 'AMI ami-000000000000000a1 (owner 111111111111) is approved: Environment="Prod".',
        owner: 'alice@example.org',
        team: 'payments',
        ...make(i),
      };
      findings.push(f);
      builder.add(f);
    }
  };
  add('111111111111', 'eu-west-1', 8, (i) =>
    i < 3
      ? {
          imageId: 'ami-000000000000000b2',
          imageName: 'hand-built <b>bold</b>',
          compliance: 'NON_COMPLIANT',
          reason: 'AMI ami-000000000000000b2 has no tag Environment. Fix: AMI tag Environment="Prod".',
          owner: '<img src=x onerror=alert(1)>',
          team: 'checkout',
          deadline: i === 0 ? '2026-03-04T10:00Z' : null,
        }
      : {},
  );
  add('222222222222', 'eu-west-1', 5, (i) =>
    i === 0 ? { exceptionUntil: '2026-03-10', reason: 'Exception CHG-1 (tag AmiGuardException) valid until 2026-03-10' } : {},
  );
  add('333333333333', 'us-east-1', 4, () => ({
    imageId: null,
    compliance: 'NON_COMPLIANT',
    reason: 'AMI not found (deregistered, or not shared with this account).',
    owner: null,
    team: null,
  }));
  const counts = (accountId: string, region: string) => {
    const mine = findings.filter((f) => f.accountId === accountId && f.region === region);
    const c = (t: string) => mine.filter((f) => f.compliance === t).length;
    return {
      instances: mine.length,
      compliant: c('COMPLIANT'),
      nonCompliant: c('NON_COMPLIANT'),
      notApplicable: c('NOT_APPLICABLE'),
    };
  };
  const ok = { status: 'complete' as const, error: null, note: null };
  builder.region({
    accountId: '111111111111',
    stackName: 'stack-1',
    region: 'eu-west-1',
    ...ok,
    counts: counts('111111111111', 'eu-west-1'),
  });
  builder.region({
    accountId: '222222222222',
    stackName: 'stack-2',
    region: 'eu-west-1',
    ...ok,
    counts: counts('222222222222', 'eu-west-1'),
  });
  builder.region({
    accountId: '333333333333',
    stackName: 'stack-3',
    region: 'us-east-1',
    ...ok,
    counts: counts('333333333333', 'us-east-1'),
  });
  builder.region({
    accountId: '333333333333',
    stackName: 'stack-3b',
    region: 'eu-west-1',
    status: 'failed',
    error: 'cannot assume arn:aws:iam::333333333333:role/ami-guard-plan: AccessDenied: <not authorized>',
    note: null,
    counts: { instances: 0, compliant: 0, nonCompliant: 0, notApplicable: 0 },
  });
  return { findings, builder };
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

const sink = (parts: string[]) => ({ write: (t: string) => void parts.push(t) });

let page: Page;
let report: Report;
let dir: string;
let close: (() => Promise<void>) | undefined;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  const { findings, builder } = fleet();
  const summary = builder.summary();
  const html: string[] = [];
  const json: string[] = [];
  await renderHtml(summary, each(findings), sink(html));
  await renderJson(summary, each(findings), sink(json));
  fs.writeFileSync(path.join(dir, 'report.html'), html.join(''));
  report = JSON.parse(json.join('')) as Report;
  const browser = await launchChromium();
  close = browser.close;
  page = await browser.context.newPage();
  const url = `file://${path.join(dir, 'report.html')}`;
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('dialog', (d) => {
    consoleErrors.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  // Every request but the page itself is recorded and refused.
  await browser.context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    requests.push(route.request().url());
    return route.abort();
  });
  browser.context.on('request', (r) => r.url() !== url && requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  await page.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
  if (process.env.AMI_GUARD_DOCS_SCREENSHOT === '1') {
    fs.copyFileSync(path.join(dir, 'report.png'), path.resolve(__dirname, '..', '..', 'docs', 'report.png'));
  }
}, 120_000);

afterAll(async () => {
  await close?.();
});

test('the page renders with no console errors, no dialogs and no network requests', async () => {
  expect(consoleErrors).toEqual([]);
  expect(requests).toEqual([]);
  expect(await page.title()).toBe('AMI Guard fleet report 2026-03-02');
  expect(fs.statSync(path.join(dir, 'report.png')).size).toBeGreaterThan(10_000);
});

test('the bars are the accounts of report.json, in its order, with its counts, drawn to scale', async () => {
  const bars = await page.$$eval('#accounts-chart g.bar', (gs) =>
    gs.map((g) => ({
      account: g.getAttribute('data-account'),
      status: g.getAttribute('data-status'),
      instances: Number(g.getAttribute('data-instances')),
      compliant: Number(g.getAttribute('data-compliant')),
      nonCompliant: Number(g.getAttribute('data-non-compliant')),
      notApplicable: Number(g.getAttribute('data-not-applicable')),
      widths: ['ok', 'bad', 'na'].map((c) => Number(g.querySelector(`rect.${c}`)!.getAttribute('width'))),
    })),
  );
  expect(bars.map((b) => b.account)).toEqual(report.accounts.map((a) => a.accountId));
  expect(bars.map((b) => b.account)).toEqual(['333333333333', '111111111111', '222222222222']); // worst first
  for (const [i, a] of report.accounts.entries()) {
    expect(bars[i]).toMatchObject({ status: a.status, ...a.counts });
    const max = Math.max(...report.accounts.map((x) => x.counts.instances));
    const expected = [a.counts.compliant, a.counts.nonCompliant, a.counts.notApplicable].map((n) => (n / max) * 560);
    bars[i].widths.forEach((w, j) => expect(w).toBeCloseTo(expected[j], 0));
  }
});

test('the totals, AMIs, owners, deadlines and exceptions on the page are those of report.json', async () => {
  const totals = await page.$$eval('[data-total]', (els) =>
    els.map((e) => [e.getAttribute('data-total'), Number(e.textContent)]),
  );
  for (const [key, value] of totals) expect(value).toBe(report.totals[key as keyof Report['totals']]);
  expect(totals.map(([k]) => k)).toEqual([
    'instances',
    'compliant',
    'nonCompliant',
    'notApplicable',
    'accounts',
    'failedAccounts',
  ]);
  const amis = await page.$$eval('[data-ami]', (els) => els.map((e) => [e.getAttribute('data-ami'), Number(e.textContent)]));
  expect(amis).toEqual(report.amis.map((a) => [a.imageId, a.instances]));
  const owners = await page.$$eval('#owners tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  expect(owners).toEqual(report.nonCompliantByOwner.map((o) => [o.team, o.owner, String(o.nonCompliant)]));
  expect(await page.locator('#deadlines tbody tr').count()).toBe(report.deadlinesNextDays.length);
  expect(report.deadlinesNextDays).toHaveLength(1);
  expect(await page.locator('#exceptions tbody tr').count()).toBe(report.exceptionsExpiringNextDays.length);
  expect(report.exceptionsExpiringNextDays).toHaveLength(1);
  expect(await page.locator('#failed tbody tr').textContent()).toContain('AccessDenied: <not authorized>');
  // hostile text from tags and names is shown as text, never run or parsed
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.locator('#owners').textContent()).toContain('<img src=x onerror=alert(1)>');
});

test('the filter narrows the findings table, by text and by verdict', async () => {
  const visible = () => page.locator('#findings tbody tr:not([hidden])').count();
  expect(await visible()).toBe(report.findings.length);
  expect(await page.locator('#shown').textContent()).toBe(String(report.findings.length));
  const one = report.findings[5].instanceId;
  await page.fill('#filter', one);
  expect(await visible()).toBe(1);
  expect(await page.locator('#findings tbody tr:not([hidden]) td').nth(2).textContent()).toBe(one);
  await page.fill('#filter', '');
  await page.selectOption('#verdict', 'NON_COMPLIANT');
  expect(await visible()).toBe(report.totals.nonCompliant);
  await page.fill('#filter', 'checkout');
  expect(await visible()).toBe(report.findings.filter((f) => f.team === 'checkout').length);
  expect(await page.locator('#shown').textContent()).toBe('3');
});
