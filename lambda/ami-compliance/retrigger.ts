/**
 * The scheduled sweep's follow-up where remediation acts automatically: start the runbook again for
 * marked instances whose deadline passed (or which became compliant, to remove the mark and the notice
 * record), and delete evidence images past their keep-until day. AWS Config itself starts the runbook
 * only when an instance becomes NON_COMPLIANT (see docs/correct-deadline.md).
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import { errorCode, expireEvidenceImages, listNoticeRecords, startRemediation, type AwsClients } from './aws';
import {
  AUTOMATIC_MODES,
  NOTICE_RECORDS_LIST_PATH,
  REMEDIATION_TRIGGER_ENV,
  type AutomaticMode,
  type ComplianceType,
  type RemediationTrigger,
} from './contract';
import { recheckReason } from './deadline';
import type { InstanceFacts } from './evaluate';

/** At most this many runbooks are started per sweep; the rest wait for the next sweep (SSM runs 100 at once). */
export const MAX_RECHECKS_PER_SWEEP = 100;

/** Below this many milliseconds left in the invocation, no further runbook is started: the rest wait for the next sweep. */
const FOLLOW_UP_RESERVE_MS = 2_000;

/**
 * Reads {@link RemediationTrigger} from the Lambda environment, or undefined when remediation does not act
 * automatically here.
 * @throws when the variable is set but malformed (the stack wrote it; a broken value must not be ignored)
 */
export function parseRemediationTrigger(raw: string | undefined): RemediationTrigger | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${REMEDIATION_TRIGGER_ENV} is not valid JSON: ${raw.slice(0, 80)}. Fix: redeploy the stack.`);
  }
  const t = value as Partial<RemediationTrigger> | null;
  const stringMap =
    typeof t?.parameters === 'object' && t.parameters !== null && Object.values(t.parameters).every((v) => typeof v === 'string');
  const mode = (AUTOMATIC_MODES as readonly unknown[]).includes(t?.mode);
  if (
    typeof t?.documentName !== 'string' ||
    t.documentName === '' ||
    !mode ||
    !stringMap ||
    typeof t.expireEvidence !== 'boolean'
  ) {
    throw new Error(
      `${REMEDIATION_TRIGGER_ENV} must be {"documentName": "...", "mode": "${AUTOMATIC_MODES.join('" | "')}", ` +
        `"parameters": {"Name": "value"}, "expireEvidence": true|false}, got ${raw.slice(0, 120)}. Fix: redeploy the stack.`,
    );
  }
  return t as RemediationTrigger;
}

/** An error as the follow-up reports it: its AWS code, then its message. */
function failureText(err: unknown): string {
  return `${errorCode(err) ?? ''} ${(err as Error)?.message ?? String(err)}`.trim();
}

/** What the follow-up did, as logged. */
export interface FollowUpSummary {
  readonly started: readonly { instanceId: string; reason: string; executionId: string }[];
  /** Due instances left for the next sweep: over {@link MAX_RECHECKS_PER_SWEEP}, or out of time. */
  readonly deferred: number;
  readonly expiredImages: readonly string[];
}

/** Collects, during a sweep, the marked or recorded instances that need the runbook again. */
export class Rechecks {
  private readonly due: { instanceId: string; reason: string }[] = [];

  /**
   * @param mode the runbook's mode: which instance states are worth starting it for
   * @param records the instances that have a notice record
   * @param recordsError why the records could not be listed: reported by {@link followUp}, after the evaluations
   */
  constructor(
    private readonly now: Date,
    private readonly mode: AutomaticMode,
    private readonly records: ReadonlySet<string> = new Set(),
    private readonly recordsError?: string,
  ) {}

  /**
   * Rechecks for one sweep, with the notice records listed first. A failed listing does not stop the
   * sweep: the evaluations are stored, the marked instances are still followed up, and the follow-up
   * then fails naming the listing.
   */
  static async forSweep(ssm: SSMClient, now: Date, mode: AutomaticMode): Promise<Rechecks> {
    try {
      return new Rechecks(now, mode, await listNoticeRecords(ssm));
    } catch (err) {
      const fix = `Fix: if access was denied, redeploy the stack (it grants ssm:GetParametersByPath on ${NOTICE_RECORDS_LIST_PATH}).`;
      return new Rechecks(now, mode, new Set(), `notice records: ${failureText(err)}. ${fix}`);
    }
  }

  /** Notes one evaluated instance. */
  consider(instance: InstanceFacts, compliance: ComplianceType): void {
    const reason = recheckReason(instance, compliance, this.now, this.mode, this.records.has(instance.instanceId));
    if (reason) this.due.push({ instanceId: instance.instanceId, reason });
  }

  /**
   * Starts the runbook for each due instance (up to {@link MAX_RECHECKS_PER_SWEEP}) and expires evidence.
   * Every start the time allows is tried; failures are thrown together at the end, and a retried sweep starts the same
   * executions again (idempotent client tokens), not new ones.
   * @param sweepId identifies this sweep (its notification time)
   * @param budget the invocation's time left, as the sweep had it: what the time does not allow waits for the next sweep
   */
  async followUp(
    clients: AwsClients,
    trigger: RemediationTrigger,
    sweepId: string,
    budget?: { remainingMs(): number },
  ): Promise<FollowUpSummary> {
    const started: { instanceId: string; reason: string; executionId: string }[] = [];
    const failures: string[] = this.recordsError === undefined ? [] : [this.recordsError];
    const outOfTime = (): boolean => budget !== undefined && budget.remainingMs() < FOLLOW_UP_RESERVE_MS;
    let tried = 0;
    for (const { instanceId, reason } of this.due.slice(0, MAX_RECHECKS_PER_SWEEP)) {
      if (outOfTime()) break;
      tried++;
      try {
        started.push({ instanceId, reason, executionId: await startRemediation(clients.ssm, trigger, instanceId, sweepId) });
      } catch (err) {
        failures.push(`${instanceId}: ${failureText(err)}`);
      }
    }
    let expiredImages: readonly string[] = [];
    if (trigger.expireEvidence && !outOfTime()) {
      try {
        expiredImages = (await expireEvidenceImages(clients.ec2, this.now)).images;
      } catch (err) {
        failures.push(`evidence images: ${failureText(err)}`);
      }
    }
    const summary = { started, deferred: this.due.length - tried, expiredImages };
    console.log(JSON.stringify({ remediation: { ...summary, failed: failures.length } }));
    if (failures.length > 0) {
      throw new Error(
        `Remediation follow-up failed for ${failures.length} item(s) after the evaluations were stored: ${failures.slice(0, 5).join('; ')}`,
      );
    }
    return summary;
  }
}
