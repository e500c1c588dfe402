import { tagGuardScpProps } from './tag-guard-scp-props';
import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { IndependentStack } from './independent-stack';
import { BackendConfig, OrganizationConfig } from '../../config/schema';
import { AllowedImagesPolicy } from '../org/allowed-images-policy';
import { OrganizationConfigAggregator } from '../org/config-aggregator';
import { ImageTagGuardScp } from '../org/image-tag-guard-scp';
import { LaunchGuardScp } from '../org/launch-guard-scp';
import { OrganizationPolicy } from '../org/organization-policy';
import { OrganizationPolicyAttachments } from '../org/policy-attachments';
import { AmiGuardProvider } from '../shared/aws-provider';
import { organizationStateKey, useSharedStateBackend } from '../shared/state-backend';

/** `aws-backup-vault` AMIs have no `ec2:Owner` value an SCP could name; Allowed AMIs covers them. */
const NOT_AN_EC2_OWNER = 'aws-backup-vault';

export interface OrganizationStackProps {
  /** The organization section, with defaults applied. */
  readonly organization: OrganizationConfig;
  /** The shared state backend. */
  readonly backend: BackendConfig;
}

/**
 * The organization guardrails, deployed from the management account: the SCPs that bind every member
 * principal (admins included), the Allowed AMIs declarative policy that EC2 enforces for every launch
 * path (service-linked roles included), their attachments, and optionally an organization-wide
 * Config aggregator in a second account (provider alias `aggregator`).
 */
export class OrganizationStack extends IndependentStack {
  readonly tagGuard: ImageTagGuardScp;
  /** Present when at least one target sets `launchGuard`. */
  readonly launchGuard?: LaunchGuardScp;
  readonly allowedImages: AllowedImagesPolicy;
  /** Present when the organization section has an `aggregator`. */
  readonly aggregator?: OrganizationConfigAggregator;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id);
    const { organization: org, backend } = props;
    useSharedStateBackend(this, backend, organizationStateKey(backend, id));
    new AmiGuardProvider(this, 'provider', {
      region: org.region,
      accountId: org.managementAccountId,
      deployRoleArn: org.deployRoleArn,
      tags: org.tags,
    });

    const allTargets = org.targets.map((t) => t.id);
    this.tagGuard = new ImageTagGuardScp(this, 'image-tag-guard-scp', tagGuardScpProps(org));
    this.attach(this.tagGuard, allTargets, 'SCP that reserves the approval tag on images for the image pipeline');

    const launchGuardTargets = org.targets.filter((t) => t.launchGuard).map((t) => t.id);
    if (launchGuardTargets.length > 0) {
      const owners = new Set(org.allowedImages.criteria.flatMap((c) => c.imageProviders));
      owners.delete(NOT_AN_EC2_OWNER);
      this.launchGuard = new LaunchGuardScp(this, 'launch-guard-scp', {
        trustedOwners: [...owners],
        pipelinePrincipals: org.taggerPrincipals,
        breakGlassPrincipals: org.breakGlassPrincipals,
        region: org.region,
      });
      this.attach(
        this.launchGuard,
        launchGuardTargets,
        'SCP that denies untrusted image owners, legacy Spot requests and image creation outside the pipeline',
      );
    }

    this.allowedImages = new AllowedImagesPolicy(this, 'allowed-images-policy', {
      state: org.allowedImages.state,
      criteria: org.allowedImages.criteria,
      exceptionMessage: org.allowedImages.exceptionMessage,
    });
    this.attach(this.allowedImages, allTargets, `EC2 declarative policy (Allowed AMIs, ${org.allowedImages.state})`);

    if (org.aggregator) {
      const provider = new AmiGuardProvider(this, 'aggregator-provider', {
        alias: 'aggregator',
        region: org.region,
        accountId: org.aggregator.accountId,
        deployRoleArn: org.aggregator.deployRoleArn,
        tags: org.tags,
      }).provider;
      this.aggregator = new OrganizationConfigAggregator(this, 'config-aggregator', {
        provider,
        accountId: org.aggregator.accountId,
        region: org.region,
        name: org.aggregator.name,
        regions: org.aggregator.regions,
      });
      new TerraformOutput(this, 'config_aggregator_arn', {
        value: this.aggregator.aggregator.arn,
        description: 'Organization-wide AWS Config aggregator (every NON_COMPLIANT instance in one place)',
      });
    }
  }

  /** Attaches `policy` to `targetIds`, and outputs its ID as `<construct id>_id`. */
  private attach(policy: OrganizationPolicy, targetIds: string[], description: string): void {
    new OrganizationPolicyAttachments(this, `${policy.node.id}-attachments`, { policyId: policy.policy.id, targetIds });
    new TerraformOutput(this, `${policy.node.id.replace(/-/g, '_')}_id`, { value: policy.policy.id, description });
  }
}
