/**
 * AWS's own limits on what AMI Guard synthesizes, checked at synth: a config that AWS would reject must
 * fail here, with the limit and the fix, not at `terraform apply` in one account out of many.
 */

/** The limits, as the service API references state them. */
export const AWS_LIMITS = {
  /** AWS Config `PutConfigRule` InputParameters (the rule parameters as one JSON string). */
  configRuleInputParameters: 1024,
  /** IAM policy and role `Description`. */
  iamDescription: 1000,
  /** One customer managed policy document, whitespace not counted (IAM and STS quotas). */
  managedPolicyCharacters: 6144,
  /** All inline policies of one role together, whitespace not counted. */
  roleInlinePolicyCharacters: 10240,
  /** A role trust policy at the default quota, whitespace not counted. */
  roleTrustPolicyCharacters: 2048,
  /**
   * An SNS subscription filter policy: the product of its value-array sizes, its keys, and its JSON bytes.
   * https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html ("Filter policy constraints")
   */
  snsFilterPolicyCombinations: 150,
  snsFilterPolicyKeys: 5,
  snsFilterPolicyBytes: 256 * 1024,
} as const;

/** A value AWS would reject; the message names the resource, the limit and the fix. */
export class AwsLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsLimitError';
  }
}

/** IAM policy documents may hold tab, LF, CR and U+0020 to U+00FF only. */
const OUTSIDE_POLICY_CHARACTERS = /[^\t\n\r\u0020-\u00ff]/u;
/** IAM descriptions: tab, LF, CR, printable ASCII and U+00A1 to U+00FF. */
const OUTSIDE_DESCRIPTION_CHARACTERS = /[^\t\n\r\u0020-\u007e\u00a1-\u00ff]/u;

const count = (n: number) => n.toLocaleString('en-US');
const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Checks a rendered IAM policy document: IAM's character set, and its size as IAM counts it (without whitespace).
 * @param what the resource, e.g. `launch policy ami-guard-launch-eu-west-1`
 * @param fix what to change when it is too large
 */
export function checkPolicyDocument(what: string, json: string, limit: number, fix: string): void {
  const bad = OUTSIDE_POLICY_CHARACTERS.exec(json)?.[0];
  if (bad !== undefined) {
    throw new AwsLimitError(
      `${what}: contains ${JSON.stringify(bad)} (${codePoint(bad)}), but IAM policy documents hold only characters up to U+00FF; use Latin characters in the values it is built from`,
    );
  }
  const size = json.replace(/\s/g, '').length;
  if (size > limit) {
    throw new AwsLimitError(`${what}: ${count(size)} characters without whitespace, over IAM's limit of ${count(limit)}; ${fix}`);
  }
}

/** Checks an IAM description (policy or role): at most 1,000 characters of IAM's description character set. */
export function checkIamDescription(what: string, description: string): void {
  const bad = OUTSIDE_DESCRIPTION_CHARACTERS.exec(description)?.[0];
  if (bad !== undefined) {
    throw new AwsLimitError(
      `${what}: the description contains ${JSON.stringify(bad)} (${codePoint(bad)}), which IAM does not accept`,
    );
  }
  if (description.length > AWS_LIMITS.iamDescription) {
    throw new AwsLimitError(
      `${what}: the description has ${count(description.length)} characters, over IAM's limit of ${count(AWS_LIMITS.iamDescription)}; shorten it`,
    );
  }
}

/** Checks a Config rule's input parameters against AWS Config's 1,024 characters, naming the largest parameter. */
export function checkRuleInputParameters(what: string, parameters: Record<string, string>): string {
  const json = JSON.stringify(parameters);
  if (json.length > AWS_LIMITS.configRuleInputParameters) {
    const [largest] = Object.entries(parameters).sort(([, a], [, b]) => b.length - a.length);
    throw new AwsLimitError(
      `${what}: the rule parameters are ${count(json.length)} characters, over AWS Config's limit of ` +
        `${count(AWS_LIMITS.configRuleInputParameters)} for a rule's input parameters (${largest[0]} alone is ${count(largest[1].length)}); ` +
        'use fewer or shorter approval.tagValues, trustedOwners or detection.exceptionTicketPattern',
    );
  }
  return json;
}

/**
 * What SNS would reject in a filter policy of attribute name -> values: more than 5 keys, a total
 * combination of values (the product of the array sizes) over 150, or JSON over 256 KB. SNS refuses such
 * a subscription at apply (aws-cdk's `Subscription` checks the same at synth).
 * @returns the problem and its fix, or undefined when SNS accepts the policy
 */
export function snsFilterPolicyProblem(policy: Readonly<Record<string, readonly string[]>>): string | undefined {
  const sizes = Object.values(policy).map((values) => values.length);
  if (sizes.length > AWS_LIMITS.snsFilterPolicyKeys) {
    return (
      `the filter policy has ${sizes.length} keys, over SNS's limit of ${AWS_LIMITS.snsFilterPolicyKeys}; ` +
      'match on fewer message attributes, or split the route'
    );
  }
  const product = sizes.reduce((a, b) => a * b, 1);
  if (product > AWS_LIMITS.snsFilterPolicyCombinations) {
    return (
      `the filter policy's total combination of values is ${sizes.join(' × ')} = ${count(product)}, over SNS's limit of ` +
      `${AWS_LIMITS.snsFilterPolicyCombinations} (the product of the number of values of each key); ` +
      'split the route into several routes with fewer values each, or match on fewer attributes'
    );
  }
  const bytes = Buffer.byteLength(JSON.stringify(policy), 'utf8');
  if (bytes > AWS_LIMITS.snsFilterPolicyBytes) {
    return `the filter policy is ${count(bytes)} bytes, over SNS's limit of ${count(AWS_LIMITS.snsFilterPolicyBytes)}; use fewer or shorter values`;
  }
  return undefined;
}
