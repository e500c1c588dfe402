/**
 * The trust model: every signal AMI Guard trusts or acts on, what it decides, and who may write it.
 * One list, read by the account tag guard, the organization SCPs, the docs' "What AMI Guard trusts"
 * table and the write-path matrix test. A feature that adds a signal adds it here, with its writers,
 * and every guard picks it up. No imports beyond the contract: the Lambda bundle reads it too.
 */
import { DEADLINE_TAG_KEY, EVIDENCE_TAG } from './contract';

/** Where a signal lives. */
export const SIGNAL_KINDS = ['image-tag', 'instance-tag', 'snapshot-tag', 'ssm-parameter', 'principal-name'] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/**
 * Who may write a signal. Each writer resolves to ARN patterns from the config:
 * - `pipeline`: the image pipeline (`approval.taggerPrincipals`, `organization.taggerPrincipals`);
 * - `exceptionGranters`: `approval.exceptionGranters`, `organization.exceptionGranters`;
 * - `automation`: AMI Guard's own roles under the `/ami-guard/` IAM path (the runbook's and the rule's);
 * - `iamAdmin`: the organization's IAM administrators, who alone may create or change roles whose names
 *   the config trusts (`organization.iamAdminPrincipals`).
 * Break-glass principals are exempt from every SCP, so they may write every signal at the org level.
 */
export const WRITERS = ['pipeline', 'exceptionGranters', 'automation', 'iamAdmin'] as const;
export type Writer = (typeof WRITERS)[number];

/** The IAM path of every role AMI Guard creates; the `automation` writer is any role on it in the account. */
export const AUTOMATION_ROLE_PATH = '/ami-guard/';

/** The name prefix of every evidence image AMI Guard creates before a terminate. */
export const EVIDENCE_IMAGE_NAME_PREFIX = 'ami-guard-evidence-';

/** The config values a signal's name depends on. */
export interface TrustSettings {
  /** The approval tag key on images. */
  readonly approvalTagKey: string;
  /** The exception tag key on instances. @default no exception signal */
  readonly exceptionTagKey?: string;
  /** The SSM parameter of approved AMI IDs. @default no parameter signal */
  readonly approvedImageIdsParameter?: string;
  /** The image tag naming an AMI's family (`approval.familyTagKey`). @default no family signal (families come from AMI names) */
  readonly familyTagKey?: string;
  /** Role names (from wildcard-account ARN patterns such as `arn:aws:iam::*:role/image-pipeline`) the config trusts. @default [] */
  readonly trustedRoleNames?: readonly string[];
}

/** One signal, resolved for a config. */
export interface Signal {
  /** Stable identifier, e.g. `approval-tag`. */
  readonly id: string;
  readonly kind: SignalKind;
  /** The tag key, parameter name or role name. */
  readonly name: string;
  /** What AMI Guard decides from it, in one sentence. */
  readonly decides: string;
  /** Who may write it; never empty. */
  readonly writers: readonly Writer[];
}

/**
 * Every signal AMI Guard trusts or acts on for `settings`. Throws when a signal has no writers, so a
 * feature that adds a signal without naming who writes it fails the build.
 */
export function trustModel(settings: TrustSettings): readonly Signal[] {
  const signals: Signal[] = [
    {
      id: 'approval-tag',
      kind: 'image-tag',
      name: settings.approvalTagKey,
      decides: 'An image is approved: the launch policy allows it and the rule finds its instances COMPLIANT.',
      writers: ['pipeline'],
    },
    ...(settings.approvedImageIdsParameter
      ? [
          {
            id: 'approved-image-ids',
            kind: 'ssm-parameter' as const,
            name: settings.approvedImageIdsParameter,
            decides: 'An AMI ID listed here is approved (its owner must still be trusted).',
            writers: ['pipeline'] as const,
          },
        ]
      : []),
    ...(settings.familyTagKey
      ? [
          {
            id: 'family-tag',
            kind: 'image-tag' as const,
            name: settings.familyTagKey,
            decides: 'The AMI family of an image: a stale AMI is told to move to the newest approved AMI of its family.',
            writers: ['pipeline'] as const,
          },
        ]
      : []),
    ...(settings.exceptionTagKey
      ? [
          {
            id: 'exception-tag',
            kind: 'instance-tag' as const,
            name: settings.exceptionTagKey,
            decides: 'A NON_COMPLIANT instance counts as COMPLIANT until the dated exception ends.',
            writers: ['exceptionGranters'] as const,
          },
        ]
      : []),
    {
      id: 'deadline-tag',
      kind: 'instance-tag',
      name: DEADLINE_TAG_KEY,
      decides: 'Shows the owner when a NON_COMPLIANT instance will be stopped or terminated.',
      writers: ['automation'],
    },
    ...(['image-tag', 'snapshot-tag'] as const).flatMap((kind) => [
      {
        id: `evidence-of-${kind}`,
        kind,
        name: EVIDENCE_TAG.instance,
        decides: 'The resource is an evidence copy AMI Guard took before a terminate.',
        writers: ['automation'] as const,
      },
      {
        id: `evidence-until-${kind}`,
        kind,
        name: EVIDENCE_TAG.keepUntil,
        decides: 'The last day an evidence copy is kept; the sweep deletes it after that day.',
        writers: ['automation'] as const,
      },
      {
        id: `evidence-finding-${kind}`,
        kind,
        name: EVIDENCE_TAG.finding,
        decides: 'Records why the instance was terminated (read by people, not by AMI Guard).',
        writers: ['automation'] as const,
      },
    ]),
    ...(settings.trustedRoleNames ?? []).map((name) => ({
      id: `role-name:${name}`,
      kind: 'principal-name' as const,
      name,
      decides: 'A role of this name in any member account is trusted as a tagger, granter or break-glass principal.',
      writers: ['iamAdmin'] as const,
    })),
  ];
  const orphan = signals.find((s) => s.writers.length === 0);
  if (orphan) throw new Error(`Trust model: signal ${orphan.id} (${orphan.name}) names no writers; add who may write it.`);
  return signals;
}

/** The tag keys of one kind of resource that only `writer` may change, for a guard to reserve. */
export function reservedTagKeys(signals: readonly Signal[], kind: SignalKind, writer: Writer): string[] {
  return [...new Set(signals.filter((s) => s.kind === kind && s.writers.includes(writer)).map((s) => s.name))];
}
