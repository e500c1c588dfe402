import { Construct } from 'constructs';
import { ManagedPolicy } from './managed-policy';
import { AttachTargetsProps } from './policy-attachments';
import { tagKeyProblem } from '../../lambda/ami-compliance/contract';
import { arn, IMAGE_CREATING_ACTIONS, imageArnPattern } from '../shared/iam';
import { PolicyDocument, PolicyStatement } from '../shared/policy-document';

export interface ImageTagGuardProps {
  /** The approval tag key that only the pipeline may set or remove. */
  readonly tagKey: string;
  /** ARNs (wildcards allowed) of the principals allowed to change the approval tag: the image pipeline. */
  readonly taggerPrincipals: readonly string[];
  /** Region the policy governs. */
  readonly region: string;
  /** Instance tag that grants an exception; when set, the guard reserves it on instances too. @default no instance statements */
  readonly exceptionTagKey?: string;
  /** ARNs (wildcards allowed) of the principals allowed to grant exceptions. @default [] (none of the attached principals may) */
  readonly exceptionGranters?: readonly string[];
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
 * With `exceptionTagKey`, it also reserves the exception tag on instances for `exceptionGranters`:
 * otherwise anyone who may tag an instance could exempt it.
 */
function imageTagGuardDocument(props: ImageTagGuardProps): PolicyDocument {
  if (props.taggerPrincipals.length === 0) {
    throw new Error(
      '`taggerPrincipals` must name at least one principal (the image pipeline role), or nobody could approve an image.',
    );
  }
  const keyProblem = tagKeyProblem(props.tagKey);
  if (keyProblem) throw new Error(`\`tagKey\` ${JSON.stringify(props.tagKey)} ${keyProblem}.`);
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
      ...(props.exceptionTagKey
        ? exceptionTagStatements(props.region, props.exceptionTagKey, props.exceptionGranters ?? [])
        : []),
    ],
  };
}

/**
 * The exception tag on instances, for granters only: CreateTags and DeleteTags naming the key, which
 * includes tag-on-create (RunInstances TagSpecifications are authorized as CreateTags with
 * ec2:CreateAction, and this statement has no CreateAction condition), and RunInstances itself, whose
 * instance carries the requested keys in aws:TagKeys. Deleting every tag at once only removes an
 * exception, which makes the rule stricter, so it is left alone.
 */
function exceptionTagStatements(region: string, tagKey: string, granters: readonly string[]): PolicyStatement[] {
  const keyProblem = tagKeyProblem(tagKey);
  if (keyProblem) throw new Error(`\`exceptionTagKey\` ${JSON.stringify(tagKey)} ${keyProblem}.`);
  const instances = arn(region, 'ec2', '*', 'instance/*');
  const condition = {
    'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [tagKey] },
    // No granters: nobody bound by this policy may grant an exception.
    ...(granters.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': [...granters] } } : {}),
  };
  return [
    {
      Sid: 'DenyExceptionTagChangesOnInstancesOutsideGranters',
      Effect: 'Deny',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: instances,
      Condition: condition,
    },
    {
      Sid: 'DenyLaunchingWithExceptionTagOutsideGranters',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: instances,
      Condition: condition,
    },
  ];
}

/** Customer-managed deny policy that reserves the approval tag on images for the image pipeline (and the exception tag on instances for its granters). */
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
