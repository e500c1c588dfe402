import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_CONFIG } from '../config/load';
import { wireToEmulator } from '../e2e/emulator-wiring';
import { nonLocalSettings } from '../e2e/synth';
import { buildApp, synthesizeFile } from '../modules/stacks/app';
import { exampleJson, exampleVariant, onlyResource, RawJson, resourcesOf, sharedSynth, tempDir } from '../test-support/synth';
import { TerraformJson } from '../test-support/terraform-json';

type Edit = (organization: RawJson) => void;

function synthOrganization(edit: Edit = () => {}) {
  const { stacks } = sharedSynth(exampleVariant((j) => edit(j.organization)));
  return { stacks, org: stacks.organization };
}

/** policy name -> sorted target IDs it is attached to. */
function attachmentsByPolicy(org: TerraformJson): Record<string, string[]> {
  const nameByRef = new Map<string, string>();
  for (const [key, p] of Object.entries(org.resource?.aws_organizations_policy ?? {})) {
    nameByRef.set(`\${aws_organizations_policy.${key}.id}`, String(p.name));
  }
  const out: Record<string, string[]> = {};
  for (const a of resourcesOf(org, 'aws_organizations_policy_attachment')) {
    const name = nameByRef.get(a.policy_id as string) ?? `unresolved ${a.policy_id}`;
    out[name] = [...(out[name] ?? []), a.target_id as string].sort();
  }
  return out;
}

describe('organization stack', () => {
  const example = synthOrganization();

  test('keeps its state in the shared bucket under <keyPrefix>/organization/, encrypted and locked', () => {
    expect(example.org.terraform?.backend?.s3).toEqual({
      bucket: 'example-org-ami-guard-tfstate',
      key: 'ami-guard/organization/terraform.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      dynamodb_table: 'ami-guard-tf-locks',
    });
  });

  test('deploys from the management account through its deploy role', () => {
    expect(example.org.provider?.aws).toEqual([
      {
        region: 'eu-west-1',
        allowed_account_ids: ['999999999999'],
        assume_role: [{ role_arn: 'arn:aws:iam::999999999999:role/ami-guard-org-deploy', session_name: 'ami-guard-deploy' }],
        default_tags: [{ tags: { ManagedBy: 'ami-guard', CostCenter: 'platform' } }],
      },
    ]);
  });

  test('attaches the tag guard SCP and the declarative policy to every target, and creates no launch guard unless a target opts in', () => {
    expect(resourcesOf(example.org, 'aws_organizations_policy').map((p) => [p.name, p.type])).toEqual([
      ['ami-guard-allowed-images', 'DECLARATIVE_POLICY_EC2'],
      ['ami-guard-image-tag-guard', 'SERVICE_CONTROL_POLICY'],
    ]);
    expect(attachmentsByPolicy(example.org)).toEqual({
      'ami-guard-allowed-images': ['ou-a1b2-c3d4e5f6'],
      'ami-guard-image-tag-guard': ['ou-a1b2-c3d4e5f6'],
    });
  });

  test('attaches the launch guard SCP only to the targets with launchGuard', () => {
    const { org } = synthOrganization((o) => {
      o.targets = [{ id: 'r-a1b2' }, { id: 'ou-a1b2-c3d4e5f6', launchGuard: true }, { id: '222222222222', launchGuard: true }];
    });
    expect(attachmentsByPolicy(org)).toEqual({
      'ami-guard-allowed-images': ['222222222222', 'ou-a1b2-c3d4e5f6', 'r-a1b2'],
      'ami-guard-image-tag-guard': ['222222222222', 'ou-a1b2-c3d4e5f6', 'r-a1b2'],
      'ami-guard-launch-guard': ['222222222222', 'ou-a1b2-c3d4e5f6'],
    });
    expect(Object.keys(org.output ?? {})).toContain('launch_guard_scp_id');
  });

  test('renders the SCPs minified, as Organizations counts every character', () => {
    for (const p of resourcesOf(example.org, 'aws_organizations_policy')) {
      expect(p.content).toBe(JSON.stringify(JSON.parse(p.content as string)));
    }
  });

  test('exports the policy IDs', () => {
    expect(Object.keys(example.org.output ?? {}).sort()).toEqual(['allowed_images_policy_id', 'image_tag_guard_scp_id']);
  });

  describe('with an aggregator', () => {
    const { org } = synthOrganization((o) => {
      o.aggregator = { accountId: '444455556666', deployRoleArn: 'arn:aws:iam::444455556666:role/ami-guard-deploy' };
    });

    test('adds a second provider, alias "aggregator", pinned to the aggregator account through its role', () => {
      expect(org.provider?.aws?.[1]).toEqual({
        alias: 'aggregator',
        region: 'eu-west-1',
        allowed_account_ids: ['444455556666'],
        assume_role: [{ role_arn: 'arn:aws:iam::444455556666:role/ami-guard-deploy', session_name: 'ami-guard-deploy' }],
        default_tags: [{ tags: { ManagedBy: 'ami-guard', CostCenter: 'platform' } }],
      });
    });

    test('creates the organization aggregator, its role and AWSConfigRoleForOrganizations, all in the aggregator account', () => {
      const aggregator = onlyResource(org, 'aws_config_configuration_aggregator');
      const role = onlyResource(org, 'aws_iam_role');
      const attachment = onlyResource(org, 'aws_iam_role_policy_attachment');
      for (const r of [aggregator, role, attachment]) expect(r.provider).toBe('aws.aggregator');
      expect(aggregator.name).toBe('ami-guard-organization');
      expect(aggregator.organization_aggregation_source).toEqual({
        all_regions: true,
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/),
      });
      expect(attachment.policy_arn).toBe('arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations');
      expect(JSON.parse(String(role.assume_role_policy)).Statement).toEqual([
        {
          Sid: 'TrustService',
          Effect: 'Allow',
          Principal: { Service: 'config.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': '444455556666' } },
        },
      ]);
      expect(aggregator.depends_on).toEqual([expect.stringMatching(/^aws_iam_role_policy_attachment\./)]);
      expect(Object.keys(org.output ?? {})).toContain('config_aggregator_arn');
    });

    test('GIVEN the e2e emulator wiring THEN the aggregator provider alias is pointed at the emulator too', () => {
      const outdir = tempDir('ami-guard-org-wired-');
      try {
        const config = exampleVariant((j) => (j.organization.aggregator = { accountId: '444455556666' }));
        wireToEmulator(buildApp(config, { outdir }), 'http://127.0.0.1:45678').synth();
        const wired = JSON.parse(
          fs.readFileSync(path.join(outdir, 'stacks', 'organization', 'cdk.tf.json'), 'utf8'),
        ) as TerraformJson;
        expect((wired.provider?.aws ?? []).map((p) => p.alias ?? 'default')).toEqual(['default', 'aggregator']);
        expect(nonLocalSettings(wired, 'http://127.0.0.1:45678')).toEqual([]);
      } finally {
        fs.rmSync(outdir, { recursive: true, force: true });
      }
    });

    test('aggregates only the listed regions when regions are given', () => {
      const { org: regional } = synthOrganization((o) => {
        o.aggregator = { accountId: '444455556666', regions: ['eu-west-1', 'eu-central-1'] };
      });
      expect(onlyResource(regional, 'aws_config_configuration_aggregator').organization_aggregation_source).toEqual({
        regions: ['eu-west-1', 'eu-central-1'],
        role_arn: expect.stringMatching(/^\$\{aws_iam_role\.[\w-]+\.arn\}$/),
      });
    });
  });
});

describe('oversized organization policies fail the synth, naming the policy and both sizes', () => {
  function synthFails(edit: Edit): { message: string; outdir: string } {
    const dir = tempDir('ami-guard-oversize-');
    const file = path.join(dir, 'accounts.json');
    const json = exampleJson();
    edit(json.organization);
    fs.writeFileSync(file, JSON.stringify(json));
    const outdir = path.join(dir, 'cdktf.out');
    try {
      synthesizeFile(file, { outdir });
    } catch (err) {
      return { message: (err as Error).message, outdir };
    }
    throw new Error('expected the synth to fail');
  }

  /** Stacks whose cdk.tf.json was written (cdktf creates the empty stacks folder with the app). */
  function writtenStacks(outdir: string): string[] {
    const stacks = path.join(outdir, 'stacks');
    return fs.existsSync(stacks) ? fs.readdirSync(stacks).filter((s) => fs.existsSync(path.join(stacks, s, 'cdk.tf.json'))) : [];
  }

  test('an SCP over 5,120 characters (many tagger principals)', () => {
    const { message, outdir } = synthFails((o) => {
      o.taggerPrincipals = Array.from({ length: 60 }, (_, i) => `arn:aws:iam::*:role/image-pipeline-team-${i}`);
    });
    try {
      expect(message).toMatch(
        /Organizations policy "ami-guard-image-tag-guard" \(SERVICE_CONTROL_POLICY\) is \d{4,} characters, but AWS allows at most 5120; list fewer principals/,
      );
      expect(Number(/is (\d+) characters/.exec(message)![1])).toBeGreaterThan(5120);
      expect(writtenStacks(outdir)).toEqual([]);
    } finally {
      fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  });

  test('a declarative policy over 10,000 characters', () => {
    const name = (c: number, i: number) => `golden-image-family-${c}-${i}-${'x'.repeat(60)}-*`;
    const { message, outdir } = synthFails((o) => {
      o.allowedImages.criteria = Array.from({ length: 4 }, (_, c) => ({
        imageProviders: ['amazon'],
        imageNames: Array.from({ length: 40 }, (_, i) => name(c, i)),
      }));
    });
    try {
      expect(message).toMatch(
        /Organizations policy "ami-guard-allowed-images" \(DECLARATIVE_POLICY_EC2\) is \d{5,} characters, but AWS allows at most 10000; use fewer criteria/,
      );
      expect(writtenStacks(outdir)).toEqual([]);
    } finally {
      fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
    }
  });

  test('the example policies are well within the limits', () => {
    for (const p of resourcesOf(synthOrganization().org, 'aws_organizations_policy')) {
      expect((p.content as string).length).toBeLessThan(p.type === 'SERVICE_CONTROL_POLICY' ? 5120 : 10000);
    }
  });
});

describe('without an organization section', () => {
  test('no organization stack is synthesized and every other stack is byte-identical', () => {
    const withOrg = tempDir('ami-guard-with-org-');
    const withoutOrg = tempDir('ami-guard-without-org-');
    const file = path.join(withoutOrg, 'accounts.json');
    try {
      const json = exampleJson();
      delete json.organization;
      fs.writeFileSync(file, JSON.stringify(json));
      synthesizeFile(EXAMPLE_CONFIG, { outdir: path.join(withOrg, 'out') });
      synthesizeFile(file, { outdir: path.join(withoutOrg, 'out') });
      const stacksOf = (dir: string) => fs.readdirSync(path.join(dir, 'out', 'stacks')).sort();
      expect(stacksOf(withOrg)).toContain('organization');
      expect(stacksOf(withoutOrg)).toEqual(stacksOf(withOrg).filter((s) => s !== 'organization'));
      for (const stack of stacksOf(withoutOrg)) {
        const read = (dir: string) => fs.readFileSync(path.join(dir, 'out', 'stacks', stack, 'cdk.tf.json'));
        expect({ stack, identical: read(withoutOrg).equals(read(withOrg)) }).toEqual({ stack, identical: true });
      }
    } finally {
      fs.rmSync(withOrg, { recursive: true, force: true });
      fs.rmSync(withoutOrg, { recursive: true, force: true });
    }
  });
});
