/**
 * What the Lambda does where remediation acts automatically: start the remediation runbook for an
 * instance, and expire the evidence images a terminate left behind (and their snapshots).
 *
 * IAM: ssm:StartAutomationExecution (one document); in terminate mode ec2:DescribeImages,
 * ec2:DescribeSnapshots, ec2:DeregisterImage and ec2:DeleteSnapshot (evidence images only).
 */
import { createHash } from 'node:crypto';
import {
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { StartAutomationExecutionCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { EVIDENCE_TAG, INSTANCE_ID_PATTERN, type RemediationTrigger } from '../contract';
import { EVIDENCE_IMAGE_NAME_PREFIX } from '../trust-model';
import { tagMap } from './shared';

/**
 * Starts the remediation runbook for one instance. The client token makes a retried sweep start the
 * same execution instead of a second one.
 * @param sweepId identifies the sweep (its notification time), so each sweep may start one execution per instance
 * @returns the automation execution ID
 */
export async function startRemediation(
  ssm: SSMClient,
  trigger: RemediationTrigger,
  instanceId: string,
  sweepId: string,
): Promise<string> {
  const reply = await ssm.send(
    new StartAutomationExecutionCommand({
      DocumentName: trigger.documentName,
      Parameters: {
        ...Object.fromEntries(Object.entries(trigger.parameters).map(([k, v]) => [k, [v]])),
        InstanceId: [instanceId],
      },
      ClientToken: uuidFrom(`${trigger.documentName}|${instanceId}|${sweepId}`),
    }),
  );
  if (!reply.AutomationExecutionId) throw new Error(`StartAutomationExecution returned no execution ID for ${instanceId}`);
  return reply.AutomationExecutionId;
}

/** A UUID-shaped token derived from `seed` (SSM client tokens are at most 36 characters). */
function uuidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** What {@link expireEvidenceImages} removed. */
export interface ExpiredEvidence {
  readonly images: readonly string[];
  readonly snapshots: readonly string[];
}

/**
 * True when AMI Guard made `image` as evidence before a terminate: its name starts with
 * {@link EVIDENCE_IMAGE_NAME_PREFIX} followed by the instance its `AmiGuardEvidenceOf` tag names, and it
 * carries a keep-until day. The guards reserve both evidence keys to AMI Guard's roles, and the
 * Lambda's DeregisterImage/DeleteSnapshot permission asks for the same tags; the name is checked here
 * only, as EC2 has no condition key for an image's name.
 */
function isEvidenceImage(image: Image): boolean {
  const tags = tagMap(image.Tags);
  const of = tags[EVIDENCE_TAG.instance];
  return (
    of !== undefined &&
    INSTANCE_ID_PATTERN.test(of) &&
    (image.Name ?? '').startsWith(`${EVIDENCE_IMAGE_NAME_PREFIX}${of}-`) &&
    /^\d{4}-\d{2}-\d{2}$/.test(tags[EVIDENCE_TAG.keepUntil] ?? '')
  );
}

/**
 * Deregisters this account's evidence images whose keep-until day is before today (UTC), then deletes
 * their snapshots that carry the same evidence tags. Only images {@link isEvidenceImage} accepts: a
 * golden image someone tagged `AmiGuardEvidenceUntil=2000-01-01` is left alone. An image whose
 * keep-until tag is unreadable is kept: deleting evidence needs a date.
 * @throws on an EC2 API error
 */
export async function expireEvidenceImages(ec2: EC2Client, now: Date): Promise<ExpiredEvidence> {
  const today = now.toISOString().slice(0, 10);
  const images: string[] = [];
  const snapshots: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeImagesCommand({
        Owners: ['self'],
        Filters: [
          { Name: 'name', Values: [`${EVIDENCE_IMAGE_NAME_PREFIX}*`] },
          { Name: 'tag-key', Values: [EVIDENCE_TAG.keepUntil] },
        ],
        MaxResults: 100,
        NextToken,
      }),
    );
    for (const image of page.Images ?? []) {
      const until = image.Tags?.find((t) => t.Key === EVIDENCE_TAG.keepUntil)?.Value ?? '';
      if (!image.ImageId || !isEvidenceImage(image) || until >= today) continue;
      const of = tagMap(image.Tags)[EVIDENCE_TAG.instance];
      await ec2.send(new DeregisterImageCommand({ ImageId: image.ImageId }));
      images.push(image.ImageId);
      const ids = (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((id): id is string => !!id);
      if (ids.length === 0) continue;
      // Only the snapshots CreateImage tagged as the same evidence: a snapshot shared with another image stays.
      const owned = await ec2.send(
        new DescribeSnapshotsCommand({
          SnapshotIds: ids,
          OwnerIds: ['self'],
          Filters: [{ Name: `tag:${EVIDENCE_TAG.instance}`, Values: [of] }],
        }),
      );
      for (const snapshot of owned.Snapshots ?? []) {
        if (!snapshot.SnapshotId) continue;
        await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot.SnapshotId }));
        snapshots.push(snapshot.SnapshotId);
      }
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return { images, snapshots };
}
