import { Construct } from 'constructs';
import { IamGroupPolicyAttachment } from '@cdktf/provider-aws/lib/iam-group-policy-attachment';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IamUserPolicyAttachment } from '@cdktf/provider-aws/lib/iam-user-policy-attachment';

/** Existing IAM principals (by name) that a managed policy is attached to. */
export interface AttachTargetsProps {
  /** IAM role names. @default [] */
  readonly roles?: readonly string[];
  /** IAM group names. @default [] */
  readonly groups?: readonly string[];
  /** IAM user names. @default [] */
  readonly users?: readonly string[];
}

export interface PolicyAttachmentsProps extends AttachTargetsProps {
  /** ARN of the managed policy to attach. */
  readonly policyArn: string;
}

/**
 * Attaches one managed policy to the named roles, groups and users (one resource each, keyed by name).
 * When the policy is replaced, each new attachment is made before the old one is removed.
 */
export class PolicyAttachments extends Construct {
  constructor(scope: Construct, id: string, props: PolicyAttachmentsProps) {
    super(scope, id);
    const { policyArn } = props;
    const lifecycle = { createBeforeDestroy: true };
    for (const role of props.roles ?? []) {
      new IamRolePolicyAttachment(this, `role-${role}`, { role, policyArn, lifecycle });
    }
    for (const group of props.groups ?? []) {
      new IamGroupPolicyAttachment(this, `group-${group}`, { group, policyArn, lifecycle });
    }
    for (const user of props.users ?? []) {
      new IamUserPolicyAttachment(this, `user-${user}`, { user, policyArn, lifecycle });
    }
  }
}
