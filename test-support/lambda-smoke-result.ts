/**
 * The result line of scripts/lambda-smoke.ts, apart from the smoke itself (test-support/lambda-smoke.ts):
 * the test that reads it does not load the model of AWS and the asset builder it never calls.
 */

/** What the smoke saw: the runtime, and each event's answer next to what the modelled Config received. */
export interface SmokeResult {
  readonly node: string;
  readonly bundleBytes: number;
  readonly scheduled: { readonly answer: unknown; readonly receivedByConfig: number; readonly instances: number };
  readonly change: { readonly answer: unknown; readonly receivedByConfig: Record<string, number> };
}

/** Starts the one line of scripts/lambda-smoke.ts's output that holds the {@link SmokeResult}. */
export const SMOKE_RESULT_PREFIX = 'lambda smoke result: ';
