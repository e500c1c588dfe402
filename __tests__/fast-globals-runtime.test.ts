import * as vm from 'node:vm';
import { ownDeclarations, readArray, readNow } from './fixtures/reads-globals';

// The runtime is plain JavaScript that jest loads itself (jest.config.js `runtime`).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FastGlobalsRuntime = require('../test-support/fast-globals-runtime') as {
  BOUND_GLOBALS: string[];
  prototype: { wrapCodeInModuleWrapper(code: string): string; constructModuleWrapperStart(): string };
};

/** The runtime's wrapper methods, with jest's usual module parameters. */
function runtime(): typeof FastGlobalsRuntime.prototype {
  const it = Object.create(FastGlobalsRuntime.prototype) as typeof FastGlobalsRuntime.prototype & {
    constructInjectedModuleParameters(): string[];
  };
  it.constructInjectedModuleParameters = () => ['module', 'exports', 'require', '__dirname', '__filename', 'jest'];
  return it;
}

describe('the test runtime (test-support/fast-globals-runtime.js)', () => {
  test('this file runs under it: a module reads Array from its closure, not from the global object', () => {
    // GIVEN the global Array replaced after the fixture module was loaded
    const original = globalThis.Array;
    try {
      (globalThis as { Array: unknown }).Array = 'replaced';
      // THEN the module still reads the builtin it was given
      expect(readArray()).toBe(original);
    } finally {
      globalThis.Array = original;
    }
  });

  test('a module that declares a builtin at its top level loads, and keeps its own', () => {
    expect(ownDeclarations.Promise).toBe(globalThis.Promise);
    expect(ownDeclarations.Boolean(1)).toBe(true);
    expect(ownDeclarations.Boolean).not.toBe(globalThis.Boolean);
  });

  test('names that jest replaces in a run are not bound: fake timers reach a module loaded before them', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    try {
      expect(readNow()).toBe(Date.parse('2026-01-01T00:00:00Z'));
    } finally {
      jest.useRealTimers();
    }
    for (const name of [
      'Date',
      'setTimeout',
      'clearTimeout',
      'setInterval',
      'setImmediate',
      'performance',
      'process',
      'console',
    ]) {
      expect(FastGlobalsRuntime.BOUND_GLOBALS).not.toContain(name);
    }
  });

  test('the wrapper binds each name to the context it runs in, once, and jest offsets line 1 by its start', () => {
    // GIVEN a module, wrapped, compiled and run in a fresh context as jest does
    const code = 'module.exports = () => [Array, Math, typeof Buffer];';
    // (the Node globals jest's node environment installs; JavaScript's own come with the context)
    const context = vm.createContext({ Buffer, TextDecoder, TextEncoder, URL, URLSearchParams });
    vm.runInContext('var global = globalThis', context);
    const wrapped = vm.runInContext(runtime().wrapCodeInModuleWrapper(code), context) as Record<
      string,
      (...args: unknown[]) => void
    >;
    const module = { exports: undefined as unknown as () => unknown[] };
    wrapped['Object.<anonymous>'].call({}, module, {}, undefined, '/', '/m.js', undefined);
    const [contextArray, contextMath] = vm.runInContext('[Array, Math]', context) as unknown[];
    // WHEN the context's globals change afterwards
    vm.runInContext('Array = null; Math = null', context);
    // THEN the module keeps the context's builtins (not this realm's), read when it loaded
    expect(module.exports()).toEqual([contextArray, contextMath, 'function']);
    expect(module.exports()[0]).not.toBe(Array);
    // AND the code starts right after the wrapper start on line 1, which jest's columnOffset covers
    expect(
      runtime()
        .wrapCodeInModuleWrapper(code)
        .startsWith(runtime().constructModuleWrapperStart() + code),
    ).toBe(true);
  });
});
