import { Construct } from 'constructs';
import {
  AUTOMATION_ROLE_NAME,
  automationPrincipal,
  mergeTrustModels,
  Signal,
  trustModel,
  wildcardAccountRoleName,
} from '../../lambda/ami-compliance/trust-model';
import { partitionOf } from '../shared/iam';
import { PolicyDocument } from '../shared/policy-document';
import { trustGuardStatements } from '../shared/tag-reservation';
import { OrganizationPolicy } from './organization-policy';

export interface ImageTagGuardScpProps {
  /** The approval tag keys to reserve on images (compared ignoring case). */
  readonly tagKeys: readonly string[];
  /** ARN patterns of the image pipeline, the only principals that may set or remove those tags (and write the approved-ID parameters). */
  readonly taggerPrincipals: readonly string[];
  /** ARN patterns exempt from the SCP. @default [] */
  readonly breakGlassPrincipals?: readonly string[];
  /** Instance tag keys that grant exceptions (compared ignoring case); reserved for `exceptionGranters`. @default [] (no exception signal) */
  readonly exceptionTagKeys?: readonly string[];
  /** ARN patterns that may add or remove the exception tags on instances. @default [] (only break-glass) */
  readonly exceptionGranters?: readonly string[];
  /** SSM parameters of approved AMI IDs, reserved for the pipeline in every member account. @default [] */
  readonly approvedImageIdsParameters?: readonly string[];
  /** Image tag keys naming AMI families (freshness), reserved for the pipeline. @default [] */
  readonly familyTagKeys?: readonly string[];
  /**
   * ARN patterns of the IAM administrators: the only principals (besides break-glass) that may create or
   * change a role whose name the SCP trusts in every account (wildcard-account patterns, and AMI Guard's
   * own roles under `/ami-guard/`). @default [] (only break-glass)
   */
  readonly iamAdminPrincipals?: readonly string[];
  /** A region of the organization, for the ARN partition. */
  readonly region: string;
  /** Policy name. @default `ami-guard-image-tag-guard` */
  readonly policyName?: string;
}

/** Every signal the SCP guards: each account's model, merged, with the role names it trusts in every account. */
export function organizationTrustModel(props: ImageTagGuardScpProps): Signal[] {
  const [first] = props.tagKeys;
  const roleNames = [
    AUTOMATION_ROLE_NAME,
    ...[
      ...props.taggerPrincipals,
      ...(props.exceptionGranters ?? []),
      ...(props.breakGlassPrincipals ?? []),
      ...(props.iamAdminPrincipals ?? []),
    ].flatMap((arn) => wildcardAccountRoleName(arn) ?? []),
  ];
  return mergeTrustModels([
    ...props.tagKeys.map((approvalTagKey) => trustModel({ approvalTagKey })),
    ...(props.exceptionTagKeys ?? []).map((exceptionTagKey) => trustModel({ approvalTagKey: first, exceptionTagKey })),
    ...(props.approvedImageIdsParameters ?? []).map((p) => trustModel({ approvalTagKey: first, approvedImageIdsParameter: p })),
    ...(props.familyTagKeys ?? []).map((familyTagKey) => trustModel({ approvalTagKey: first, familyTagKey })),
    trustModel({ approvalTagKey: first, trustedRoleNames: [...new Set(roleNames)] }),
  ]);
}

/**
 * The organization layer of the trust model, binding every member principal, admins included: every
 * signal reserved for its writers on every write path (modules/shared/tag-reservation.ts). AMI Guard's
 * automation is any role under `/ami-guard/` in a member account, so that path is itself a trusted
 * role name, reserved for the IAM administrators like every wildcard-account name in the config.
 */
function imageTagGuardScpDocument(props: ImageTagGuardScpProps): PolicyDocument {
  if (props.tagKeys.length === 0) throw new Error('`tagKeys` must name the approval tag key, e.g. ["Environment"].');
  if (props.taggerPrincipals.length === 0) {
    throw new Error(
      '`taggerPrincipals` must name at least one principal (the image pipeline role), or nobody could approve an image.',
    );
  }
  const partition = partitionOf(props.region);
  return {
    Version: '2012-10-17',
    Statement: trustGuardStatements({
      signals: organizationTrustModel(props),
      principals: {
        pipeline: props.taggerPrincipals,
        exceptionGranters: props.exceptionGranters ?? [],
        automation: [automationPrincipal(partition, '*')],
        iamAdmin: props.iamAdminPrincipals ?? [],
      },
      alwaysExempt: props.breakGlassPrincipals ?? [],
      scope: { partition, region: '*', account: '*' },
    }),
  };
}

/** SCP `ami-guard-image-tag-guard`: every signal AMI Guard trusts may be written only by its writers. */
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
