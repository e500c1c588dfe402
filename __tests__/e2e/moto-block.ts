/** moto for one jest describe block of an e2e test (run by `npm run e2e`). */
import { startMoto, type MotoServer } from '../../e2e/moto';

/** How long a moto server may take to answer after it starts (a safety net; it takes about 3 s). */
const MOTO_START_MS = 60_000;

/**
 * Starts moto before the enclosing block's tests (beforeAll) and stops it after them (afterAll).
 * @returns the running server, for use inside the block's tests and hooks
 */
export function motoForBlock(): () => MotoServer {
  let moto: MotoServer | undefined;
  beforeAll(async () => {
    moto = await startMoto({ timeoutMs: MOTO_START_MS });
  }, MOTO_START_MS + 10_000);
  afterAll(async () => {
    await moto?.stop();
  });
  return () => {
    if (!moto)
      throw new Error('moto is not running: motoForBlock() starts it in beforeAll, so read it in a test or a later hook');
    return moto;
  };
}
