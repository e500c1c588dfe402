/** What the e2e suite needs on the machine, and a one-line reason for each thing missing. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { motoUnavailableReason } from './moto';
import { cliConfigFile, REPO_CLI_CONFIG } from './terraform';

/** Oldest Terraform the suite supports (S3 backend `endpoints` / `use_path_style` block syntax). */
export const MIN_TERRAFORM_VERSION = '1.10.0';

/** The hashicorp/aws version the stacks require, as pinned by @cdktf/provider-aws. */
export function awsProviderVersion(): string {
  const pkg = require.resolve('@cdktf/provider-aws/package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { cdktf: { provider: { version: string } } }).cdktf.provider.version;
}

function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** The installed Terraform version, or undefined when `terraform` is not on the PATH. */
export function terraformVersion(): string | undefined {
  const out = spawnSync('terraform', ['version', '-json'], {
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1' },
  });
  if (out.error || out.status !== 0) return undefined;
  try {
    return (JSON.parse(out.stdout) as { terraform_version: string }).terraform_version;
  } catch {
    return undefined;
  }
}

/** The filesystem mirror directory named in a Terraform CLI config, if any. */
export function mirrorPath(cliConfig: string): string | undefined {
  const text = fs.readFileSync(cliConfig, 'utf8');
  return /filesystem_mirror\s*\{[^}]*?\bpath\s*=\s*"([^"]+)"/.exec(text)?.[1];
}

/** One line per missing prerequisite; empty when the suite can run. */
export function missingPrerequisites(env: NodeJS.ProcessEnv = process.env): string[] {
  const missing: string[] = [];
  const version = terraformVersion();
  if (!version) missing.push('terraform is not on the PATH (install Terraform >= 1.10)');
  else if (!versionAtLeast(version, MIN_TERRAFORM_VERSION))
    missing.push(`terraform ${version} is too old (need >= ${MIN_TERRAFORM_VERSION})`);

  const cliConfig = cliConfigFile(env);
  if (cliConfig === REPO_CLI_CONFIG) {
    const mirror = mirrorPath(cliConfig);
    const provider = mirror && path.join(mirror, 'registry.terraform.io', 'hashicorp', 'aws', awsProviderVersion());
    if (provider && !fs.existsSync(provider)) {
      missing.push(`the provider mirror ${provider} is missing (or set TF_CLI_CONFIG_FILE to a CLI config of your own)`);
    }
  }
  const moto = motoUnavailableReason();
  if (moto) missing.push(moto);
  return missing;
}
