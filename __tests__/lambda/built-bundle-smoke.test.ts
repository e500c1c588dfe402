/**
 * The BUILT rule Lambda, loaded as Lambda loads it, in a fresh `node` (the one running jest: Node 22 when
 * `.ci/lambda-node22.sh` runs the Lambda's tests): a scheduled sweep and a configuration change against
 * the model of AWS over HTTP (test-support/lambda-smoke.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { SMOKE_RESULT_PREFIX, type SmokeResult } from '../../test-support/lambda-smoke-result';

const REPO = path.resolve(__dirname, '..', '..');

describe('the built bundle, on the node running the tests', () => {
  let result: SmokeResult;
  beforeAll(() => {
    const run = spawnSync(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), path.join(REPO, 'scripts', 'lambda-smoke.ts')],
      {
        cwd: REPO,
        encoding: 'utf8',
        // safety net only: about 3 s measured on a loaded 2-core machine
        timeout: 120_000,
      },
    );
    const line = run.stdout.split('\n').find((l) => l.startsWith(SMOKE_RESULT_PREFIX));
    if (run.status !== 0 || !line)
      throw new Error(`scripts/lambda-smoke.ts failed (${run.status ?? run.signal}):\n${run.stderr}${run.stdout}`);
    result = JSON.parse(line.slice(SMOKE_RESULT_PREFIX.length)) as SmokeResult;
  }, 150_000);

  test('runs on the node of this test run', () => {
    expect(result.node).toBe(process.version);
  });

  test('a scheduled sweep reports every instance of the fleet to Config once', () => {
    expect(result.scheduled.answer).toMatchObject({ messageType: 'ScheduledNotification', reported: 2_500, complete: true });
    expect(result.scheduled.receivedByConfig).toBe(result.scheduled.instances);
  });

  test('a configuration change is judged and reported: an instance on an AMI tagged Environment=Prod is COMPLIANT', () => {
    expect(result.change.answer).toMatchObject({ messageType: 'ConfigurationItemChangeNotification', reported: 1 });
    expect(result.change.receivedByConfig).toEqual({ COMPLIANT: 1 });
  });
});
