/**
 * AWS regions and their partitions, from a maintained source: `config/aws-regions.json` is written by
 * `npm run regions` from the endpoint table of the AWS SDK the lockfile pins, and a test fails when the
 * two differ. A region AWS does not have fails at the config, not at `terraform plan`.
 */
import table from './aws-regions.json';

const PARTITION_OF_REGION = new Map<string, string>(
  Object.entries(table.partitions).flatMap(([partition, regions]) => regions.map((region) => [region, partition] as const)),
);

/** Every region code AMI Guard accepts. */
export const AWS_REGIONS: readonly string[] = [...PARTITION_OF_REGION.keys()];

/** Every partition ID (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso-e`, ...). */
export const AWS_PARTITIONS: readonly string[] = Object.keys(table.partitions);

/** The partition a region belongs to (`eu-isoe-west-1` is in `aws-iso-e`), or `undefined` for an unknown region. */
export function partitionOfRegion(region: string): string | undefined {
  return PARTITION_OF_REGION.get(region);
}
