import { Construct } from 'constructs';
import { TerraformOutput } from 'cdktf';
import { IndependentStack } from './independent-stack';
import { AccountConfig, BackendConfig } from '../../config/schema';
import { ruleParametersOf } from '../../config/rule-parameters';
import { AmiComplianceFunction } from '../detect/ami-compliance-function';
import { AmiComplianceRule, encodeRuleParameters } from '../detect/ami-compliance-rule';
import { AmiGuardProvider } from '../shared/aws-provider';
import { ConfigRecorder } from '../detect/config-recorder';
import { ImageTagGuard } from '../prevent/image-tag-guard';
import { LaunchPolicy } from '../prevent/launch-policy';
import { Remediation, remediationNames, runbookParameters } from '../correct/remediation';
import type { FunctionRemediationTrigger } from '../detect/ami-compliance-function';
import { stateKey, useSharedStateBackend } from '../shared/state-backend';

export interface AccountStackProps {
  /** The account/region this stack governs, with defaults applied. */
  readonly account: AccountConfig;
  /** The shared state backend. */
  readonly backend: BackendConfig;
}

/** Everything AMI Guard deploys into one account and region: prevent, detect, correct. */
export class AccountStack extends IndependentStack {
  readonly launchPolicy: LaunchPolicy;
  readonly tagGuard: ImageTagGuard;
  /** Present when detection is enabled. */
  readonly detection?: {
    readonly recorder?: ConfigRecorder;
    readonly function: AmiComplianceFunction;
    readonly rule: AmiComplianceRule;
  };
  /** Present when remediation mode is not `off`. */
  readonly remediation?: Remediation;

  constructor(scope: Construct, id: string, props: AccountStackProps) {
    super(scope, id);
    const { account, backend } = props;
    useSharedStateBackend(this, backend, stateKey(backend, account.accountId, account.region));
    new AmiGuardProvider(this, 'provider', {
      region: account.region,
      accountId: account.accountId,
      deployRoleArn: account.deployRoleArn,
      tags: account.tags,
    });

    this.launchPolicy = new LaunchPolicy(this, 'launch-policy', {
      accountId: account.accountId,
      region: account.region,
      tagKey: account.approval.tagKey,
      tagValues: account.approval.tagValues,
      trustedOwners: account.approval.trustedOwners,
      attachTo: account.attachTo,
    });
    this.tagGuard = new ImageTagGuard(this, 'image-tag-guard', {
      accountId: account.accountId,
      region: account.region,
      tagKey: account.approval.tagKey,
      taggerPrincipals: account.approval.taggerPrincipals,
      // Reserved whether or not detection is on: switching detection off must not weaken the guard
      // (the review flags that), nor let anyone grant exceptions that count once it is back on.
      exceptionTagKey: account.detection.exceptionTagKey,
      exceptionGranters: account.approval.exceptionGranters,
      approvedImageIdsParameter: account.detection.approvedImageIdsParameter,
      familyTagKey: account.approval.familyTagKey,
      attachTo: account.attachTo,
    });

    new TerraformOutput(this, 'launch_policy_arn', {
      value: this.launchPolicy.policy.arn,
      description: 'ARN of the policy that allows ec2:RunInstances only from approved AMIs',
    });
    new TerraformOutput(this, 'launch_policy_name', { value: this.launchPolicy.policy.name });
    new TerraformOutput(this, 'image_tag_guard_policy_arn', {
      value: this.tagGuard.policy.arn,
      description: 'ARN of the policy that reserves the approval tag on images for the image pipeline',
    });
    new TerraformOutput(this, 'image_tag_guard_policy_name', { value: this.tagGuard.policy.name });
    // The readable summary of the approval: outputs change in place, policy descriptions cannot.
    new TerraformOutput(this, 'approval', {
      value: {
        tagKey: account.approval.tagKey,
        tagValues: account.approval.tagValues,
        trustedOwners: account.approval.trustedOwners,
        taggerPrincipals: account.approval.taggerPrincipals,
      },
      description: 'What the guards approve: the AMI tag key and values, the trusted owners, and who may change the tag',
    });

    const { remediation } = account;
    if (account.detection.enabled) {
      this.detection = this.addDetection(account);
    }
    if (remediation.mode !== 'off') {
      if (!this.detection)
        throw new Error(`${account.stackName}: remediation.mode "${remediation.mode}" needs detection.enabled`);
      this.remediation = new Remediation(this, 'remediation', {
        accountId: account.accountId,
        region: account.region,
        mode: remediation.mode,
        graceHours: remediation.graceHours,
        keepEvidenceDays: remediation.terminate.keepEvidenceDays,
        routes: remediation.routes,
        configRuleName: this.detection.rule.rule.name,
        checkFunction: this.detection.function,
        automatic: remediation.automatic,
        maximumAutomaticAttempts: remediation.maximumAutomaticAttempts,
        retryAttemptSeconds: remediation.retryAttemptSeconds,
        concurrentExecutionRatePercentage: remediation.concurrentExecutionRatePercentage,
        errorPercentage: remediation.errorPercentage,
        subscriptions: remediation.subscriptions,
        escalation: remediation.escalation,
        escalateAfterHours: remediation.escalateAfterHours,
      });
      new TerraformOutput(this, 'remediation_topic_arn', {
        value: this.remediation.topic.arn,
        description: 'SNS topic of AMI Guard findings',
      });
      new TerraformOutput(this, 'remediation_document_name', { value: this.remediation.document.name });
    }
  }

  /** Detect: the Config recorder (unless one exists), the rule Lambda and the custom rule. */
  private addDetection(account: AccountConfig) {
    const { detection, remediation } = account;
    let recorder: ConfigRecorder | undefined;
    if (detection.recorder === 'create') {
      recorder = new ConfigRecorder(this, 'config-recorder', {
        accountId: account.accountId,
        region: account.region,
        resourceTypes: detection.recordedResourceTypes,
        bucketName: detection.configBucketName,
        kmsKeyArn: account.encryption?.kmsKeyArn,
      });
      new TerraformOutput(this, 'config_bucket', {
        value: recorder.bucket.bucket.bucket,
        description: 'AWS Config delivery bucket',
      });
    }
    const parameters = encodeRuleParameters(ruleParametersOf(account));
    const fn = new AmiComplianceFunction(this, 'ami-compliance-function', {
      accountId: account.accountId,
      region: account.region,
      ruleParameters: parameters,
      approvedImageIdsParameter: detection.approvedImageIdsParameter,
      logRetentionDays: detection.logRetentionDays,
      logKmsKeyArn: account.encryption?.kmsKeyArn,
      memoryMb: detection.memoryMb,
      timeoutSeconds: detection.timeoutSeconds,
      ownerAttribution: remediation.mode !== 'off',
      noticeRecords: remediation.mode === 'stop' || remediation.mode === 'terminate',
      remediationTrigger: remediationTrigger(account),
    });
    const rule = new AmiComplianceRule(this, 'ami-compliance-rule', {
      accountId: account.accountId,
      function: fn,
      parameters,
      frequency: detection.frequency,
      recorder: recorder?.status,
    });
    new TerraformOutput(this, 'config_rule_name', {
      value: rule.rule.name,
      description: 'AWS Config rule that flags unapproved AMIs',
    });
    new TerraformOutput(this, 'config_rule_arn', { value: rule.rule.arn });
    new TerraformOutput(this, 'rule_function_arn', {
      value: fn.function.arn,
      description: 'The rule Lambda (also the remediation check)',
    });
    return { recorder, function: fn, rule };
  }
}

/**
 * What the sweep starts again once a deadline passes: only where the runbook acts (stop, terminate) and
 * runs without a person (automatic). A manual remediation stays manual.
 */
function remediationTrigger(account: AccountConfig): FunctionRemediationTrigger | undefined {
  const { mode, automatic } = account.remediation;
  if (mode === 'off' || mode === 'notify' || !automatic) return undefined;
  const names = remediationNames({ accountId: account.accountId, region: account.region });
  return {
    documentName: names.documentName,
    mode,
    automationRoleArn: names.roleArn,
    parameters: runbookParameters({
      roleArn: names.roleArn,
      mode,
      topicArn: names.topicArn,
      escalationTopicArn: names.escalationTopicArn,
      escalateAfterHours: account.remediation.escalateAfterHours,
    }),
    expireEvidence: mode === 'terminate',
  };
}
