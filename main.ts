import { configPathFromEnv, ConfigError, loadConfig } from './config/load';
import { buildApp } from './modules/app';

// Validate everything before a single stack is constructed, so bad input writes nothing.
try {
  const config = loadConfig(configPathFromEnv());
  buildApp(config).synth();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `AMI Guard synth failed: ${(err as Error).stack ?? err}`);
  process.exit(1);
}
