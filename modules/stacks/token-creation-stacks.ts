/**
 * cdktf records a complete stack trace for every token it creates (10,000 of them for 100 accounts, most
 * inside the provider's resource constructors), only to print it if that one token later fails to
 * resolve. In a 100-account synth that was 0.35 s of 1.8 s. aws-cdk records them only in debug mode
 * (`CDK_DEBUG`), and cdktf's successor made it a switch (`CDKTN_DISABLE_CREATION_STACK`); cdktf 0.21 has no
 * switch (hashicorp/terraform-cdk#3892), so the app replaces the one function that records them.
 */
import { version as CDKTF_VERSION } from 'cdktf/package.json';

/** Set to `1` to record each token's creation stack again, when an error names a token and not where it came from. */
export const TOKEN_TRACES_ENV = 'AMI_GUARD_TOKEN_TRACES';

/** What a token carries instead of its creation stack. */
export const UNRECORDED_STACK: readonly string[] = [
  `(token creation stacks are not recorded; run again with ${TOKEN_TRACES_ENV}=1 to record them)`,
];

interface StackTraceModule {
  captureStackTrace: (below?: unknown) => string[];
}

/**
 * Stops cdktf recording token creation stacks in this process, unless `AMI_GUARD_TOKEN_TRACES=1`.
 * Nothing synthesized changes: the stacks are used only in the message of a token that fails to resolve.
 * @returns a function that restores cdktf's own recorder
 * @throws if this cdktf no longer has the recorder where 0.21 keeps it (update or remove this switch)
 */
export function skipTokenCreationStacks(env: NodeJS.ProcessEnv = process.env): () => void {
  let recorder: StackTraceModule;
  try {
    // The module object cdktf itself calls through (`(0, stack_trace_1.captureStackTrace)()`): an import
    // would hand over an interop copy whose properties cannot be replaced.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    recorder = require('cdktf/lib/tokens/private/stack-trace') as StackTraceModule;
  } catch (err) {
    throw new Error(`cdktf ${CDKTF_VERSION} has no lib/tokens/private/stack-trace. ${FIX}`, { cause: err });
  }
  const original = recorder.captureStackTrace;
  if (typeof original !== 'function') {
    throw new Error(`cdktf ${CDKTF_VERSION}: lib/tokens/private/stack-trace exports no captureStackTrace. ${FIX}`);
  }
  if (env[TOKEN_TRACES_ENV] !== '1') recorder.captureStackTrace = () => [...UNRECORDED_STACK];
  return () => {
    recorder.captureStackTrace = original;
  };
}

const FIX = 'Fix: update modules/stacks/token-creation-stacks.ts for this cdktf version, or stop calling it from main.ts.';
