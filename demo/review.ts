/**
 * Review: a change to the demo config (a tag value added) synthesized and planned with Terraform
 * against the applied state in moto, then reviewed as a pull request would be (modules/review).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config/load';
import { synthesize } from '../e2e/synth';
import { errorText, terraform, terraformEnv, TIMEOUTS } from '../e2e/terraform';
import { Flag } from '../modules/review/flags';
import { parsePlan } from '../modules/review/plan';
import { renderMarkdown } from '../modules/review/render-markdown';
import { reviewPlans } from '../modules/review/review';

/** Plans `edit` of the config for one stack against its applied state; returns the comment and its flags. */
export async function reviewChange(options: {
  readonly rawConfig: Record<string, unknown>;
  readonly edit: (raw: Record<string, unknown>) => void;
  readonly stack: string;
  readonly url: string;
  readonly workDir: string;
}): Promise<{ comment: string; flags: readonly Flag[] }> {
  const dir = path.join(options.workDir, 'review');
  fs.mkdirSync(dir, { recursive: true });
  const changed = JSON.parse(JSON.stringify(options.rawConfig)) as Record<string, unknown>;
  options.edit(changed);
  const file = path.join(dir, 'accounts.json');
  fs.writeFileSync(file, JSON.stringify(changed, null, 2));
  const stack = synthesize(loadConfig(file), path.join(dir, 'cdktf.out'), options.url).find((s) => s.name === options.stack);
  if (!stack) throw new Error(`the changed config has no stack ${options.stack}`);
  const env = terraformEnv();
  const tf = async (args: string[], timeout: number) => {
    const r = await terraform(stack.dir, args, timeout, env);
    if (r.code !== 0) throw new Error(`terraform ${args[0]} of the changed ${stack.name} failed:\n${errorText(r)}`);
    return r.stdout;
  };
  // As the workflow's read-only plan role does: no lock, never applied.
  await tf(['init', '-input=false', '-no-color'], TIMEOUTS.init);
  await tf(['plan', '-input=false', '-no-color', '-lock=false', '-out=review.tfplan'], TIMEOUTS.plan);
  const plan = parsePlan(await tf(['show', '-json', 'review.tfplan'], TIMEOUTS.state), `${stack.name}.json`);
  const review = reviewPlans([{ stack: stack.name, plan }]);
  return { comment: renderMarkdown(review), flags: review.stacks.flatMap((s) => s.flags) };
}
