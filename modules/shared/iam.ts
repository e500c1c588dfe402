/**
 * IAM plumbing every line of defence shares: partitions, ARNs (regional and region-less), the IAM
 * path of AMI Guard's roles and policies, and service trust policies.
 */
import { partitionOfRegion } from '../../config/regions';
import { AUTOMATION_ROLE_PATH } from '../../lambda/ami-compliance/trust-model';
import { PolicyDocument } from './policy-document';

/** The IAM path of every role and policy AMI Guard creates: the trust model's `automation` writer is a role on it. */
export const IAM_PATH = AUTOMATION_ROLE_PATH;

/** The AWS partition a region belongs to, for building ARNs without a data source. */
export function partitionOf(region: string): string {
  const partition = partitionOfRegion(region);
  if (!partition) throw new Error(`unknown AWS region "${region}": no partition to build ARNs in (see config/aws-regions.json)`);
  return partition;
}

/** Builds `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function arn(region: string, service: string, account: string, resource: string, regionPart = region): string {
  return `arn:${partitionOf(region)}:${service}:${regionPart}:${account}:${resource}`;
}

/** Builds a region-less ARN (`arn:<partition>:<service>::<account>:<resource>`): IAM, S3, AMIs, snapshots. */
export function globalArn(region: string, service: string, account: string, resource: string): string {
  return arn(region, service, account, resource, '');
}

/** The ARN of an AMI Guard role (under {@link IAM_PATH}), known before the role exists. */
export function roleArn(region: string, accountId: string, roleName: string): string {
  return globalArn(region, 'iam', accountId, `role${IAM_PATH}${roleName}`);
}

/** The ARN of an account's root principal, for resource policies that admit the account itself. */
export function accountRootArn(region: string, accountId: string): string {
  return globalArn(region, 'iam', accountId, 'root');
}

/** The ARN of an AWS managed policy, e.g. `service-role/AWS_ConfigRole`. */
export function awsManagedPolicyArn(region: string, name: string): string {
  return globalArn(region, 'iam', 'aws', `policy/${name}`);
}

/** ARN pattern of every AMI in a region (AMI ARNs carry no account). */
export function imageArnPattern(region: string): string {
  return arn(region, 'ec2', '', 'image/*');
}

/** ARN pattern of every AMI in every region of the region's partition (organization-wide policies). */
export function anyRegionImageArnPattern(region: string): string {
  return arn(region, 'ec2', '', 'image/*', '*');
}

/** Trust policy letting one AWS service assume a role, only on behalf of this account. */
export function serviceTrustPolicy(service: string, accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TrustService',
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  };
}

/**
 * The EC2 actions that create an AMI (and can tag it on creation, as `ec2:CreateAction`): a
 * self-made image carries whatever tags its creator gives it, and Allowed AMIs never restricts an
 * account's own AMIs.
 */
export const IMAGE_CREATING_ACTIONS = [
  'CreateImage',
  'CopyImage',
  'RegisterImage',
  'ImportImage',
  'CreateRestoreImageTask',
] as const;
