import { Construct } from 'constructs';
import { ConfigConfigurationAggregator } from '@cdktf/provider-aws/lib/config-configuration-aggregator';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { awsManagedPolicyArn, IAM_PATH, serviceTrustPolicy } from '../shared/iam';
import { renderPolicy } from '../shared/policy-document';

/** The AWS managed policy that lets AWS Config read the organization's accounts for an aggregator. */
const ORGANIZATION_AGGREGATOR_POLICY = 'service-role/AWSConfigRoleForOrganizations';

export interface OrganizationConfigAggregatorProps {
  /** The provider of the aggregator account (the management account or Config's delegated administrator). */
  readonly provider: AwsProvider;
  /** The aggregator account; the role trusts AWS Config only on its behalf. */
  readonly accountId: string;
  /** Region of the aggregator (and of the ARN partition). */
  readonly region: string;
  /** Aggregator name. @default `ami-guard-organization` */
  readonly name?: string;
  /** Regions to aggregate. @default every region, including future ones */
  readonly regions?: readonly string[];
}

/**
 * An AWS Config aggregator over the whole organization, so one place lists every NON_COMPLIANT
 * instance: `aws_config_configuration_aggregator` with `organization_aggregation_source`, and the role
 * AWS Config assumes for it (AWSConfigRoleForOrganizations).
 */
export class OrganizationConfigAggregator extends Construct {
  readonly role: IamRole;
  readonly aggregator: ConfigConfigurationAggregator;

  constructor(scope: Construct, id: string, props: OrganizationConfigAggregatorProps) {
    super(scope, id);
    const name = props.name ?? 'ami-guard-organization';
    if (props.regions && props.regions.length === 0) {
      throw new Error('`regions` must list at least one region; omit it to aggregate every region.');
    }
    this.role = new IamRole(this, 'role', {
      provider: props.provider,
      name: `ami-guard-config-aggregator-${props.region}`,
      path: IAM_PATH,
      description: `AMI Guard: lets AWS Config read the organization for the aggregator ${name}`,
      assumeRolePolicy: renderPolicy(serviceTrustPolicy('config.amazonaws.com', props.accountId)),
    });
    const permissions = new IamRolePolicyAttachment(this, 'permissions', {
      provider: props.provider,
      role: this.role.name,
      policyArn: awsManagedPolicyArn(props.region, ORGANIZATION_AGGREGATOR_POLICY),
    });
    this.aggregator = new ConfigConfigurationAggregator(this, 'aggregator', {
      provider: props.provider,
      name,
      organizationAggregationSource: {
        roleArn: this.role.arn,
        ...(props.regions ? { regions: [...props.regions] } : { allRegions: true }),
      },
      // AWS Config checks the role's permissions when the aggregator is created.
      dependsOn: [permissions],
    });
  }
}
