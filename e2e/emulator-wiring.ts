/**
 * Points a synthesized AMI Guard app at a local AWS emulator, from outside: a cdktf Aspect that
 * rewrites every AWS provider and S3 backend (emulator endpoints, fake credentials, no account pin,
 * no role to assume) and lets `terraform destroy` empty buckets and drop the lock table. Product
 * code and the production config know nothing of it; this is the only way into emulator mode.
 */
import { Aspects, IAspect, LocalBackend, S3Backend, TerraformStack, type App } from 'cdktf';
import type { IConstruct } from 'constructs';
import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { AwsProvider, type AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';

/** Services AMI Guard's stacks call; each is pointed at the emulator. */
export const EMULATED_SERVICES = [
  'configservice',
  'dynamodb',
  'ec2',
  'iam',
  'lambda',
  'logs',
  'organizations',
  's3',
  'sns',
  'ssm',
  'sts',
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

/** Fake credentials the emulator accepts; real ones never reach it. */
const FAKE_CREDENTIALS = { accessKey: 'test', secretKey: 'test' } as const;

/** Rewrites providers, backends, buckets and lock tables for the emulator at `url`. */
export class EmulatorWiring implements IAspect {
  constructor(private readonly url: string) {
    if (!/^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(url)) {
      throw new Error(`emulator URL must be a loopback URL such as "http://127.0.0.1:5000", got ${JSON.stringify(url)}`);
    }
  }

  visit(node: IConstruct): void {
    if (node instanceof AwsProvider) {
      node.allowedAccountIds = undefined;
      node.assumeRole = undefined;
      node.accessKey = FAKE_CREDENTIALS.accessKey;
      node.secretKey = FAKE_CREDENTIALS.secretKey;
      node.skipCredentialsValidation = true;
      node.skipMetadataApiCheck = 'true';
      node.skipRequestingAccountId = true;
      node.skipRegionValidation = true;
      node.s3UsePathStyle = true;
      node.endpoints = [Object.fromEntries(EMULATED_SERVICES.map((s) => [s, this.url]))];
    } else if (node instanceof S3Backend) {
      node.addOverride('assume_role', undefined);
      for (const [key, value] of Object.entries({
        access_key: FAKE_CREDENTIALS.accessKey,
        secret_key: FAKE_CREDENTIALS.secretKey,
        use_path_style: true,
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
        endpoints: { s3: this.url, dynamodb: this.url, iam: this.url, sts: this.url },
      })) {
        node.addOverride(key, value);
      }
    } else if (node instanceof LocalBackend) {
      // The emulator's state is as disposable as the emulator: keep it in the stack directory.
      node.addOverride('path', `terraform.${node.cdktfStack.node.id}.tfstate`);
    } else if (node instanceof S3Bucket) {
      node.forceDestroy = true;
    } else if (node instanceof DynamodbTable) {
      node.deletionProtectionEnabled = false;
    }
  }
}

/** Adds {@link EmulatorWiring} to every stack of `app`; call before `app.synth()`. */
export function wireToEmulator(app: App, url: string): App {
  const wiring = new EmulatorWiring(url);
  // cdktf invokes aspects from each stack down, so an aspect on the App itself would never run.
  for (const child of app.node.children) {
    if (child instanceof TerraformStack) Aspects.of(child).add(wiring);
  }
  return app;
}
