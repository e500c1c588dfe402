import { configPathFromEnv, ConfigError } from './config/load';
import { PolicySizeError } from './modules/org/organization-policy';
import { synthesizeFile } from './modules/stacks/app';

// cdktf records a stack trace for every token it creates, thousands per stack; mapping each one back
// to TypeScript (tsx turns source maps on) was a third of a 100-account synth. Errors below are
// printed with source maps on again, so their traces still point into the .ts files.
process.setSourceMapsEnabled(false);

// The whole config is validated before a single stack is constructed, so bad input writes nothing.
try {
  synthesizeFile(configPathFromEnv());
} catch (err) {
  process.setSourceMapsEnabled(true);
  if (err instanceof ConfigError) console.error(err.message);
  // Known to be the config's doing: the message names the policy, its size, the limit and the fix.
  else if (err instanceof PolicySizeError) console.error(`AMI Guard synth failed: ${err.message}`);
  else console.error(`AMI Guard synth failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
}
