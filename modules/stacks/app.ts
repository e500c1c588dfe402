import { App } from 'cdktf';
import { loadConfig } from '../../config/load';
import { AmiGuardConfig, ORGANIZATION_STACK, STATE_BACKEND_STACK } from '../../config/schema';
import { AccountStack } from './account-stack';
import { OrganizationStack } from './organization-stack';
import { StateBackendStack } from './state-backend-stack';

export interface BuildAppOptions {
  /** Where stacks are written. @default cdktf's outdir (CDKTF_OUTDIR or cdktf.out) */
  readonly outdir?: string;
}

/** Composes the app: the state-backend stack, one stack per account/region, and the organization stack if configured. */
export function buildApp(config: AmiGuardConfig, options: BuildAppOptions = {}): App {
  const app = new App({ outdir: options.outdir, skipValidation: false });
  new StateBackendStack(app, STATE_BACKEND_STACK, {
    backend: config.backend,
    tags: { ManagedBy: 'ami-guard' },
  });
  for (const account of config.accounts) {
    new AccountStack(app, account.stackName, { account, backend: config.backend });
  }
  if (config.organization) {
    new OrganizationStack(app, ORGANIZATION_STACK, {
      organization: config.organization,
      backend: config.backend,
    });
  }
  return app;
}

/** Loads and validates a config file, then writes every stack; nothing is written if the config is bad. */
export function synthesizeFile(file: string, options: BuildAppOptions = {}): App {
  const config = loadConfig(file);
  const app = buildApp(config, options);
  app.synth();
  return app;
}
