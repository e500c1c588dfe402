/**
 * One instance's finding, from the same facts and the same pure functions the rule Lambda uses: the
 * verdict from `evaluateInstance`, the owner from `ownerOf`, the exception from `exceptionStatus`, the
 * deadline from `parseDeadline`.
 */
import { DEADLINE_TAG_KEY, type RuleParameters } from '../../lambda/ami-compliance/contract';
import { formatDeadline, parseDeadline } from '../../lambda/ami-compliance/deadline';
import { evaluateInstance, exceptionStatus, type ImageFacts, type InstanceFacts } from '../../lambda/ami-compliance/evaluate';
import { ownerOf } from '../../lambda/ami-compliance/owner';
import { ageInDays, type Finding } from './model';

/** Where an instance lives. */
export interface Place {
  readonly accountId: string;
  readonly stackName: string | null;
  readonly region: string;
}

/** Judges one instance as the rule does, and adds what a reader needs to act on it. */
export function judgeInstance(
  place: Place,
  instance: InstanceFacts,
  image: ImageFacts | undefined,
  params: RuleParameters,
  context: { readonly now: Date; readonly approvedImageIds: ReadonlySet<string> },
): Finding {
  const verdict = evaluateInstance(instance, image, params, context);
  const { owner, team } = ownerOf(instance.tags, params.ownerTagKeys);
  const exception = exceptionStatus(instance, params, context.now);
  const deadline = parseDeadline(instance.tags[DEADLINE_TAG_KEY]);
  return {
    accountId: place.accountId,
    stackName: place.stackName,
    region: place.region,
    instanceId: instance.instanceId,
    state: instance.state ?? null,
    imageId: instance.imageId,
    imageName: image?.name ?? null,
    imageCreated: image?.creationDate ?? null,
    imageAgeDays: ageInDays(image?.creationDate, context.now),
    compliance: verdict.complianceType,
    reason: verdict.annotation,
    owner,
    team,
    deadline: deadline ? formatDeadline(deadline) : null,
    exceptionUntil: exception.kind === 'valid' ? exception.until : null,
  };
}
