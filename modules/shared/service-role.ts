import { Construct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { AWS_LIMITS, checkIamDescription, checkPolicyDocument } from './aws-limits';
import { IAM_PATH, roleArn, serviceTrustPolicy } from './iam';
import { PolicyDocument, renderPolicy } from './policy-document';

export interface ServiceRoleProps {
  readonly accountId: string;
  readonly region: string;
  /** Role name (unique in the account; AMI Guard suffixes the region). */
  readonly roleName: string;
  /** What the role is for, shown in the IAM console. */
  readonly description: string;
  /** The service principal that assumes the role, e.g. `lambda.amazonaws.com`; trusted only for this account. */
  readonly service: string;
  /** Name of the inline policy. */
  readonly policyName: string;
  /** Construct ID of the role. @default 'role' */
  readonly roleId?: string;
  /** Construct ID of the inline policy. @default 'permissions' */
  readonly policyId?: string;
  /** The inline policy, rendered as literal JSON so reviewers and simulators read the final permissions. */
  readonly policy: PolicyDocument;
}

/**
 * A role that one AWS service assumes on behalf of this account, with one literal inline policy.
 * Both resources are created directly in `scope` (no wrapper node), so their Terraform addresses are
 * those of a plain role and policy there and deployed state stays where it is.
 */
export class ServiceRole {
  readonly role: IamRole;
  /** The inline policy resource: depend on it before the service may act. */
  readonly rolePolicy: IamRolePolicy;
  /** The permissions, as data (for simulation and tests). */
  readonly policy: PolicyDocument;
  /** Literal ARN, so policies that name the role read in full before any plan. */
  readonly roleArn: string;

  constructor(scope: Construct, props: ServiceRoleProps) {
    this.policy = props.policy;
    this.roleArn = roleArn(props.region, props.accountId, props.roleName);
    const what = `IAM role ${props.roleName}`;
    checkIamDescription(what, props.description);
    const trust = renderPolicy(serviceTrustPolicy(props.service, props.accountId));
    checkPolicyDocument(`${what} (trust policy)`, trust, AWS_LIMITS.roleTrustPolicyCharacters, 'trust fewer principals');
    const permissions = renderPolicy(props.policy);
    checkPolicyDocument(`${what} (inline policy)`, permissions, AWS_LIMITS.roleInlinePolicyCharacters, 'grant fewer resources');
    this.role = new IamRole(scope, props.roleId ?? 'role', {
      name: props.roleName,
      path: IAM_PATH,
      description: props.description,
      assumeRolePolicy: trust,
    });
    this.rolePolicy = new IamRolePolicy(scope, props.policyId ?? 'permissions', {
      name: props.policyName,
      role: this.role.name,
      policy: permissions,
    });
  }
}
