/**
 * State: the shared state bucket and lock table. Every stack keeps its state or locks there, so any
 * loss of them, their versioning or their encryption is critical. Applies to the state-backend stack
 * only (known by name, or by its LockID table).
 */
import { STATE_BACKEND_STACK } from '../../../config/schema';
import type { ResourceChange, TerraformPlan } from '../plan';
import { block, flag, obj, RuleEntry, RuleFlag, RuleInput, str } from './rule';

/** Is this the stack holding the shared state bucket and lock table? By name, or by its LockID table. */
export function isStateBackendStack(stack: string, plan: TerraformPlan): boolean {
  if (stack === STATE_BACKEND_STACK) return true;
  return plan.resource_changes.some(
    (rc) => rc.type === 'aws_dynamodb_table' && [rc.change.before, rc.change.after].some((v) => obj(v).hash_key === 'LockID'),
  );
}

function label(rc: ResourceChange, before: Record<string, unknown>, after: Record<string, unknown>): string {
  const nameOf = (o: Record<string, unknown>) => str(o.name) ?? str(o.bucket);
  const [was, now] = [nameOf(before), nameOf(after)];
  const name = was && now && was !== now ? `${was} (→ ${now})` : (was ?? now);
  if (rc.type === 'aws_dynamodb_table') return `lock table ${name ?? rc.address}`;
  if (rc.type === 'aws_s3_bucket') return `state bucket ${name ?? rc.address}`;
  return `${rc.type} ${name ?? rc.address}`;
}

/** Deleted or replaced. */
function stateRemoved({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  if (!plan.stateBackend) return [];
  const what = label(rc, before, after);
  if (kind === 'delete')
    return [
      flag('state-at-risk', rc.address, `${what} deleted (every stack keeps its state or locks here)`, { coversAction: true }),
    ];
  if (kind === 'replace')
    return [
      flag('state-at-risk', rc.address, `${what} destroyed and recreated (every stack keeps its state or locks here)`, {
        coversAction: true,
      }),
    ];
  return [];
}

function versioning({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  if (!plan.stateBackend || kind !== 'update') return [];
  const [was, now] = [block(before.versioning_configuration).status, block(after.versioning_configuration).status];
  return was !== now ? [flag('state-at-risk', rc.address, `state bucket versioning ${String(was)} → ${String(now)}`)] : [];
}

function bucketEncryption({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  if (!plan.stateBackend || kind !== 'update') return [];
  return [
    flag(
      'state-at-risk',
      rc.address,
      `state bucket encryption changed: ${JSON.stringify(before.rule)} → ${JSON.stringify(after.rule)}`,
    ),
  ];
}

function tableEncryption({ rc, kind, before, after, plan }: RuleInput): RuleFlag[] {
  if (!plan.stateBackend || kind !== 'update') return [];
  if (JSON.stringify(before.server_side_encryption) === JSON.stringify(after.server_side_encryption)) return [];
  return [flag('state-at-risk', rc.address, `${label(rc, before, after)} encryption changed`)];
}

/** Resource types of the state-backend stack. */
const STATE_TYPES = [
  'aws_dynamodb_table',
  'aws_s3_bucket',
  'aws_s3_bucket_versioning',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_policy',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_lifecycle_configuration',
];

/** The state layer's table. */
export const STATE_RULES: readonly RuleEntry[] = [
  {
    types: STATE_TYPES,
    attribute: '(the resource, in the state-backend stack)',
    comparison: 'deleted or replaced',
    flags: ['state-at-risk'],
    check: stateRemoved,
  },
  {
    types: ['aws_s3_bucket_versioning'],
    attribute: 'versioning_configuration.status',
    comparison: 'changed',
    flags: ['state-at-risk'],
    check: versioning,
  },
  {
    types: ['aws_s3_bucket_server_side_encryption_configuration'],
    attribute: 'rule',
    comparison: 'changed',
    flags: ['state-at-risk'],
    check: bucketEncryption,
  },
  {
    types: ['aws_dynamodb_table'],
    attribute: 'server_side_encryption',
    comparison: 'changed',
    flags: ['state-at-risk'],
    check: tableEncryption,
  },
];
