/** The AWS partition a region belongs to, for building ARNs without a data source. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

/** Builds `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function arn(region: string, service: string, account: string, resource: string, regionPart = region): string {
  return `arn:${partitionOf(region)}:${service}:${regionPart}:${account}:${resource}`;
}
