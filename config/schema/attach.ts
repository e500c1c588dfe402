/** The `attachTo` section: the existing IAM roles, groups and users the launch policy and tag guard attach to. */
import { z } from 'zod';
import { IAM_NAME } from './common';

/** IAM names of one kind, each at most once: IAM names ignore case, and one principal takes a policy once. */
const iamNames = (kind: 'role' | 'group' | 'user') =>
  z.array(z.string().regex(IAM_NAME, `expected an IAM ${kind} name (not an ARN)`)).superRefine((names, ctx) => {
    const first = new Map<string, number>();
    names.forEach((name, i) => {
      const seen = first.get(name.toLowerCase());
      if (seen === undefined) first.set(name.toLowerCase(), i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: `${JSON.stringify(name)} is already listed at ${kind}s[${seen}] (IAM names ignore case); list each ${kind} once`,
        });
    });
  });

export const attachSchema = z.strictObject({
  roles: iamNames('role')
    .default([])
    .describe('Existing IAM roles (names, not ARNs) to attach the launch policy and the tag guard to.'),
  groups: iamNames('group').default([]).describe('Existing IAM groups (names) to attach both policies to.'),
  users: iamNames('user').default([]).describe('Existing IAM users (names) to attach both policies to.'),
});

export type AttachTargets = z.output<typeof attachSchema>;
