/**
 * What the e2e suite checks of an applied stack besides Terraform's own exit codes: where its state is
 * and that a held lock stops Terraform, the policy attachments in IAM, what the organization stack
 * created, and the resources in the state after a cdktf deploy. Each check is a StackCheck that
 * StackRun runs after the apply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AmiGuardConfig, ORGANIZATION_STACK } from '../config/schema';
import { TerraformJson } from '../test-support/terraform-json';
import { Emulator } from './emulator';
import { expectedScps, OrganizationFixture } from './organization';
import { StackCheck } from './stack';
import { watchStateLock, type LockInfo, type StateLockWatch } from './state-lock';
import { readStack, SynthesizedStack } from './synth';
import { errorText, terraform, TIMEOUTS } from './terraform';

/** The state key the issue specifies for an account stack, computed independently of the stacks. */
export function expectedStateKey(config: AmiGuardConfig, accountId: string, region: string): string {
  return `${config.backend.keyPrefix}/${accountId}/${region}/terraform.tfstate`;
}

/** The state key of the organization stack, computed independently of the stack. */
function expectedOrganizationStateKey(config: AmiGuardConfig): string {
  return `${config.backend.keyPrefix}/${ORGANIZATION_STACK}/terraform.tfstate`;
}

const LOCK_PROBE_ID = 'ami-guard-e2e-lock-probe';

/** Reads the S3 backend's lock item of one state from the emulator's lock table. */
export function lockWatch(emulator: Emulator, table: string, lockId: string): StateLockWatch {
  return {
    where: `${table}/${lockId}`,
    read: async () => {
      const info = (await emulator.getLockItem(table, lockId))?.Info?.S;
      return info ? (JSON.parse(info) as LockInfo) : undefined;
    },
  };
}

/** Checks that the state is where the backend block says: a local file, or an object in moto's S3. */
export function stateChecks(
  stack: SynthesizedStack,
  json: TerraformJson,
  config: AmiGuardConfig,
  emulator: Emulator,
  env: NodeJS.ProcessEnv,
): StackCheck[] {
  const backend = (json.terraform as { backend?: Record<string, Record<string, string>> } | undefined)?.backend ?? {};
  if (backend.local) {
    const file = path.resolve(stack.dir, backend.local.path ?? 'terraform.tfstate');
    return [
      {
        step: 'state',
        run: async () => {
          const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { resources?: unknown[] };
          return `local state ${path.relative(stack.dir, file)} in the stack dir (${state.resources?.length ?? 0} resources)`;
        },
      },
    ];
  }
  const s3 = backend.s3;
  if (!s3) return [];
  const account = config.accounts.find((a) => a.stackName === stack.name);
  const key = account
    ? expectedStateKey(config, account.accountId, account.region)
    : stack.name === ORGANIZATION_STACK
      ? expectedOrganizationStateKey(config)
      : s3.key;
  const table = s3.dynamodb_table;
  const lockId = `${s3.bucket}/${key}`;
  watchStateLock(stack.dir, lockWatch(emulator, table, lockId));
  return [
    {
      step: 'state',
      run: async () => {
        const objects = await emulator.listObjects(s3.bucket, key.slice(0, key.lastIndexOf('/') + 1));
        const object = objects.find((o) => o.key === key);
        if (!object || object.size === 0) {
          throw new Error(
            `s3://${s3.bucket}/${key} is not in the emulator's bucket (found: ${objects.map((o) => o.key).join(', ') || 'nothing'}); the backend key is ${s3.key}`,
          );
        }
        const digest = await emulator.getLockItem(table, `${lockId}-md5`);
        if (!digest || !('Digest' in digest))
          throw new Error(`the lock table ${table} has no digest item ${lockId}-md5: the S3 backend is not using it`);
        return `s3://${s3.bucket}/${key} (${object.size} bytes); digest item ${lockId}-md5 in ${table}`;
      },
    },
    {
      step: 'lock',
      run: async () => {
        await emulator.putLockItem(table, lockId, {
          id: LOCK_PROBE_ID,
          operation: 'e2e lock probe',
          who: 'ami-guard-e2e',
          version: '',
        });
        try {
          const r = await terraform(
            stack.dir,
            ['plan', '-lock-timeout=0s', '-input=false', '-no-color', '-refresh=false'],
            TIMEOUTS.plan,
            env,
          );
          const text = `${r.stdout}\n${r.stderr}`;
          if (r.code === 0 || !text.includes('Error acquiring the state lock') || !text.includes(LOCK_PROBE_ID)) {
            throw new Error(`terraform plan did not stop at a lock held in ${table} (exit ${r.code}):\n${errorText(r)}`);
          }
        } finally {
          await emulator.deleteLockItem(table, lockId);
        }
        return `a lock item in ${table} stops terraform ("Error acquiring the state lock", ID ${LOCK_PROBE_ID})`;
      },
    },
  ];
}

export const ATTACHMENTS = {
  aws_iam_role_policy_attachment: ['role', 'role'],
  aws_iam_group_policy_attachment: ['group', 'group'],
  aws_iam_user_policy_attachment: ['user', 'user'],
} as const;

/** Checks, through IAM, that the policy attachments of the applied stack exist in moto. */
export function attachmentCheck(stack: SynthesizedStack, emulator: Emulator): StackCheck {
  return {
    step: 'attach',
    run: async () => {
      // The applied configuration: the variant, written over cdk.tf.json by StackRun.
      const json = readStack(stack);
      const expected = new Map<string, number>();
      for (const [type, [kind, attr]] of Object.entries(ATTACHMENTS)) {
        for (const block of Object.values(json.resource?.[type] ?? {})) {
          const name = block[attr];
          if (typeof name === 'string' && !name.includes('${'))
            expected.set(`${kind} ${name}`, (expected.get(`${kind} ${name}`) ?? 0) + 1);
        }
      }
      if (expected.size === 0) return 'no policy attachments in this stack';
      const found: string[] = [];
      for (const [principal, count] of expected) {
        const [kind, name] = principal.split(' ') as ['role' | 'group' | 'user', string];
        const arns = await emulator.attachedPolicies(kind, name);
        if (arns.length < count)
          throw new Error(`${principal} has ${arns.length} managed policies attached in IAM, the stack attaches ${count}`);
        found.push(`${principal} (${arns.length})`);
      }
      return `policies attached in IAM: ${found.join(', ')}`;
    },
  };
}

/** Checks, through Organizations and Config, what the applied organization stack must have created. */
export function organizationChecks(stack: SynthesizedStack, config: AmiGuardConfig, fixture: OrganizationFixture): StackCheck[] {
  const organization = config.organization!;
  const checks: StackCheck[] = [
    {
      step: 'scps',
      run: async () => {
        // The applied configuration (the variant): the SCP contents as deployed.
        const json = readStack(stack);
        const contents = new Map(
          Object.values(json.resource?.aws_organizations_policy ?? {}).map((p) => [String(p.name), String(p.content)]),
        );
        return fixture.checkScps(expectedScps(organization, contents));
      },
    },
  ];
  if (organization.aggregator) {
    const name = organization.aggregator.name;
    checks.push({ step: 'aggr', run: () => fixture.checkAggregator(name) });
  }
  return checks;
}

/** Checks that the stack's state (read through its S3 backend) lists resources after a deploy. */
export function resourcesInStateCheck(dir: string, env: NodeJS.ProcessEnv): StackCheck {
  return {
    step: 'in state',
    run: async () => {
      const list = await terraform(dir, ['state', 'list'], TIMEOUTS.state, env);
      const resources = list.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('data.'));
      if (list.code !== 0 || resources.length === 0)
        throw new Error(`terraform state list shows no resources after cdktf deploy:\n${errorText(list)}`);
      return `${resources.length} resources in the S3 state`;
    },
  };
}
