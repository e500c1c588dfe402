import { Construct } from 'constructs';
import { guardPolicy, GuardPolicyProps, ManagedPolicy } from './managed-policy';
import { tagKeyProblem } from '../../lambda/ami-compliance/contract';
import { automationPrincipal, trustModel } from '../../lambda/ami-compliance/trust-model';
import { partitionOf } from '../shared/iam';
import { PolicyDocument } from '../shared/policy-document';
import { trustGuardStatements } from '../shared/tag-reservation';

export interface ImageTagGuardProps extends GuardPolicyProps {
  /** The account the guard governs (instance, group and parameter ARNs, and AMI Guard's own roles, are scoped to it). */
  readonly accountId: string;
  /** The approval tag key that only the pipeline may set or remove. */
  readonly tagKey: string;
  /** ARNs (wildcards allowed) of the principals allowed to change the approval tag: the image pipeline. */
  readonly taggerPrincipals: readonly string[];
  /** Instance tag that grants an exception; when set, the guard reserves it on instances too. @default no exception signal */
  readonly exceptionTagKey?: string;
  /** ARNs (wildcards allowed) of the principals allowed to grant exceptions. @default [] (none of the attached principals may) */
  readonly exceptionGranters?: readonly string[];
  /** The SSM parameter of AMI IDs approved by ID; reserved for the pipeline. @default no parameter signal */
  readonly approvedImageIdsParameter?: string;
  /** The image tag naming an AMI's family (freshness), reserved for the pipeline like the approval tag. @default none */
  readonly familyTagKey?: string;
}

/**
 * The tag guard's default name; it changes whenever the description or path does (see `launchPolicyName`).
 * `ami-guard-image-tag-guard-<region>` was the name of the policy whose description named the tag key.
 */
function tagGuardPolicyName(region: string): string {
  return `ami-guard-tag-guard-${region}`;
}

/** Static: the tag key and the pipeline principals live in the document, updated in place. */
export const TAG_GUARD_DESCRIPTION =
  'AMI Guard: only the image pipeline may add or remove the approval tag on images (tag key and pipeline: see the policy document)';

/**
 * The account layer of the trust model: every signal reserved for its writers on every write path
 * (modules/shared/tag-reservation.ts). Without it anyone with ec2:CreateTags could tag any AMI
 * `Environment=Prod` and pass the launch policy, exempt their own instance, move its deadline, or
 * list an AMI in the approved-ID parameter. Nobody in the account is an IAM admin of the model: the
 * guard binds the principals it is attached to, who are not meant to write any signal but their own.
 */
function imageTagGuardDocument(props: ImageTagGuardProps): PolicyDocument {
  if (props.taggerPrincipals.length === 0) {
    throw new Error(
      '`taggerPrincipals` must name at least one principal (the image pipeline role), or nobody could approve an image.',
    );
  }
  const keyProblem = tagKeyProblem(props.tagKey);
  if (keyProblem) throw new Error(`\`tagKey\` ${JSON.stringify(props.tagKey)} ${keyProblem}.`);
  const exceptionKey = props.exceptionTagKey;
  if (exceptionKey !== undefined) {
    const problem = tagKeyProblem(exceptionKey);
    if (problem) throw new Error(`\`exceptionTagKey\` ${JSON.stringify(exceptionKey)} ${problem}.`);
  }
  const partition = partitionOf(props.region);
  return {
    Version: '2012-10-17',
    Statement: trustGuardStatements({
      signals: trustModel({
        approvalTagKey: props.tagKey,
        exceptionTagKey: exceptionKey,
        approvedImageIdsParameter: props.approvedImageIdsParameter,
        familyTagKey: props.familyTagKey,
      }),
      principals: {
        pipeline: props.taggerPrincipals,
        // No granters: nobody bound by this policy may grant an exception.
        exceptionGranters: props.exceptionGranters ?? [],
        automation: [automationPrincipal(partition, props.accountId)],
        iamAdmin: [],
      },
      scope: { partition, region: props.region, account: props.accountId },
    }),
  };
}

/** Customer-managed deny policy that reserves every signal of the trust model for its writers (approval tag and approved-ID parameter: the pipeline; exception tag: its granters; deadline and evidence tags: AMI Guard). */
export class ImageTagGuard extends ManagedPolicy {
  constructor(scope: Construct, id: string, props: ImageTagGuardProps) {
    super(scope, id, guardPolicy(props, tagGuardPolicyName, TAG_GUARD_DESCRIPTION, imageTagGuardDocument));
  }
}
