import { configPathFromEnv, ConfigError } from './config/load';
import { PolicySizeError } from './modules/org/organization-policy';
import { synthesizeFile } from './modules/stacks/app';

// The whole config is validated before a single stack is constructed, so bad input writes nothing.
try {
  synthesizeFile(configPathFromEnv());
} catch (err) {
  if (err instanceof ConfigError) console.error(err.message);
  // Known to be the config's doing: the message names the policy, its size, the limit and the fix.
  else if (err instanceof PolicySizeError) console.error(`AMI Guard synth failed: ${err.message}`);
  else console.error(`AMI Guard synth failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
