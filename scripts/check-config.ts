/**
 * Run by `npm run synth` before cdktf: validates the config file (AMI_GUARD_CONFIG, or the example)
 * and prints its problems once, without cdktf's progress spinner around them. main.ts checks again,
 * for `npx cdktf synth` run directly.
 */
import { ConfigError, configPathFromEnv, loadConfig } from '../config/load';

try {
  loadConfig(configPathFromEnv());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
