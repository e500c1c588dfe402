/**
 * A routine change (a tag value, an owner, a tagger, the exception key, the frequency, the remediation
 * mode, a subscription, the attempts, the retention) must never change an attribute that forces
 * Terraform to replace a resource: a replaced guard leaves the principals without it between the
 * detach and the re-attach. Compared here on the synthesized stacks; the e2e suite plans the same
 * changes against an applied stack (e2e/routine-changes.ts).
 */
import * as fs from 'node:fs';
import { AmiGuardConfig } from '../config/schema';
import { applyRoutineChange, ROUTINE_CHANGES, routineChangeAccount } from '../e2e/routine-changes';
import { LAUNCH_POLICY_DESCRIPTION } from '../modules/prevent/launch-policy';
import { TAG_GUARD_DESCRIPTION } from '../modules/prevent/image-tag-guard';
import { exampleConfig, synthConfig, tempDir } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';

/**
 * The attributes marked ForceNew in the hashicorp/aws provider 5.x schema (internal/service/<svc>/*.go),
 * for every resource type an account stack creates. A stack with a type missing here fails the test:
 * review the new type's ForceNew attributes and add them.
 */
const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  aws_iam_policy: ['name', 'name_prefix', 'path', 'description'],
  aws_iam_role: ['name', 'name_prefix', 'path'],
  aws_iam_role_policy: ['name', 'name_prefix', 'role'],
  aws_iam_role_policy_attachment: ['role', 'policy_arn'],
  aws_iam_group_policy_attachment: ['group', 'policy_arn'],
  aws_iam_user_policy_attachment: ['user', 'policy_arn'],
  aws_config_config_rule: ['name'],
  aws_config_configuration_recorder: ['name'],
  aws_config_configuration_recorder_status: ['name'],
  aws_config_delivery_channel: ['name'],
  aws_config_remediation_configuration: ['config_rule_name'],
  aws_lambda_function: ['function_name', 'package_type'],
  aws_lambda_permission: [
    'action',
    'event_source_token',
    'function_name',
    'function_url_auth_type',
    'principal',
    'principal_org_id',
    'qualifier',
    'source_account',
    'source_arn',
    'statement_id',
    'statement_id_prefix',
  ],
  aws_cloudwatch_log_group: ['name', 'name_prefix', 'log_group_class'],
  aws_s3_bucket: ['bucket', 'bucket_prefix', 'object_lock_enabled'],
  aws_s3_bucket_lifecycle_configuration: ['bucket', 'expected_bucket_owner'],
  aws_s3_bucket_ownership_controls: ['bucket'],
  aws_s3_bucket_policy: ['bucket'],
  aws_s3_bucket_public_access_block: ['bucket'],
  aws_s3_bucket_server_side_encryption_configuration: ['bucket', 'expected_bucket_owner'],
  aws_s3_bucket_versioning: ['bucket', 'expected_bucket_owner'],
  aws_sns_topic: ['name', 'name_prefix', 'fifo_topic'],
  aws_sns_topic_policy: ['arn'],
  aws_sns_topic_subscription: ['topic_arn', 'protocol', 'endpoint'],
  aws_ssm_document: ['name'],
};

/** The attributes the issue names, read one by one so a failure names them. */
const NAMED_IDENTITY: Readonly<Record<string, readonly string[]>> = {
  aws_iam_policy: ['name', 'description', 'path'],
  aws_config_config_rule: ['name'],
  aws_lambda_function: ['function_name'],
  aws_sns_topic: ['name'],
  aws_ssm_document: ['name'],
};

interface Block {
  readonly address: string;
  readonly type: string;
  /** Construct path below the stack, e.g. `launch-policy/policy`. */
  readonly path: string;
  readonly body: Record<string, unknown>;
}

function blocks(stack: TerraformJson): Map<string, Block> {
  const found = new Map<string, Block>();
  for (const [type, byName] of Object.entries(stack.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const path = String((body['//'] as { metadata: { path: string } }).metadata.path).replace(/^[^/]+\//, '');
      found.set(`${type}.${name}`, { address: `${type}.${name}`, type, path, body });
    }
  }
  return found;
}

/** The block without cdktf's metadata, as Terraform compares it. */
function config(block: Block): string {
  const { '//': _metadata, ...rest } = block.body;
  return JSON.stringify(rest);
}

const outdirs: string[] = [];

function synthAccount(cfg: AmiGuardConfig, stackName: string): Map<string, Block> {
  const outdir = tempDir('ami-guard-identity-');
  outdirs.push(outdir);
  return blocks(synthConfig(cfg, outdir).stacks[stackName]);
}

afterAll(() => {
  for (const dir of outdirs) fs.rmSync(dir, { recursive: true, force: true });
});

const example = exampleConfig();
// The example's notify account: detection on, its own recorder, remediation, attachments.
const account = routineChangeAccount(example)!;
const only = (a = account): AmiGuardConfig => ({ ...example, accounts: [a] });
const baseline = synthAccount(only(), account.stackName);

/** Each ForceNew attribute that differs between the stacks, as `address.attribute: before -> after`. */
function forceNewDifferences(before: Map<string, Block>, after: Map<string, Block>, table = FORCE_NEW): string[] {
  const differences: string[] = [];
  for (const [address, block] of before) {
    const other = after.get(address);
    if (!other) {
      differences.push(`${address} (${block.path}): gone, so Terraform deletes it`);
      continue;
    }
    for (const attribute of table[block.type] ?? []) {
      const [a, b] = [JSON.stringify(block.body[attribute]), JSON.stringify(other.body[attribute])];
      if (a !== b) differences.push(`${address}.${attribute}: ${a} -> ${b}`);
    }
  }
  return differences;
}

describe('routine changes keep the identity of every resource', () => {
  test('the account under test has every part a routine change touches', () => {
    const parts = new Set([...baseline.values()].map((b) => b.path.split('/')[0]));
    expect([...parts].sort()).toEqual(
      [
        'ami-compliance-function',
        'ami-compliance-rule',
        'config-recorder',
        'image-tag-guard',
        'launch-policy',
        'remediation',
      ].sort(),
    );
    expect([...baseline.values()].some((b) => b.type.endsWith('_policy_attachment') && b.path.startsWith('launch-policy/'))).toBe(
      true,
    );
  });

  test('every resource type of the stack has its ForceNew attributes listed', () => {
    const unknown = [...new Set([...baseline.values()].map((b) => b.type))].filter((t) => !(t in FORCE_NEW));
    expect(unknown).toEqual([]);
  });

  test.each(ROUTINE_CHANGES.map((c) => [c.name, c] as const))('%s: no ForceNew attribute changes', (_name, change) => {
    const after = synthAccount(applyRoutineChange(only(), account.stackName, change), account.stackName);

    expect(forceNewDifferences(baseline, after)).toEqual([]);
    expect(forceNewDifferences(baseline, after, NAMED_IDENTITY)).toEqual([]);
  });

  test.each(ROUTINE_CHANGES.map((c) => [c.name, c] as const))(
    '%s: changes exactly the resources the e2e check expects to be updated in place',
    (_name, change) => {
      const after = synthAccount(applyRoutineChange(only(), account.stackName, change), account.stackName);

      const changed = [...baseline.values()].filter((b) => after.has(b.address) && config(b) !== config(after.get(b.address)!));
      const created = [...after.values()].filter((b) => !baseline.has(b.address));
      expect(changed.map((b) => b.path).sort()).toEqual([...change.updates].sort());
      // Every created block is one the change names by prefix, and every prefix creates something.
      const prefixes = change.creates ?? [];
      expect(created.filter((b) => !prefixes.some((prefix) => b.path.startsWith(prefix))).map((b) => b.path)).toEqual([]);
      for (const prefix of prefixes) expect(created.some((b) => b.path.startsWith(prefix))).toBe(true);
    },
  );

  test('all routine changes at once: still no ForceNew attribute changes', () => {
    const changed = ROUTINE_CHANGES.reduce((a, c) => c.edit(a), account);
    const after = synthAccount(only(changed), account.stackName);

    expect(forceNewDifferences(baseline, after)).toEqual([]);
  });

  test('the policy descriptions name none of the approval values', () => {
    const descriptions = [...baseline.values()].filter((b) => b.type === 'aws_iam_policy').map((b) => b.body.description);
    expect(descriptions.sort()).toEqual([LAUNCH_POLICY_DESCRIPTION, TAG_GUARD_DESCRIPTION].sort());
    const values = [
      account.approval.tagKey,
      ...account.approval.tagValues,
      ...account.approval.trustedOwners,
      ...account.approval.taggerPrincipals,
    ];
    for (const description of descriptions) {
      for (const value of values) expect(description).not.toContain(value);
    }
  });
});

describe('where a replacement cannot be ruled out, the new resource is made first', () => {
  test('both policies, every attachment and the runbook are create_before_destroy', () => {
    const lifecycle = (b: Block) => (b.body.lifecycle as { create_before_destroy?: boolean } | undefined)?.create_before_destroy;
    const guarded = [...baseline.values()].filter(
      (b) =>
        b.type === 'aws_iam_policy' ||
        b.type === 'aws_ssm_document' ||
        /^aws_iam_(role|group|user)_policy_attachment$/.test(b.type),
    );
    const attachments = guarded.filter((b) => b.type.endsWith('_policy_attachment') && !b.path.startsWith('config-recorder/'));

    expect(attachments.length).toBeGreaterThan(0);
    for (const b of guarded.filter((g) => !g.path.startsWith('config-recorder/'))) {
      expect({ path: b.path, createBeforeDestroy: lifecycle(b) }).toEqual({ path: b.path, createBeforeDestroy: true });
    }
  });
});
