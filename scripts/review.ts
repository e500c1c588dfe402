/**
 * `npm run review -- [--plan FILE...] [--format md|json] [--out FILE] [--fail-on critical|high] ...`
 *
 * Reviews Terraform plans of AMI Guard stacks: the plan JSON files given with --plan (stack name
 * from `<stack>.json` or --stack), or, without --plan, a fresh `terraform plan` of each synthesized
 * stack in cdktf.out (never applied). Writes a pull-request comment (md) or JSON. Exit codes: 0
 * reviewed; 2 a flag at or above --fail-on; 1 bad input (one line on stderr naming the file).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ReviewContext, SEVERITIES, Severity } from '../modules/review/flags';
import { parsePlan, PlanError } from '../modules/review/plan';
import { renderJson } from '../modules/review/render-json';
import { renderMarkdown } from '../modules/review/render-markdown';
import { atLeast, NamedPlan, reviewPlans } from '../modules/review/review';
import { chooseStacks, planStacks, synthesizedStacks, TerraformRunner } from '../modules/review/run-plans';

/** Where the command writes; a test passes its own. */
export interface ReviewIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Runs terraform; only used without --plan. */
  readonly terraform?: TerraformRunner;
  /** Directory relative paths are resolved against. @default process.cwd() */
  readonly cwd?: string;
}

interface Options {
  readonly plan?: string[];
  readonly stack?: string[];
  readonly stacks?: string;
  readonly outdir: string;
  readonly format: 'md' | 'json';
  readonly out?: string;
  readonly failOn?: 'critical' | 'high';
  readonly existingStacks?: string;
  readonly reportUrl?: string;
  readonly maxChars?: number;
  readonly gradedBy?: string;
  readonly reviewChanged?: boolean;
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads one plan file; every problem becomes a one-line PlanError naming the file. */
function readPlanFile(file: string, shown: string): ReturnType<typeof parsePlan> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'file not found' : e.code === 'EISDIR' ? 'is a directory, not a plan file' : e.message;
    throw new PlanError(shown, `${why}; pass the output of \`terraform show -json <planfile>\``);
  }
  return parsePlan(text, shown);
}

/** Two plans of one stack name would be reviewed as two stacks of the same name: refused, naming both files. */
function refuseSharedStackNames(plans: readonly NamedPlan[], files: readonly string[]): void {
  const first = new Map<string, number>();
  plans.forEach((p, i) => {
    const earlier = first.get(p.stack);
    if (earlier === undefined) first.set(p.stack, i);
    else
      throw new PlanError(
        files[i] ?? p.stack,
        `maps to stack "${p.stack}", as ${files[earlier] ?? 'another plan'} does: give one plan per stack, or name each with --stack`,
      );
  });
}

/** The real terraform: the repo's CLI config unless the caller set one, as `npm run synth` does. */
function terraformRunner(root: string): TerraformRunner {
  const own = process.env.TF_CLI_CONFIG_FILE;
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: own && fs.existsSync(own) ? own : path.join(root, 'terraform.rc'),
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
  };
  return (cwd, args) =>
    new Promise((resolve) => {
      const child = spawn('terraform', [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (err) => resolve({ code: null, stdout, stderr: `${stderr}${err.message} (is terraform on the PATH?)` }));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
}

function program(io: ReviewIo): Command {
  return new Command('review')
    .description('Review Terraform plans of AMI Guard stacks: what each change does to the defences.')
    .option('--plan <files...>', 'plan JSON files (`terraform show -json <planfile>`), one per stack, named <stack>.json')
    .option('--stack <names...>', 'stack names for the --plan files, in the same order (default: from the file names)')
    .option('--stacks <list>', 'without --plan: comma-separated stacks to plan (default: every synthesized stack)')
    .option('--outdir <dir>', 'without --plan: the cdktf output directory', 'cdktf.out')
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'json']).default('md'))
    .option('--out <file>', 'write the output to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 2 when a flag of this severity or above is raised').choices(['critical', 'high']),
    )
    .option(
      '--existing-stacks <list>',
      'comma-separated stacks already deployed (e.g. of the base branch): one planned from an empty state has lost its state',
    )
    .option('--report-url <url>', 'link to the full report, named when the comment is shortened')
    .option('--graded-by <ref>', "the commit whose review code graded the plans (the base branch's), named in the comment")
    .option('--review-changed', 'the pull request changes modules/review/: the comment says the base version graded it')
    .addOption(
      new Option('--max-chars <n>', 'longest Markdown output; 0 for no limit (the full report)').argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0)
          throw new CommanderError(1, 'review.maxChars', `--max-chars: expected a whole number >= 0, got "${v}"`);
        return n;
      }),
    )
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
}

/** Runs the command; returns its exit code. */
export async function runReview(argv: readonly string[], io: ReviewIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const cmd = program(io);
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    throw err;
  }
  const opts = cmd.opts<Options>();
  try {
    let plans: NamedPlan[];
    if (opts.plan) {
      if (opts.stack && opts.stack.length !== opts.plan.length)
        throw new PlanError(
          '--stack',
          `names ${opts.stack.length} stacks for ${opts.plan.length} --plan files: give one name per file, in order`,
        );
      plans = opts.plan.map((file, i) => ({
        stack: opts.stack?.[i] ?? path.basename(file).replace(/\.json$/i, ''),
        plan: readPlanFile(path.resolve(cwd, file), file),
      }));
    } else {
      const stacks = chooseStacks(synthesizedStacks(path.resolve(cwd, opts.outdir)), list(opts.stacks));
      plans = await planStacks(stacks, io.terraform ?? terraformRunner(cwd), (line) => io.stderr(`${line}\n`));
    }
    refuseSharedStackNames(plans, opts.plan ?? []);
    const existing = list(opts.existingStacks);
    const context: ReviewContext = existing ? { existingStacks: new Set(existing) } : {};
    const review = reviewPlans(plans, context);
    const text =
      opts.format === 'json'
        ? renderJson(review)
        : renderMarkdown(review, {
            reportUrl: opts.reportUrl,
            ...(opts.gradedBy ? { gradedBy: { ref: opts.gradedBy, reviewChanged: opts.reviewChanged === true } } : {}),
            ...(opts.maxChars !== undefined ? { maxChars: opts.maxChars === 0 ? Number.POSITIVE_INFINITY : opts.maxChars } : {}),
          });
    if (opts.out) fs.writeFileSync(path.resolve(cwd, opts.out), text);
    else io.stdout(text);
    const threshold = opts.failOn;
    const failing = threshold
      ? review.stacks.flatMap((s) =>
          s.flags.filter((f) => atLeast(f.severity, threshold)).map((f) => `${f.severity} ${f.code} (${s.stack})`),
        )
      : [];
    if (failing.length > 0) {
      const distinct = [...new Set(failing)].sort(
        (a, b) =>
          SEVERITIES.indexOf(a.split(' ')[0] as Severity) - SEVERITIES.indexOf(b.split(' ')[0] as Severity) || a.localeCompare(b),
      );
      io.stderr(
        `review: --fail-on ${threshold}: exit 2 for ${failing.length} flag${failing.length === 1 ? '' : 's'}: ${distinct.join(', ')}\n`,
      );
      return 2;
    }
    return 0;
  } catch (err) {
    if (err instanceof PlanError) {
      io.stderr(`review: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (require.main === module) {
  runReview(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
  }).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(`review failed: ${err.stack ?? err}`);
      process.exit(1);
    },
  );
}
