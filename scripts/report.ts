/**
 * `npm run report -- [--source scan|aggregator] [--format terminal|json|csv|html ...] [--out DIR]
 * [--fail-on noncompliant] [--concurrency N]`
 *
 * One picture of the organization: every account/region of the config (AMI_GUARD_CONFIG), judged by the
 * rule's own evaluator (scan) or read from the Config aggregator. Writes report.json, findings.csv and a
 * self-contained report.html to --out, and a table to stdout. Exit codes: 0 complete; 1 bad input;
 * 2 --fail-on noncompliant and an instance is NON_COMPLIANT; 3 partial (an account/region failed).
 * docs/report.md describes the outputs.
 */
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, configPathFromEnv, loadConfig } from '../config/load';
import { REPORT_SOURCES } from '../modules/report/model';
import { OutputError } from '../modules/report/output';
import { progressOn } from '../modules/report/progress';
import { EXIT, FORMATS, makeReport, ReportInputError, type Format, type ReportOptions } from '../modules/report/run';
import { DEFAULT_ACCOUNT_CONCURRENCY } from '../modules/report/scan';

/** Where the command writes, and what a test replaces. */
export interface ReportIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The stream the progress bar draws on (only when it is a TTY). @default none */
  readonly progressStream?: NodeJS.WriteStream;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: Date;
  readonly clientOverrides?: ReportOptions['clientOverrides'];
  readonly aggregatorClient?: ReportOptions['aggregatorClient'];
}

interface Options {
  readonly source: ReportOptions['source'];
  readonly format: Format[];
  readonly out: string;
  readonly failOn?: 'noncompliant';
  readonly concurrency: number;
}

function program(io: ReportIo): Command {
  return new Command('report')
    .description('Audit every account/region of the config: what AMI Guard says about the fleet today.')
    .addOption(new Option('--source <source>', 'where verdicts come from').choices(REPORT_SOURCES).default('scan'))
    .addOption(
      new Option('--format <format...>', 'outputs (repeatable)').choices(FORMATS).default(['terminal', 'json', 'csv', 'html']),
    )
    .option('--out <dir>', 'folder for report.json, findings.csv and report.html', 'ami-guard-report')
    .addOption(new Option('--fail-on <verdict>', 'exit 2 when an instance has this verdict').choices(['noncompliant']))
    .addOption(
      new Option('--concurrency <n>', 'accounts read at once').default(DEFAULT_ACCOUNT_CONCURRENCY).argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 64)
          throw new CommanderError(
            EXIT.usage,
            'report.concurrency',
            `--concurrency: expected a whole number from 1 to 64, got "${v}"`,
          );
        return n;
      }),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

/** Runs the command; returns its exit code. */
export async function runReport(argv: readonly string[], io: ReportIo): Promise<number> {
  const cmd = program(io);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw err;
  }
  const opts = cmd.opts<Options>();
  try {
    const config = loadConfig(configPathFromEnv(io.env ?? process.env));
    const outcome = await makeReport({
      config,
      source: opts.source,
      formats: [...new Set(opts.format)],
      out: opts.out,
      failOn: opts.failOn,
      concurrency: opts.concurrency,
      now: io.now,
      clientOverrides: io.clientOverrides,
      aggregatorClient: io.aggregatorClient,
      stdout: io.stdout,
      progress: io.progressStream ? (total) => progressOn(io.progressStream!, total) : undefined,
    });
    for (const file of outcome.files) io.stderr(`report: wrote ${file}\n`);
    const t = outcome.summary.totals;
    if (t.failedRegions > 0)
      io.stderr(`report: partial: ${t.failedRegions} of ${t.regions} account/region(s) could not be read\n`);
    return outcome.exitCode;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof OutputError || err instanceof ReportInputError) {
      io.stderr(`report: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

if (require.main === module) {
  runReport(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    progressStream: process.stderr,
  }).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`report failed: ${err.stack ?? err}`);
      process.exit(1);
    },
  );
}
