import { Construct } from 'constructs';
import { anyRegionImageArnPattern, arn } from '../shared/iam';
import { PolicyDocument } from '../shared/policy-document';
import { approvalTagStatements, exceptionTagStatements } from '../shared/tag-reservation';
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
  const breakGlass = props.breakGlassPrincipals ?? [];
  const exceptionKeys = props.exceptionTagKeys ?? [];
  return {
    Version: '2012-10-17',
    Statement: [
      ...approvalTagStatements(anyRegionImageArnPattern(props.region), {
        keys: props.tagKeys,
        exempt: [...props.taggerPrincipals, ...breakGlass],
      }),
      // The same reservation as the account tag guard makes for the exception tag on instances.
      ...(exceptionKeys.length > 0
        ? exceptionTagStatements(arn(props.region, 'ec2', '*', 'instance/*', '*'), {
            keys: exceptionKeys,
            exempt: [...(props.exceptionGranters ?? []), ...breakGlass],
          })
        : []),
    ],
  };
}

/** SCP `ami-guard-image-tag-guard`: only the image pipeline may set or remove the approval tag on images. */
export class ImageTagGuardScp extends OrganizationPolicy<PolicyDocument> {
  constructor(scope: Construct, id: string, props: ImageTagGuardScpProps) {
    super(scope, id, {
      policyName: props.policyName ?? 'ami-guard-image-tag-guard',
      description: `AMI Guard: only the image pipeline may set or remove the ${props.tagKeys.join('/')} tag on images`,
      type: 'SERVICE_CONTROL_POLICY',
      document: imageTagGuardScpDocument(props),
    });
  }
}
