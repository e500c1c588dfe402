import * as fs from 'node:fs';
import * as path from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
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
        '\nNothing was synthesized. docs/config.md and the JSON Schema config/accounts.schema.json describe every field.',
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

/** The schema at `path` below `schema`, through optional, default, array and object wrappers. */
function schemaAt(schema: z.ZodType, path: Path): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let t = s;
    while (t instanceof z.ZodOptional || t instanceof z.ZodDefault || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodType;
    return t;
  };
  for (const part of path) {
    if (!current) return undefined;
    const here = unwrap(current);
    if (typeof part === 'number') current = here instanceof z.ZodArray ? (here.element as z.ZodType) : undefined;
    else current = here instanceof z.ZodObject ? (here.shape as Record<string, z.ZodType>)[String(part)] : undefined;
  }
  return current && unwrap(current);
}

/** The known key a misspelt key most likely meant: same letters in another case, or at most a few edits away. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = known.map((k) => k.toLowerCase());
  const best = closest(key.toLowerCase(), lower);
  const edits = distance(key.toLowerCase(), best);
  return edits <= Math.max(2, Math.floor(key.length / 3)) ? known[lower.indexOf(best)] : undefined;
}

function unknownKeyProblem(schema: z.ZodType | undefined, at: Path, key: string): string {
  const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
  const suggestion = closestKey(key, known);
  return `${formatPath([...at, key])}: unknown key; remove it or fix its spelling${suggestion ? `: did you mean \`${suggestion}\`?` : ''}`;
}

/** A number where text belongs: JSON has no account-ID type, and a number loses the leading zeros of one. */
function numberForStringProblem(where: string, input: number): string {
  const quoted = JSON.stringify(String(input));
  const accountLike = Number.isInteger(input) && input >= 0 && String(input).length <= 12;
  return accountLike
    ? `${where}: expected a string, got the number ${input}; quote it: ${quoted} (account IDs are 12-digit strings in quotes, so leading zeros survive)`
    : `${where}: expected a string, got the number ${input}; quote it: ${quoted}`;
}

/** True for an issue about a value that should be a string (alone or among the choices of a union). */
function expectsString(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return issue.expected === 'string';
  if (issue.code === 'invalid_union') return issue.errors.some((branch) => branch.some(expectsString));
  return false;
}

function describeIssue(prefix: Path, issue: z.core.$ZodIssue, fallbackHint?: string, root?: z.ZodType): string {
  const where = formatPath([...prefix, ...issue.path]);
  if (issue.code === 'unrecognized_keys') {
    const owner = root ? schemaAt(root, issue.path) : undefined;
    return issue.keys.map((k) => unknownKeyProblem(owner, [...prefix, ...issue.path], k)).join('\n  - ');
  }
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) {
    return `${where}: required (${issue.expected})${fallbackHint ? `; ${fallbackHint}` : ''}`;
  }
  if (typeof input === 'number' && expectsString(issue)) return numberForStringProblem(where, input);
  return input === undefined ? `${where}: ${issue.message}` : `${where}: ${issue.message}, got ${show(input)}`;
}

function issuesOf(
  prefix: Path,
  error: z.ZodError,
  hint?: (issue: z.core.$ZodIssue) => string | undefined,
  root?: z.ZodType,
): string[] {
  return error.issues.map((i) => describeIssue(prefix, i, hint?.(i), root));
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
  if (!raw.success) throw new ConfigError(file, issuesOf([], raw.error, undefined, rawConfigSchema));
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
  return parseConfig(parseJson(text, file), file);
}

/** Line and column (both from 1) of an offset in a text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** What a newcomer should do about a JSON syntax error at an offset. */
function syntaxHint(text: string, error: ParseError): { offset: number; message: string } {
  const previous = text.slice(0, error.offset).trimEnd();
  if (previous.endsWith(',') && /^[}\]]/.test(text.slice(error.offset))) {
    return {
      offset: previous.length - 1,
      message: 'a comma after the last item (JSON allows no trailing comma); remove this comma',
    };
  }
  const what: Record<string, string> = {
    CommaExpected: 'a comma is missing between two items; add one',
    ColonExpected: 'a colon is missing after the key; write "key": value',
    PropertyNameExpected: 'expected a key in double quotes, e.g. "region"',
    ValueExpected: 'expected a value: a string in double quotes, a number, true, false, an object or a list',
    CloseBraceExpected: 'an object is not closed; add the missing }',
    CloseBracketExpected: 'a list is not closed; add the missing ]',
    EndOfFileExpected: 'text after the end of the config object; remove it',
    InvalidSymbol: 'unexpected character; strings take double quotes, and JSON has no comments',
    InvalidCommentToken: 'JSON has no comments; remove it',
    UnexpectedEndOfString: 'a string is not closed; add the missing "',
    InvalidNumberFormat: 'not a JSON number (no leading zeros: quote an account ID, e.g. "012345678901")',
  };
  const code = printParseErrorCode(error.error);
  return { offset: error.offset, message: what[code] ?? code };
}

/**
 * Parses the config file's JSON; a syntax error names its line and column, shows the line, and says
 * what to do (jsonc-parser reports where, which JSON.parse does not in every Node version).
 */
function parseJson(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { allowTrailingComma: false, disallowComments: true, allowEmptyContent: false });
  if (errors.length > 0) {
    const { offset, message } = syntaxHint(text, errors[0]);
    const { line, column } = lineAndColumn(text, offset);
    const source = text.split('\n')[line - 1] ?? '';
    throw new ConfigError(file, [
      `not valid JSON at line ${line}, column ${column}: ${message}\n      ${line} | ${source}\n      ${' '.repeat(String(line).length)} | ${' '.repeat(column - 1)}^`,
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}; fix the syntax`]);
  }
}

/** The config file named by AMI_GUARD_CONFIG, or the example. */
export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.AMI_GUARD_CONFIG || EXAMPLE_CONFIG);
}
