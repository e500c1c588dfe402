import { configPathFromEnv, ConfigError } from './config/load';
import { synthesizeFile } from './modules/stacks/app';

// The whole config is validated before a single stack is constructed, so bad input writes nothing.
try {
  synthesizeFile(configPathFromEnv());
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `AMI Guard synth failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
