/**
 * `npm run demo [-- --keep] [--quiet]`: every line of defence against a local AWS emulator (moto),
 * with no AWS account; see demo/run.ts.
 */
import { runDemo } from '../demo/run';

// The SDK's notice that releases from 2027 need Node 22 is about upgrading, not about the demo; the
// demo's log is for the steps. Set the variable to "false" to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = 'usage: npm run demo [-- --keep] [--quiet]';
const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--keep' && a !== '--quiet');
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown[0]}\n${USAGE}`);
  process.exit(2);
}
runDemo({ keep: args.includes('--keep'), quiet: args.includes('--quiet') }).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`demo error: ${err.stack ?? err}`);
    process.exit(1);
  },
);
