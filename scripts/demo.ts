/**
 * `npm run demo [-- --keep] [--quiet]`: every line of defence against a local AWS emulator (moto),
 * with no AWS account; see demo/run.ts.
 */
import { runDemo } from '../demo/run';

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
