/**
 * e2e/moto_server.py (run by `npm run e2e`: it needs python3 with moto): moto's app behind one lock,
 * because moto is not concurrency safe. The probe serves a slow app with werkzeug's threaded server,
 * as the script does, and counts the requests inside the app at once; then the harness's own server
 * takes concurrent IAM creates, each without an SDK retry.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { MOTO_SERVER_SCRIPT } from '../../e2e/moto';
import { missingPrerequisites } from '../../e2e/prerequisites';
import { motoForBlock } from './moto-block';

const PROBE = path.resolve(__dirname, '..', '..', 'test-support', 'one_request_probe.py');
/** Safety net: the probe takes about 1 s, moto about 3 s to start. */
const PROBE_MS = 30_000;

interface ProbeResult {
  maxInside: number;
  responses: { status: number; body: string }[];
  closed: number;
}

function probe(mode: 'wrapped' | 'bare'): ProbeResult {
  const r = spawnSync('python3', [PROBE, mode], { encoding: 'utf8', timeout: PROBE_MS });
  if (r.status !== 0) throw new Error(`the probe exited ${r.status}:\n${r.stderr}`);
  return JSON.parse(r.stdout) as ProbeResult;
}

describe('moto_server.py: one request at a time', () => {
  beforeAll(() => {
    const missing = missingPrerequisites();
    if (missing.length > 0) throw new Error(`this test needs python3 with moto:\n  ${missing.join('\n  ')}`);
  });

  // The bare run shows the probe sees overlap, so the wrapped run's 1 can fail.
  it.each([
    ['through the lock', 'holds one at a time', 'wrapped', [1]],
    ['without the lock', 'holds several at once', 'bare', [2, 3, 4, 5, 6]],
  ] as const)(
    'GIVEN six concurrent requests %s THEN the app %s, and each request gets its whole body',
    (_, __, mode, inside) => {
      const result = probe(mode);
      expect(inside).toContain(result.maxInside);
      expect(result.responses.map((x) => `${x.status} ${x.body}`)).toEqual(
        Array.from({ length: 6 }, (_, i) => `200 hello r${i}`),
      );
      expect(result.closed).toBe(6);
    },
    PROBE_MS,
  );

  describe('the server startMoto starts', () => {
    const server = motoForBlock();

    it('runs moto_server.py', () => {
      const cmdline = fs.readFileSync(`/proc/${server().pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline).toContain(MOTO_SERVER_SCRIPT);
    });

    it(
      'GIVEN twelve concurrent CreateRole calls with no SDK retry THEN each succeeds and each role exists once',
      async () => {
        const iam = new IAMClient({
          endpoint: server().url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
          maxAttempts: 1,
        });
        const names = Array.from({ length: 12 }, (_, i) => `one-at-a-time-${i}`);
        const trust = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        });
        await Promise.all(
          names.map((RoleName) =>
            iam.send(
              new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust, Tags: [{ Key: 'Suite', Value: 'e2e' }] }),
            ),
          ),
        );
        const listed = (await iam.send(new ListRolesCommand({ MaxItems: 1000 }))).Roles!.map((r) => r.RoleName!);
        expect(listed.filter((n) => n.startsWith('one-at-a-time-')).sort()).toEqual([...names].sort());
      },
      PROBE_MS,
    );
  });
});
