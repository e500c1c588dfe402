import { Construct } from 'constructs';
import { OrganizationsPolicy } from '@cdktf/provider-aws/lib/organizations-policy';

/** The Organizations policy types AMI Guard creates, with AWS's size limit of each (characters of the document). */
export const POLICY_SIZE_LIMITS = {
  SERVICE_CONTROL_POLICY: 5120,
  DECLARATIVE_POLICY_EC2: 10000,
} as const;

export type OrganizationPolicyType = keyof typeof POLICY_SIZE_LIMITS;

/** How to shrink each policy type, for the size error. */
const SHRINK_HINT: Record<OrganizationPolicyType, string> = {
  SERVICE_CONTROL_POLICY:
    'list fewer principals in organization.taggerPrincipals / breakGlassPrincipals / iamAdminPrincipals (one wildcard ARN such as "arn:aws:iam::*:role/image-pipeline" covers every account; each account\'s deployRoleArn is listed too, unless iamAdminPrincipals names its role in every account, e.g. "arn:aws:iam::*:role/ami-guard-deploy")',
  DECLARATIVE_POLICY_EC2: 'use fewer criteria, image providers or name patterns in organization.allowedImages',
};

/** A policy document larger than Organizations accepts: found at synth, not at apply. */
export class PolicySizeError extends Error {
  constructor(
    readonly policyName: string,
    readonly type: OrganizationPolicyType,
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `Organizations policy "${policyName}" (${type}) is ${size} characters, but AWS allows at most ${limit}; ${SHRINK_HINT[type]}.`,
    );
    this.name = 'PolicySizeError';
  }
}

/** Throws PolicySizeError when `content` is over the limit of its policy type. */
function checkPolicySize(policyName: string, type: OrganizationPolicyType, content: string): void {
  const limit = POLICY_SIZE_LIMITS[type];
  if (content.length > limit) throw new PolicySizeError(policyName, type, content.length, limit);
}

export interface OrganizationPolicyProps<D> {
  /** Policy name, unique in the organization. */
  readonly policyName: string;
  /** What the policy does, shown in the Organizations console. */
  readonly description: string;
  readonly type: OrganizationPolicyType;
  /** The policy document as data; rendered minified, because the size limit counts every character. */
  readonly document: D;
}

/** An Organizations policy with literal, minified JSON content, size-checked at synth. */
export class OrganizationPolicy<D = unknown> extends Construct {
  readonly policy: OrganizationsPolicy;
  /** The document as data, for simulators and tests. */
  readonly document: D;
  /** The rendered content, exactly as deployed. */
  readonly content: string;
  readonly policyName: string;

  constructor(scope: Construct, id: string, props: OrganizationPolicyProps<D>) {
    super(scope, id);
    this.document = props.document;
    this.policyName = props.policyName;
    this.content = JSON.stringify(props.document);
    checkPolicySize(props.policyName, props.type, this.content);
    this.policy = new OrganizationsPolicy(this, 'policy', {
      name: props.policyName,
      description: props.description,
      type: props.type,
      content: this.content,
    });
  }
}
