import { Construct } from 'constructs';
import { guardPolicy, GuardPolicyProps, ManagedPolicy } from './managed-policy';
import { tagKeyProblem } from '../../lambda/ami-compliance/contract';
import { arn, imageArnPattern } from '../shared/iam';
import { PolicyDocument } from '../shared/policy-document';
import { approvalTagStatements, exceptionTagStatements } from '../shared/tag-reservation';

export interface ImageTagGuardProps extends GuardPolicyProps {
  /** The approval tag key that only the pipeline may set or remove. */
  readonly tagKey: string;
  /** ARNs (wildcards allowed) of the principals allowed to change the approval tag: the image pipeline. */
  readonly taggerPrincipals: readonly string[];
  /** Instance tag that grants an exception; when set, the guard reserves it on instances too. @default no instance statements */
  readonly exceptionTagKey?: string;
  /** ARNs (wildcards allowed) of the principals allowed to grant exceptions. @default [] (none of the attached principals may) */
  readonly exceptionGranters?: readonly string[];
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
 * Denies adding or removing the approval tag on images to everyone but the pipeline; without it anyone
 * with ec2:CreateTags can tag any AMI `Environment=Prod` and pass the launch policy. Tag keys are matched
 * ignoring case because IAM condition key names (ec2:ResourceTag/<key>) are case-insensitive.
 * With `exceptionTagKey`, it also reserves the exception tag on instances for `exceptionGranters`:
 * otherwise anyone who may tag an instance could exempt it.
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
  return {
    Version: '2012-10-17',
    Statement: [
      ...approvalTagStatements(imageArnPattern(props.region), {
        keys: [props.tagKey],
        exempt: props.taggerPrincipals,
        sidSuffix: 'OutsidePipeline',
      }),
      // No granters: nobody bound by this policy may grant an exception.
      ...(exceptionKey
        ? exceptionTagStatements(arn(props.region, 'ec2', '*', 'instance/*'), {
            keys: [exceptionKey],
            exempt: props.exceptionGranters ?? [],
            sidSuffix: 'OutsideGranters',
          })
        : []),
    ],
  };
}

/** Customer-managed deny policy that reserves the approval tag on images for the image pipeline (and the exception tag on instances for its granters). */
export class ImageTagGuard extends ManagedPolicy {
  constructor(scope: Construct, id: string, props: ImageTagGuardProps) {
    super(scope, id, guardPolicy(props, tagGuardPolicyName, TAG_GUARD_DESCRIPTION, imageTagGuardDocument));
  }
}
