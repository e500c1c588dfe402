import {
  HARNESS_WHO,
  lockedByHarness,
  releaseLeftLock,
  reportLockReleases,
  unwatchStateLocks,
  watchStateLock,
  type LockInfo,
} from '../../e2e/state-lock';

const SINCE = Date.parse('2026-12-04T10:00:00.000Z');
/** Terraform writes Created with nanoseconds. */
const lock = (over: Partial<LockInfo> = {}): LockInfo => ({
  ID: '6f1c2d3e-0000-4000-8000-000000000001',
  Operation: 'OperationTypePlan',
  Who: HARNESS_WHO,
  Created: '2026-12-04T10:00:05.123456789Z',
  ...over,
});

afterEach(() => {
  unwatchStateLocks();
  reportLockReleases(undefined);
});

describe('whose lock it is', () => {
  test('a lock Terraform took for this user on this host since the command started is the harness’s', () => {
    expect(lockedByHarness(lock(), SINCE)).toBe(true);
  });

  test('a lock of another user or host, or older than the command, is not', () => {
    expect(lockedByHarness(lock({ Who: 'someone@elsewhere' }), SINCE)).toBe(false);
    expect(lockedByHarness(lock({ Created: '2026-12-04T09:59:00.000000001Z' }), SINCE)).toBe(false);
    expect(lockedByHarness(lock({ Created: undefined }), SINCE)).toBe(false);
  });
});

describe('after a failed or killed command', () => {
  test('the harness’s own lock is force-unlocked by its ID, and said', async () => {
    const said: string[] = [];
    reportLockReleases((l) => said.push(l));
    watchStateLock('/stack', { where: 'locks/bucket/key', read: async () => lock() });
    const unlock = jest.fn(async () => ({ code: 0, stdout: 'Terraform state has been successfully unlocked!', stderr: '' }));

    const line = await releaseLeftLock('/stack', SINCE, 'terraform plan (killed)', unlock);

    expect(unlock).toHaveBeenCalledWith('6f1c2d3e-0000-4000-8000-000000000001');
    expect(line).toBe(
      'force-unlocked lock 6f1c2d3e-0000-4000-8000-000000000001 (OperationTypePlan, created 2026-12-04T10:00:05.123456789Z) that terraform plan (killed) left on locks/bucket/key',
    );
    expect(said).toEqual([`unlock    ${line}`]);
  });

  test('a lock someone else holds, no lock, or an unwatched directory: nothing is unlocked', async () => {
    const unlock = jest.fn(async () => ({ code: 0, stdout: '', stderr: '' }));
    watchStateLock('/foreign', { where: 'w', read: async () => lock({ Who: 'someone@elsewhere' }) });
    watchStateLock('/free', { where: 'w', read: async () => undefined });
    expect(await releaseLeftLock('/foreign', SINCE, 'x', unlock)).toBeUndefined();
    expect(await releaseLeftLock('/free', SINCE, 'x', unlock)).toBeUndefined();
    expect(await releaseLeftLock('/unwatched', SINCE, 'x', unlock)).toBeUndefined();
    expect(unlock).not.toHaveBeenCalled();
  });

  test('a lock table that cannot be read is said, and nothing is counted as released', async () => {
    const said: string[] = [];
    reportLockReleases((l) => said.push(l));
    watchStateLock('/gone', {
      where: 'locks/k',
      read: async () => {
        throw new Error('ResourceNotFoundException: Requested resource not found');
      },
    });
    const unlock = jest.fn();
    expect(await releaseLeftLock('/gone', SINCE, 'terraform apply (exit 1)', unlock)).toBeUndefined();
    expect(unlock).not.toHaveBeenCalled();
    expect(said).toEqual([
      'locks     could not read the lock locks/k after terraform apply (exit 1): ResourceNotFoundException: Requested resource not found',
    ]);
  });
});
