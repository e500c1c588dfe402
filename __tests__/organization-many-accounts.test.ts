import { Testing } from 'cdktf';
import { parseConfig } from '../config/load';
import { PolicySizeError, POLICY_SIZE_LIMITS } from '../modules/org/organization-policy';
import { OrganizationStack } from '../modules/stacks/organization-stack';
import { exampleJson, RawJson, resourcesOf } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';

/** The example with `n` workload accounts, each with its own deploy role (`arn:aws:iam::<id>:role/ami-guard-deploy`). */
function organizationOf(n: number, edit: (json: RawJson) => void = () => {}) {
  const json = exampleJson();
  const template = JSON.stringify(json.accounts[1]);
  const id = json.accounts[1].accountId as string;
  json.accounts = Array.from({ length: n }, (_, i) => ({
    ...JSON.parse(template.replaceAll(id, String(100000000000 + i))),
    stackName: `workload-${i}`,
  }));
  edit(json);
  const config = parseConfig(json, 'many.json');
  return { organization: config.organization!, backend: config.backend };
}

/** The organization stack alone, synthesized. */
function synthOrganizationStack(props: ReturnType<typeof organizationOf>): TerraformJson {
  return JSON.parse(Testing.synth(new OrganizationStack(Testing.app(), 'organization', props))) as TerraformJson;
}

const tagGuard = (stack: TerraformJson) =>
  String(resourcesOf(stack, 'aws_organizations_policy').find((p) => p.name === 'ami-guard-image-tag-guard')!.content);
const tagGuardSize = (stack: TerraformJson) => tagGuard(stack).length;

describe('an organization of 100 accounts, each deployed by its own role', () => {
  test('lists every deploy role as an IAM admin, and the tag guard SCP outgrows 5,120 characters with a fix that names iamAdminPrincipals', () => {
    const props = organizationOf(100);
    expect(props.organization.iamAdminPrincipals).toContain('arn:aws:iam::100000000042:role/ami-guard-deploy');
    expect(() => synthOrganizationStack(props)).toThrow(PolicySizeError);
    expect(() => synthOrganizationStack(props)).toThrow(
      /is \d{4,} characters, but AWS allows at most 5120; .*iamAdminPrincipals names its role in every account, e\.g\. "arn:aws:iam::\*:role\/ami-guard-deploy"/,
    );
  });

  test('with the deploy role trusted by name in iamAdminPrincipals, the SCP lists that one pattern instead of 100 ARNs', () => {
    const wildcard = 'arn:aws:iam::*:role/ami-guard-deploy';
    const props = organizationOf(100, (j) => j.organization.iamAdminPrincipals.push(wildcard));
    expect(props.organization.iamAdminPrincipals).toEqual(['arn:aws:iam::*:role/AWSControlTowerExecution', wildcard]);
    const stack = synthOrganizationStack(props);
    expect(tagGuardSize(stack)).toBeLessThanOrEqual(POLICY_SIZE_LIMITS.SERVICE_CONTROL_POLICY);
    expect(tagGuard(stack)).toContain(wildcard);
    expect(tagGuard(stack)).not.toMatch(/arn:aws:iam::1000000000\d\d:role\/ami-guard-deploy/);
  });

  test('a deploy role of another name is still listed by its ARN', () => {
    const props = organizationOf(3, (j) => {
      j.organization.iamAdminPrincipals.push('arn:aws:iam::*:role/ami-guard-deploy');
      j.accounts[0].deployRoleArn = 'arn:aws:iam::100000000000:role/platform/custom-deploy';
    });
    expect(props.organization.iamAdminPrincipals).toEqual([
      'arn:aws:iam::*:role/AWSControlTowerExecution',
      'arn:aws:iam::*:role/ami-guard-deploy',
      'arn:aws:iam::100000000000:role/platform/custom-deploy',
    ]);
  });
});
