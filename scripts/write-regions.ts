import * as fs from 'node:fs';
import * as path from 'node:path';

/** The region table AMI Guard validates against: every region of every partition, and where it came from. */
export interface RegionTable {
  /** The package (and version) the table was read from. */
  readonly source: string;
  /** Partition ID (`aws`, `aws-cn`, `aws-iso-e`, ...) to its region codes. */
  readonly partitions: Record<string, string[]>;
}

export const REGIONS_FILE = path.join(__dirname, '..', 'config', 'aws-regions.json');

/** A region code; the endpoint table also lists pseudo-regions such as `aws-global`, which are not. */
const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Reads the regions of the AWS SDK that the lockfile pins: @aws-sdk/core carries AWS's endpoint
 * partitions table (partitions.json) as `partitionsInfo`, the list the SDK resolves endpoints from.
 */
export function sdkRegionTable(): RegionTable {
  const entry = require.resolve('@aws-sdk/core/client');
  const root = entry.slice(0, entry.lastIndexOf(`${path.sep}dist-cjs${path.sep}`));
  const file = path.join(root, 'dist-es', 'submodules', 'client', 'util-endpoints', 'lib', 'aws', 'partitions.js');
  const text = fs.readFileSync(file, 'utf8');
  const info = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as {
    partitions: { id: string; regions: Record<string, unknown> }[];
  };
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, string>;
  const partitions: Record<string, string[]> = {};
  for (const partition of info.partitions) {
    partitions[partition.id] = Object.keys(partition.regions)
      .filter((region) => REGION_CODE.test(region))
      .sort();
  }
  return { source: `${name} ${version} (AWS endpoint partitions)`, partitions };
}

if (require.main === module) {
  fs.writeFileSync(REGIONS_FILE, `${JSON.stringify(sdkRegionTable(), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), REGIONS_FILE)}`);
}
