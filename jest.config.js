/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/__tests__/**/*.test.ts'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile only; type-checking is `npm run build` (cold run 2 s instead of 28 s).
    '^.+\\.ts$': 'ts-jest',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFilesAfterEnv: ['<rootDir>/test-support/setup.ts'],
  // The run gets a private temp folder, and fails if a test leaves an ami-guard-* directory in it.
  globalSetup: '<rootDir>/test-support/global-setup.ts',
  globalTeardown: '<rootDir>/test-support/global-teardown.ts',
  testTimeout: 60000,
  // Every core: jest's default (cores - 1) runs a 2-core machine in band, one file at a time, while the
  // other core waits through each file's child processes (esbuild, lint, synth, python).
  maxWorkers: '100%',
  // Global builtins as closure variables of each module: a read of `Array` in jest's vm context costs ~100x a
  // normal one (see the file).
  runtime: '<rootDir>/test-support/fast-globals-runtime.js',
};
