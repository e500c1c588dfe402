import { Construct } from 'constructs';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { AccountConfig, BackendConfig, LocalEndpoint } from '../config/schema';
import { AmiGuardProvider } from './aws-provider';
import { ImageTagGuard } from './image-tag-guard';
import { LaunchPolicy } from './launch-policy';
import { stateKey, useSharedStateBackend } from './state-backend';

export interface AccountStackProps {
  /** The account/region this stack governs, with defaults applied. */
  readonly account: AccountConfig;
  /** The shared state backend. */
  readonly backend: BackendConfig;
  /** TEST ONLY: local AWS emulator. */
  readonly localEndpoint?: LocalEndpoint;
}

/** Everything AMI Guard deploys into one account and region: prevent, detect, correct. */
export class AccountStack extends TerraformStack {
  readonly launchPolicy: LaunchPolicy;
  readonly tagGuard: ImageTagGuard;

  constructor(scope: Construct, id: string, props: AccountStackProps) {
    super(scope, id);
    const { account, backend, localEndpoint } = props;
    useSharedStateBackend(this, backend, stateKey(backend, account.accountId, account.region), localEndpoint);
    new AmiGuardProvider(this, 'provider', {
      region: account.region,
      accountId: account.accountId,
      deployRoleArn: account.deployRoleArn,
      tags: account.tags,
      localEndpoint,
    });

    this.launchPolicy = new LaunchPolicy(this, 'launch-policy', {
      accountId: account.accountId,
      region: account.region,
      tagKey: account.approval.tagKey,
      tagValues: account.approval.tagValues,
      trustedOwners: account.approval.trustedOwners,
      attachTo: account.attachTo,
    });
    this.tagGuard = new ImageTagGuard(this, 'image-tag-guard', {
      region: account.region,
      tagKey: account.approval.tagKey,
      taggerPrincipals: account.approval.taggerPrincipals,
      attachTo: account.attachTo,
    });

    new TerraformOutput(this, 'launch_policy_arn', {
      value: this.launchPolicy.policy.arn,
      description: 'ARN of the policy that allows ec2:RunInstances only from approved AMIs',
    });
    new TerraformOutput(this, 'launch_policy_name', { value: this.launchPolicy.policy.name });
    new TerraformOutput(this, 'image_tag_guard_policy_arn', {
      value: this.tagGuard.policy.arn,
      description: 'ARN of the policy that reserves the approval tag on images for the image pipeline',
    });
    new TerraformOutput(this, 'image_tag_guard_policy_name', { value: this.tagGuard.policy.name });
  }
}
