import { Construct } from 'constructs';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { AttachTargetsProps, PolicyAttachments } from './policy-attachments';
import { AWS_LIMITS, checkIamDescription, checkPolicyDocument } from '../shared/aws-limits';
import { IAM_PATH } from '../shared/iam';
import { PolicyDocument, renderPolicy } from '../shared/policy-document';

export interface ManagedPolicyProps {
  /** Policy name, unique in the account (case-insensitively, whatever the path). */
  readonly policyName: string;
  /**
   * Shown in the IAM console. IAM cannot change it in place: it must not depend on configuration that
   * changes routinely, and a new description needs a new `policyName` (the new policy is created first).
   */
  readonly description: string;
  /** The document, rendered as literal JSON so reviewers and simulators read the final policy. */
  readonly document: PolicyDocument;
  /** Principals to attach the policy to. @default none */
  readonly attachTo?: AttachTargetsProps;
}

/** What each of AMI Guard's account policies takes besides its own facts. */
export interface GuardPolicyProps {
  /** Region the policy governs. */
  readonly region: string;
  /** Principals to attach the policy to. @default none */
  readonly attachTo?: AttachTargetsProps;
  /**
   * Policy name. @default a static name per policy kind and region (`ami-guard-launch-policy-<region>`,
   * `ami-guard-tag-guard-<region>`): it must change whenever the description or path does.
   */
  readonly policyName?: string;
}

/** A guard policy's props: `props.policyName`, else `defaultName(region)`; its attachments; its document. */
export function guardPolicy<P extends GuardPolicyProps>(
  props: P,
  defaultName: (region: string) => string,
  description: string,
  document: (props: P) => PolicyDocument,
): ManagedPolicyProps {
  return {
    policyName: props.policyName ?? defaultName(props.region),
    description,
    document: document(props),
    attachTo: props.attachTo,
  };
}

/**
 * A customer-managed policy under `/ami-guard/`, attached to existing principals by name.
 *
 * A new document is an in-place update (a new default policy version). Should the name, path or
 * description ever change, the replacement is created before the old policy is deleted, and the
 * attachments likewise (attach the new policy, then detach the old), so the principals are never
 * without the policy.
 */
export class ManagedPolicy extends Construct {
  readonly policy: IamPolicy;
  readonly document: PolicyDocument;

  constructor(scope: Construct, id: string, props: ManagedPolicyProps) {
    super(scope, id);
    this.document = props.document;
    const what = `IAM policy ${props.policyName}`;
    checkIamDescription(what, props.description);
    const policy = renderPolicy(props.document);
    checkPolicyDocument(
      what,
      policy,
      AWS_LIMITS.managedPolicyCharacters,
      'use fewer or shorter approval tag values, owners or principals',
    );
    this.policy = new IamPolicy(this, 'policy', {
      name: props.policyName,
      path: IAM_PATH,
      description: props.description,
      policy,
      lifecycle: { createBeforeDestroy: true },
    });
    if (props.attachTo) new PolicyAttachments(this, 'attach', { policyArn: this.policy.arn, ...props.attachTo });
  }
}
