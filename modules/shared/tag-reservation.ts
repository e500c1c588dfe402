import { IMAGE_CREATING_ACTIONS } from './iam';
import { PolicyStatement } from './policy-document';

type Condition = NonNullable<PolicyStatement['Condition']>;

/**
 * Deny statements that reserve tags for a few principals, written once for both guards that use them:
 * the account tag guard (an IAM policy) and the organization's tag guard SCP. The layers differ only
 * in who is exempt and in the statement IDs.
 */
export interface TagReservation {
  /** The reserved tag keys. Compared ignoring case: IAM matches `ec2:ResourceTag/<key>` whatever its case. */
  readonly keys: readonly string[];
  /** ARN patterns that may still use the tag. Empty: nobody bound by the policy may. */
  readonly exempt: readonly string[];
  /** Appended to every statement ID, e.g. `OutsidePipeline`. @default '' */
  readonly sidSuffix?: string;
}

function exemptOf(tag: TagReservation): Condition {
  return tag.exempt.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': [...tag.exempt] } } : {};
}

function conditionOf(tag: TagReservation): Condition {
  return { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [...tag.keys] }, ...exemptOf(tag) };
}

/**
 * The approval tag on images (`images`: an image ARN pattern):
 * - CreateTags/DeleteTags naming a key. Without an ec2:CreateAction condition this also denies the
 *   CreateTags check of tag-on-create (CreateImage, CopyImage, RegisterImage, ImportImage,
 *   CreateRestoreImageTask with TagSpecifications);
 * - DeleteTags without a key list, which removes every tag, the approval tag included;
 * - the creating call itself when its TagSpecifications carry a key, so no image is born approved.
 */
export function approvalTagStatements(images: string, tag: TagReservation): PolicyStatement[] {
  const deny = denyOn(images, tag);
  const condition = conditionOf(tag);
  return [
    deny('DenyApprovalTagChangesOnImages', ['ec2:CreateTags', 'ec2:DeleteTags'], condition),
    deny('DenyDeletingAllTagsOnImages', 'ec2:DeleteTags', { Null: { 'aws:TagKeys': 'true' }, ...exemptOf(tag) }),
    deny(
      'DenyCreatingImagesWithApprovalTag',
      IMAGE_CREATING_ACTIONS.map((a) => `ec2:${a}`),
      condition,
    ),
  ];
}

/**
 * The exception tag on instances (`instances`: an instance ARN pattern): CreateTags/DeleteTags naming
 * a key, which includes tag-on-create (RunInstances TagSpecifications are authorized as CreateTags
 * with ec2:CreateAction, and there is no CreateAction condition), and RunInstances itself, whose
 * instance carries the requested keys in aws:TagKeys. Deleting every tag at once only removes an
 * exception, which makes the rule stricter, so it is left alone.
 */
export function exceptionTagStatements(instances: string, tag: TagReservation): PolicyStatement[] {
  const deny = denyOn(instances, tag);
  const condition = conditionOf(tag);
  return [
    deny('DenyExceptionTagChangesOnInstances', ['ec2:CreateTags', 'ec2:DeleteTags'], condition),
    deny('DenyLaunchingWithExceptionTag', 'ec2:RunInstances', condition),
  ];
}

/** A deny statement on `resource`, its Sid ending in the reservation's suffix. */
function denyOn(resource: string, tag: TagReservation) {
  return (sid: string, action: PolicyStatement['Action'], condition: Condition): PolicyStatement => ({
    Sid: `${sid}${tag.sidSuffix ?? ''}`,
    Effect: 'Deny',
    Action: action,
    Resource: resource,
    Condition: condition,
  });
}
