import { App, DefaultTokenResolver, Lazy, StringConcat, TerraformStack, Tokenization } from 'cdktf';
import { skipTokenCreationStacks, TOKEN_TRACES_ENV, UNRECORDED_STACK } from '../../modules/stacks/token-creation-stacks';

describe('skipTokenCreationStacks', () => {
  test('GIVEN the switch WHEN a token is made THEN it carries the hint instead of a stack, and restoring records stacks again', () => {
    const restore = skipTokenCreationStacks({});
    let skipped: string[];
    try {
      skipped = lazyCreationStack();
    } finally {
      restore();
    }
    expect(skipped).toEqual(UNRECORDED_STACK);
    expect(UNRECORDED_STACK[0]).toContain(`${TOKEN_TRACES_ENV}=1`);
    expect(lazyCreationStack().join('\n')).toMatch(/token-creation-stacks\.test\.ts/);
  });

  test('GIVEN the switch WHEN a token fails to resolve THEN the error says how to see where it was made', () => {
    const restore = skipTokenCreationStacks({});
    try {
      const stack = new TerraformStack(new App(), 'payments-prod');
      const broken = Lazy.stringValue({
        produce: () => {
          throw new Error('no such value');
        },
      });
      expect(() =>
        Tokenization.resolve(broken, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }),
      ).toThrow(new RegExp(`no such value[\\s\\S]*${TOKEN_TRACES_ENV}=1 to record them`));
    } finally {
      restore();
    }
  });

  test(`GIVEN ${TOKEN_TRACES_ENV}=1 WHEN a token is made THEN its creation stack is recorded`, () => {
    const restore = skipTokenCreationStacks({ [TOKEN_TRACES_ENV]: '1' });
    try {
      expect(lazyCreationStack().join('\n')).toMatch(/token-creation-stacks\.test\.ts/);
    } finally {
      restore();
    }
  });
});

/** The creation stack of a fresh token, as cdktf prints it when the token fails to resolve. */
function lazyCreationStack(): string[] {
  return Lazy.anyValue({ produce: () => 'x' }).creationStack;
}
