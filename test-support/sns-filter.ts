/**
 * The part of SNS subscription filter policies (scope `MessageAttributes`) that AMI Guard writes:
 * attribute name -> list of exact string values. Every named attribute must be present and equal to
 * one of its values. Anything else in a policy (operators such as prefix or anything-but) is refused,
 * so a test never passes on a policy this matcher does not understand.
 */

/** A published message's attributes, as SNS Publish takes them. */
export type MessageAttributes = Readonly<Record<string, { readonly DataType: string; readonly StringValue: string }>>;

/** True when SNS would deliver a message with these attributes to a subscription with this filter policy. */
export function matchesFilterPolicy(policy: unknown, attributes: MessageAttributes): boolean {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw new Error('a filter policy is an object');
  return Object.entries(policy).every(([name, values]) => {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      throw new Error(`filter policy ${name}: only lists of exact strings are understood here, got ${JSON.stringify(values)}`);
    }
    const attribute = attributes[name];
    return attribute !== undefined && attribute.DataType === 'String' && values.includes(attribute.StringValue);
  });
}
