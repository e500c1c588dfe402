/**
 * The organization the `organization` stack is deployed into, stood up in moto the way it exists in a
 * real management account before AMI Guard runs: the organization itself, the OUs the config targets,
 * SCPs enabled on the root. Then the checks after apply: the SCPs exist with the synthesized content
 * and are attached where the config says, and the aggregator exists.
 */
import { ConfigServiceClient, DescribeConfigurationAggregatorsCommand } from '@aws-sdk/client-config-service';
import {
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribePolicyCommand,
  EnablePolicyTypeCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { OrganizationConfig } from '../config/schema';

/** An SCP as the harness expects it: its name, its content as synthesized, and where it must be attached. */
export interface ExpectedScp {
  readonly name: string;
  readonly content: string;
  readonly targetIds: readonly string[];
}

/** The SCPs of the organization stack and their targets, from the config (not from the stack). */
export function expectedScps(organization: OrganizationConfig, contentByName: ReadonlyMap<string, string>): ExpectedScp[] {
  const all = organization.targets.map((t) => t.id);
  const launchGuard = organization.targets.filter((t) => t.launchGuard).map((t) => t.id);
  const expected = [{ name: 'ami-guard-image-tag-guard', targetIds: all }];
  if (launchGuard.length > 0) expected.push({ name: 'ami-guard-launch-guard', targetIds: launchGuard });
  return expected.map((e) => {
    const content = contentByName.get(e.name);
    if (content === undefined) throw new Error(`the applied organization stack has no SCP ${e.name}`);
    return { ...e, content };
  });
}

export class OrganizationFixture {
  private readonly organizations: OrganizationsClient;
  private readonly config: ConfigServiceClient;

  constructor(
    /** e.g. http://127.0.0.1:40123 */
    url: string,
    /** Region of the aggregator. */
    region: string,
  ) {
    const common = { endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 2 };
    this.organizations = new OrganizationsClient({ ...common, region: 'us-east-1' });
    this.config = new ConfigServiceClient({ ...common, region });
  }

  /**
   * Creates the organization (moto's account becomes its management account), enables SCPs on the
   * root, and creates one OU per OU ID the config names. Returns config ID -> real ID: the config's
   * root ID maps to moto's root, each OU ID to the OU created under the root with that ID as its name;
   * account IDs map to themselves.
   */
  async create(targetIds: readonly string[]): Promise<Map<string, string>> {
    await this.organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const roots = await this.organizations.send(new ListRootsCommand({}));
    const rootId = roots.Roots?.[0]?.Id;
    if (!rootId) throw new Error('moto created an organization without a root');
    await this.organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    const ids = new Map<string, string>();
    for (const id of targetIds) {
      if (id.startsWith('r-')) ids.set(id, rootId);
      else if (id.startsWith('ou-')) {
        const ou = await this.organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: id }));
        ids.set(id, ou.OrganizationalUnit!.Id!);
      } else ids.set(id, id);
    }
    return ids;
  }

  /** Checks that each SCP exists with its synthesized content and is attached to each of its targets. */
  async checkScps(expected: readonly ExpectedScp[]): Promise<string> {
    const found: string[] = [];
    for (const scp of expected) {
      for (const target of scp.targetIds) {
        const listed = await this.organizations.send(
          new ListPoliciesForTargetCommand({ TargetId: target, Filter: 'SERVICE_CONTROL_POLICY' }),
        );
        const summary = (listed.Policies ?? []).find((p) => p.Name === scp.name);
        if (!summary) {
          throw new Error(
            `SCP ${scp.name} is not attached to ${target} (attached: ${(listed.Policies ?? []).map((p) => p.Name).join(', ') || 'none'})`,
          );
        }
        const policy = await this.organizations.send(new DescribePolicyCommand({ PolicyId: summary.Id }));
        if (policy.Policy?.Content !== scp.content) {
          throw new Error(`SCP ${scp.name} (${summary.Id}) in the organization differs from the synthesized content`);
        }
      }
      found.push(`${scp.name} on ${scp.targetIds.join(', ')}`);
    }
    return `SCPs attached: ${found.join('; ')}`;
  }

  /** Checks that the aggregator exists with an organization source. */
  async checkAggregator(name: string): Promise<string> {
    const out = await this.config.send(new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: [name] }));
    const aggregator = out.ConfigurationAggregators?.[0];
    const source = aggregator?.OrganizationAggregationSource;
    if (!aggregator || !source?.RoleArn) throw new Error(`no configuration aggregator ${name} with an organization source`);
    return `aggregator ${name} over the organization (${source.AllAwsRegions ? 'all regions' : (source.AwsRegions ?? []).join(', ')}), role ${source.RoleArn}`;
  }
}
