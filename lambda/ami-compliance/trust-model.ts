/**
 * The trust model: every signal AMI Guard trusts or acts on, what it decides, and who may write it.
 * One list, read by the account tag guard, the organization SCPs, the docs' "What AMI Guard trusts"
 * table and the write-path matrix test. A feature that adds a signal adds it here, with its writers,
 * and every guard picks it up. No imports beyond the contract: the Lambda bundle reads it too.
 */
import { DEADLINE_TAG_KEY, EVIDENCE_TAG, NOTICE_RECORD_PATH } from './contract';

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
      decides:
        'Shows the owner when a NON_COMPLIANT instance will be stopped or terminated; the permission to stop or terminate requires it.',
      writers: ['automation'],
    },
    {
      id: 'notice-records',
      kind: 'ssm-parameter',
      name: `${NOTICE_RECORD_PATH}*`,
      decides:
        'The deadline of a noticed instance (one parameter per instance); it survives deletion of the deadline tag, and the sweep has the runbook delete it once the instance is compliant.',
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
      decides:
        'A role of this name (or path) in any member account is trusted as a writer above: tagger, granter, break-glass, IAM admin or AMI Guard itself.',
      writers: ['iamAdmin'] as const,
    })),
  ];
  return assertWriters(signals);
}

/** Returns `signals`; throws when one names no writers (nobody could write it, or a guard would exempt nobody). */
export function assertWriters<S extends readonly Signal[]>(signals: S): S {
  const orphan = signals.find((s) => s.writers.length === 0);
  if (orphan) throw new Error(`Trust model: signal ${orphan.id} (${orphan.name}) names no writers; add who may write it.`);
  return signals;
}

/** The tag keys of one kind of resource that only `writer` may change, for a guard to reserve. */
export function reservedTagKeys(signals: readonly Signal[], kind: SignalKind, writer: Writer): string[] {
  return [...new Set(signals.filter((s) => s.kind === kind && s.writers.includes(writer)).map((s) => s.name))];
}

/** ARN patterns of each writer, for one guard: one account (the account tag guard) or every member account (the SCPs). */
export type WriterPrincipals = Readonly<Record<Writer, readonly string[]>>;

/** The ARN patterns that may write a signal with `writers`: the union of their patterns, each once. */
export function writerArns(writers: readonly Writer[], principals: WriterPrincipals): string[] {
  return [...new Set(writers.flatMap((w) => principals[w]))];
}

/** The `automation` writer: every role on {@link AUTOMATION_ROLE_PATH} in `account` (`*`: in every member account). */
export function automationPrincipal(partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role${AUTOMATION_ROLE_PATH}*`;
}

/** The role name pattern of the `automation` writer, as a principal-name signal names it (`ami-guard/*`). */
export const AUTOMATION_ROLE_NAME = `${AUTOMATION_ROLE_PATH.slice(1)}*`;

/**
 * The role name (path included) a wildcard-account role pattern trusts, e.g. `image-pipeline` for
 * `arn:aws:iam::*:role/image-pipeline`; undefined for a pattern that names its account.
 */
export function wildcardAccountRoleName(arn: string): string | undefined {
  return /^arn:[\w-]+:iam::\*:role\/(.+)$/.exec(arn)?.[1];
}

/**
 * Several accounts' models as one (the organization guards every member account): a signal of the same
 * kind and name (tag keys compared ignoring case, as IAM compares them) appears once, with every writer
 * any of the models names for it.
 */
export function mergeTrustModels(models: readonly (readonly Signal[])[]): Signal[] {
  const merged = new Map<string, Signal>();
  for (const signal of models.flat()) {
    const key = `${signal.kind}\u0000${signal.kind.endsWith('-tag') ? signal.name.toLowerCase() : signal.name}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, writers: [...new Set([...seen.writers, ...signal.writers])] } : signal);
  }
  return [...merged.values()];
}
