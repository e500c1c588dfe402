/**
 * `npm run workflow -- prepare [--outdir cdktf.out]` — for .github/workflows/ami-guard.yml, after
 * `npm run synth`: writes the CI override file into each synthesized stack (see
 * modules/review/workflow-stacks.ts) and prints the job matrices as `name=value` lines for
 * $GITHUB_OUTPUT: `plan` (the pull-request plan matrix: the account stacks and the organization
 * stack), `accounts` (the apply matrix of the account stacks), `state-backend` and `organization`
 * (one entry each, or empty) and `stacks` (every stack name, comma-separated).
 *
 * `npm run workflow -- check-stack <dir> --cli-config FILE` — before `terraform init` on a pull
 * request's stack: refuses anything AMI Guard does not emit (modules/review/allowlist.ts), one
 * `::error::` line each and exit 1; else writes a Terraform CLI config that installs the allowed
 * providers only.
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
import { providerInstallationConfig, stackDirProblems } from '../modules/review/allowlist';
import { CI_OVERRIDE_FILE, ciOverride, planMatrix, WorkflowConfigError, workflowStacks } from '../modules/review/workflow-stacks';

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
      const planned = new Set([...planMatrix(plan).map((a) => a.stack), ...(plan.stateBackend ? [plan.stateBackend.stack] : [])]);
      for (const stack of stacks) {
        if (planned.has(stack.name))
          fs.writeFileSync(
            path.join(stack.dir, CI_OVERRIDE_FILE),
            `${JSON.stringify(ciOverride(config, stack.name), null, 2)}\n`,
          );
      }
      for (const s of plan.skipped)
        process.stderr.write(`::warning::${s.stack} is not planned or applied by the workflow: ${s.reason}\n`);
      out.push(`plan=${JSON.stringify({ include: planMatrix(plan) })}`);
      out.push(`accounts=${JSON.stringify({ include: plan.accounts })}`);
      out.push(`state-backend=${plan.stateBackend ? JSON.stringify(plan.stateBackend) : ''}`);
      out.push(`organization=${plan.organization ? JSON.stringify(plan.organization) : ''}`);
      out.push(
        `stacks=${[...(plan.stateBackend ? [plan.stateBackend.stack] : []), ...planMatrix(plan).map((a) => a.stack)].join(',')}`,
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
  let failed = false;
  cmd
    .command('check-stack')
    .description('refuse a synthesized stack holding anything AMI Guard does not emit; write a CLI config pinning providers')
    .argument('<dir>', 'the stack directory, e.g. cdktf.out/stacks/payments-prod')
    .requiredOption('--cli-config <file>', 'where to write the Terraform CLI config (TF_CLI_CONFIG_FILE)')
    .action((dir: string, opts: { cliConfig: string }) => {
      const problems = stackDirProblems(path.resolve(dir));
      for (const p of problems) process.stderr.write(`::error::${p}\n`);
      if (problems.length > 0) {
        failed = true;
        return;
      }
      fs.writeFileSync(opts.cliConfig, providerInstallationConfig());
      out.push(`${dir}: only what AMI Guard emits; providers pinned in ${opts.cliConfig}`);
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
  return failed ? 1 : 0;
}

process.exit(main(process.argv.slice(2)));
