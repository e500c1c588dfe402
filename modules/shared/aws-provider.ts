import { Construct } from 'constructs';
import { AwsProvider, AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import { LocalEndpoint } from '../../config/schema';

/** Services AMI Guard's stacks call; in local mode each is pointed at the emulator. */
export const LOCAL_SERVICES = [
  'configservice',
  'dynamodb',
  'ec2',
  'iam',
  'lambda',
  'logs',
  's3',
  'sns',
  'ssm',
  'sts',
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

export interface AmiGuardProviderProps {
  /** Region the stack deploys to. */
  readonly region: string;
  /** Account the stack must deploy to; the provider refuses any other. */
  readonly accountId?: string;
  /** Role to assume for the deploy. @default the caller's credentials */
  readonly deployRoleArn?: string;
  /** Tags on every taggable resource. @default {} */
  readonly tags?: Record<string, string>;
  /** TEST ONLY: a local AWS emulator; adds endpoints, fake credentials and skip flags. */
  readonly localEndpoint?: LocalEndpoint;
}

/** The AWS provider of an AMI Guard stack: assume the deploy role, pin the account, tag everything. */
export class AmiGuardProvider extends Construct {
  readonly provider: AwsProvider;

  constructor(scope: Construct, id: string, props: AmiGuardProviderProps) {
    super(scope, id);
    const local = props.localEndpoint;
    this.provider = new AwsProvider(this, 'aws', {
      region: props.region,
      allowedAccountIds: props.accountId && !local ? [props.accountId] : undefined,
      assumeRole: props.deployRoleArn && !local ? [{ roleArn: props.deployRoleArn, sessionName: 'ami-guard-deploy' }] : undefined,
      defaultTags: props.tags && Object.keys(props.tags).length > 0 ? [{ tags: props.tags }] : undefined,
      ...(local
        ? {
            accessKey: 'test',
            secretKey: 'test',
            skipCredentialsValidation: true,
            skipMetadataApiCheck: 'true',
            skipRequestingAccountId: true,
            skipRegionValidation: true,
            s3UsePathStyle: true,
            endpoints: [Object.fromEntries(LOCAL_SERVICES.map((s) => [s, local.url]))],
          }
        : {}),
    });
  }
}
