/**
 * Thin adapters between the AWS APIs and the pure evaluator, one module per responsibility under aws/;
 * this file is the entry the rest of the code imports. Clients are injected ({@link AwsClients}), so
 * tests pass fakes. Every API error propagates: an unreadable fact must never turn into COMPLIANT.
 *
 *   aws/clients.ts         the clients and their retry settings
 *   aws/shared.ts          SDK error codes, tag maps, NextToken loop detection
 *   aws/instances.ts       DescribeInstances: paged (next page requested early), one by ID
 *   aws/images.ts          DescribeImages: batched and cached per invocation
 *   aws/ssm-parameters.ts  the approved-ID StringList and notice records (GetParameter, GetParametersByPath)
 *   aws/config-service.ts  GetResourceConfigHistory, PutEvaluations (EvaluationReporter)
 *   aws/attribution.ts     who launched an instance (CloudTrail), its Auto Scaling group
 *   aws/remediation.ts     StartAutomationExecution, evidence image expiry
 *
 * IAM actions used: ec2:DescribeInstances, ec2:DescribeImages, ssm:GetParameter,
 * config:GetResourceConfigHistory, config:PutEvaluations; for owner attribution cloudtrail:LookupEvents,
 * autoscaling:DescribeAutoScalingInstances and DescribeAutoScalingGroups; where remediation acts
 * automatically ssm:StartAutomationExecution (one document) and ssm:GetParametersByPath (the notice
 * records' path), and in terminate mode
 * ec2:DeregisterImage and ec2:DeleteSnapshot (evidence images only).
 */
export { CLIENT_RETRY, lazyAwsClients, type AwsClients, type ClientOverrides } from './aws/clients';
export { errorCode, PageTokens } from './aws/shared';
export { describeInstance, INSTANCE_PAGE_SIZE, listInstancePages } from './aws/instances';
export { IMAGE_BATCH_SIZE, ImageCatalog, toImageFacts } from './aws/images';
export { listNoticeRecords, readApprovedImageIds, readNoticeRecord } from './aws/ssm-parameters';
export { EVALUATIONS_PER_CALL, EvaluationReporter, fetchConfigurationItem, putEvaluations } from './aws/config-service';
export { describeAutoScaling, lookupLauncher } from './aws/attribution';
export { expireEvidenceImages, startRemediation } from './aws/remediation';
