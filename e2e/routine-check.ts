/**
 * The routine-change check of the e2e suite: with a stack applied to the emulator, each routine change
 * (e2e/routine-changes.ts) is synthesized, planned against the applied state with a saved plan, and
 * judged from `terraform show -json`. The applied configuration is put back after each plan, so the
 * stack's own second plan still has to be empty.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AmiGuardConfig } from '../config/schema';
import { MOTO_GAPS, MotoGap } from './moto-gaps';
import { applyRoutineChange, E2E_ROUTINE_CHANGES, judgeRoutinePlan, ResourceChange, RoutineChange } from './routine-changes';
import type { StackCheck } from './stack';
import { nonLocalSettings, readStack, SynthesizedStack, synthesize } from './synth';
import { errorText, terraform, terraformEnv, TIMEOUTS } from './terraform';
import { TerraformJson } from '../test-support/terraform-json';
import { applyVariant } from './variant';

export interface RoutineCheckOptions {
  /** The applied stack (its directory holds the applied cdk.tf.json and the initialized .terraform). */
  readonly stack: SynthesizedStack;
  /** The config the stack was synthesized from. */
  readonly config: AmiGuardConfig;
  /** The emulator the stack is wired to; the changed stacks are wired to it the same way. */
  readonly emulatorUrl: string;
  /** Where the changed configurations are synthesized. */
  readonly workDir: string;
  /** The changes to plan. @default E2E_ROUTINE_CHANGES */
  readonly changes?: readonly RoutineChange[];
  /** What moto cannot apply; the changed stack leaves out the same resources. @default MOTO_GAPS */
  readonly gaps?: readonly MotoGap[];
  /** Buckets holding Terraform state during the run. @default [] */
  readonly stateBuckets?: readonly string[];
  /** Environment of the terraform commands. @default terraformEnv() */
  readonly env?: NodeJS.ProcessEnv;
}

/** Construct path below the stack of every resource block, by logical name. */
function constructPaths(json: TerraformJson): Map<string, string> {
  const paths = new Map<string, string>();
  for (const byName of Object.values(json.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const full = (body['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
      if (full) paths.set(name, full.slice(full.indexOf('/') + 1));
    }
  }
  return paths;
}

const LOCK_TIMEOUT = '-lock-timeout=60s';

/** One check per routine change, each printed as a `routine` step naming the case. */
export function routineChangeChecks(options: RoutineCheckOptions): StackCheck[] {
  const env = options.env ?? terraformEnv();
  const { stack } = options;
  return (options.changes ?? E2E_ROUTINE_CHANGES).map((change, index) => ({
    step: 'routine',
    run: async () => {
      const outdir = path.join(options.workDir, `routine-${stack.name}-${index}`);
      const changed = synthesize(applyRoutineChange(options.config, stack.name, change), outdir, options.emulatorUrl).find(
        (s) => s.name === stack.name,
      );
      if (!changed) throw new Error(`${change.name}: the changed config has no stack ${stack.name}`);
      const full = readStack(changed);
      const problems = nonLocalSettings(full, options.emulatorUrl);
      if (problems.length > 0)
        throw new Error(`${change.name}: refusing to plan, not pointed at the emulator only:\n${problems.join('\n')}`);
      const variant = applyVariant(full, { gaps: options.gaps ?? MOTO_GAPS, stateBuckets: options.stateBuckets });
      const paths = constructPaths(full);
      const notApplied = new Set(
        variant.skipped.map((s) => paths.get(s.address.split('.')[1] ?? '')).filter((p): p is string => p !== undefined),
      );

      const file = path.join(stack.dir, 'cdk.tf.json');
      const applied = fs.readFileSync(file, 'utf8');
      const planFile = `routine-${index}.tfplan`;
      try {
        fs.writeFileSync(file, JSON.stringify(variant.json, null, 2));
        // Config against the state just applied: what this change alone does (no refresh, no drift).
        const plan = await terraform(
          stack.dir,
          ['plan', '-refresh=false', '-input=false', '-no-color', LOCK_TIMEOUT, `-out=${planFile}`],
          TIMEOUTS.plan,
          env,
        );
        fs.writeFileSync(path.join(stack.dir, `e2e-routine-${index}.log`), `${plan.stdout}\n${plan.stderr}`);
        if (plan.code !== 0 || plan.timedOut) {
          const how = plan.timedOut
            ? `still running after ${(plan.ms / 1000).toFixed(1)} s, stopped at its safety limit`
            : `exited ${plan.code}`;
          throw new Error(
            `${change.name}: terraform plan ${how}${plan.unlocked ? `; ${plan.unlocked}` : ''}\n${errorText(plan)}`,
          );
        }
        const show = await terraform(stack.dir, ['show', '-json', planFile], TIMEOUTS.plan, env);
        if (show.code !== 0) throw new Error(`${change.name}: terraform show exited ${show.code}\n${errorText(show)}`);
        const resourceChanges = (JSON.parse(show.stdout) as { resource_changes?: ResourceChange[] }).resource_changes ?? [];
        const verdict = judgeRoutinePlan(change, resourceChanges, (name) => paths.get(name), notApplied);
        if (!verdict.ok) throw new Error(`${change.name}:\n${verdict.problems.join('\n')}`);
        return verdict.detail;
      } finally {
        fs.writeFileSync(file, applied);
        fs.rmSync(path.join(stack.dir, planFile), { force: true });
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    },
  }));
}
