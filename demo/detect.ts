/**
 * Detect and check mode: the BUILT rule Lambda bundle, with the environment of the function as
 * deployed in moto and the parameters of the deployed Config rule, sweeps the region (a scheduled
 * notification in Config's test mode) and re-checks one instance as the runbook does.
 */
import { ConfigServiceClient, DescribeConfigRulesCommand } from '@aws-sdk/client-config-service';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as path from 'node:path';
import { buildAmiComplianceBundle } from '../lambda/ami-compliance/build';
import { CHECK_EVENT_KEY, type CheckResult } from '../lambda/ami-compliance/contract';
import { BundleHandler, bundleHandler, RecordingProxy, recordingProxy, SentEvaluation } from '../e2e/lambda-bundle';

const FAKE_KEYS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** The rule function as deployed, ready to be invoked locally. */
export interface DeployedRule {
  readonly handler: BundleHandler;
  readonly proxy: RecordingProxy;
  /** The deployed rule's input parameters (JSON), as Config passes them to the function. */
  readonly ruleParameters: string;
  readonly ruleName: string;
}

/**
 * Builds the bundle into `workDir` and wires it to the function and rule deployed in moto: the
 * function's environment variables from Lambda, the rule's parameters from Config, AWS calls through
 * a recording proxy in front of moto.
 */
export async function deployedRule(options: {
  readonly url: string;
  readonly region: string;
  readonly workDir: string;
  readonly ruleName: string;
  readonly functionArn: string;
}): Promise<DeployedRule> {
  const common = { region: options.region, endpoint: options.url, credentials: FAKE_KEYS };
  const lambda = new LambdaClient(common);
  const config = new ConfigServiceClient(common);
  try {
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: options.functionArn }));
    const rules = await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [options.ruleName] }));
    const ruleParameters = rules.ConfigRules?.[0]?.InputParameters;
    if (!ruleParameters) throw new Error(`the Config rule ${options.ruleName} in moto has no input parameters`);
    const { bundle } = await buildAmiComplianceBundle(path.join(options.workDir, 'bundle'));
    const proxy = await recordingProxy(options.url);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: options.workDir,
      ...(fn.Environment?.Variables ?? {}),
      AWS_REGION: options.region,
      AWS_ACCESS_KEY_ID: FAKE_KEYS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_KEYS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ENDPOINT_URL: proxy.url,
    };
    return { handler: bundleHandler(bundle, env), proxy, ruleParameters, ruleName: options.ruleName };
  } finally {
    lambda.destroy();
    config.destroy();
  }
}

/** Runs the scheduled sweep in Config's test mode; returns what was sent to Config, by instance ID. */
export async function sweep(rule: DeployedRule, accountId: string, now: Date): Promise<Map<string, SentEvaluation>> {
  rule.proxy.evaluations.length = 0;
  const counts = await rule.handler({
    invokingEvent: JSON.stringify({
      awsAccountId: accountId,
      notificationCreationTime: now.toISOString(),
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    }),
    ruleParameters: rule.ruleParameters,
    // moto implements PutEvaluations only in test mode (see e2e/moto-gaps.ts); the proxy keeps what was sent.
    resultToken: 'TESTMODE',
    eventLeftScope: false,
    configRuleName: rule.ruleName,
    accountId,
  });
  if (counts.complete !== true) throw new Error(`the sweep did not complete: ${JSON.stringify(counts)}`);
  return new Map(rule.proxy.evaluations.map((e) => [e.ComplianceResourceId, e]));
}

/** Check mode for one instance, as the runbook's first step invokes it. */
export async function check(rule: DeployedRule, instanceId: string, mode: string, graceHours?: number): Promise<CheckResult> {
  const answer = await rule.handler({
    [CHECK_EVENT_KEY]: { instanceId, mode, ...(graceHours === undefined ? {} : { graceHours }) },
  });
  return answer as unknown as CheckResult;
}
