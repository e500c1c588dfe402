/** The summary's windows and sort orders, and what each renderer writes for awkward input. */
import { ReportBuilder, type Finding } from '../../modules/report/model';
import { csvCell, renderCsv } from '../../modules/report/render-csv';
import { escapeHtml, HTML_ROW_LIMIT, renderHtml } from '../../modules/report/render-html';
import { renderJson } from '../../modules/report/render-json';
import { renderTerminal } from '../../modules/report/render-terminal';

const NOW = new Date('2026-03-02T09:00:00Z');

const finding = (over: Partial<Finding>): Finding => ({
  accountId: '111111111111',
  stackName: 'a',
  region: 'eu-west-1',
  instanceId: 'i-00000000000000001',
  state: 'running',
  imageId: 'ami-00000000000000001',
  imageName: 'golden',
  imageCreated: '2026-01-01T00:00:00.000Z',
  imageAgeDays: 60,
  compliance: 'NON_COMPLIANT',
  reason: 'no tag',
  owner: null,
  team: null,
  deadline: null,
  exceptionUntil: null,
  ...over,
});

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
const collect = () => {
  const parts: string[] = [];
  return { sink: { write: (t: string) => void parts.push(t) }, text: () => parts.join('') };
};

describe('the summary', () => {
  test('lists deadlines due within 7 days of now only, soonest first', () => {
    const b = new ReportBuilder('scan', NOW);
    for (const [id, deadline] of [
      ['i-1', '2026-03-02T08:59Z'], // passed a minute ago
      ['i-2', '2026-03-09T08:59Z'], // inside
      ['i-3', '2026-03-02T09:00Z'], // now
      ['i-4', '2026-03-09T09:00Z'], // exactly 7 days: outside
    ])
      b.add(finding({ instanceId: id, deadline }));
    b.add(finding({ instanceId: 'i-5', deadline: '2026-03-03T00:00Z', compliance: 'COMPLIANT' })); // no longer due
    expect(b.summary().deadlinesNextDays.map((f) => f.instanceId)).toEqual(['i-3', 'i-2']);
  });

  test('lists exceptions ending from today to 14 days out, soonest first', () => {
    const b = new ReportBuilder('scan', NOW);
    for (const [id, until] of [
      ['i-1', '2026-03-16'],
      ['i-2', '2026-03-02'],
      ['i-3', '2026-03-17'],
    ])
      b.add(finding({ instanceId: id, exceptionUntil: until, compliance: 'COMPLIANT' }));
    expect(b.summary().exceptionsExpiringNextDays.map((f) => f.instanceId)).toEqual(['i-2', 'i-1']);
  });

  test('sorts accounts worst first, AMIs by use, owners by non-compliant instances; counts each AMI account once', () => {
    const b = new ReportBuilder('scan', NOW);
    const counts = (c: number, n: number) => ({ instances: c + n, compliant: c, nonCompliant: n, notApplicable: 0 });
    const region = (accountId: string, c: number, n: number) =>
      b.region({
        accountId,
        stackName: accountId,
        region: 'eu-west-1',
        status: 'complete',
        error: null,
        note: null,
        counts: counts(c, n),
      });
    region('111111111111', 9, 1);
    region('222222222222', 1, 1);
    region('333333333333', 0, 0);
    b.add(finding({ imageId: 'ami-2', owner: 'bob', team: 't' }));
    b.add(finding({ imageId: 'ami-2', accountId: '222222222222', owner: 'bob', team: 't' }));
    b.add(finding({ imageId: 'ami-1' }));
    const s = b.summary();
    expect(s.accounts.map((a) => [a.accountId, a.compliancePercent])).toEqual([
      ['222222222222', 50],
      ['111111111111', 90],
      ['333333333333', null],
    ]);
    expect(s.amis.map((a) => [a.imageId, a.instances, a.accounts])).toEqual([
      ['ami-2', 2, 2],
      ['ami-1', 1, 1],
    ]);
    expect(s.nonCompliantByOwner).toEqual([
      { team: 't', owner: 'bob', nonCompliant: 2 },
      { team: 'unknown', owner: 'unknown', nonCompliant: 1 },
    ]);
  });
});

describe('findings.csv', () => {
  test('quotes commas, quotes and line breaks, and defuses spreadsheet formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('@owner')).toBe("'@owner");
    expect(csvCell(null)).toBe('');
    expect(csvCell(-3)).toBe('-3');
  });

  test('one row per finding, empty cells for what is unknown', async () => {
    const out = collect();
    await renderCsv(each([finding({ imageName: null, imageAgeDays: null, owner: 'a,b' })]), out.sink);
    expect(out.text().split('\r\n')[1]).toBe(
      '111111111111,eu-west-1,i-00000000000000001,ami-00000000000000001,,,NON_COMPLIANT,no tag,"a,b",,,',
    );
  });
});

describe('report.json', () => {
  test('is valid JSON holding the summary and every finding, with or without findings', async () => {
    const b = new ReportBuilder('scan', NOW);
    for (const items of [[], [finding({}), finding({ instanceId: 'i-2', reason: 'line\nbreak "quoted"' })]]) {
      const out = collect();
      await renderJson(b.summary(), each(items), out.sink);
      const parsed = JSON.parse(out.text());
      expect(parsed).toEqual({ ...b.summary(), findings: items });
    }
  });
});

describe('report.html', () => {
  test('escapes every character that could open markup or close an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  test('hostile text from tags and AMI names never reaches the page as markup', async () => {
    const b = new ReportBuilder('scan', NOW);
    const evil = finding({
      owner: '</td><script>alert(1)</script>',
      imageName: '"><svg onload=alert(1)>',
      reason: "' onmouseover='x",
    });
    b.add(evil);
    b.region({
      accountId: '"><b>',
      stackName: '<i>',
      region: 'eu-west-1',
      status: 'failed',
      error: '<x>',
      note: null,
      counts: { instances: 0, compliant: 0, nonCompliant: 0, notApplicable: 0 },
    });
    const out = collect();
    await renderHtml(b.summary(), each([evil]), out.sink);
    const html = out.text();
    expect(html).not.toMatch(/<script>alert|<svg onload|<b>|<i>|<x>/);
    expect(html.match(/<script>/g)).toHaveLength(1); // the page's own filter
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
  });

  test(`holds at most ${HTML_ROW_LIMIT} findings rows and says where the rest are`, async () => {
    const b = new ReportBuilder('scan', NOW);
    const many = Array.from({ length: HTML_ROW_LIMIT + 3 }, (_, i) => finding({ instanceId: `i-${i}` }));
    b.region({
      accountId: '111111111111',
      stackName: 'a',
      region: 'eu-west-1',
      status: 'complete',
      error: null,
      note: null,
      counts: { instances: many.length, compliant: 0, nonCompliant: many.length, notApplicable: 0 },
    });
    const out = collect();
    await renderHtml(b.summary(), each(many), out.sink);
    expect(out.text().match(/<tr data-compliance=/g)).toHaveLength(HTML_ROW_LIMIT);
    expect(out.text()).toContain(
      `The first ${HTML_ROW_LIMIT} of ${many.length} instances; findings.csv and report.json hold all.`,
    );
  });
});

test('the terminal table has a row per account, the totals, and the reasons of failed regions', () => {
  const b = new ReportBuilder('scan', NOW);
  b.region({
    accountId: '111111111111',
    stackName: 'a',
    region: 'eu-west-1',
    status: 'complete',
    error: null,
    note: 'SSM parameter /x not found',
    counts: { instances: 4, compliant: 3, nonCompliant: 1, notApplicable: 0 },
  });
  b.region({
    accountId: '222222222222',
    stackName: 'b',
    region: 'eu-west-1',
    status: 'failed',
    error: 'AccessDenied: no',
    note: null,
    counts: { instances: 0, compliant: 0, nonCompliant: 0, notApplicable: 0 },
  });
  const text = renderTerminal(b.summary());
  expect(text).toMatch(/111111111111 .* complete .* 4 .* 3 .* 1 .* 0 .* 75%/);
  expect(text).toMatch(/222222222222 .* failed/);
  expect(text).toContain('222222222222 eu-west-1: AccessDenied: no');
  expect(text).toContain('111111111111 eu-west-1: SSM parameter /x not found');
  expect(text).not.toContain('\u001b['); // no colour codes in a CI log
});
