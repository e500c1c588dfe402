/**
 * `npm run workflow -- prepare [--outdir cdktf.out]` — for .github/workflows/ami-guard.yml, after
 * `npm run synth`: writes the CI override file into each synthesized stack (see
 * modules/review/workflow-stacks.ts) and prints the job matrices as `name=value` lines for
 * $GITHUB_OUTPUT: `accounts` (a matrix of the account stacks), `state-backend` (one entry, or
 * empty) and `stacks` (every stack name, comma-separated).
 *
 * `npm run workflow -- stacks [--outdir DIR]` prints the comma-separated stack names of an output
 * directory (the base branch's, for `npm run review -- --existing-stacks`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { configPathFromEnv, ConfigError, loadConfig } from '../config/load';
import { PlanError } from '../modules/review/plan';
import { synthesizedStacks } from '../modules/review/run-plans';
import { CI_OVERRIDE_FILE, ciOverride, WorkflowConfigError, workflowStacks } from '../modules/review/workflow-stacks';

function main(argv: readonly string[]): number {
  const out: string[] = [];
  const cmd = new Command('workflow').exitOverride();
  cmd
    .command('prepare')
    .description('write CI overrides into cdktf.out and print the job matrices for $GITHUB_OUTPUT')
    .option('--outdir <dir>', 'the cdktf output directory', 'cdktf.out')
    .action((opts: { outdir: string }) => {
      const config = loadConfig(configPathFromEnv());
      const stacks = synthesizedStacks(path.resolve(opts.outdir));
      const plan = workflowStacks(
        config,
        stacks.map((s) => s.name),
        process.env.AMI_GUARD_STATE_ROLE_ARN,
      );
      const planned = new Set([...plan.accounts.map((a) => a.stack), ...(plan.stateBackend ? [plan.stateBackend.stack] : [])]);
      for (const stack of stacks) {
        if (planned.has(stack.name))
          fs.writeFileSync(
            path.join(stack.dir, CI_OVERRIDE_FILE),
            `${JSON.stringify(ciOverride(config, stack.name), null, 2)}\n`,
          );
      }
      for (const s of plan.skipped)
        process.stderr.write(`::warning::${s.stack} is not planned or applied by the workflow: ${s.reason}\n`);
      out.push(`accounts=${JSON.stringify({ include: plan.accounts })}`);
      out.push(`state-backend=${plan.stateBackend ? JSON.stringify(plan.stateBackend) : ''}`);
      out.push(
        `stacks=${[...(plan.stateBackend ? [plan.stateBackend.stack] : []), ...plan.accounts.map((a) => a.stack)].join(',')}`,
      );
    });
  cmd
    .command('stacks')
    .description('print the comma-separated stack names of a cdktf output directory')
    .option('--outdir <dir>', 'the cdktf output directory', 'cdktf.out')
    .action((opts: { outdir: string }) => {
      out.push(
        synthesizedStacks(path.resolve(opts.outdir))
          .map((s) => s.name)
          .join(','),
      );
    });
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError || err instanceof WorkflowConfigError || err instanceof PlanError) {
      process.stderr.write(`workflow: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
