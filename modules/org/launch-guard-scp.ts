import { Construct } from 'constructs';
import { anyRegionImageArnPattern, IMAGE_CREATING_ACTIONS } from '../shared/iam';
import { PolicyDocument } from '../shared/policy-document';
import { OrganizationPolicy } from './organization-policy';

/** An image owner `ec2:Owner` can name: an account ID, or the `amazon` / `aws-marketplace` aliases. */
const EC2_OWNER = /^(\d{12}|amazon|aws-marketplace)$/;

export interface LaunchGuardScpProps {
  /**
   * Owners whose AMIs may be launched, as `ec2:Owner` names them: account IDs, `amazon`,
   * `aws-marketplace`. (`aws-backup-vault` has no `ec2:Owner` value; leave it to Allowed AMIs.)
   */
  readonly trustedOwners: readonly string[];
  /** ARN patterns of the image pipeline: the only principals that may create, copy, register or import images. */
  readonly pipelinePrincipals: readonly string[];
  /** ARN patterns exempt from the SCP. @default [] */
  readonly breakGlassPrincipals?: readonly string[];
  /** A region of the organization, for the ARN partition. */
  readonly region: string;
  /** Policy name. @default `ami-guard-launch-guard` */
  readonly policyName?: string;
}

/**
 * The SCP that binds every principal of a member account, admins included:
 * - no `ec2:RunInstances` of an image whose owner (`ec2:Owner`) is not trusted;
 * - no legacy `RequestSpotInstances` / `RequestSpotFleet`, whose instances are launched later by a
 *   service-linked role that neither IAM policies nor SCPs bind;
 * - no image created, copied, registered, imported or restored outside the pipeline, because Allowed
 *   AMIs never restricts an account's own AMIs.
 */
function launchGuardScpDocument(props: LaunchGuardScpProps): PolicyDocument {
  if (props.trustedOwners.length === 0) {
    throw new Error('`trustedOwners` must name at least one image owner (an account ID, "amazon" or "aws-marketplace").');
  }
  const badOwner = props.trustedOwners.find((o) => !EC2_OWNER.test(o));
  if (badOwner !== undefined) {
    throw new Error(
      `\`trustedOwners\` entries must be 12-digit account IDs, "amazon" or "aws-marketplace" (ec2:Owner values), got "${badOwner}".`,
    );
  }
  if (props.pipelinePrincipals.length === 0) {
    throw new Error(
      '`pipelinePrincipals` must name at least one principal (the image pipeline role), or nobody could build an image.',
    );
  }
  const breakGlass = [...(props.breakGlassPrincipals ?? [])];
  const notBreakGlass: Record<string, Record<string, string[]>> = breakGlass.length > 0
    ? { ArnNotLike: { 'aws:PrincipalArn': breakGlass } }
    : {};
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyRunInstancesFromUntrustedImageOwners',
        Effect: 'Deny',
        Action: 'ec2:RunInstances',
        Resource: anyRegionImageArnPattern(props.region),
        Condition: { StringNotEquals: { 'ec2:Owner': [...props.trustedOwners] }, ...notBreakGlass },
      },
      {
        Sid: 'DenyLegacySpotRequests',
        Effect: 'Deny',
        Action: ['ec2:RequestSpotInstances', 'ec2:RequestSpotFleet'],
        Resource: '*',
        ...(breakGlass.length > 0 ? { Condition: notBreakGlass } : {}),
      },
      {
        Sid: 'DenyImageCreationOutsidePipeline',
        Effect: 'Deny',
        Action: IMAGE_CREATING_ACTIONS.map((a) => `ec2:${a}`),
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [...props.pipelinePrincipals, ...breakGlass] } },
      },
    ],
  };
}

/** SCP `ami-guard-launch-guard`, attached only to targets that opt in with `launchGuard: true`. */
export class LaunchGuardScp extends OrganizationPolicy<PolicyDocument> {
  constructor(scope: Construct, id: string, props: LaunchGuardScpProps) {
    super(scope, id, {
      policyName: props.policyName ?? 'ami-guard-launch-guard',
      description:
        'AMI Guard: launches only from trusted image owners, no legacy Spot requests, images created only by the pipeline',
      type: 'SERVICE_CONTROL_POLICY',
      document: launchGuardScpDocument(props),
    });
  }
}
