/**
 * The demo's narrated log: one section per step, each saying what it proves and where the doc is.
 * `--quiet` keeps the section headings and the one-line results, and drops the long blocks (the
 * notice, the review comment) and Terraform's per-step lines.
 */

/** Where the docs live, for the links each step prints. */
const DOCS = 'docs';

export interface Narrator {
  /** A new section: its number, title, what it proves, and the doc that explains it. */
  section(title: string, proves: string, doc: string): void;
  /** A result line, printed in quiet mode too. */
  result(line: string): void;
  /** Detail (progress lines, long blocks), left out in quiet mode. */
  detail(text: string): void;
}

export function narrator(options: { quiet: boolean; write?: (text: string) => void }): Narrator {
  const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
  let step = 0;
  return {
    section(title, proves, doc) {
      step += 1;
      write('');
      write(`== ${step}. ${title} ${'='.repeat(Math.max(3, 90 - title.length))}`);
      write(`   proves: ${proves}`);
      write(`   read:   ${DOCS}/${doc}`);
    },
    result(line) {
      write(`   ${line}`);
    },
    detail(text) {
      if (!options.quiet) write(text.replace(/^/gm, '   '));
    },
  };
}

/** Fixed-width columns for a small table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
