import { Construct } from 'constructs';
import { EVIDENCE_TAG } from '../../lambda/ami-compliance/contract';
import { automationPrincipal } from '../../lambda/ami-compliance/trust-model';
import { anyRegionImageArnPattern, IMAGE_CREATING_ACTIONS, partitionOf } from '../shared/iam';
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
 * - no EC2 Fleet (`ec2:CreateFleet`): request and maintain fleets launch through a service-linked role
 *   that no SCP binds, and an instant fleet's images are not checked the way RunInstances' are;
 * - no image created, copied, registered, imported or restored outside the pipeline, because Allowed
 *   AMIs never restricts an account's own AMIs. One exception: AMI Guard's automation (a role under
 *   `/ami-guard/`) may CreateImage an evidence image, one that carries the `AmiGuardEvidenceOf` tag
 *   from its creation (`aws:RequestTag`, EC2 Service Authorization Reference:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html), so
 *   terminate mode works under the launch guard. The tag guard SCP reserves that key for the automation.
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
  const automation = automationPrincipal(partitionOf(props.region), '*');
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
        Sid: 'DenyEc2Fleets',
        Effect: 'Deny',
        Action: 'ec2:CreateFleet',
        Resource: '*',
        ...(breakGlass.length > 0 ? { Condition: notBreakGlass } : {}),
      },
      {
        Sid: 'DenyImageCreationOutsidePipeline',
        Effect: 'Deny',
        Action: IMAGE_CREATING_ACTIONS.filter((a) => a !== 'CreateImage').map((a) => `ec2:${a}`),
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [...props.pipelinePrincipals, ...breakGlass] } },
      },
      {
        Sid: 'DenyCreateImageOutsidePipelineAndEvidence',
        Effect: 'Deny',
        Action: 'ec2:CreateImage',
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [...props.pipelinePrincipals, automation, ...breakGlass] } },
      },
      {
        // The image resource is the one that carries the requested tags.
        Sid: 'DenyAutomationCreateImageButEvidence',
        Effect: 'Deny',
        Action: 'ec2:CreateImage',
        Resource: anyRegionImageArnPattern(props.region),
        Condition: {
          ArnLike: { 'aws:PrincipalArn': automation },
          Null: { [`aws:RequestTag/${EVIDENCE_TAG.instance}`]: 'true' },
        },
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
