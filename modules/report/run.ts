/**
 * The report as a whole: read every account/region from the chosen source, stream the findings to disk
 * while the summary is counted, then render each format from the summary and the findings, and decide
 * the exit code. `scripts/report.ts` is the command line around it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AmiGuardConfig } from '../../config/schema';
import { readAggregator, type AggregatorOptions } from './aggregator';
import { ReportBuilder, type ReportSource, type ReportSummary } from './model';
import { StagedOutput } from './output';
import type { Progress } from './progress';
import { renderCsv } from './render-csv';
import { renderHtml } from './render-html';
import { renderJson } from './render-json';
import { renderTerminal } from './render-terminal';
import { scanAccounts, type ClientSettings, type FindingSink } from './scan';
import { FileWriter, FindingSpool, type TextSink } from './spool';
import { accountTargets } from './targets';

/** The output formats, and the file each writes. */
export const FORMAT_FILES = { terminal: null, json: 'report.json', csv: 'findings.csv', html: 'report.html' } as const;
export type Format = keyof typeof FORMAT_FILES;
export const FORMATS = Object.keys(FORMAT_FILES) as Format[];

/**
 * Exit codes, for CI: 0 complete (and nothing to fail on), 1 bad input (usage, config, output folder),
 * 2 `--fail-on noncompliant` and an instance is NON_COMPLIANT (even when partial: a nightly job pages),
 * 3 partial: an account or region could not be read.
 */
export const EXIT = { ok: 0, usage: 1, failOn: 2, partial: 3 } as const;

/** The config lacks what the chosen source needs; the message names the field and the fix. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

export interface ReportOptions {
  readonly config: AmiGuardConfig;
  readonly source: ReportSource;
  readonly formats: readonly Format[];
  /** The output folder; needed by every format but `terminal`. */
  readonly out?: string;
  readonly failOn?: 'noncompliant';
  /** Accounts (scan) or account/regions (aggregator) read at once. */
  readonly concurrency?: number;
  /** @default new Date() */
  readonly now?: Date;
  /** SDK settings for every client (tests and benchmarks point them at a fake endpoint). */
  readonly clientOverrides?: ClientSettings;
  /** Aggregator client to use (tests). */
  readonly aggregatorClient?: AggregatorOptions['client'];
  /** Where the terminal table goes. */
  readonly stdout: (text: string) => void;
  /** Told of each account/region as it finishes. */
  readonly progress?: (total: number) => Progress;
}

export interface ReportOutcome {
  readonly summary: ReportSummary;
  /** The files written, in the output folder. */
  readonly files: readonly string[];
  readonly exitCode: number;
}

/** The exit code of a finished report. */
function exitCodeOf(summary: ReportSummary, failOn: ReportOptions['failOn']): number {
  if (failOn === 'noncompliant' && summary.totals.nonCompliant > 0) return EXIT.failOn;
  return summary.status === 'partial' ? EXIT.partial : EXIT.ok;
}

/**
 * Makes the report. Checks the input and the output folder before reading any account.
 * @throws ReportInputError or OutputError for bad input, with nothing written
 */
export async function makeReport(options: ReportOptions): Promise<ReportOutcome> {
  const now = options.now ?? new Date();
  const targets = accountTargets(options.config);
  const aggregator = options.config.organization?.aggregator;
  if (options.source === 'aggregator' && !aggregator) {
    throw new ReportInputError(
      'organization.aggregator is not set in the config, so there is no aggregator to read; add the section and deploy the organization stack, or use --source scan.',
    );
  }
  const files = options.formats.map((f) => FORMAT_FILES[f]).filter((f): f is NonNullable<typeof f> => f !== null);
  if (files.length > 0 && !options.out)
    throw new ReportInputError(`--format ${options.formats.join(',')} writes files: pass --out DIR.`);
  const staged = files.length > 0 ? StagedOutput.open(options.out!, files) : undefined;
  const scratch = staged ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-report-'));
  const spool = new FindingSpool(staged ? staged.path('findings.ndjson') : path.join(scratch!, 'findings.ndjson'));
  try {
    const builder = new ReportBuilder(options.source, now);
    const progress = options.progress?.(targets.reduce((n, t) => n + t.regions.length, 0));
    const sink: FindingSink = {
      finding: (f) => {
        builder.add(f);
        return spool.write(f);
      },
      region: (r) => {
        builder.region(r);
        progress?.regionDone(r.counts.instances, r.status === 'failed');
      },
    };
    try {
      if (options.source === 'aggregator') {
        await readAggregator(targets, sink, {
          aggregatorName: aggregator!.name,
          region: options.config.organization!.region,
          concurrency: options.concurrency,
          clientOverrides: options.clientOverrides,
          client: options.aggregatorClient,
        });
      } else {
        await scanAccounts(targets, sink, { now, concurrency: options.concurrency, clientOverrides: options.clientOverrides });
      }
    } finally {
      progress?.stop();
    }
    await spool.close();
    const summary = builder.summary();
    for (const format of options.formats) {
      if (format === 'terminal') options.stdout(renderTerminal(summary));
      else await writeFile(staged!.path(FORMAT_FILES[format]), (out) => render(format, summary, spool, out));
    }
    return { summary, files: staged ? staged.commit(files) : [], exitCode: exitCodeOf(summary, options.failOn) };
  } finally {
    await spool.close().catch(() => undefined);
    staged?.discard();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function render(format: Exclude<Format, 'terminal'>, summary: ReportSummary, spool: FindingSpool, out: TextSink): Promise<void> {
  switch (format) {
    case 'json':
      return renderJson(summary, spool.read(), out);
    case 'csv':
      return renderCsv(spool.read(), out);
    case 'html':
      return renderHtml(summary, spool.read(), out);
  }
}

async function writeFile(file: string, write: (out: TextSink) => Promise<void>): Promise<void> {
  const writer = new FileWriter(file);
  try {
    await write(writer);
  } finally {
    await writer.close();
  }
}
