/**
 * Plans the synthesized stacks for the review: `terraform init`, `plan -out` and `show -json` in
 * each `cdktf.out/stacks/<stack>`. It never applies. The command runner is injected, so the order
 * of commands and the error handling are tested without Terraform.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NamedPlan } from './review';
import { parsePlan, PlanError } from './plan';

/** Runs `terraform <args>` in `cwd`. */
export type TerraformRunner = (
  cwd: string,
  args: readonly string[],
) => Promise<{ code: number | null; stdout: string; stderr: string }>;

/** A synthesized stack: its name and directory. */
export interface SynthesizedStack {
  readonly name: string;
  readonly dir: string;
}

/** The plan file written into each stack directory; never applied. */
export const PLAN_FILE = 'ami-guard-review.tfplan';

/** Lists the stacks of a cdktf output directory from its manifest.json. */
export function synthesizedStacks(outdir: string): SynthesizedStack[] {
  const manifest = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifest)) throw new PlanError(manifest, 'not found: run `npm run synth` first, or pass plans with --plan');
  let parsed: { stacks?: Record<string, { workingDirectory?: string }> };
  try {
    parsed = JSON.parse(fs.readFileSync(manifest, 'utf8')) as typeof parsed;
  } catch (err) {
    throw new PlanError(manifest, `is not JSON (${(err as Error).message}): run \`npm run synth\` again`);
  }
  return Object.entries(parsed.stacks ?? {}).map(([name, s]) => ({
    name,
    dir: path.resolve(outdir, s.workingDirectory ?? path.join('stacks', name)),
  }));
}

/** The chosen stacks, in manifest order; an unknown name is an error naming the known ones. */
export function chooseStacks(all: readonly SynthesizedStack[], names: readonly string[] | undefined): SynthesizedStack[] {
  if (!names || names.length === 0) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new PlanError(
      '--stacks',
      `no synthesized stack ${unknown.map((n) => `"${n}"`).join(', ')} (synthesized: ${all.map((s) => s.name).join(', ')})`,
    );
  return all.filter((s) => names.includes(s.name));
}

function lastLines(text: string, n = 15): string {
  const lines = text.trim().split('\n');
  return lines.slice(Math.max(0, lines.length - n)).join('\n');
}

/** Plans each stack in turn and reads its plan JSON. Stops at the first failing command. */
export async function planStacks(
  stacks: readonly SynthesizedStack[],
  run: TerraformRunner,
  report: (line: string) => void = () => undefined,
): Promise<NamedPlan[]> {
  const plans: NamedPlan[] = [];
  for (const stack of stacks) {
    const steps: readonly (readonly string[])[] = [
      ['init', '-input=false', '-no-color'],
      // A plan writes nothing to state; without a lock a read-only role can plan (the S3 backend still verifies the digest).
      ['plan', '-input=false', '-no-color', '-lock=false', `-out=${PLAN_FILE}`],
      ['show', '-json', PLAN_FILE],
    ];
    let stdout = '';
    for (const args of steps) {
      report(`${stack.name}: terraform ${args[0]}`);
      const result = await run(stack.dir, args);
      if (result.code !== 0)
        throw new PlanError(
          stack.dir,
          `terraform ${args[0]} exited ${result.code ?? 'by a signal'}:\n${lastLines(result.stderr || result.stdout)}`,
        );
      stdout = result.stdout;
    }
    plans.push({ stack: stack.name, plan: parsePlan(stdout, `${stack.name} (terraform show -json ${PLAN_FILE})`) });
  }
  return plans;
}
