import { stopSharedRunbookDriver } from './runbook-driver';
import { removeTempDirs } from './temp';

// cdktf's jest matchers (toHaveResource, toBeValidTerraform, ...) are registered by the files that use
// them (Testing.setupJest()), not here: loading cdktf into every test file cost each pure one 0.1 s.

// cdktf records a stack trace of unlimited depth for every token it creates: Error.captureStackTrace on a
// plain object (cdktf/lib/tokens/private/stack-trace.js), kept in case the token fails to resolve. Under
// jest every frame of it goes through source-map-support, which made those traces about a seventh of the
// suite's CPU time. Those plain-object traces get V8's own format; a real Error's stack stays source-mapped.
const sourceMapped = Error.prepareStackTrace;
if (sourceMapped) {
  Error.prepareStackTrace = (error: unknown, frames: NodeJS.CallSite[]) =>
    Object.prototype.toString.call(error) === '[object Error]'
      ? sourceMapped(error as Error, frames)
      : ['Error', ...frames.map((frame) => `    at ${String(frame)}`)].join('\n');
}

// Every directory a test made with tempDir() goes when its test file ends, passed or failed.
afterAll(() => {
  // The runbook tests' one python3 process ends with its test file.
  stopSharedRunbookDriver();
  removeTempDirs();
});
