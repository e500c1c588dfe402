/**
 * `npx tsx scripts/lambda-smoke.ts`: runs the built rule Lambda (a scheduled sweep and a configuration
 * change) against the model of AWS, on the `node` that runs this script, and prints what happened as JSON.
 * `.ci/lambda-node22.sh` runs it on Node 22, the Lambda's runtime.
 */
import { smokeBuiltBundle } from '../test-support/lambda-smoke';
import { SMOKE_RESULT_PREFIX } from '../test-support/lambda-smoke-result';

smokeBuiltBundle().then(
  // One line, after the bundle's own log lines, so a caller can read it back.
  (result) => console.log(`${SMOKE_RESULT_PREFIX}${JSON.stringify(result)}`),
  (err: Error) => {
    console.error(err.stack ?? err.message);
    process.exit(1);
  },
);
