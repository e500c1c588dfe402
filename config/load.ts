import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { resolveOrganization } from './organization';
import { partitionOfRegion } from './regions';
import {
  AccountConfig,
  AmiGuardConfig,
  ORGANIZATION_STACK,
  OrganizationConfig,
  rawConfigSchema,
  resolvedSections,
  STATE_BACKEND_STACK,
} from './schema';

/** The config file used when AMI_GUARD_CONFIG is not set. */
export const EXAMPLE_CONFIG = path.join(__dirname, 'accounts.example.json');

/** Stack names the app reserves for itself, with what each holds. */
const RESERVED_FOR: Record<string, string> = {
  [STATE_BACKEND_STACK]: 'the state bucket stack',
  [ORGANIZATION_STACK]: 'the organization guardrails stack',
};
const RESERVED_STACK_NAMES = Object.keys(RESERVED_FOR);

/** A config that cannot be deployed; `problems` lists every one, each naming its field and fix. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid AMI Guard config ${file} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n') +
        '\nNothing was synthesized. The JSON Schema config/accounts.schema.json describes every field.',
    );
    this.name = 'ConfigError';
  }
}

type Path = readonly PropertyKey[];

function formatPath(p: Path): string {
  let out = '';
  for (const part of p) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function describeIssue(prefix: Path, issue: z.core.$ZodIssue, fallbackHint?: string): string {
  const where = formatPath([...prefix, ...issue.path]);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((k) => `${formatPath([...prefix, ...issue.path, k])}: unknown key; remove it or fix its spelling`)
      .join('\n  - ');
  }
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) {
    return `${where}: required (${issue.expected})${fallbackHint ? `; ${fallbackHint}` : ''}`;
  }
  return input === undefined ? `${where}: ${issue.message}` : `${where}: ${issue.message}, got ${show(input)}`;
}

function issuesOf(prefix: Path, error: z.ZodError, hint?: (issue: z.core.$ZodIssue) => string | undefined): string[] {
  return error.issues.map((i) => describeIssue(prefix, i, hint?.(i)));
}

/** Replaces the `{accountId}` placeholder in principal ARNs with the account the stack governs. */
function withAccountId(approval: AccountConfig['approval'], id: string): AccountConfig['approval'] {
  const fill = (principals: readonly string[]) => principals.map((p) => p.split('{accountId}').join(id));
  return { ...approval, taggerPrincipals: fill(approval.taggerPrincipals), exceptionGranters: fill(approval.exceptionGranters) };
}

/** An ARN of another partition than the region's cannot name a principal of the stack's account. */
function partitionProblem(field: string, arn: string | undefined, region: string): string[] {
  const partition = partitionOfRegion(region);
  const own = arn?.split(':')[1];
  if (arn === undefined || !partition || own === partition) return [];
  return [
    `${field}: ${JSON.stringify(arn)} is in partition ${own}, but region ${region} is in ${partition}; write "arn:${partition}:${arn.split(':').slice(2).join(':')}"`,
  ];
}

/** A KMS key encrypts only in its own region: S3 and CloudWatch Logs refuse a key of another region. */
function kmsRegionProblem(field: string, keyArn: string | undefined, region: string): string[] {
  const own = keyArn?.split(':')[3];
  if (keyArn === undefined || own === region) return [];
  return [`${field}: the key is in region ${own}, but the resources it encrypts are in ${region}; use a key of ${region}`];
}

/** Validates parsed JSON and applies defaults; throws ConfigError listing every problem. */
export function parseConfig(input: unknown, file = '<inline>'): AmiGuardConfig {
  const raw = rawConfigSchema.safeParse(input, { reportInput: true });
  if (!raw.success) throw new ConfigError(file, issuesOf([], raw.error));
  const cfg = raw.data;
  const problems: string[] = [];
  // The two choices that act without a person's say must be written by the account that makes them.
  if (cfg.defaults.remediation?.mode === 'terminate') {
    problems.push(
      'defaults.remediation.mode: "terminate" is never inherited; write "mode": "terminate" in the remediation of each account that asks for it',
    );
  }
  if (cfg.defaults.remediation?.graceHours === 0) {
    problems.push(
      'defaults.remediation.graceHours: 0 (act without notice) is never inherited; write "graceHours": 0 in the remediation of each account that asks for it, or give at least 1 hour here',
    );
  }
  const accounts: AccountConfig[] = [];

  cfg.accounts.forEach((acct, i) => {
    const resolved: Record<string, unknown> = {};
    for (const [section, schema] of Object.entries(resolvedSections)) {
      const key = section as keyof typeof resolvedSections;
      const merged = { ...(cfg.defaults[key] ?? {}), ...(acct[key] ?? {}) };
      const parsed = schema.safeParse(merged, { reportInput: true });
      if (parsed.success) resolved[key] = parsed.data;
      else
        problems.push(
          ...issuesOf(['accounts', i, key], parsed.error, () => `set it in accounts[${i}].${key} or defaults.${key}`),
        );
    }
    const region = acct.region ?? cfg.defaults.region;
    if (!region) problems.push(`accounts[${i}].region: required; set it or defaults.region`);
    for (const field of ['deployRoleArn', 'planRoleArn'] as const) {
      const roleArn = acct[field];
      if (roleArn && roleArn.split(':')[4] !== acct.accountId) {
        problems.push(
          `accounts[${i}].${field}: the role is in account ${roleArn.split(':')[4]}, but accountId is ${acct.accountId}; use a role of the account being deployed`,
        );
      }
    }
    const approval = resolved.approval as AccountConfig['approval'] | undefined;
    if (region) {
      const arns: [string, string | undefined][] = [
        ['deployRoleArn', acct.deployRoleArn],
        ...(approval?.taggerPrincipals ?? []).map((a, j): [string, string] => [`approval.taggerPrincipals[${j}]`, a]),
        ...(approval?.exceptionGranters ?? []).map((a, j): [string, string] => [`approval.exceptionGranters[${j}]`, a]),
      ];
      problems.push(...arns.flatMap(([field, arn]) => partitionProblem(`accounts[${i}].${field}`, arn, region)));
    }
    const remediation = resolved.remediation as AccountConfig['remediation'] | undefined;
    const detection = resolved.detection as AccountConfig['detection'] | undefined;
    if (remediation && remediation.mode === 'off' && remediation.automatic) {
      problems.push(
        `accounts[${i}].remediation.automatic: true has no effect while remediation.mode is "off"; set mode to "notify", "stop" or "terminate", or automatic to false`,
      );
    }
    if (remediation && detection && remediation.mode !== 'off' && !detection.enabled) {
      problems.push(
        `accounts[${i}].remediation.mode: "${remediation.mode}" needs the detection rule; set detection.enabled to true or remediation.mode to "off"`,
      );
    }
    const kmsKeyArn = acct.encryption?.kmsKeyArn;
    if (region) problems.push(...kmsRegionProblem(`accounts[${i}].encryption.kmsKeyArn`, kmsKeyArn, region));
    if (kmsKeyArn && kmsKeyArn.split(':')[4] !== acct.accountId) {
      problems.push(
        `accounts[${i}].encryption.kmsKeyArn: the key is in account ${kmsKeyArn.split(':')[4]}, but accountId is ${acct.accountId}; use a key of the account being deployed (CloudWatch Logs takes a key of its own account only)`,
      );
    }
    if (RESERVED_STACK_NAMES.includes(acct.stackName)) {
      problems.push(
        `accounts[${i}].stackName: "${acct.stackName}" is reserved for ${RESERVED_FOR[acct.stackName]}; choose another name`,
      );
    }
    if (problems.length === 0) {
      accounts.push({
        stackName: acct.stackName,
        accountId: acct.accountId,
        region: region!,
        deployRoleArn: acct.deployRoleArn,
        planRoleArn: acct.planRoleArn ?? acct.deployRoleArn,
        tags: { ...(cfg.defaults.tags ?? {}), ...(acct.tags ?? {}) },
        ...(acct.encryption ? { encryption: acct.encryption } : {}),
        ...(resolved as Pick<AccountConfig, 'approval' | 'attachTo' | 'detection' | 'remediation'>),
        approval: withAccountId(resolved.approval as AccountConfig['approval'], acct.accountId),
      });
    }
  });

  const firstIndex = new Map<string, number>();
  cfg.accounts.forEach((acct, i) => {
    const stackKey = `stack:${acct.stackName}`;
    const pairKey = `pair:${acct.accountId}/${acct.region ?? cfg.defaults.region}`;
    for (const [key, field, what] of [
      [stackKey, 'stackName', `stack name "${acct.stackName}"`],
      [pairKey, 'accountId', `account ${acct.accountId} in region ${acct.region ?? cfg.defaults.region}`],
    ] as const) {
      const first = firstIndex.get(key);
      if (first === undefined) firstIndex.set(key, i);
      else
        problems.push(`accounts[${i}].${field}: ${what} is already used by accounts[${first}]; each account/region is one stack`);
    }
  });

  problems.push(...partitionProblem('backend.roleArn', cfg.backend.roleArn, cfg.backend.region));
  problems.push(...kmsRegionProblem('backend.encryption.kmsKeyArn', cfg.backend.encryption?.kmsKeyArn, cfg.backend.region));
  let organization: OrganizationConfig | undefined;
  if (cfg.organization && problems.length === 0) {
    const resolved = resolveOrganization(cfg.organization, {
      accounts,
      defaultRegion: cfg.defaults.region,
      backendRegion: cfg.backend.region,
      defaultTags: cfg.defaults.tags ?? {},
    });
    problems.push(...resolved.problems);
    organization = resolved.organization;
  }

  if (problems.length > 0) throw new ConfigError(file, problems);
  return { backend: cfg.backend, accounts, ...(organization ? { organization } : {}) };
}

/** Reads and validates a config file; throws ConfigError for anything wrong with it. */
export function loadConfig(file: string): AmiGuardConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [
      `cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set AMI_GUARD_CONFIG to the path of your accounts file`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}; fix the syntax`]);
  }
  return parseConfig(json, file);
}

/** The config file named by AMI_GUARD_CONFIG, or the example. */
export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.AMI_GUARD_CONFIG || EXAMPLE_CONFIG);
}
