/**
 * `npm run report` end to end against the AWS model (test-support/fake-aws.ts): real SDK clients, STS
 * included, every account/region answered by the same modelled fleet.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runReport, type ReportIo } from '../../scripts/report';
import type { Report } from '../../modules/report/model';
import { CSV_COLUMNS } from '../../modules/report/render-csv';
import { AwsModel, imageTags } from '../../test-support/fake-aws';
import { fleetAccountId, fleetConfigJson, planRole } from '../../test-support/report-config';
import { tempDir } from '../../test-support/temp';

const NOW = new Date('2026-01-11T00:00:00Z');
const INSTANCES = 120;
const IMAGES = 12;

function setup(options: { accounts: number; regions?: string[]; deniedRoles?: string[]; instances?: number }) {
  const dir = tempDir();
  const configFile = path.join(dir, 'accounts.json');
  fs.writeFileSync(configFile, JSON.stringify(fleetConfigJson({ accounts: options.accounts, regions: options.regions })));
  const model = new AwsModel({
    instances: options.instances ?? INSTANCES,
    images: IMAGES,
    detail: 'lean',
    imageCreated: () => '2026-01-01T00:00:00.000Z',
    deniedRoles: options.deniedRoles,
  });
  const out: string[] = [];
  const err: string[] = [];
  const io: ReportIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env: { AMI_GUARD_CONFIG: configFile },
    now: NOW,
    clientOverrides: model.overrides(),
  };
  return { dir, model, io, out, err, outDir: path.join(dir, 'out') };
}

const readReport = (dir: string): Report => JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;

/** What the model's fleet should get: AMI j is approved when j % 3 == 0. */
const expectedCompliant = (instances: number) =>
  Array.from({ length: instances }, (_, i) => imageTags(i % IMAGES).Environment === 'Prod').filter(Boolean).length;

test('a scan of two accounts in two regions writes the table, report.json, findings.csv and report.html', async () => {
  // GIVEN two accounts, two regions each, 120 instances per region
  const { io, out, outDir, model } = setup({ accounts: 2, regions: ['eu-west-1', 'us-east-1'] });
  // WHEN the report runs with every format
  const code = await runReport(['--out', outDir], io);
  // THEN it is complete, every instance is judged once, and the counts add up
  expect(code).toBe(0);
  const report = readReport(outDir);
  expect(report.status).toBe('complete');
  expect(report.totals).toMatchObject({ accounts: 2, regions: 4, failedRegions: 0, instances: 4 * INSTANCES });
  expect(report.totals.compliant).toBe(4 * expectedCompliant(INSTANCES));
  expect(report.totals.nonCompliant).toBe(4 * (INSTANCES - expectedCompliant(INSTANCES)));
  expect(report.findings).toHaveLength(4 * INSTANCES);
  expect(new Set(report.findings.map((f) => `${f.accountId}/${f.region}/${f.instanceId}`)).size).toBe(4 * INSTANCES);
  expect(model.calls.AssumeRole).toBe(2);
  expect(report.accounts.map((a) => a.accountId).sort()).toEqual([fleetAccountId(0), fleetAccountId(1)]);
  expect(report.amis).toHaveLength(IMAGES);
  expect(report.amis[0]).toMatchObject({ imageName: expect.stringMatching(/^golden-/), imageAgeDays: 10, accounts: 2 });
  // the CSV holds one row per finding, in the documented columns
  const csv = fs.readFileSync(path.join(outDir, 'findings.csv'), 'utf8').trimEnd().split('\r\n');
  expect(csv[0]).toBe(CSV_COLUMNS.map(([c]) => c).join(','));
  expect(csv).toHaveLength(1 + 4 * INSTANCES);
  expect(fs.readFileSync(path.join(outDir, 'report.html'), 'utf8')).toContain('<svg id="accounts-chart"');
  // the terminal table names both accounts; nothing else is left in the folder
  expect(out.join('')).toContain(fleetAccountId(1));
  expect(fs.readdirSync(outDir).sort()).toEqual(['findings.csv', 'report.html', 'report.json']);
});

test('--fail-on noncompliant exits 2 when an instance is NON_COMPLIANT', async () => {
  const { io, outDir } = setup({ accounts: 1 });
  expect(await runReport(['--out', outDir, '--format', 'json', '--fail-on', 'noncompliant'], io)).toBe(2);
  expect(readReport(outDir).totals.nonCompliant).toBeGreaterThan(0);
});

test('an account whose role cannot be assumed is reported with the reason; the others are complete; exit 3', async () => {
  // GIVEN three accounts, the second one refusing the report's AssumeRole
  const denied = planRole(fleetAccountId(1));
  const { io, err, outDir } = setup({ accounts: 3, deniedRoles: [denied] });
  // WHEN the report runs
  const code = await runReport(['--out', outDir, '--format', 'json', 'terminal'], io);
  // THEN the exit code says partial, the row says why, and the other accounts hold every instance
  expect(code).toBe(3);
  const report = readReport(outDir);
  expect(report.status).toBe('partial');
  const failed = report.accounts.find((a) => a.accountId === fleetAccountId(1))!;
  expect(failed.status).toBe('failed');
  expect(failed.regions[0].error).toMatch(
    new RegExp(`cannot assume ${denied}: AccessDenied: .*not authorized to perform: sts:AssumeRole`),
  );
  for (const id of [fleetAccountId(0), fleetAccountId(2)]) {
    expect(report.accounts.find((a) => a.accountId === id)).toMatchObject({
      status: 'complete',
      counts: { instances: INSTANCES },
    });
  }
  expect(report.findings.filter((f) => f.accountId === fleetAccountId(1))).toEqual([]);
  expect(err.join('')).toContain('partial: 1 of 3 account/region(s) could not be read');
});

test('an unknown --format is refused before anything is read or written', async () => {
  const { io, err, outDir, model } = setup({ accounts: 1 });
  expect(await runReport(['--out', outDir, '--format', 'json', 'xml'], io)).toBe(1);
  expect(err.join('')).toMatch(/argument 'xml' is invalid\. Allowed choices are terminal, json, csv, html/);
  expect(fs.existsSync(outDir)).toBe(false);
  expect(model.calls.DescribeInstances).toBe(0);
});

test('an --out that cannot be written is refused before anything is read, naming the folder and the fix', async () => {
  const { io, err, dir, model } = setup({ accounts: 1 });
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'not a folder');
  expect(await runReport(['--out', path.join(file, 'out')], io)).toBe(1);
  expect(err.join('')).toContain(`--out ${path.join(file, 'out')}: cannot write there (ENOTDIR); pass a folder you can write to`);
  expect(model.calls.DescribeInstances).toBe(0);
  expect(fs.readFileSync(file, 'utf8')).toBe('not a folder');
});

test('an output file that cannot be replaced is refused before anything is read; the previous report stays', async () => {
  // GIVEN a previous report in the folder, and a folder where findings.csv would go
  const { io, err, outDir, model } = setup({ accounts: 1 });
  expect(await runReport(['--out', outDir, '--format', 'json'], io)).toBe(0);
  const before = fs.readFileSync(path.join(outDir, 'report.json'), 'utf8');
  const calls = model.calls.DescribeInstances;
  fs.mkdirSync(path.join(outDir, 'findings.csv'));
  // WHEN the next run asks for report.json and findings.csv
  const code = await runReport(['--out', outDir, '--format', 'json', 'csv'], { ...io, now: new Date('2026-01-12T00:00:00Z') });
  // THEN it stops with the reason, reads nothing, and leaves the folder as it was
  expect(code).toBe(1);
  expect(err.join('')).toContain(`${path.join(outDir, 'findings.csv')} exists and is not a file`);
  expect(model.calls.DescribeInstances).toBe(calls);
  expect(fs.readdirSync(outDir).sort()).toEqual(['findings.csv', 'report.json']);
  expect(fs.readFileSync(path.join(outDir, 'report.json'), 'utf8')).toBe(before);
});

test('an organization without instances gives an empty report, not a crash', async () => {
  const { io, out, outDir } = setup({ accounts: 2, instances: 0 });
  expect(await runReport(['--out', outDir, '--fail-on', 'noncompliant'], io)).toBe(0);
  const report = readReport(outDir);
  expect(report.totals).toMatchObject({ instances: 0, accounts: 2, failedAccounts: 0 });
  expect(report.findings).toEqual([]);
  expect(report.accounts.every((a) => a.compliancePercent === null)).toBe(true);
  expect(fs.readFileSync(path.join(outDir, 'findings.csv'), 'utf8').trimEnd().split('\r\n')).toHaveLength(1);
  expect(out.join('')).toContain('total');
});

test('--source aggregator without an aggregator in the config says what to add', async () => {
  const { io, err, outDir } = setup({ accounts: 1 });
  expect(await runReport(['--out', outDir, '--source', 'aggregator'], io)).toBe(1);
  expect(err.join('')).toContain('organization.aggregator is not set in the config');
  expect(fs.existsSync(outDir)).toBe(false);
});
