/**
 * jest's module runtime, with JavaScript's built-in globals handed to every module as closure variables.
 *
 * jest runs each test file in a `vm` context. In such a context every read of a global (`Array`, `Object`,
 * `Math`, `Buffer`...) goes through Node's property interceptor in C++, about 100 ns instead of 1 ns
 * (nodejs/node#31658, jestjs/jest#15502): the AWS SDK's parser, cdktf's token resolution and zod ran two to
 * three times slower under jest than in Node. jest's own remedy, `sandboxInjectedGlobals`, passes the names
 * as parameters of the module wrapper, so a module that declares one at its top level (readable-stream's
 * `const { Boolean, Promise, ... } = primordials`) fails to load with "Identifier has already been declared".
 *
 * This runtime binds the same names one scope further out instead: a module's own declaration shadows
 * the binding, and every other read is a closure variable. The values are the test context's own
 * builtins, read once per module, so `instanceof` and identity checks behave as before. Names that jest
 * or a test replaces on the global during a run (Date and the timer functions under fake timers,
 * `process`, `console`, `performance`) are not bound: a module must see the replacement.
 *
 * Wired in jest.config.js (`runtime`); jest requires it as is, so it is JavaScript.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest requires this file as CommonJS
const Runtime = require('jest-runtime').default;

/** The globals bound per module: JavaScript's builtins and Node's that no test replaces, and the global object. */
const BOUND_GLOBALS = [
  'Array',
  'ArrayBuffer',
  'BigInt',
  'BigInt64Array',
  'BigUint64Array',
  'Boolean',
  'Buffer',
  'DataView',
  'Error',
  'EvalError',
  'Float32Array',
  'Float64Array',
  'Function',
  'Infinity',
  'Int16Array',
  'Int32Array',
  'Int8Array',
  'Intl',
  'JSON',
  'Map',
  'Math',
  'NaN',
  'Number',
  'Object',
  'Promise',
  'Proxy',
  'RangeError',
  'ReferenceError',
  'Reflect',
  'RegExp',
  'Set',
  'String',
  'Symbol',
  'SyntaxError',
  'TextDecoder',
  'TextEncoder',
  'TypeError',
  'URIError',
  'URL',
  'URLSearchParams',
  'Uint16Array',
  'Uint32Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'WeakMap',
  'WeakRef',
  'WeakSet',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'global',
  'globalThis',
  'isFinite',
  'isNaN',
  'parseFloat',
  'parseInt',
];
const NAMES = BOUND_GLOBALS.join(',');

class FastGlobalsRuntime extends Runtime {
  /** The wrapper's text before the module's code; jest offsets columns on line 1 by its length. */
  constructModuleWrapperStart() {
    const params = this.constructInjectedModuleParameters().join(',');
    return `({"Object.<anonymous>":(function(${NAMES}){return function(${params}){`;
  }

  wrapCodeInModuleWrapper(content) {
    return `${this.constructModuleWrapperStart()}${content}\n}})(${NAMES})});`;
  }
}

module.exports = FastGlobalsRuntime;
module.exports.BOUND_GLOBALS = BOUND_GLOBALS;
