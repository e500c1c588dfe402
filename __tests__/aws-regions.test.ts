import * as fs from 'node:fs';
import { parseConfig } from '../config/load';
import { AWS_REGIONS, partitionOfRegion } from '../config/regions';
import { REGIONS_FILE, sdkRegionTable } from '../scripts/write-regions';
import { exampleJson, sharedSynth } from '../test-support/synth';

describe('the region table', () => {
  test('is the pinned AWS SDK endpoint table (run `npm run regions` after updating the SDK)', () => {
    expect(JSON.parse(fs.readFileSync(REGIONS_FILE, 'utf8'))).toEqual(sdkRegionTable());
  });

  test.each([
    ['eu-west-1', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
  ])('puts %s in partition %s', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });

  test('has no pseudo-regions and no region that does not exist', () => {
    expect(AWS_REGIONS).not.toContain('aws-global');
    expect(partitionOfRegion('eu-west-9')).toBeUndefined();
  });
});

describe('a stack in another partition', () => {
  /** analytics-prod moved to the EU ISOE region, with its principals in that partition. */
  function isoeVariant() {
    const json = exampleJson();
    const account = json.accounts[2];
    account.region = 'eu-isoe-west-1';
    account.deployRoleArn = 'arn:aws-iso-e:iam::333333333333:role/ami-guard-deploy';
    account.approval = {
      taggerPrincipals: ['arn:aws-iso-e:iam::{accountId}:role/image-pipeline'],
      exceptionGranters: ['arn:aws-iso-e:iam::{accountId}:role/platform-change-approver'],
    };
    return json;
  }

  test('gets its partition in every ARN it builds', () => {
    const { stacks } = sharedSynth(parseConfig(isoeVariant()));
    const text = JSON.stringify(stacks['analytics-prod']);
    const partitions = new Set([...text.matchAll(/arn:([a-z0-9-]+):/g)].map((m) => m[1]));
    expect([...partitions]).toEqual(['aws-iso-e']);
    expect(text).toContain('arn:aws-iso-e:ec2:eu-isoe-west-1::image/*');
  });

  test('rejects principals of the wrong partition, with the ARN to write instead', () => {
    const json = isoeVariant();
    json.accounts[2].approval.exceptionGranters = ['arn:aws:iam::{accountId}:role/platform-change-approver'];
    expect(() => parseConfig(json, 'isoe.json')).toThrow(
      'accounts[2].approval.exceptionGranters[0]: "arn:aws:iam::{accountId}:role/platform-change-approver" is in partition aws, ' +
        'but region eu-isoe-west-1 is in aws-iso-e; write "arn:aws-iso-e:iam::{accountId}:role/platform-change-approver"',
    );
  });
});
