/**
 * What the GitHub workflow needs from the synthesized output: the stacks to plan and apply (from
 * cdktf.out's manifest, never a hand-kept list), the role each job assumes through GitHub OIDC, and
 * the Terraform override file each stack gets in CI. Pure: config and stack names in, data out.
 */
import { AmiGuardConfig, ORGANIZATION_STACK, STATE_BACKEND_STACK } from '../../config/schema';

/** One matrix entry: a stack and the roles its jobs assume. */
export interface WorkflowStack {
  readonly stack: string;
  readonly region: string;
  /** Read-only role of the pull-request plan job. */
  readonly planRoleArn: string;
  /** Role of the apply job on main. */
  readonly deployRoleArn: string;
}

/** The stacks of one run: the account stacks (a matrix) and the shared state-backend stack. */
export interface WorkflowStacks {
  readonly accounts: readonly WorkflowStack[];
  /** Absent when no role is known for it: the workflow then leaves the state-backend stack to a person. */
  readonly stateBackend?: WorkflowStack;
  /** The organization stack (planned in pull requests, applied on main after the accounts); absent without an organization section. */
  readonly organization?: WorkflowStack;
  /** Synthesized stacks the workflow does not plan or apply, each with the reason (printed as warnings). */
  readonly skipped: readonly { readonly stack: string; readonly reason: string }[];
}

/** A config or output problem, naming the field and the fix. */
export class WorkflowConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'WorkflowConfigError';
  }
}

/** The key of the state-backend stack's own state in the bucket it creates (CI keeps it there, not on a laptop). */
export function stateBackendStateKey(config: AmiGuardConfig): string {
  return `${config.backend.keyPrefix}/${STATE_BACKEND_STACK}/terraform.tfstate`;
}

/**
 * Joins the synthesized stacks with the config. Every account stack needs a role to assume through
 * OIDC; the state-backend stack uses `stateRoleArn` (a repository variable) or `backend.roleArn`.
 */
export function workflowStacks(config: AmiGuardConfig, synthesized: readonly string[], stateRoleArn?: string): WorkflowStacks {
  const problems: string[] = [];
  const accounts: WorkflowStack[] = [];
  const skipped: { stack: string; reason: string }[] = [];
  let stateBackend: WorkflowStack | undefined;
  let organization: WorkflowStack | undefined;
  for (const stack of synthesized) {
    if (stack === STATE_BACKEND_STACK) {
      const role = stateRoleArn || config.backend.roleArn;
      if (!role)
        skipped.push({
          stack,
          reason:
            'no role to plan or apply it with: set the repository variable AMI_GUARD_STATE_ROLE_ARN or backend.roleArn (a role of the account holding the state bucket)',
        });
      else stateBackend = { stack, region: config.backend.region, planRoleArn: role, deployRoleArn: role };
      continue;
    }
    if (stack === ORGANIZATION_STACK && config.organization) {
      const org = config.organization;
      const deploy = org.deployRoleArn;
      const plan = org.planRoleArn ?? deploy;
      if (!deploy || !plan)
        problems.push(
          'organization: the workflow assumes a role of the management account through GitHub OIDC; set organization.deployRoleArn (and a read-only organization.planRoleArn)',
        );
      else organization = { stack, region: org.region, planRoleArn: plan, deployRoleArn: deploy };
      continue;
    }
    const index = config.accounts.findIndex((a) => a.stackName === stack);
    if (index < 0) {
      skipped.push({ stack, reason: 'neither an account of the config nor state-backend' });
      continue;
    }
    const account = config.accounts[index];
    const deploy = account.deployRoleArn;
    const plan = account.planRoleArn ?? deploy;
    if (!deploy || !plan) {
      problems.push(
        `accounts[${index}] (${stack}): the workflow assumes a role per account through GitHub OIDC; set deployRoleArn (and optionally a read-only planRoleArn)`,
      );
      continue;
    }
    accounts.push({ stack, region: account.region, planRoleArn: plan, deployRoleArn: deploy });
  }
  if (problems.length > 0) throw new WorkflowConfigError(problems);
  return { accounts, stateBackend, ...(organization ? { organization } : {}), skipped };
}

/** The stacks the pull-request plan job plans in its matrix: every account stack, and the organization stack. */
export function planMatrix(stacks: WorkflowStacks): readonly WorkflowStack[] {
  return [...stacks.accounts, ...(stacks.organization ? [stacks.organization] : [])];
}

/** A Terraform override file (`*_override.tf.json`), merged over cdk.tf.json by Terraform itself. */
export type OverrideFile = Record<string, unknown>;

/** File name of the override CI writes into each stack directory. */
export const CI_OVERRIDE_FILE = 'ami_guard_ci_override.tf.json';

/**
 * The override of a stack in CI. Account stacks: the job already holds the account's role (from
 * OIDC), so the provider must not assume the deploy role again; an empty `role_arn` turns the
 * synthesized `assume_role` off (hashicorp/aws >= 5.68). The state-backend stack: its own state
 * lives in the bucket it creates, instead of a local file no CI runner keeps.
 */
export function ciOverride(config: AmiGuardConfig, stack: string): OverrideFile {
  if (stack === STATE_BACKEND_STACK) {
    return {
      terraform: {
        backend: {
          s3: {
            bucket: config.backend.bucket,
            key: stateBackendStateKey(config),
            region: config.backend.region,
            dynamodb_table: config.backend.lockTable,
            encrypt: true,
          },
        },
      },
    };
  }
  return { provider: { aws: [{ assume_role: [{ role_arn: '' }] }] } };
}
