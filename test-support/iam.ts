import { runSimulation, EvaluationResult } from '@cloud-copilot/iam-simulate';

export interface SimulateRequest {
  /** Identity policies of the principal, as parsed JSON documents. */
  readonly policies: readonly unknown[];
  readonly action: string;
  readonly resource: string;
  /** Principal ARN. @default a role in the resource account */
  readonly principal?: string;
  /** Account that owns the resource. @default 222222222222 */
  readonly resourceAccount?: string;
  readonly context?: Record<string, string | string[]>;
  /** A resource policy (bucket policy, topic policy, trust policy). */
  readonly resourcePolicy?: unknown;
  /**
   * SCPs per level of the organization, root first, the account last. Each level also needs an Allow
   * (AWS attaches FullAWSAccess) or everything is implicitly denied. @default no SCPs
   */
  readonly serviceControlPolicies?: readonly { readonly orgIdentifier: string; readonly policies: readonly unknown[] }[];
}

/**
 * Runs @cloud-copilot/iam-simulate and returns Allowed / ExplicitlyDenied / ImplicitlyDenied.
 * Throws if the request is invalid or a context key was ignored: a silently dropped condition key would
 * make the result meaningless.
 */
export async function simulate(req: SimulateRequest): Promise<EvaluationResult> {
  const account = req.resourceAccount ?? '222222222222';
  const result = await runSimulation(
    {
      identityPolicies: req.policies.map((policy, i) => ({ name: `policy${i}`, policy: policy as never })),
      serviceControlPolicies: (req.serviceControlPolicies ?? []).map((level) => ({
        orgIdentifier: level.orgIdentifier,
        policies: level.policies.map((policy, i) => ({ name: `${level.orgIdentifier}-scp${i}`, policy: policy as never })),
      })),
      resourceControlPolicies: [],
      resourcePolicy: req.resourcePolicy as never,
      request: {
        principal: req.principal ?? `arn:aws:iam::${account}:role/app-deployer`,
        action: req.action,
        resource: { resource: req.resource, accountId: account },
        contextVariables: req.context ?? {},
      },
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate rejected the request: ${JSON.stringify(result.errors)}`);
  }
  if (result.resultType !== 'single') throw new Error(`expected one resource, got ${result.resultType}`);
  const ignored = result.result.ignoredContextKeys ?? [];
  if (ignored.length > 0)
    throw new Error(`iam-simulate ignored context keys ${ignored.join(', ')} for ${req.action} on ${req.resource}`);
  return result.overallResult;
}
