import { Construct } from 'constructs';
import { OWNER_PATTERN, tagKeyProblem, tagValueProblem, type Approval } from '../../lambda/ami-compliance/contract';
import { arn, imageArnPattern } from '../shared/iam';
import { guardPolicy, GuardPolicyProps, ManagedPolicy } from './managed-policy';
import { PolicyDocument, PolicyStatement } from '../shared/policy-document';

export interface LaunchPolicyProps extends Approval, GuardPolicyProps {
  /** Account the policy governs (resource ARNs are scoped to it). */
  readonly accountId: string;
}

/**
 * The launch policy's default name. IAM cannot change a policy's description or path in place, so a new
 * description or path replaces the policy, created before the old one is deleted: the name must change
 * with them (IAM policy names are unique per account, whatever the path). `ami-guard-launch-<region>`
 * was the name of the policy whose description listed the tag values.
 */
function launchPolicyName(region: string): string {
  return `ami-guard-launch-policy-${region}`;
}

/** Static: the approval itself lives in the document (updated in place as a new policy version) and the `approval` output. */
export const LAUNCH_POLICY_DESCRIPTION =
  'AMI Guard: ec2:RunInstances only from approved AMIs (approved tag values and owners: see the policy document)';

/**
 * The resource types `ec2:RunInstances` authorizes besides the image, as the Service Authorization
 * Reference lists them (a test derives the list from the IAM reference data). A policy that names only
 * instance/volume (as the seed guide's example does) fails every launch on network-interface,
 * security-group and subnet. Subnets, security groups and capacity reservations may belong to another
 * account (shared VPCs), snapshots and images have no account in their ARN. The retired Elastic Graphics
 * (`elastic-gpu`) and Elastic Inference types are left out: neither service accepts new launches.
 */
function launchResourceArns(accountId: string, region: string): string[] {
  const ec2 = (account: string, resource: string) => arn(region, 'ec2', account, resource);
  return [
    ec2(accountId, 'instance/*'),
    ec2(accountId, 'volume/*'),
    ec2(accountId, 'network-interface/*'),
    ec2(accountId, 'secondary-interface/*'),
    ec2('*', 'security-group/*'),
    ec2('*', 'subnet/*'),
    ec2(accountId, 'secondary-subnet/*'),
    ec2(accountId, 'key-pair/*'),
    ec2(accountId, 'launch-template/*'),
    ec2(accountId, 'placement-group/*'),
    ec2('*', 'capacity-reservation/*'),
    ec2(accountId, 'spot-instances-request/*'),
    ec2('', 'snapshot/*'),
    arn(region, 'license-manager', accountId, 'license-configuration:*'),
    arn(region, 'resource-groups', accountId, 'group/*'),
  ];
}

/** The calls that launch instances from an image on the caller's own authority. */
const LAUNCHING_ACTIONS = ['ec2:RunInstances', 'ec2:CreateFleet'];

/** Validates approval props with the contract's notion of a tag; throws with the prop name and the fix. */
function validateApproval(props: Approval): void {
  if (!props.tagKey) throw new Error('`tagKey` must not be empty: name the tag that marks approved AMIs, e.g. "Environment".');
  const keyProblem = tagKeyProblem(props.tagKey);
  if (keyProblem) throw new Error(`\`tagKey\` ${JSON.stringify(props.tagKey)} ${keyProblem}.`);
  if (props.tagValues.length === 0) throw new Error('`tagValues` must hold at least one non-empty value, e.g. ["Prod"].');
  for (const value of props.tagValues) {
    const problem = tagValueProblem(value);
    if (problem) throw new Error(`\`tagValues\` entry ${JSON.stringify(value)} ${problem}.`);
  }
  const badOwner = (props.trustedOwners ?? []).find((o) => !OWNER_PATTERN.test(o));
  if (badOwner !== undefined) {
    throw new Error(`\`trustedOwners\` entries must be 12-digit account IDs or "amazon", got "${badOwner}".`);
  }
}

/**
 * The preventive launch policy: RunInstances is allowed on the launch's own resources, and on an image
 * only when it carries an approved tag value (and a trusted owner). The explicit denies make the rule
 * hold even for principals that other policies already allow to run any image.
 */
function launchPolicyDocument(props: LaunchPolicyProps): PolicyDocument {
  validateApproval(props);
  const { accountId, region, tagKey } = props;
  const tagValues = [...props.tagValues];
  const owners = [...(props.trustedOwners ?? [])];
  const images = imageArnPattern(region);
  const tagCondition = `ec2:ResourceTag/${tagKey}`;
  const statements: PolicyStatement[] = [
    {
      Sid: 'AllowRunInstancesOnLaunchResources',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: launchResourceArns(accountId, region),
    },
    {
      Sid: 'AllowRunInstancesFromApprovedImages',
      Effect: 'Allow',
      Action: 'ec2:RunInstances',
      Resource: images,
      Condition: {
        StringEquals: {
          [tagCondition]: tagValues,
          ...(owners.length > 0 ? { 'ec2:Owner': owners } : {}),
        },
      },
    },
    {
      // EC2 Fleet launches from the same images (CreateFleet is authorized on the image with
      // ec2:ResourceTag and ec2:Owner: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html);
      // without it an instant fleet would launch what RunInstances may not.
      Sid: 'DenyRunInstancesFromImagesWithoutApprovedTag',
      Effect: 'Deny',
      Action: LAUNCHING_ACTIONS,
      Resource: images,
      // StringNotEquals also matches when the tag is absent (untagged, or a shared AMI whose tags are invisible).
      Condition: { StringNotEquals: { [tagCondition]: tagValues } },
    },
  ];
  if (owners.length > 0) {
    statements.push({
      Sid: 'DenyRunInstancesFromUntrustedOwners',
      Effect: 'Deny',
      Action: LAUNCHING_ACTIONS,
      Resource: images,
      Condition: { StringNotEquals: { 'ec2:Owner': owners } },
    });
  }
  statements.push({
    Sid: 'AllowTaggingOnLaunch',
    Effect: 'Allow',
    Action: 'ec2:CreateTags',
    Resource: ['instance/*', 'volume/*', 'network-interface/*', 'spot-instances-request/*'].map((r) =>
      arn(region, 'ec2', accountId, r),
    ),
    Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
  });
  return { Version: '2012-10-17', Statement: statements };
}

/** Customer-managed policy that lets its principals launch instances only from approved AMIs. */
export class LaunchPolicy extends ManagedPolicy {
  constructor(scope: Construct, id: string, props: LaunchPolicyProps) {
    super(scope, id, guardPolicy(props, launchPolicyName, LAUNCH_POLICY_DESCRIPTION, launchPolicyDocument));
  }
}
