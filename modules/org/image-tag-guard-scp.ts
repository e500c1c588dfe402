import { Construct } from 'constructs';
import { anyRegionImageArnPattern, arn, IMAGE_CREATING_ACTIONS } from '../shared/iam';
import { PolicyDocument, PolicyStatement } from '../shared/policy-document';
import { OrganizationPolicy } from './organization-policy';

export interface ImageTagGuardScpProps {
  /** The approval tag keys to reserve on images (compared ignoring case). */
  readonly tagKeys: readonly string[];
  /** ARN patterns of the image pipeline, the only principals that may set or remove those tags. */
  readonly taggerPrincipals: readonly string[];
  /** ARN patterns exempt from the SCP. @default [] */
  readonly breakGlassPrincipals?: readonly string[];
  /** Instance tag keys that grant exceptions (compared ignoring case); reserved for `exceptionGranters`. @default [] (no instance statements) */
  readonly exceptionTagKeys?: readonly string[];
  /** ARN patterns that may add or remove the exception tags on instances. @default [] (only break-glass) */
  readonly exceptionGranters?: readonly string[];
  /** A region of the organization, for the ARN partition. */
  readonly region: string;
  /** Policy name. @default `ami-guard-image-tag-guard` */
  readonly policyName?: string;
}

/**
 * The SCP that reserves the approval tag on images for the pipeline in every member account, admins
 * included: no CreateTags/DeleteTags of the key on an image, no DeleteTags without a key list, and no
 * image created already carrying the key. Tag keys are compared ignoring case, as IAM matches
 * `ec2:ResourceTag/<key>` whatever the case of the key.
 */
function imageTagGuardScpDocument(props: ImageTagGuardScpProps): PolicyDocument {
  if (props.tagKeys.length === 0) throw new Error('`tagKeys` must name the approval tag key, e.g. ["Environment"].');
  if (props.taggerPrincipals.length === 0) {
    throw new Error(
      '`taggerPrincipals` must name at least one principal (the image pipeline role), or nobody could approve an image.',
    );
  }
  const images = anyRegionImageArnPattern(props.region);
  const exempt = { ArnNotLike: { 'aws:PrincipalArn': [...props.taggerPrincipals, ...(props.breakGlassPrincipals ?? [])] } };
  const approvalKey = { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [...props.tagKeys] } };
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // No ec2:CreateAction condition: this covers tag-on-create (CreateTags with ec2:CreateAction =
        // CreateImage, CopyImage, RegisterImage, ImportImage, CreateRestoreImageTask) as well.
        Sid: 'DenyApprovalTagChangesOnImages',
        Effect: 'Deny',
        Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
        Resource: images,
        Condition: { ...approvalKey, ...exempt },
      },
      {
        // DeleteTags without a tag list removes every tag, the approval tag included.
        Sid: 'DenyDeletingAllTagsOnImages',
        Effect: 'Deny',
        Action: 'ec2:DeleteTags',
        Resource: images,
        Condition: { Null: { 'aws:TagKeys': 'true' }, ...exempt },
      },
      {
        // The creating call itself, with TagSpecifications holding the key.
        Sid: 'DenyCreatingImagesWithApprovalTag',
        Effect: 'Deny',
        Action: IMAGE_CREATING_ACTIONS.map((a) => `ec2:${a}`),
        Resource: images,
        Condition: { ...approvalKey, ...exempt },
      },
      ...exceptionTagStatements(props),
    ],
  };
}

/**
 * The same reservation as the account tag guard makes for the exception tag on instances, for every
 * member principal: CreateTags/DeleteTags naming the key (tag-on-create through RunInstances included:
 * no ec2:CreateAction condition) and RunInstances whose instance requests it.
 */
function exceptionTagStatements(props: ImageTagGuardScpProps): PolicyStatement[] {
  const keys = props.exceptionTagKeys ?? [];
  if (keys.length === 0) return [];
  const instances = arn(props.region, 'ec2', '*', 'instance/*', '*');
  const exempt = [...(props.exceptionGranters ?? []), ...(props.breakGlassPrincipals ?? [])];
  const condition = {
    'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [...keys] },
    ...(exempt.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': exempt } } : {}),
  };
  return [
    {
      Sid: 'DenyExceptionTagChangesOnInstances',
      Effect: 'Deny',
      Action: ['ec2:CreateTags', 'ec2:DeleteTags'],
      Resource: instances,
      Condition: condition,
    },
    {
      Sid: 'DenyLaunchingWithExceptionTag',
      Effect: 'Deny',
      Action: 'ec2:RunInstances',
      Resource: instances,
      Condition: condition,
    },
  ];
}

/** SCP `ami-guard-image-tag-guard`: only the image pipeline may set or remove the approval tag on images. */
export class ImageTagGuardScp extends OrganizationPolicy {
  readonly document: PolicyDocument;

  constructor(scope: Construct, id: string, props: ImageTagGuardScpProps) {
    const document = imageTagGuardScpDocument(props);
    super(scope, id, {
      policyName: props.policyName ?? 'ami-guard-image-tag-guard',
      description: `AMI Guard: only the image pipeline may set or remove the ${props.tagKeys.join('/')} tag on images`,
      type: 'SERVICE_CONTROL_POLICY',
      document,
    });
    this.document = document;
  }
}
