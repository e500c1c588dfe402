/**
 * The review as a pull-request comment: a marker line (so a workflow updates its one comment), a
 * summary table, the flags per stack, and each stack's resources in a collapsed block. The comment
 * stays under GitHub's limit: when it would not, resource lists, then lower flags, are cut stack by
 * stack (least severe stacks first), and a visible line says what was cut and where the full report is.
 */
import { Flag, Severity, SEVERITIES } from './flags';
import { atLeast, highestSeverity, isUnchanged, Review, StackReview } from './review';

/** The line a workflow looks for to update its comment instead of adding one. */
export const COMMENT_MARKER = '<!-- ami-guard-review -->';

/** GitHub rejects issue and pull-request comments of 65,536 characters or more. */
export const GITHUB_COMMENT_LIMIT = 65_536;

export interface MarkdownOptions {
  /** Largest comment to produce, in characters (JavaScript string length). @default GITHUB_COMMENT_LIMIT - 1 */
  readonly maxChars?: number;
  /** Where the full, uncut report is (e.g. the workflow run with its artifact). @default the words "the workflow's `ami-guard-review` artifact" */
  readonly reportUrl?: string;
  /**
   * Which review code graded the plans: the base branch's, checked out apart from the pull request, so
   * a pull request cannot change the rules that judge it. @default not said
   */
  readonly gradedBy?: {
    /** The base commit (or branch) whose `modules/review` ran. */
    readonly ref: string;
    /** The pull request changes `modules/review/`: its new rules grade only after the merge. */
    readonly reviewChanged: boolean;
  };
}

/** The lines saying which review code graded the plans. */
function gradedByLines(gradedBy: NonNullable<MarkdownOptions['gradedBy']>): string[] {
  const lines = [`Graded by AMI Guard's review of the base branch (${code(gradedBy.ref)}), not by the pull request's own code.`];
  if (gradedBy.reviewChanged)
    lines.push(
      '',
      `> ⚠️ This pull request changes ${code('modules/review/')}, the rules that grade it. The base branch's version graded it; the new rules grade pull requests after this one is merged.`,
    );
  return [...lines, ''];
}

const ICON: Readonly<Record<Severity, string>> = { critical: '🔴', high: '🟠', medium: '🟡', info: '⚪' };

/** Flags shown when a stack's flag list is shortened. */
const TOP_FLAGS = 5;

/** Escapes text for a Markdown paragraph or table cell. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function severityCell(severity: Severity | undefined): string {
  return severity ? `${ICON[severity]} ${severity}` : '—';
}

/** Counts per severity, e.g. "2 critical, 1 high". */
function severityCounts(flags: readonly Flag[], from: Severity = 'medium'): string {
  return SEVERITIES.filter((s) => atLeast(s, from))
    .map((s) => [s, flags.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

function changeSummary(r: StackReview): string {
  const parts = (['create', 'update', 'delete', 'replace'] as const)
    .filter((k) => r.counts[k] > 0)
    .map((k) => `${r.counts[k]} to ${k}`);
  const forget = r.resources.filter((x) => x.action === 'forget').length;
  if (forget > 0) parts.push(`${forget} to forget`);
  return parts.join(', ') || 'no changes';
}

function flagLine(f: Flag): string {
  return `- ${ICON[f.severity]} **${f.severity}** ${code(f.code)} ${escapeMarkdown(f.message)}<br><sub>${code(f.address)}</sub>`;
}

/** How much of a stack's section is shown; each level is shorter than the one before. */
type Detail = 'full' | 'no-resources' | 'top-flags' | 'line';
const DETAILS: readonly Detail[] = ['full', 'no-resources', 'top-flags', 'line'];

function heading(r: StackReview): string {
  const top = highestSeverity(r.flags);
  return `### ${code(r.stack)}: ${changeSummary(r)}${top && top !== 'info' ? ` · ${ICON[top]} ${top}` : ''}`;
}

function stackSection(r: StackReview, detail: Detail): string {
  const shown = r.flags.filter((f) => f.severity !== 'info');
  const infos = r.flags.length - shown.length;
  if (detail === 'line') {
    const counts = severityCounts(r.flags);
    return `${heading(r)}\n\n${counts ? `${counts}; ` : ''}flags and resources cut (see the full report)\n`;
  }
  const lines = [heading(r), ''];
  const listed = detail === 'top-flags' ? shown.slice(0, TOP_FLAGS) : shown;
  lines.push(...listed.map(flagLine));
  if (listed.length < shown.length) lines.push(`- … ${shown.length - listed.length} more flags cut (see the full report)`);
  if (infos > 0) lines.push(`- ${ICON.info} ${infos} plain ${infos === 1 ? 'change' : 'changes'} (info), listed below`);
  lines.push('');
  if (detail === 'full') {
    lines.push(`<details><summary>${plural(r.resources.length, 'resource')}: ${changeSummary(r)}</summary>`, '');
    lines.push('| action | resource |', '|---|---|');
    for (const x of r.resources) lines.push(`| ${x.action} | ${code(x.address)} |`);
    lines.push('', '</details>', '');
  } else {
    lines.push(`<sub>resource list cut (${plural(r.resources.length, 'resource')}, see the full report)</sub>`, '');
  }
  return lines.join('\n');
}

function summaryTable(changed: readonly StackReview[]): string[] {
  if (changed.length === 0) return [];
  return [
    '| stack | create | update | delete | replace | highest |',
    '|---|---:|---:|---:|---:|---|',
    ...changed.map(
      (r) =>
        `| ${code(r.stack)} | ${r.counts.create} | ${r.counts.update} | ${r.counts.delete} | ${r.counts.replace} | ${severityCell(highestSeverity(r.flags))} |`,
    ),
    '',
  ];
}

/** Most severe first, then the larger plan: the order stacks appear in, and the reverse of the cutting order. */
function bySeverity(a: StackReview, b: StackReview): number {
  const rank = (r: StackReview) => SEVERITIES.indexOf(highestSeverity(r.flags) ?? 'info');
  return rank(a) - rank(b) || b.flags.length - a.flags.length || a.stack.localeCompare(b.stack);
}

/** Renders the review as one pull-request comment of at most `maxChars` characters. */
export function renderMarkdown(review: Review, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? GITHUB_COMMENT_LIMIT - 1;
  const changed = review.stacks.filter((r) => !isUnchanged(r)).sort(bySeverity);
  const unchanged = review.stacks.filter(isUnchanged);
  const top = highestSeverity(review.stacks.flatMap((r) => r.flags));
  const where = options.reportUrl ? `[the full report](${options.reportUrl})` : "the workflow's `ami-guard-review` artifact";

  const head = [
    COMMENT_MARKER,
    '## AMI Guard plan review',
    '',
    `${changed.length} of ${review.stacks.length} stacks change${top && top !== 'info' ? `; highest flag: ${ICON[top]} **${top}**` : '; no flag above info'}.`,
    '',
    ...(options.gradedBy ? gradedByLines(options.gradedBy) : []),
  ].join('\n');
  const foot = [
    '',
    `<sub>From \`terraform show -json\` of each stack's plan, by \`npm run review\`. Nothing was applied.</sub>`,
    '',
  ].join('\n');

  const level = new Map(changed.map((r) => [r.stack, 0]));
  const rendered = new Map<string, string>();
  const sectionOf = (r: StackReview) => {
    const key = `${r.stack}\u0000${level.get(r.stack)}`;
    if (!rendered.has(key)) rendered.set(key, stackSection(r, DETAILS[level.get(r.stack)!]));
    return rendered.get(key)!;
  };
  const lengths = new Map(changed.map((r) => [r.stack, sectionOf(r).length]));
  let tableRows = changed.length;
  let unchangedLines = unchanged.length;
  let sectionsShown = true;

  /** The comment as parts; the sections are joined only once, at the end (the loop measures lengths). */
  const parts = (): { before: string[]; sections: string[]; after: string[] } => {
    const cut: string[] = [];
    const counts = DETAILS.map((_, i) => changed.filter((r) => level.get(r.stack) === i).length);
    if (counts[1] + counts[2] + counts[3] > 0) cut.push(`resource lists of ${counts[1] + counts[2] + counts[3]} stacks`);
    if (counts[2] + counts[3] > 0) cut.push(`lower flags of ${counts[2] + counts[3]} stacks`);
    if (!sectionsShown) cut.push('the per-stack sections');
    if (tableRows < changed.length) cut.push(`${changed.length - tableRows} rows of the summary table`);
    if (unchangedLines < unchanged.length) cut.push(`the names of ${unchanged.length - unchangedLines} unchanged stacks`);
    const notice = cut.length
      ? `> ✂️ Shortened to stay under GitHub's 65,536-character comment limit: ${cut.join('; ')} cut. Everything is in ${where}.\n`
      : '';
    const table = summaryTable(changed.slice(0, tableRows));
    if (tableRows < changed.length)
      table.splice(table.length - 1, 0, `| … ${changed.length - tableRows} more stacks | | | | | |`);
    const unchangedPart =
      unchanged.length === 0
        ? []
        : [
            ...unchanged.slice(0, unchangedLines).map((r) => `- ${code(r.stack)}: no changes`),
            ...(unchangedLines < unchanged.length ? [`- … and ${unchanged.length - unchangedLines} more unchanged stacks`] : []),
            '',
          ];
    return {
      before: [head, notice, table.join('\n'), unchangedPart.join('\n')].filter((part) => part !== ''),
      sections: sectionsShown ? changed.map(sectionOf) : [],
      after: [foot],
    };
  };
  const measure = (p: ReturnType<typeof parts>): number => {
    const all = [...p.before, ...p.sections, ...p.after];
    return all.reduce((n, part) => n + part.length, 0) + all.length - 1;
  };

  let current = parts();
  // Degrade the least severe, largest stack one level at a time until the comment fits.
  while (measure(current) > maxChars) {
    const candidates = changed.filter((r) => level.get(r.stack)! < DETAILS.length - 1);
    if (candidates.length > 0) {
      const victim = candidates.reduce((worst, r) => {
        const order = bySeverity(r, worst);
        return order > 0 || (order === 0 && lengths.get(r.stack)! > lengths.get(worst.stack)!) ? r : worst;
      });
      level.set(victim.stack, level.get(victim.stack)! + 1);
      lengths.set(victim.stack, sectionOf(victim).length);
    } else if (unchangedLines > 0) {
      unchangedLines = Math.max(0, unchangedLines - Math.ceil(unchanged.length / 4));
    } else if (sectionsShown) {
      sectionsShown = false; // the table still names every changed stack with its highest flag
    } else if (tableRows > 0) {
      // Only when even one line per stack does not fit: the table keeps the most severe stacks.
      tableRows = Math.max(0, tableRows - Math.ceil(changed.length / 10));
    } else break;
    current = parts();
  }
  const text = [...current.before, ...current.sections, ...current.after].join('\n');
  return text.length > maxChars ? `${text.slice(0, maxChars - 40)}\n\n… (cut at ${maxChars} characters)\n` : text;
}
