import { configPathFromEnv, ConfigError } from './config/load';
import { PolicySizeError } from './modules/org/organization-policy';
import { synthesizeFile } from './modules/stacks/app';
import { skipTokenCreationStacks } from './modules/stacks/token-creation-stacks';

// cdktf records a stack trace for every token it creates, thousands per stack, in case one fails to
// resolve: recording them was a fifth of a 100-account synth, and mapping traces back to TypeScript
// (tsx turns source maps on) costs more again. Errors below are printed with source maps on again,
// so their traces still point into the .ts files. AMI_GUARD_TOKEN_TRACES=1 records token stacks.
process.setSourceMapsEnabled(false);
skipTokenCreationStacks();

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
