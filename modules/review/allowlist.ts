/**
 * What a pull request's synthesized stack may hold before `terraform init` runs on it with a plan
 * role's credentials. The plan job holds OIDC credentials (the management account's, for the
 * organization stack), yet runs Terraform on JSON the pull request's own code wrote; a data source
 * such as `external`, a provisioner or a module from elsewhere runs code or reaches out at plan time
 * (the risk Atlantis documents for planning untrusted pull requests). So only what AMI Guard emits
 * passes: the AWS provider, the resource types its rule tables read or explain (./rules), no data
 * sources, no modules, no provisioners, and provider and backend arguments AMI Guard writes.
 *
 * The provider installation is pinned too: a CLI config whose `provider_installation` allows
 * direct installation of the allowed providers only
 * (https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NOT_REVIEWED, reviewedTypes } from './rules';
import { CI_OVERRIDE_FILE } from './workflow-stacks';

/** The providers AMI Guard's stacks use, as full source addresses. */
export const ALLOWED_PROVIDERS: readonly string[] = ['registry.terraform.io/hashicorp/aws'];

/** The data source types AMI Guard emits: none. */
export const ALLOWED_DATA_TYPES: readonly string[] = [];

/** Arguments of a provider block AMI Guard writes (no `endpoints`: they would send signed requests elsewhere). */
export const ALLOWED_PROVIDER_ARGUMENTS: readonly string[] = [
  'alias',
  'region',
  'allowed_account_ids',
  'assume_role',
  'default_tags',
];

/** Backends AMI Guard configures: the S3 state backend, and a local file for the state-backend stack's first run. */
export const ALLOWED_BACKENDS: readonly string[] = ['s3', 'local'];

/** Top-level keys of a cdk.tf.json (and the CI override) AMI Guard writes. */
const ALLOWED_TOP_LEVEL = ['//', 'terraform', 'provider', 'resource', 'data', 'output'];
const ALLOWED_TERRAFORM_KEYS = ['backend', 'required_providers', 'required_version'];

/** Resource types AMI Guard emits: every type a rule reads or NOT_REVIEWED explains (the coverage test keeps both true). */
export function allowedResourceTypes(): Set<string> {
  return new Set([...reviewedTypes(), ...Object.keys(NOT_REVIEWED)]);
}

/** `aws` and `hashicorp/aws` as the registry address Terraform resolves them to. */
export function providerAddress(source: string): string {
  const parts = source.split('/');
  if (parts.length === 1) return `registry.terraform.io/hashicorp/${source}`.toLowerCase();
  if (parts.length === 2) return `registry.terraform.io/${source}`.toLowerCase();
  return source.toLowerCase();
}

function entries(value: unknown): [string, unknown][] {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value as Record<string, unknown>) : [];
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/**
 * What one Terraform JSON file of a stack holds beyond the allowlist, one line each naming the file
 * and the block; empty when it holds only what AMI Guard emits.
 */
export function allowlistProblems(file: string, json: unknown): string[] {
  const problems: string[] = [];
  const at = (what: string) => problems.push(`${file}: ${what}`);
  if (!json || typeof json !== 'object' || Array.isArray(json)) return [`${file}: is not a JSON object`];
  const types = allowedResourceTypes();
  const providers = new Set(ALLOWED_PROVIDERS);
  for (const [key, value] of entries(json)) {
    if (!ALLOWED_TOP_LEVEL.includes(key)) {
      at(`"${key}" blocks are not something AMI Guard emits (modules, variables and locals are refused)`);
      continue;
    }
    if (key === 'terraform')
      for (const [tk, tv] of entries(value)) {
        if (!ALLOWED_TERRAFORM_KEYS.includes(tk)) at(`terraform.${tk} is not allowed`);
        if (tk === 'backend')
          for (const [b] of entries(tv))
            if (!ALLOWED_BACKENDS.includes(b)) at(`backend "${b}" is not allowed (allowed: ${ALLOWED_BACKENDS.join(', ')})`);
        if (tk === 'required_providers')
          for (const [name, req] of entries(tv)) {
            const source = typeof req === 'string' ? name : String((req as Record<string, unknown>).source ?? name);
            if (!providers.has(providerAddress(source)))
              at(`provider "${name}" (${providerAddress(source)}) is not allowed (allowed: ${ALLOWED_PROVIDERS.join(', ')})`);
          }
      }
    if (key === 'provider')
      for (const [name, blocks] of entries(value)) {
        if (!providers.has(providerAddress(name)))
          at(`provider "${name}" is not allowed (allowed: ${ALLOWED_PROVIDERS.join(', ')})`);
        for (const block of asList(blocks))
          for (const [arg] of entries(block))
            if (!ALLOWED_PROVIDER_ARGUMENTS.includes(arg)) at(`provider "${name}" argument "${arg}" is not allowed`);
      }
    if (key === 'resource')
      for (const [type, blocks] of entries(value)) {
        if (!types.has(type)) at(`resource type ${type} is not one AMI Guard emits`);
        for (const [name, block] of entries(blocks))
          for (const meta of ['provisioner', 'connection'])
            if (entries(block).some(([k]) => k === meta)) at(`${type}.${name} has a ${meta} block, which runs commands`);
      }
    if (key === 'data')
      for (const [type] of entries(value))
        if (!ALLOWED_DATA_TYPES.includes(type))
          at(`data source ${type} is not one AMI Guard emits (data sources are read at plan time)`);
  }
  return problems;
}

/** The CLI config (HCL) that lets Terraform install the allowed providers only. */
export function providerInstallationConfig(): string {
  return [
    '# Written by `npm run workflow -- check-stack`: Terraform may install these providers only.',
    'provider_installation {',
    '  direct {',
    `    include = [${ALLOWED_PROVIDERS.map((p) => JSON.stringify(p)).join(', ')}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The entries a synthesized stack directory holds: its JSON, the CI override, and the Lambda bundle. */
const STACK_ENTRIES: Readonly<Record<string, 'json' | 'assets'>> = {
  'cdk.tf.json': 'json',
  [CI_OVERRIDE_FILE]: 'json',
  assets: 'assets',
};

/**
 * Checks a synthesized stack directory before `terraform init`: only the entries AMI Guard writes
 * (no `.terraform` folder or lock file with providers of its own, no other Terraform file), and
 * each JSON file within the allowlist. Returns one line per problem; empty when it may be planned.
 */
export function stackDirProblems(dir: string): string[] {
  const problems: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    const kind = STACK_ENTRIES[entry.name];
    if (!kind || entry.isSymbolicLink()) {
      // Name what an extra Terraform file would have added, too.
      if (entry.isFile() && entry.name.endsWith('.tf.json'))
        try {
          problems.push(...allowlistProblems(file, JSON.parse(fs.readFileSync(file, 'utf8'))));
        } catch {
          // reported below as an extra file
        }
      problems.push(
        `${file}: not something AMI Guard writes into a stack (expected only ${Object.keys(STACK_ENTRIES).join(', ')})`,
      );
      continue;
    }
    if (kind === 'assets') {
      if (!entry.isDirectory()) problems.push(`${file}: expected the assets folder`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      problems.push(`${file}: not JSON (${(err as Error).message})`);
      continue;
    }
    problems.push(...allowlistProblems(file, json));
  }
  if (!fs.existsSync(path.join(dir, 'cdk.tf.json'))) problems.push(`${dir}: no cdk.tf.json`);
  return problems;
}
