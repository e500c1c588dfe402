import { Construct } from 'constructs';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { AttachTargetsProps, PolicyAttachments } from './policy-attachments';
import { PolicyDocument, renderPolicy } from '../shared/policy-document';

export interface ManagedPolicyProps {
  /** Policy name, unique in the account. */
  readonly policyName: string;
  readonly description: string;
  /** The document, rendered as literal JSON so reviewers and simulators read the final policy. */
  readonly document: PolicyDocument;
  /** Principals to attach the policy to. @default none */
  readonly attachTo?: AttachTargetsProps;
}

/** A customer-managed policy under `/ami-guard/`, attached to existing principals by name. */
export class ManagedPolicy extends Construct {
  readonly policy: IamPolicy;
  readonly document: PolicyDocument;

  constructor(scope: Construct, id: string, props: ManagedPolicyProps) {
    super(scope, id);
    this.document = props.document;
    this.policy = new IamPolicy(this, 'policy', {
      name: props.policyName,
      path: '/ami-guard/',
      description: props.description,
      policy: renderPolicy(props.document),
    });
    if (props.attachTo) new PolicyAttachments(this, 'attach', { policyArn: this.policy.arn, ...props.attachTo });
  }
}
