/**
 * The AWS clients the rule Lambda uses, and how they retry: one place sets the adaptive retry mode
 * every adapter relies on. Clients are injected, so tests pass fakes.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';

/** The AWS clients the rule uses. Implementations may create them lazily; a test fake may throw for any it was not given. */
export interface AwsClients {
  readonly ec2: EC2Client;
  readonly config: ConfigServiceClient;
  readonly ssm: SSMClient;
  readonly cloudTrail: CloudTrailClient;
  readonly autoScaling: AutoScalingClient;
}

/**
 * How every client retries. Adaptive mode adds a client-side rate limiter that slows down when AWS
 * throttles (EC2 `RequestLimitExceeded`, Config `ThrottlingException`); the sweep keeps several calls
 * in flight, so a throttled call gets more attempts than the SDK's default 3 before the invocation fails.
 */
export const CLIENT_RETRY = { retryMode: 'adaptive', maxAttempts: 8 } as const;

/** Client settings a caller may add (region, credentials, a request handler); retries stay {@link CLIENT_RETRY}. */
export type ClientOverrides = Omit<NonNullable<ConstructorParameters<typeof EC2Client>[0]>, keyof typeof CLIENT_RETRY>;

/**
 * Real clients, each created on first use with {@link CLIENT_RETRY}. Region, endpoint (`AWS_ENDPOINT_URL`)
 * and credentials come from the SDK's standard chain unless `overrides` sets them (benchmarks and tests
 * pass a request handler that models AWS, so the retry path they measure is the production one).
 */
export function lazyAwsClients(overrides: ClientOverrides = {}): AwsClients {
  const settings = { ...overrides, ...CLIENT_RETRY };
  let ec2: EC2Client | undefined;
  let config: ConfigServiceClient | undefined;
  let ssm: SSMClient | undefined;
  let cloudTrail: CloudTrailClient | undefined;
  let autoScaling: AutoScalingClient | undefined;
  return {
    get ec2() {
      return (ec2 ??= new EC2Client(settings));
    },
    get config() {
      return (config ??= new ConfigServiceClient(settings));
    },
    get ssm() {
      return (ssm ??= new SSMClient(settings));
    },
    get cloudTrail() {
      return (cloudTrail ??= new CloudTrailClient({ retryMode: 'adaptive' }));
    },
    get autoScaling() {
      return (autoScaling ??= new AutoScalingClient({ retryMode: 'adaptive' }));
    },
  };
}
