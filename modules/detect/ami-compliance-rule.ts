import { Construct } from 'constructs';
import { ITerraformDependable } from 'cdktf';
import { ConfigConfigRule } from '@cdktf/provider-aws/lib/config-config-rule';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import {
  DEFAULT_DEPRECATED_IMAGES,
  INSTANCE_RESOURCE_TYPE,
  MESSAGE_TYPE,
  MESSAGE_TYPES,
  RULE_NAME,
  tagKeyProblem,
  tagValueProblem,
  type RuleParameters,
} from '../../lambda/ami-compliance/contract';
import { checkRuleInputParameters } from '../shared/aws-limits';
import { AmiComplianceFunction } from './ami-compliance-function';

/**
 * Encodes the Lambda's rule parameters as AWS Config input parameters (all strings, lists comma-separated).
 * Tag keys and values are checked with the contract's own functions, so the rule and IAM read the same tags.
 */
export function encodeRuleParameters(p: RuleParameters): Record<string, string> {
  if (p.tagValues.length === 0) throw new Error('`tagValues` must hold at least one value, e.g. ["Prod"].');
  const problems: [string, string, string | undefined][] = [
    ['tagKey', p.tagKey, tagKeyProblem(p.tagKey)],
    ...p.tagValues.map((v): [string, string, string | undefined] => [
      'tagValues',
      v,
      v.includes(',') ? 'contains a comma, which separates the values of a Config parameter' : tagValueProblem(v),
    ]),
    ...(p.exceptionTagKey
      ? [['exceptionTagKey', p.exceptionTagKey, tagKeyProblem(p.exceptionTagKey)] as [string, string, string | undefined]]
      : []),
    ...(p.ownerTagKeys ?? []).map((k): [string, string, string | undefined] => ['ownerTagKeys', k, tagKeyProblem(k)]),
    ...(p.familyTagKey
      ? [['familyTagKey', p.familyTagKey, tagKeyProblem(p.familyTagKey)] as [string, string, string | undefined]]
      : []),
  ];
  const bad = problems.filter(([, , why]) => why !== undefined);
  if (bad.length > 0) {
    throw new Error(bad.map(([field, text, why]) => `\`${field}\` ${JSON.stringify(text)} ${why}.`).join(' '));
  }
  return {
    tagKey: p.tagKey,
    tagValues: p.tagValues.join(','),
    ...(p.trustedOwners && p.trustedOwners.length > 0 ? { trustedOwners: p.trustedOwners.join(',') } : {}),
    ...(p.approvedImageIdsParameter ? { approvedImageIdsParameter: p.approvedImageIdsParameter } : {}),
    ...(p.exceptionTagKey ? { exceptionTagKey: p.exceptionTagKey } : {}),
    ...(p.maxExceptionDays !== undefined ? { maxExceptionDays: String(p.maxExceptionDays) } : {}),
    ...(p.exceptionTicketPattern !== undefined ? { exceptionTicketPattern: p.exceptionTicketPattern } : {}),
    ...(p.ownerTagKeys && p.ownerTagKeys.length > 0 ? { ownerTagKeys: p.ownerTagKeys.join(',') } : {}),
    // Freshness: only what differs from the Lambda's defaults, to keep within Config's 1,024 characters.
    ...(p.maxImageAgeDays !== undefined ? { maxImageAgeDays: String(p.maxImageAgeDays) } : {}),
    ...(p.deprecatedImages !== undefined && p.deprecatedImages !== DEFAULT_DEPRECATED_IMAGES
      ? { deprecatedImages: p.deprecatedImages }
      : {}),
    ...(p.familyTagKey ? { familyTagKey: p.familyTagKey } : {}),
    ...(p.enforceFreshness ? { enforceFreshness: 'true' } : {}),
  };
}

export interface AmiComplianceRuleProps {
  readonly accountId: string;
  /** The rule's Lambda. */
  readonly function: AmiComplianceFunction;
  /** Parameters, exactly as the Lambda was given them. */
  readonly parameters: Record<string, string>;
  /** Sweep frequency. @default 'TwentyFour_Hours' */
  readonly frequency?: string;
  /** Rule name. @default {@link RULE_NAME} (`ami-guard-approved-amis`) */
  readonly ruleName?: string;
  /** The recorder's status resource, when this stack creates the recorder. @default none (an existing recorder) */
  readonly recorder?: ITerraformDependable;
}

/** The custom Config rule that evaluates every EC2 instance with the AMI Guard Lambda. */
export class AmiComplianceRule extends Construct {
  readonly rule: ConfigConfigRule;
  readonly permission: LambdaPermission;

  constructor(scope: Construct, id: string, props: AmiComplianceRuleProps) {
    super(scope, id);
    const { ruleName = RULE_NAME, frequency = 'TwentyFour_Hours' } = props;
    // Config may invoke the function only for rules of this account.
    this.permission = new LambdaPermission(this, 'invoke-permission', {
      statementId: 'AllowConfigInvoke',
      action: 'lambda:InvokeFunction',
      functionName: props.function.function.functionName,
      principal: 'config.amazonaws.com',
      sourceAccount: props.accountId,
    });
    this.rule = new ConfigConfigRule(this, 'rule', {
      name: ruleName,
      description: 'EC2 instances must run AMIs approved by tag, trusted owner or approved-ID list (AMI Guard)',
      inputParameters: checkRuleInputParameters(`Config rule ${ruleName}`, props.parameters),
      scope: { complianceResourceTypes: [INSTANCE_RESOURCE_TYPE] },
      source: {
        owner: 'CUSTOM_LAMBDA',
        sourceIdentifier: props.function.function.arn,
        // Every change, oversized changes, and the periodic sweep.
        sourceDetail: MESSAGE_TYPES.map((messageType) => ({
          eventSource: 'aws.config',
          messageType,
          ...(messageType === MESSAGE_TYPE.scheduled ? { maximumExecutionFrequency: frequency } : {}),
        })),
      },
      // Config validates the permission and needs a running recorder when the rule is created.
      dependsOn: [this.permission, ...(props.recorder ? [props.recorder] : [])],
    });
  }
}
