import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { ConfigError, loadConfig } from '../../config/load';
import { AwsLimitError } from '../shared/aws-limits';
import { AmiGuardConfig, ORGANIZATION_STACK, STATE_BACKEND_STACK } from '../../config/schema';
import { AccountStack } from './account-stack';
import { OrganizationStack } from './organization-stack';
import { StateBackendStack } from './state-backend-stack';

export interface BuildAppOptions {
  /** Where stacks are written. @default cdktf's outdir (CDKTF_OUTDIR or cdktf.out) */
  readonly outdir?: string;
  /** The config file, named in errors. @default `<config>` */
  readonly configFile?: string;
}

/** Composes the app: the state-backend stack, one stack per account/region, and the organization stack if configured. */
export function buildApp(config: AmiGuardConfig, options: BuildAppOptions = {}): App {
  const outdir = path.resolve(options.outdir ?? process.env.CDKTF_OUTDIR ?? 'cdktf.out');
  const created = [outdir, path.join(outdir, 'stacks')].filter((dir) => !fs.existsSync(dir));
  const app = new App({ outdir: options.outdir, skipValidation: false });
  new StateBackendStack(app, STATE_BACKEND_STACK, {
    backend: config.backend,
    tags: { ManagedBy: 'ami-guard' },
  });
  // A value AWS would reject is a config problem: reported for every account at once, before anything is written.
  const problems: string[] = [];
  config.accounts.forEach((account, i) => {
    try {
      new AccountStack(app, account.stackName, { account, backend: config.backend });
    } catch (err) {
      if (!(err instanceof AwsLimitError)) throw err;
      problems.push(`accounts[${i}] (${account.stackName}): ${err.message}`);
    }
  });
  if (config.organization) {
    try {
      new OrganizationStack(app, ORGANIZATION_STACK, {
        organization: config.organization,
        backend: config.backend,
      });
    } catch (err) {
      if (!(err instanceof AwsLimitError)) throw err;
      problems.push(`organization: ${err.message}`);
    }
  }
  if (problems.length > 0) {
    // The App made its (empty) output folders; a bad config leaves nothing behind.
    for (const dir of created.reverse()) if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    throw new ConfigError(options.configFile ?? '<config>', problems);
  }
  return app;
}

/** Loads and validates a config file, then writes every stack; nothing is written if the config is bad. */
export function synthesizeFile(file: string, options: BuildAppOptions = {}): App {
  const config = loadConfig(file);
  const app = buildApp(config, { configFile: file, ...options });
  app.synth();
  return app;
}
