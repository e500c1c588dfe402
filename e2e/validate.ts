import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { terraformEnv, TIMEOUTS } from './terraform';
import { tempDir } from '../test-support/temp';
import { TerraformJson } from '../test-support/terraform-json';

let workDir: string | undefined;

/** The longest one {@link terraformValidate} call may take: `init` (first call only) and `validate`, at the harness's limits. */
export const VALIDATE_CALL_MS = TIMEOUTS.init + TIMEOUTS.validate;

function run(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const timeout = args[0] === 'init' ? TIMEOUTS.init : TIMEOUTS.validate;
  const res = spawnSync('terraform', args, { cwd, env: terraformEnv(), encoding: 'utf8', timeout });
  if (res.error) throw new Error(`terraform ${args[0]} could not run: ${res.error.message} (is Terraform >= 1.10 on the PATH?)`);
  return res;
}

/** One entry of `terraform validate -json`'s diagnostics. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly summary: string;
  readonly detail?: string;
}

/**
 * Runs `terraform validate` on a synthesized stack without its backend (validation needs no state,
 * and an S3 backend would look for credentials). One initialized directory is shared by every call.
 */
export function terraformValidate(stackJson: TerraformJson): { valid: boolean; diagnostics: Diagnostic[] } {
  const stack = structuredClone(stackJson);
  if (stack.terraform) delete stack.terraform.backend;
  if (!workDir) {
    workDir = tempDir('ami-guard-validate-');
    fs.writeFileSync(path.join(workDir, 'cdk.tf.json'), JSON.stringify(stack));
    const init = run(['init', '-backend=false', '-input=false', '-no-color'], workDir);
    if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stderr}${init.stdout}`);
  }
  fs.writeFileSync(path.join(workDir, 'cdk.tf.json'), JSON.stringify(stack));
  const res = run(['validate', '-json', '-no-color'], workDir);
  const out = JSON.parse(res.stdout) as { valid: boolean; diagnostics: Diagnostic[] };
  return out;
}
