/**
 * The Markdown table of a bench run, rendered from the results object that `npm run bench` writes to
 * bench/results.json. The table of docs/benchmarks.md is this output, pasted: `npm run bench -- --table`
 * prints it again from the file, and a test checks that docs/benchmarks.md holds it.
 */

/** One line of the table. */
export interface Row {
  readonly what: string;
  readonly ours: string;
  readonly baseline: string;
  /** baseline / ours, so bigger is better; undefined when the row is a figure, not a comparison. */
  readonly ratio?: number;
  /** The acceptance target, e.g. `>= 5x`, and whether it is met. */
  readonly target?: string;
  readonly met?: boolean;
  readonly detail?: Record<string, unknown>;
}

/** The machine a run was measured on. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine slows every row. */
  readonly loadAverageAtStart: readonly number[];
}

/** What bench/results.json holds. */
export interface BenchResults {
  /** ISO time the run ended. */
  readonly date: string;
  /** `--quick`: without the 300-account synth and the 100,000-instance sweeps. */
  readonly quick: boolean;
  readonly machine: Machine;
  readonly minutes: number;
  readonly rows: readonly Row[];
}

/** A table cell: pipes escaped, line breaks flattened, surrounding spaces trimmed. */
const cell = (text: string): string =>
  text
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ')
    .trim();

/** The ratio as the table prints it: `6.9x`, one decimal. */
export const formatRatio = (ratio: number): string => `${ratio.toFixed(1)}x`;

/**
 * The Markdown of one run: a line naming the date, machine, Node version, load average at the start and
 * duration, then one table row per result with this project's figure, the baseline's, the ratio, the
 * target and whether it was met.
 */
export function markdownTable(results: BenchResults): string {
  const { machine } = results;
  const load = machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ');
  const intro =
    `Measured ${results.date.slice(0, 10)} on ${machine.cores} × ${machine.cpu} (${machine.memoryGb} GB), ` +
    `Node ${machine.node}, ${machine.platform}; load average at the start ${load} (1 / 5 / 15 min); ` +
    `${results.quick ? '`--quick` run (no 300-account synth, no 100,000-instance sweep)' : 'full run'}, ` +
    `${results.minutes.toFixed(1)} min.`;
  const lines = [
    intro,
    '',
    '| what | this project | baseline | ratio | target | met |',
    '|---|---:|---:|---:|---|---|',
    ...results.rows.map((row) =>
      [
        '',
        cell(row.what),
        cell(row.ours),
        cell(row.baseline),
        row.ratio === undefined ? '' : formatRatio(row.ratio),
        row.target === undefined ? '' : cell(row.target),
        row.target === undefined ? '' : row.met ? 'yes' : '**no**',
        '',
      ]
        .join(' | ')
        .trim(),
    ),
  ];
  return `${lines.join('\n')}\n`;
}
