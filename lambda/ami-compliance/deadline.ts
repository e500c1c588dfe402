/**
 * The deadline between the notice and a stop or terminate, as pure functions: no SDK, no clock of
 * their own. The check mode decides the runbook's phase with {@link planPhase}; the scheduled sweep
 * decides which instances need the runbook again with {@link recheckReason}.
 */
import {
  DEADLINE_PATTERN,
  FRESHNESS_REASONS,
  DEADLINE_TAG_KEY,
  PHASE,
  VERDICT,
  type AutomaticMode,
  type CheckVerdict,
  type ComplianceType,
  type FindingReason,
  type Phase,
} from './contract';
import type { InstanceFacts } from './evaluate';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** A time as the deadline tag spells it: the UTC minute, `2026-12-01T10:00Z` (seconds are dropped). */
export function formatDeadline(time: Date): string {
  return `${new Date(Math.floor(time.getTime() / MINUTE) * MINUTE).toISOString().slice(0, 16)}Z`;
}

/** The time a deadline tag names, or undefined when the value is not a valid UTC minute. */
export function parseDeadline(value: string | undefined): Date | undefined {
  if (value === undefined || !DEADLINE_PATTERN.test(value)) return undefined;
  const time = new Date(`${value.slice(0, 16)}:00Z`);
  // The round trip rejects values the parser would roll over, such as 2026-02-30T10:00Z.
  return Number.isNaN(time.getTime()) || formatDeadline(time) !== value ? undefined : time;
}

/**
 * True when a finding only ever notifies, whatever the remediation mode: a stale or deprecated approved
 * AMI, unless `enforceFreshness` is on. A team that stops instances on unapproved AMIs must not wake up
 * to stopped fleets because an approved AMI turned 181 days old.
 */
export function onlyNotifies(finding: FindingReason | undefined, enforceFreshness: boolean | undefined): boolean {
  return finding !== undefined && FRESHNESS_REASONS.includes(finding) && enforceFreshness !== true;
}

/** What the check knows when it decides the phase. */
export interface PhaseInput {
  readonly verdict: CheckVerdict;
  readonly compliance: ComplianceType;
  /** The instance's deadline tag value, if any: shown to owners, but it decides nothing by itself. */
  readonly mark?: string;
  /**
   * The deadline of the instance's notice record (`/ami-guard/notices/<id>`), which only AMI Guard
   * writes after publishing a notice. It decides: a tag without a record was not set by a notice.
   */
  readonly recorded?: string;
  readonly now: Date;
  /** Hours from notice to action (`stop`/`terminate`); undefined in `notify` mode, which sets no deadline. */
  readonly graceHours?: number;
  /** The finding only ever notifies, whatever the mode (a stale AMI without `enforceFreshness`). @default false */
  readonly notifyOnly?: boolean;
}

/** The phase, the deadline in force, and a sentence when an existing tag was not honoured. */
export interface PhasePlan {
  readonly phase: Phase;
  readonly deadline: string | null;
  readonly note?: string;
}

/**
 * Decides what the runbook does after a fresh check.
 *
 * The notice record decides, not the tag: anyone who could write the tag would otherwise move the
 * action. A recorded deadline counts only if it is no later than `now + graceHours` (one from a longer
 * grace is reset, never postponing the action forever). Without a record there was no notice: a tag,
 * even one in the past, leads to a notice first. A deleted tag changes nothing: the record remains.
 * A finding that only notifies (`notifyOnly`) gets the `notify` phase in every mode, so the runbook
 * publishes it and sets no deadline, with no branch of its own.
 */
export function planPhase(input: PhaseInput): PhasePlan {
  const { verdict, compliance, mark, recorded, now, graceHours } = input;
  const record = parseDeadline(recorded);
  if (graceHours === undefined || (input.notifyOnly === true && verdict === VERDICT.remediate)) {
    return { phase: verdict === VERDICT.remediate ? PHASE.notify : PHASE.skip, deadline: null };
  }
  if (!Number.isInteger(graceHours) || graceHours < 0) {
    throw new Error(`graceHours must be a whole number of hours >= 0, got ${JSON.stringify(graceHours)}.`);
  }
  if (verdict !== VERDICT.remediate) {
    if (compliance === 'COMPLIANT' && (mark !== undefined || recorded !== undefined))
      return { phase: PHASE.clear, deadline: null };
    return { phase: PHASE.skip, deadline: record ? formatDeadline(record) : null };
  }
  const latest = Math.ceil((now.getTime() + graceHours * HOUR) / MINUTE) * MINUTE;
  if (record && record.getTime() <= latest) {
    return { phase: record.getTime() <= now.getTime() ? PHASE.act : PHASE.wait, deadline: recorded! };
  }
  const note = record
    ? `The notice's deadline ${recorded} was later than the ${graceHours}-hour grace allows; it was reset.`
    : mark === undefined
      ? undefined
      : `Deadline tag ${DEADLINE_TAG_KEY}=${JSON.stringify(mark.slice(0, 40))} was not set by an AMI Guard notice (no notice record); it does not count, and a notice comes first.`;
  // Grace 0 acts at once; the runbook still writes the tag first, the condition of its permission to act.
  if (graceHours === 0) return { phase: PHASE.act, deadline: formatDeadline(now), ...(note ? { note } : {}) };
  return { phase: PHASE.notice, deadline: formatDeadline(new Date(latest)), ...(note ? { note } : {}) };
}

/**
 * Instance states in which each mode's action still has something to do: a stopped instance can still be
 * terminated. Not `stopping`: CreateImage (the evidence image before a terminate) takes running or stopped
 * instances only, and the next sweep finds it stopped.
 */
const ACTIONABLE_STATES: Record<AutomaticMode, ReadonlySet<string>> = {
  stop: new Set(['pending', 'running']),
  terminate: new Set(['pending', 'running', 'stopped']),
};

/**
 * Why the sweep should start the runbook again for this instance, or undefined. AWS Config starts it
 * only when an instance becomes NON_COMPLIANT; nothing starts it when a deadline passes, when a marked
 * instance becomes compliant, or when an owner deletes the deadline tag. Every start goes through the
 * runbook's fresh check, which reads the notice record, so a stale or forged tag can only cause a
 * re-check, never an action by itself.
 * @param mode the runbook's mode, which decides the instance states worth acting on
 * @param recorded the instance has a notice record: a compliant one gets the runbook's clear even without
 *   a tag, so a passed record can never act later on an instance that turns non-compliant again
 */
export function recheckReason(
  instance: InstanceFacts,
  compliance: ComplianceType,
  now: Date,
  mode: AutomaticMode,
  recorded = false,
): string | undefined {
  const mark = instance.tags[DEADLINE_TAG_KEY];
  if (compliance === 'COMPLIANT') {
    if (mark !== undefined) return 'compliant with a deadline tag: remove it';
    return recorded ? 'compliant with a notice record: delete it' : undefined;
  }
  if (compliance !== 'NON_COMPLIANT' || !ACTIONABLE_STATES[mode].has(instance.state ?? 'running')) return undefined;
  // Deleted after a notice, or never given: the runbook recovers the deadline from the notice record, or gives the notice.
  if (mark === undefined) return 'non-compliant without a deadline tag: recover it from the notice record, or give notice';
  const deadline = parseDeadline(mark);
  if (!deadline) return 'unreadable deadline tag: set a new one';
  return deadline.getTime() <= now.getTime() ? `deadline ${mark} passed` : undefined;
}
