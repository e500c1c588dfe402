import {
  AccountConfig,
  AGE_FROM_APPROVAL,
  ALLOWED_IMAGES_LIMITS,
  ImageCriterion,
  OrganizationConfig,
  OrganizationTarget,
  RawOrganization,
} from './schema';
import { wildcardAccountRoleName } from '../lambda/ami-compliance/trust-model';

/** What the organization section takes from the rest of the file. */
export interface OrganizationContext {
  /** The resolved accounts (their trustedOwners and approval tag keys feed the defaults). */
  readonly accounts: readonly AccountConfig[];
  readonly defaultRegion?: string;
  readonly backendRegion: string;
  readonly defaultTags: Record<string, string>;
}

function targetKind(id: string): OrganizationTarget['kind'] {
  return id.startsWith('r-') ? 'root' : id.startsWith('ou-') ? 'ou' : 'account';
}

function accountOfArn(arn: string): string {
  return arn.split(':')[4];
}

/** Distinct values, first spelling kept; `key` decides what counts as the same value. */
function distinct(values: readonly string[], key: (v: string) => string = (v) => v): string[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(key(v)) && seen.add(key(v)));
}

/**
 * The default image providers: every trustedOwners of the accounts plus the accounts of the
 * pipeline (the concrete account IDs in `taggerPrincipals`).
 */
function defaultImageProviders(accounts: readonly AccountConfig[], taggerPrincipals: readonly string[]): string[] {
  const pipelineAccounts = taggerPrincipals.map(accountOfArn).filter((a) => /^\d{12}$/.test(a));
  return distinct([...accounts.flatMap((a) => a.approval.trustedOwners), ...pipelineAccounts]);
}

/** The principal lists whose wildcard-account role patterns the SCP protects by name. */
const NAMED_PRINCIPAL_FIELDS = ['taggerPrincipals', 'exceptionGranters', 'breakGlassPrincipals', 'iamAdminPrincipals'] as const;

/**
 * A wildcard-account pattern (`arn:aws:iam::*:role/NAME`) trusts a role of that name in every member
 * account: an account admin who creates it gets what it may do. It is accepted only when the SCP also
 * reserves that name for the IAM administrators, which needs `iamAdminPrincipals`. A user pattern in
 * every account cannot be reserved that way; it must name its account.
 */
function roleNameProblems(raw: RawOrganization, accounts: readonly AccountConfig[]): string[] {
  const problems: string[] = [];
  const admins = raw.iamAdminPrincipals.length > 0 || accounts.some((a) => a.deployRoleArn);
  for (const field of NAMED_PRINCIPAL_FIELDS) {
    raw[field].forEach((arn, i) => {
      const where = `organization.${field}[${i}]`;
      const [, , , , account, resource] = arn.split(':');
      if (account !== '*') return;
      if (resource.startsWith('user/')) {
        problems.push(
          `${where}: ${JSON.stringify(arn)} trusts a user of that name in every member account, which no SCP can reserve; name the account, e.g. "${arn.replace('::*:', '::111122223333:')}"`,
        );
      } else if (raw.iamAdminPrincipals.length === 0) {
        problems.push(
          `${where}: ${JSON.stringify(arn)} trusts a role of that name in every member account, and an account admin could create it; either list the IAM administrators in organization.iamAdminPrincipals (the tag guard SCP then denies everyone else iam:CreateRole, UpdateAssumeRolePolicy, AttachRolePolicy, PutRolePolicy and TagRole on that role), or name the account, e.g. "${arn.replace('::*:', '::111122223333:')}"`,
        );
      }
    });
  }
  if (!admins) {
    problems.push(
      'organization.iamAdminPrincipals: empty, and no account has a deployRoleArn; the tag guard SCP reserves the roles under /ami-guard/ (AMI Guard\'s own) for the principals that deploy AMI Guard, so list them here (e.g. "arn:aws:iam::*:role/AWSControlTowerExecution") or set the deployRoleArn of each account',
    );
  }
  return problems;
}

/**
 * Who may create or change the roles the SCP trusts by name: `iamAdminPrincipals`, every account's
 * deployRoleArn and the aggregator's. A deploy role whose name `iamAdminPrincipals` already trusts in
 * every account (`arn:aws:iam::*:role/ami-guard-deploy`) is left out: the pattern covers it, so an
 * organization of hundreds of accounts lists one ARN in the SCP, not one per account (SCPs take 5,120
 * characters).
 */
function iamAdmins(raw: RawOrganization, accounts: readonly AccountConfig[]): string[] {
  const trustedNames = new Set(raw.iamAdminPrincipals.map(wildcardAccountRoleName).filter((n) => n !== undefined));
  const deployRoles = [
    ...accounts.flatMap((a) => (a.deployRoleArn ? [a.deployRoleArn] : [])),
    // The aggregator stack creates its role under /ami-guard/ in the aggregator account.
    ...(raw.aggregator?.deployRoleArn ? [raw.aggregator.deployRoleArn] : []),
  ];
  const covered = (arn: string) => trustedNames.has(/^arn:[\w-]+:iam::\d{12}:role\/(.+)$/.exec(arn)?.[1] ?? '');
  return distinct([...raw.iamAdminPrincipals, ...deployRoles.filter((arn) => !covered(arn))]);
}

/**
 * Applies the defaults to the `organization` section and checks what zod cannot see alone: roles in
 * the right account, duplicate or ineffective targets, the default providers within AWS's limit.
 * Returns every problem, each with its path and the fix; `organization` only when there is none.
 */
export function resolveOrganization(
  raw: RawOrganization,
  context: OrganizationContext,
): { organization?: OrganizationConfig; problems: string[] } {
  const problems: string[] = [];
  const at = (field: string) => `organization.${field}`;

  if (raw.deployRoleArn && accountOfArn(raw.deployRoleArn) !== raw.managementAccountId) {
    problems.push(
      `${at('deployRoleArn')}: the role is in account ${accountOfArn(raw.deployRoleArn)}, but managementAccountId is ${raw.managementAccountId}; use a role of the management account`,
    );
  }
  if (raw.planRoleArn && accountOfArn(raw.planRoleArn) !== raw.managementAccountId) {
    problems.push(
      `${at('planRoleArn')}: the role is in account ${accountOfArn(raw.planRoleArn)}, but managementAccountId is ${raw.managementAccountId}; use a read-only role of the management account (or of the delegated administrator named there)`,
    );
  }
  if (raw.aggregator?.deployRoleArn && accountOfArn(raw.aggregator.deployRoleArn) !== raw.aggregator.accountId) {
    problems.push(
      `${at('aggregator.deployRoleArn')}: the role is in account ${accountOfArn(raw.aggregator.deployRoleArn)}, but aggregator.accountId is ${raw.aggregator.accountId}; use a role of the aggregator account`,
    );
  }

  const firstTarget = new Map<string, number>();
  raw.targets.forEach((t, i) => {
    const first = firstTarget.get(t.id);
    if (first !== undefined)
      problems.push(`${at(`targets[${i}].id`)}: "${t.id}" is already targets[${first}]; list each target once`);
    else firstTarget.set(t.id, i);
    if (t.id === raw.managementAccountId) {
      problems.push(
        `${at(`targets[${i}].id`)}: "${t.id}" is the management account, which SCPs never bind; target the root or the OUs of the member accounts`,
      );
    }
  });

  problems.push(...roleNameProblems(raw, context.accounts));

  const defaults = defaultImageProviders(context.accounts, raw.taggerPrincipals);
  const criteria: ImageCriterion[] = [];
  raw.allowedImages.criteria.forEach((c, i) => {
    const where = at(`allowedImages.criteria[${i}].imageProviders`);
    const providers = distinct(c.imageProviders ?? defaults);
    if (providers.length === 0) {
      problems.push(
        `${where}: no default (no account has approval.trustedOwners and organization.taggerPrincipals name no account ID); list the image providers`,
      );
    } else if (providers.length > ALLOWED_IMAGES_LIMITS.providers) {
      problems.push(
        `${where}: the default holds ${providers.length} providers, AWS allows at most ${ALLOWED_IMAGES_LIMITS.providers}; list the providers explicitly`,
      );
    }
    let created = c.maximumDaysSinceCreated === AGE_FROM_APPROVAL ? undefined : c.maximumDaysSinceCreated;
    if (c.maximumDaysSinceCreated === AGE_FROM_APPROVAL) {
      // The most lenient account's limit: no account's fresh approved AMI may be blocked at launch.
      const ages = context.accounts.map((a) => a.approval.maxImageAgeDays).filter((d): d is number => d !== undefined);
      if (ages.length === 0) {
        problems.push(
          `${at(`allowedImages.criteria[${i}].maximumDaysSinceCreated`)}: "${AGE_FROM_APPROVAL}" takes approval.maxImageAgeDays, but no account sets it; set approval.maxImageAgeDays (in defaults or the accounts) or give a number of days`,
        );
      } else {
        created = Math.max(...ages);
      }
    }
    criteria.push({
      imageProviders: providers,
      ...(c.imageNames ? { imageNames: distinct(c.imageNames) } : {}),
      ...(created !== undefined ? { maximumDaysSinceCreated: created } : {}),
      ...(c.maximumDaysSinceDeprecated !== undefined ? { maximumDaysSinceDeprecated: c.maximumDaysSinceDeprecated } : {}),
    });
  });

  if (problems.length > 0) return { problems };
  return {
    problems,
    organization: {
      managementAccountId: raw.managementAccountId,
      deployRoleArn: raw.deployRoleArn,
      ...(raw.planRoleArn ? { planRoleArn: raw.planRoleArn } : {}),
      region: raw.region ?? context.defaultRegion ?? context.backendRegion,
      targets: raw.targets.map((t) => ({ id: t.id, kind: targetKind(t.id), launchGuard: t.launchGuard })),
      approvalTagKeys: distinct(
        context.accounts.map((a) => a.approval.tagKey),
        (k) => k.toLowerCase(),
      ),
      exceptionTagKeys: distinct(
        context.accounts.map((a) => a.detection.exceptionTagKey),
        (k) => k.toLowerCase(),
      ),
      exceptionGranters: distinct(raw.exceptionGranters),
      taggerPrincipals: distinct(raw.taggerPrincipals),
      breakGlassPrincipals: distinct(raw.breakGlassPrincipals),
      iamAdminPrincipals: iamAdmins(raw, context.accounts),
      approvedImageIdsParameters: distinct(context.accounts.flatMap((a) => a.detection.approvedImageIdsParameter ?? [])),
      familyTagKeys: distinct(
        context.accounts.flatMap((a) => a.approval.familyTagKey ?? []),
        (k) => k.toLowerCase(),
      ),
      allowedImages: {
        state: raw.allowedImages.state,
        criteria,
        ...(raw.allowedImages.exceptionMessage ? { exceptionMessage: raw.allowedImages.exceptionMessage } : {}),
      },
      ...(raw.aggregator
        ? {
            aggregator: {
              accountId: raw.aggregator.accountId,
              deployRoleArn: raw.aggregator.deployRoleArn,
              name: raw.aggregator.name,
              ...(raw.aggregator.regions ? { regions: distinct(raw.aggregator.regions) } : {}),
            },
          }
        : {}),
      tags: { ...context.defaultTags, ...(raw.tags ?? {}) },
    },
  };
}
