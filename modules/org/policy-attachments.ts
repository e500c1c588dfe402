import { Construct } from 'constructs';
import { OrganizationsPolicyAttachment } from '@cdktf/provider-aws/lib/organizations-policy-attachment';

export interface OrganizationPolicyAttachmentsProps {
  /** ID of the Organizations policy (`p-...`), or a reference to it. */
  readonly policyId: string;
  /** The root (`r-...`), OUs (`ou-...`) or accounts to attach it to. */
  readonly targetIds: readonly string[];
}

/** Attaches one Organizations policy to each target; the construct ID of each attachment is the target ID. */
export class OrganizationPolicyAttachments extends Construct {
  readonly attachments: readonly OrganizationsPolicyAttachment[];

  constructor(scope: Construct, id: string, props: OrganizationPolicyAttachmentsProps) {
    super(scope, id);
    const duplicate = props.targetIds.find((t, i) => props.targetIds.indexOf(t) !== i);
    if (duplicate) throw new Error(`\`targetIds\` lists "${duplicate}" twice; attach a policy to a target once.`);
    this.attachments = props.targetIds.map(
      (targetId) => new OrganizationsPolicyAttachment(this, targetId, { policyId: props.policyId, targetId }),
    );
  }
}
