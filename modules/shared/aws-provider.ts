import { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';

export interface AmiGuardProviderProps {
  /** Region the stack deploys to. */
  readonly region: string;
  /** Account the stack must deploy to; the provider refuses any other. */
  readonly accountId?: string;
  /** Role to assume for the deploy. @default the caller's credentials */
  readonly deployRoleArn?: string;
  /** Tags on every taggable resource. @default {} */
  readonly tags?: Record<string, string>;
  /** Provider alias, for a second account in the same stack. @default the default provider */
  readonly alias?: string;
}

/** The AWS provider of an AMI Guard stack: assume the deploy role, pin the account, tag everything. */
export class AmiGuardProvider extends Construct {
  readonly provider: AwsProvider;

  constructor(scope: Construct, id: string, props: AmiGuardProviderProps) {
    super(scope, id);
    this.provider = new AwsProvider(this, 'aws', {
      ...(props.alias ? { alias: props.alias } : {}),
      region: props.region,
      allowedAccountIds: props.accountId ? [props.accountId] : undefined,
      assumeRole: props.deployRoleArn ? [{ roleArn: props.deployRoleArn, sessionName: 'ami-guard-deploy' }] : undefined,
      defaultTags: props.tags && Object.keys(props.tags).length > 0 ? [{ tags: props.tags }] : undefined,
    });
  }
}
