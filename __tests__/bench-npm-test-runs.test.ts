import { npmTestRuns } from '../bench/npm-test';

describe('npm run bench -- --npm-test-runs N', () => {
  test('is 1 without the flag, and N with it', () => {
    expect(npmTestRuns(['node', 'run.ts', '--npm-test'])).toBe(1);
    expect(npmTestRuns(['node', 'run.ts', '--npm-test-runs', '3'])).toBe(3);
  });

  test.each([['0'], ['2.5'], ['ten'], ['10']])('refuses %s, naming the flag and the fix', (value) => {
    expect(() => npmTestRuns(['node', 'run.ts', '--npm-test-runs', value])).toThrow(
      `--npm-test-runs ${value}: give a whole number of timed runs from 1 to 9, e.g. --npm-test-runs 3.`,
    );
  });

  test('refuses the flag without a number', () => {
    expect(() => npmTestRuns(['node', 'run.ts', '--npm-test-runs'])).toThrow(/^--npm-test-runs : give a whole number/);
  });
});
