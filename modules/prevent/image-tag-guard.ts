import { Construct } from 'constructs';
import { ManagedPolicy } from './managed-policy';
import { AttachTargetsProps } from './policy-attachments';
import { IMAGE_CREATING_ACTIONS, imageArnPattern } from '../shared/iam';
import { PolicyDocument } from '../shared/policy-document';

export interface ImageTagGuardProps {
  /** The approval tag key that only the pipeline may set or remove. */
  readonly tagKey: string;
  /** ARNs (wildcards allowed) of the principals allowed to change the approval tag: the image pipeline. */
  readonly taggerPrincipals: readonly string[];
  /** Region the policy governs. */
  readonly region: string;
  /** Principals to attach the guard to. @default none */
  readonly attachTo?: AttachTargetsProps;
  /** Policy name. @default {@link tagGuardPolicyName} */
  readonly policyName?: string;
}

/**
 * The tag guard's default name; it changes whenever the description or path does (see `launchPolicyName`).
 * `ami-guard-image-tag-guard-<region>` was the name of the policy whose description named the tag key.
 */
function tagGuardPolicyName(region: string): string {
  return `ami-guard-tag-guard-${region}`;
}

/** Static: the tag key and the pipeline principals live in the document, updated in place. */
export const TAG_GUARD_DESCRIPTION =
  'AMI Guard: only the image pipeline may add or remove the approval tag on images (tag key and pipeline: see the policy document)';

/**
 * Denies adding or removing the approval tag on images to everyone but the pipeline; without it anyone
 * with ec2:CreateTags can tag any AMI `Environment=Prod` and pass the launch policy. Tag keys are matched
 * ignoring case because IAM condition key names (ec2:ResourceTag/<key>) are case-insensitive.
 */
function imageTagGuardDocument(props: ImageTagGuardProps): PolicyDocument {
  if (props.taggerPrincipals.length === 0) {
    throw new Error(
      '`taggerPrincipals` must name at least one principal (the image pipeline role), or nobody could approve an image.',
    );
  }
  const images = imageArnPattern(props.region);
  const notPipeline = { ArnNotLike: { 'aws:PrincipalArn': [...props.taggerPrincipals] } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyApprovalTagChangesOnImagesOutsidePipeline',
        Effect: 'Deny',
        Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
        Resource: images,
        Condition: {
          'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [props.tagKey] },
          ...notPipeline,
        },
      },
      {
        // DeleteTags without a tag list removes every tag, the approval tag included.
        Sid: 'DenyDeletingAllTagsOnImagesOutsidePipeline',
        Effect: 'Deny',
        Action: 'ec2:DeleteTags',
        Resource: images,
        Condition: { Null: { 'aws:TagKeys': 'true' }, ...notPipeline },
      },
      // --- tag-on-create of the approval key ------------------------------------------------------
      // The first statement already denies the CreateTags check of tag-on-create (it has no
      // ec2:CreateAction condition); this one also denies the creating call itself when its
      // TagSpecifications carry the key, so no image can be born approved outside the pipeline.
      {
        Sid: 'DenyCreatingImagesWithApprovalTagOutsidePipeline',
        Effect: 'Deny',
        Action: IMAGE_CREATING_ACTIONS.map((a) => `ec2:${a}`),
        Resource: images,
        Condition: {
          'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [props.tagKey] },
          ...notPipeline,
        },
      },
      // --- end of tag-on-create ---------------------------------------------------------------------
    ],
  };
}

/** Customer-managed deny policy that reserves the approval tag on images for the image pipeline. */
export class ImageTagGuard extends ManagedPolicy {
  constructor(scope: Construct, id: string, props: ImageTagGuardProps) {
    super(scope, id, {
      policyName: props.policyName ?? tagGuardPolicyName(props.region),
      description: TAG_GUARD_DESCRIPTION,
      document: imageTagGuardDocument(props),
      attachTo: props.attachTo,
    });
  }
}
