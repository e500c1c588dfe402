import { stackTimeouts, TIMEOUTS } from '../../e2e/terraform';

describe('per-stack time limits', () => {
  test('a stack with one AWS provider gets the default limits', () => {
    expect(stackTimeouts({ provider: { aws: [{ region: 'eu-west-1' }] } })).toEqual(TIMEOUTS);
    expect(stackTimeouts({})).toEqual(TIMEOUTS);
  });

  test('a stack with two provider configurations (management + aggregator) gets twice the time for the commands that start providers', () => {
    const limits = stackTimeouts({ provider: { aws: [{}, { alias: 'aggregator' }] } });
    expect(limits).toEqual({
      ...TIMEOUTS,
      validate: 2 * TIMEOUTS.validate,
      plan: 2 * TIMEOUTS.plan,
      apply: 2 * TIMEOUTS.apply,
      destroy: 2 * TIMEOUTS.destroy,
    });
    expect(limits.init).toBe(TIMEOUTS.init);
    expect(limits.state).toBe(TIMEOUTS.state);
  });
});
