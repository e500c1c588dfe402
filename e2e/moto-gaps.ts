/**
 * What moto (5.2) cannot do for AMI Guard's stacks. The harness plans every resource, but applies a
 * variant without the resources listed here (and whatever depends on them), and prints them as
 * "planned, not applied". Any resource type not listed is applied, so resources added later are
 * covered without touching this file. Add an entry only for a limitation found in moto's source,
 * with the file and line, never for a failure of our own stacks.
 */

import { TerraformBlock } from '../test-support/terraform-json';

/** One thing moto cannot do, the resources it affects, and where moto's source shows it. */
export interface MotoGap {
  /** Terraform resource type it affects, e.g. `aws_config_remediation_configuration`. */
  readonly resourceType: string;
  /** The AWS API (or behaviour) moto lacks, as printed: "moto lacks <api>". */
  readonly api: string;
  /** Why the resource cannot be applied against moto, in one sentence. */
  readonly reason: string;
  /** Where moto shows the limitation (path inside the moto package, line, moto 5.2.1). */
  readonly source: string;
  /** Narrows the gap to some blocks of the type. @default every block of the type */
  readonly affects?: (block: TerraformBlock, context: GapContext) => boolean;
}

/** What a gap may look at besides the block itself. */
export interface GapContext {
  /** The stack's `resource` section, to resolve references such as `${aws_s3_bucket.x.id}`. */
  readonly resources: Readonly<Record<string, Readonly<Record<string, TerraformBlock>>>>;
  /** Buckets that hold Terraform state during the run (the S3 backend's bucket). */
  readonly stateBuckets: readonly string[];
}

/** The bucket name a block's `bucket` argument names, literally or through `${aws_s3_bucket.<name>.id|bucket}`. */
export function bucketNameOf(block: TerraformBlock, context: GapContext): string | undefined {
  const value = block.bucket;
  if (typeof value !== 'string') return undefined;
  const ref = /^\$\{aws_s3_bucket\.([\w-]+)\.(id|bucket)\}$/.exec(value);
  if (!ref) return value.includes('${') ? undefined : value;
  const name = context.resources.aws_s3_bucket?.[ref[1]]?.bucket;
  return typeof name === 'string' ? name : undefined;
}

/** S3 object actions the S3 state backend and `force_destroy` need, as moto names them. */
const OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:HeadObject', 's3:DeleteObject'];

interface PolicyStatementLike {
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly Condition?: unknown;
}

function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  );
  return regex.test(action);
}

/**
 * True when a bucket policy holds a conditional Deny on object reads or writes: moto ignores the
 * condition and denies every such request.
 */
export function deniesObjectAccessInMoto(block: TerraformBlock): boolean {
  const policy = block.policy;
  if (typeof policy !== 'string') return false;
  let doc: { Statement?: PolicyStatementLike | PolicyStatementLike[] };
  try {
    doc = JSON.parse(policy) as typeof doc;
  } catch {
    return false; // an unresolved reference: nothing to judge, apply it
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.some((s) => {
    if (s.Effect !== 'Deny' || !s.Condition) return false;
    const actions = typeof s.Action === 'string' ? [s.Action] : (s.Action ?? []);
    return actions.some((pattern) => OBJECT_ACTIONS.some((action) => actionMatches(pattern, action)));
  });
}

/** The gaps, verified in moto 5.2.1's source. */
export const MOTO_GAPS: readonly MotoGap[] = [
  {
    resourceType: 'aws_config_remediation_configuration',
    api: 'config:PutRemediationConfigurations',
    reason:
      'moto/config/responses.py has no put_remediation_configurations, so moto answers HTTP 500 and the provider retries until the command times out',
    source:
      'moto/core/responses.py:563 (NotImplementedError "The put_remediation_configurations action has not been implemented")',
  },
  {
    // Only the state bucket: other buckets' objects are never read or written in moto, so their
    // policies apply fine (PutBucketPolicy itself works).
    resourceType: 'aws_s3_bucket_policy',
    api: 'condition keys in S3 bucket policies (DenyInsecureTransport on the state bucket locks Terraform out)',
    reason:
      'moto checks object requests against the bucket policy without condition values and counts a condition it cannot evaluate as met, so the DenyInsecureTransport statement (aws:SecureTransport) refuses every GetObject/PutObject/DeleteObject: no stack could read or write its state, and force_destroy could not empty the bucket',
    source:
      'moto/s3/responses.py:1907 and :1710 (bucket.get_permission(action, resource) without condition values), moto/iam/policy_conditions.py:42 (no values: condition met), moto/iam/access_control.py:493',
    affects: (block, context) => {
      const bucket = bucketNameOf(block, context);
      return bucket !== undefined && context.stateBuckets.includes(bucket) && deniesObjectAccessInMoto(block);
    },
  },
  {
    // Only the declarative policy: SCPs are applied (and their attachments checked). Its attachments and
    // output refer to it and are left out with it. So no plan against moto can show a change to it: the
    // plan review's rules for it (state enabled -> audit_mode, criteria widened, child operators loosened)
    // are proven on plans made from synthesized JSON instead (__tests__/review/layer-rules.test.ts).
    resourceType: 'aws_organizations_policy',
    api: 'the DECLARATIVE_POLICY_EC2 policy type (Allowed AMIs)',
    reason:
      'moto accepts only AISERVICES_OPT_OUT_POLICY, BACKUP_POLICY, RESOURCE_CONTROL_POLICY, SERVICE_CONTROL_POLICY and TAG_POLICY, so CreatePolicy of an EC2 declarative policy fails with InvalidInputException',
    source:
      'moto/organizations/models.py:238-244 (FakePolicy.SUPPORTED_POLICY_TYPES) and :259-260 (InvalidInputException "You specified an invalid value."); EnablePolicyType is limited the same way at :192-198 (FakeRoot.SUPPORTED_POLICY_TYPES)',
    affects: (block) => block.type === 'DECLARATIVE_POLICY_EC2',
  },
];

/**
 * Gaps that do not stop a deploy but limit what the deployed stack can do in moto; printed once so
 * nobody mistakes a green e2e run for a test of the rule Lambda's calls.
 */
export const MOTO_RUNTIME_GAPS: readonly { readonly api: string; readonly source: string }[] = [
  {
    api: 'config:PutEvaluations (only TestMode=true is stored)',
    source: 'moto/config/models.py:1792-1795 ("PutEvaluations without TestMode is not yet implemented")',
  },
  { api: 'ec2:DescribeInstanceImageMetadata', source: 'absent from moto/ec2 (no handler, no model)' },
  {
    api: 'lambda:Invoke without Docker',
    source: 'moto/awslambda/models.py:966 (_invoke_lambda runs the function in a Docker container)',
  },
  {
    api: 'ec2 AMI CreationDate (freshness: every AMI moto makes is created "now"; AMIs of several ages run against the AWS model in __tests__/lambda/freshness-sweep.test.ts)',
    source:
      'moto/ec2/models/amis.py:82 (creation_date or utcnow(); CreateImage and RegisterImage pass none); MOTO_AMIS_PATH dates are parsed in place in the shared list at :195-196, so the second EC2 backend fails ("Parser must be a string or character stream, not datetime")',
  },
  {
    api: 'ec2 AMI DeprecationTime and EnableImageDeprecation (deprecated AMIs run against the AWS model)',
    source:
      'absent from moto/ec2 (no deprecation_time in models/amis.py:38-82, no enable_image_deprecation in responses/amis.py)',
  },
  {
    api: 'cloudtrail:LookupEvents (the check mode reports the launcher as unknown)',
    source: 'moto/cloudtrail/responses.py (trail management only: create_trail ... get_insight_selectors, no lookup_events)',
  },
  {
    api: 'config:GetAggregateComplianceDetailsByConfigRule (`npm run report -- --source aggregator` is tested against SDK mocks)',
    source:
      'moto/config/responses.py (the aggregator calls are put/describe/delete_configuration_aggregator, list_aggregate_discovered_resources :130 and batch_get_aggregate_resource_config :158; no aggregate compliance call), so moto/core/responses.py:563 raises NotImplementedError',
  },
  {
    api: 'ssm:StartAutomationExecution (the sweep starting the runbook again runs against fakes in npm test)',
    source: 'moto/ssm/responses.py (no start_automation_execution; Automation documents are only stored, moto/ssm/models.py:944)',
  },
];

/** What moto lacks for the runbook's own calls, and what __tests__/correct/runbook-moto.e2e.ts does instead. */
export interface RunbookMotoGap {
  /** The call as the runbook makes it. */
  readonly api: string;
  readonly source: string;
  /** How the e2e run reaches the same state with calls moto implements, said in the test's output. */
  readonly instead: string;
}

export const RUNBOOK_MOTO_GAPS: readonly RunbookMotoGap[] = [
  {
    api: 'ec2:CreateImage with a TagSpecification for ResourceType "snapshot" (the evidence image tags its snapshots)',
    source: 'moto/ec2/models/amis.py:233-234 (create_image: resource_type == "snapshot" raises NotImplementedError)',
    instead: 'CreateImage with the image tags only, then CreateTags with the snapshot tags on the snapshots of that image',
  },
  {
    api: 'lambda:Invoke (the check step asks the rule Lambda)',
    source: 'moto/awslambda/models.py:966 (_invoke_lambda runs the function in a Docker container)',
    instead: "the check step's invoke is answered by the rule's check mode (runCheck) run in the test against moto",
  },
];
