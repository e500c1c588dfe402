/**
 * The fleet report's data: one {@link Finding} per instance, and {@link ReportSummary}, the counts the
 * page, the terminal table and `report.json` all show. The summary is built by {@link ReportBuilder}
 * while findings stream past, so its size follows accounts, AMIs and owners, never the fleet.
 * `report.json` is documented field by field in docs/report.md; {@link REPORT_SCHEMA_VERSION} changes
 * when a field changes meaning or goes away.
 */
import type { ComplianceType } from '../../lambda/ami-compliance/contract';

/** The version of the `report.json` schema. */
export const REPORT_SCHEMA_VERSION = 1;

/** Where the verdicts came from. */
export const REPORT_SOURCES = ['scan', 'aggregator'] as const;
export type ReportSource = (typeof REPORT_SOURCES)[number];

/** Deadlines due within this many days are listed. */
const DEADLINE_WINDOW_DAYS = 7;
/** Exceptions ending within this many days are listed. */
const EXCEPTION_WINDOW_DAYS = 14;

const DAY_MS = 86_400_000;

/** The verdict for one instance, and what a person needs to act on it. */
export interface Finding {
  readonly accountId: string;
  /** The config's stack of this account/region, or null when the config does not name one. */
  readonly stackName: string | null;
  readonly region: string;
  readonly instanceId: string;
  /** EC2 state (`running`, `stopped`, ...), or null when the source does not say (aggregator). */
  readonly state: string | null;
  /** The AMI, or null when the source does not say (aggregator). */
  readonly imageId: string | null;
  /** The AMI name, or null when the AMI is gone or the source does not say. */
  readonly imageName: string | null;
  /** When the AMI was created (ISO 8601), or null. */
  readonly imageCreated: string | null;
  /** Whole days since the AMI was created, or null. */
  readonly imageAgeDays: number | null;
  /** The rule's verdict. */
  readonly compliance: ComplianceType;
  /** The rule's annotation: why, and the fix. */
  readonly reason: string;
  /** The owner (first owner tag present), or null. */
  readonly owner: string | null;
  /** The team (the last owner tag key), or null. */
  readonly team: string | null;
  /** The remediation deadline tag (`2026-12-01T10:00Z`), or null. */
  readonly deadline: string | null;
  /** The last day (UTC, `YYYY-MM-DD`) of a valid exception, or null. */
  readonly exceptionUntil: string | null;
}

/** Instances by verdict. */
export interface Counts {
  instances: number;
  compliant: number;
  nonCompliant: number;
  notApplicable: number;
}

/** One account/region of the config: judged in full, or failed with the reason. */
export interface RegionResult {
  readonly accountId: string;
  readonly stackName: string | null;
  readonly region: string;
  readonly status: 'complete' | 'failed';
  /** Why the region could not be read (`AccessDenied: ...`), or null. */
  readonly error: string | null;
  /** Something the reader should know that did not stop the scan, or null. */
  readonly note: string | null;
  readonly counts: Counts;
}

/** One account: its regions, and its share of compliant instances. */
export interface AccountSummary {
  readonly accountId: string;
  readonly stackNames: readonly string[];
  /** `failed` when no region could be read, `partial` when some could not. */
  readonly status: 'complete' | 'partial' | 'failed';
  readonly counts: Counts;
  /** compliant / (compliant + nonCompliant) in percent, one decimal; null when there is nothing to judge. */
  readonly compliancePercent: number | null;
  readonly regions: readonly RegionResult[];
}

/** One AMI in use. */
export interface AmiSummary {
  readonly imageId: string;
  readonly imageName: string | null;
  readonly imageCreated: string | null;
  readonly imageAgeDays: number | null;
  /** Live instances running it. */
  readonly instances: number;
  /** Of those, NON_COMPLIANT. */
  readonly nonCompliant: number;
  /** Accounts where it runs. */
  readonly accounts: number;
}

/** NON_COMPLIANT instances of one team and owner. */
export interface OwnerSummary {
  /** The team, or `unknown` when the instances carry no team tag. */
  readonly team: string;
  /** The owner, or `unknown`. */
  readonly owner: string;
  readonly nonCompliant: number;
}

/** Everything in `report.json` except the findings. */
export interface ReportSummary {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** When the report was made (ISO 8601): the clock exceptions and deadlines were judged against. */
  readonly generatedAt: string;
  readonly source: ReportSource;
  /** `partial` when an account or region could not be read. */
  readonly status: 'complete' | 'partial';
  readonly windows: { readonly deadlineDays: number; readonly exceptionDays: number };
  readonly totals: Counts & { accounts: number; failedAccounts: number; regions: number; failedRegions: number };
  /** Sorted by compliance, worst first. */
  readonly accounts: readonly AccountSummary[];
  /** Sorted by instances, most first. */
  readonly amis: readonly AmiSummary[];
  /** Sorted by NON_COMPLIANT instances, most first. */
  readonly nonCompliantByOwner: readonly OwnerSummary[];
  /** NON_COMPLIANT instances whose deadline falls in the next {@link DEADLINE_WINDOW_DAYS} days, soonest first. */
  readonly deadlinesNextDays: readonly Finding[];
  /** Instances whose exception ends in the next {@link EXCEPTION_WINDOW_DAYS} days, soonest first. */
  readonly exceptionsExpiringNextDays: readonly Finding[];
}

/** The whole `report.json`. */
export interface Report extends ReportSummary {
  /** Every instance, in the order the sources read them. */
  readonly findings: readonly Finding[];
}

const zero = (): Counts => ({ instances: 0, compliant: 0, nonCompliant: 0, notApplicable: 0 });

function count(counts: Counts, compliance: ComplianceType): void {
  counts.instances++;
  if (compliance === 'COMPLIANT') counts.compliant++;
  else if (compliance === 'NON_COMPLIANT') counts.nonCompliant++;
  else counts.notApplicable++;
}

/** compliant / judged, in percent with one decimal, or null. */
function compliancePercent(counts: Counts): number | null {
  const judged = counts.compliant + counts.nonCompliant;
  return judged === 0 ? null : Math.round((1000 * counts.compliant) / judged) / 10;
}

/** Whole days from `iso` to `now`, or null when `iso` is absent or unreadable. */
export function ageInDays(iso: string | null | undefined, now: Date): number | null {
  const time = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(time) ? null : Math.max(0, Math.floor((now.getTime() - time) / DAY_MS));
}

/**
 * Builds the summary from findings and region results as they arrive, holding counts and the short lists
 * only. Regions are reported once each, after their findings.
 */
export class ReportBuilder {
  private readonly regions: RegionResult[] = [];
  private readonly amis = new Map<
    string,
    Omit<AmiSummary, 'accounts' | 'instances' | 'nonCompliant'> & {
      instances: number;
      nonCompliant: number;
      accounts: Set<string>;
    }
  >();
  private readonly owners = new Map<string, Omit<OwnerSummary, 'nonCompliant'> & { nonCompliant: number }>();
  private readonly deadlines: Finding[] = [];
  private readonly exceptions: Finding[] = [];
  private readonly deadlineEnd: number;
  private readonly exceptionFirst: string;
  private readonly exceptionLast: string;

  constructor(
    private readonly source: ReportSource,
    private readonly now: Date,
  ) {
    this.deadlineEnd = now.getTime() + DEADLINE_WINDOW_DAYS * DAY_MS;
    this.exceptionFirst = now.toISOString().slice(0, 10);
    this.exceptionLast = new Date(now.getTime() + EXCEPTION_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10);
  }

  /** Takes one finding into the counts. */
  add(finding: Finding): void {
    if (finding.imageId !== null) {
      const ami = this.amis.get(finding.imageId) ?? {
        imageId: finding.imageId,
        imageName: finding.imageName,
        imageCreated: finding.imageCreated,
        imageAgeDays: finding.imageAgeDays,
        instances: 0,
        nonCompliant: 0,
        accounts: new Set<string>(),
      };
      ami.instances++;
      if (finding.compliance === 'NON_COMPLIANT') ami.nonCompliant++;
      ami.accounts.add(finding.accountId);
      this.amis.set(finding.imageId, ami);
    }
    if (finding.compliance !== 'NON_COMPLIANT') {
      if (finding.exceptionUntil !== null && this.inExceptionWindow(finding.exceptionUntil)) this.exceptions.push(finding);
      return;
    }
    const team = finding.team ?? 'unknown';
    const owner = finding.owner ?? 'unknown';
    const key = JSON.stringify([team, owner]);
    const entry = this.owners.get(key) ?? { team, owner, nonCompliant: 0 };
    entry.nonCompliant++;
    this.owners.set(key, entry);
    const due = finding.deadline ? Date.parse(finding.deadline.replace(/Z$/, ':00Z')) : Number.NaN;
    if (due >= this.now.getTime() && due < this.deadlineEnd) this.deadlines.push(finding);
  }

  /** Takes one account/region's result (after its findings). */
  region(result: RegionResult): void {
    this.regions.push(result);
  }

  private inExceptionWindow(until: string): boolean {
    return until >= this.exceptionFirst && until <= this.exceptionLast;
  }

  /** The summary of everything added so far. */
  summary(): ReportSummary {
    const byAccount = new Map<string, RegionResult[]>();
    for (const r of this.regions) byAccount.set(r.accountId, [...(byAccount.get(r.accountId) ?? []), r]);
    const accounts: AccountSummary[] = [...byAccount.entries()].map(([accountId, regions]) => {
      const counts = zero();
      for (const r of regions) {
        counts.instances += r.counts.instances;
        counts.compliant += r.counts.compliant;
        counts.nonCompliant += r.counts.nonCompliant;
        counts.notApplicable += r.counts.notApplicable;
      }
      const failed = regions.filter((r) => r.status === 'failed').length;
      const sorted = [...regions].sort((a, b) => a.region.localeCompare(b.region));
      return {
        accountId,
        stackNames: [...new Set(sorted.flatMap((r) => (r.stackName ? [r.stackName] : [])))],
        status: failed === 0 ? 'complete' : failed === regions.length ? 'failed' : 'partial',
        counts,
        compliancePercent: compliancePercent(counts),
        regions: sorted,
      };
    });
    accounts.sort(
      (a, b) =>
        (a.compliancePercent ?? 101) - (b.compliancePercent ?? 101) ||
        b.counts.nonCompliant - a.counts.nonCompliant ||
        a.accountId.localeCompare(b.accountId),
    );
    const totals = { ...zero(), accounts: accounts.length, failedAccounts: 0, regions: this.regions.length, failedRegions: 0 };
    for (const a of accounts) {
      totals.instances += a.counts.instances;
      totals.compliant += a.counts.compliant;
      totals.nonCompliant += a.counts.nonCompliant;
      totals.notApplicable += a.counts.notApplicable;
      if (a.status === 'failed') totals.failedAccounts++;
    }
    totals.failedRegions = this.regions.filter((r) => r.status === 'failed').length;
    const byDeadline = (a: Finding, b: Finding) =>
      (a.deadline ?? '').localeCompare(b.deadline ?? '') || a.instanceId.localeCompare(b.instanceId);
    const byUntil = (a: Finding, b: Finding) =>
      (a.exceptionUntil ?? '').localeCompare(b.exceptionUntil ?? '') || a.instanceId.localeCompare(b.instanceId);
    return {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: this.now.toISOString(),
      source: this.source,
      status: totals.failedRegions > 0 ? 'partial' : 'complete',
      windows: { deadlineDays: DEADLINE_WINDOW_DAYS, exceptionDays: EXCEPTION_WINDOW_DAYS },
      totals,
      accounts,
      amis: [...this.amis.values()]
        .map((a) => ({ ...a, accounts: a.accounts.size }))
        .sort((a, b) => b.instances - a.instances || a.imageId.localeCompare(b.imageId)),
      nonCompliantByOwner: [...this.owners.values()].sort(
        (a, b) => b.nonCompliant - a.nonCompliant || a.team.localeCompare(b.team) || a.owner.localeCompare(b.owner),
      ),
      deadlinesNextDays: [...this.deadlines].sort(byDeadline),
      exceptionsExpiringNextDays: [...this.exceptions].sort(byUntil),
    };
  }
}

/** A fresh count of one region's verdicts. */
export class RegionCounter {
  readonly counts: Counts = zero();

  add(compliance: ComplianceType): void {
    count(this.counts, compliance);
  }
}
