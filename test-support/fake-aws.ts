/**
 * A model of the AWS APIs the rule Lambda calls (EC2, Config, SSM, STS), at the AWS SDK's transport:
 * the real SDK clients sign, retry and parse; only the HTTP round trip is answered by the model. This
 * file is the entry tests and benchmarks import; the parts live under fake-aws/:
 *
 *   fake-aws/model.ts      AwsModel: options, counters, throttling, one answer per operation
 *   fake-aws/fleet.ts      the generated fleet: IDs, tags and state of instance i and AMI j
 *   fake-aws/templates.ts  DescribeInstances pages written from XML templates encoded once
 *   fake-aws/wire.ts       HTTP shapes, EC2 XML and JSON-protocol replies and errors
 */
export { AwsModel } from './fake-aws/model';
export { imageId, imageTags, instanceId, instanceState } from './fake-aws/fleet';
