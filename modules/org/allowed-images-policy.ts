import { Construct } from 'constructs';
import { OrganizationPolicy } from './organization-policy';

/** One Allowed AMIs criterion: an AMI is allowed when it matches every condition of one criterion. */
export interface AllowedImagesCriterion {
  /** Account IDs, `amazon`, `aws-marketplace`, `aws-backup-vault` (EC2 API spellings). */
  readonly imageProviders?: readonly string[];
  /** AMI name patterns (`*` and `?`). @default any name */
  readonly imageNames?: readonly string[];
  /** Maximum age of an allowed AMI, in days. @default any age */
  readonly maximumDaysSinceCreated?: number;
  /** Days a deprecated AMI stays allowed; 0 allows none. @default deprecated AMIs allowed */
  readonly maximumDaysSinceDeprecated?: number;
}

export interface AllowedImagesPolicyProps {
  /** `audit-mode` only reports (`ImageAllowed`); `enabled` blocks. */
  readonly state: 'audit-mode' | 'enabled';
  /** 1 to 10 criteria. */
  readonly criteria: readonly AllowedImagesCriterion[];
  /** Message EC2 shows when the policy blocks a call. @default EC2's own message */
  readonly exceptionMessage?: string;
  /** Policy name. @default `ami-guard-allowed-images` */
  readonly policyName?: string;
}

/** Declarative policies spell the state and the provider aliases with underscores. */
const POLICY_SPELLING: Record<string, string> = {
  'audit-mode': 'audit_mode',
  'aws-marketplace': 'aws_marketplace',
  'aws-backup-vault': 'aws_backup_vault',
};
const spell = (value: string) => POLICY_SPELLING[value] ?? value;

const assign = <T>(value: T) => ({ '@@assign': value });

/**
 * The content of the EC2 declarative policy (`DECLARATIVE_POLICY_EC2`), in the shape of the
 * Organizations "Declarative policy syntax" page: `ec2_attributes.allowed_images_settings` with
 * `state` and `image_criteria.criteria_<n>` leaves set by `@@assign`, `exception_message` under
 * `ec2_attributes`, and `@@operators_allowed_for_child_policies: ["@@none"]` so that no policy
 * attached lower in the tree can loosen the settings.
 */
function allowedImagesPolicyContent(props: AllowedImagesPolicyProps): Record<string, unknown> {
  if (props.criteria.length < 1 || props.criteria.length > 10) {
    throw new Error(`\`criteria\` must hold 1 to 10 criteria (AWS's limit), got ${props.criteria.length}.`);
  }
  const criteria: Record<string, unknown> = {};
  props.criteria.forEach((c, i) => {
    const criterion: Record<string, unknown> = {};
    if (c.imageProviders) criterion.allowed_image_providers = assign(c.imageProviders.map(spell));
    if (c.imageNames) criterion.image_names = assign([...c.imageNames]);
    if (c.maximumDaysSinceCreated !== undefined) {
      criterion.creation_date_condition = { maximum_days_since_created: assign(c.maximumDaysSinceCreated) };
    }
    if (c.maximumDaysSinceDeprecated !== undefined) {
      criterion.deprecation_time_condition = { maximum_days_since_deprecated: assign(c.maximumDaysSinceDeprecated) };
    }
    if (Object.keys(criterion).length === 0) {
      throw new Error(`\`criteria[${i}]\` has no condition; give it image providers, names or an age limit.`);
    }
    criteria[`criteria_${i + 1}`] = criterion;
  });
  return {
    ec2_attributes: {
      allowed_images_settings: {
        '@@operators_allowed_for_child_policies': ['@@none'],
        state: assign(spell(props.state)),
        image_criteria: criteria,
      },
      ...(props.exceptionMessage ? { exception_message: assign(props.exceptionMessage) } : {}),
    },
  };
}

/** Declarative policy `ami-guard-allowed-images`: Allowed AMIs, enforced by EC2 itself for every launch path. */
export class AllowedImagesPolicy extends OrganizationPolicy<Record<string, unknown>> {
  constructor(scope: Construct, id: string, props: AllowedImagesPolicyProps) {
    super(scope, id, {
      policyName: props.policyName ?? 'ami-guard-allowed-images',
      description: `AMI Guard: Allowed AMIs (${props.state}) for every launch path, service-linked roles included`,
      type: 'DECLARATIVE_POLICY_EC2',
      document: allowedImagesPolicyContent(props),
    });
  }
}
