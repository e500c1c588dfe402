/**
 * The moto-gaps entry for DECLARATIVE_POLICY_EC2 states a fact about moto, so it is tested against
 * moto (run by `npm run e2e`): the day moto accepts the type, this fails and the gap entry goes.
 */
import {
  CreateOrganizationCommand,
  CreatePolicyCommand,
  OrganizationsClient,
  type CreatePolicyCommandOutput,
} from '@aws-sdk/client-organizations';
import { MOTO_GAPS } from '../../e2e/moto-gaps';
import { MotoServer, startMoto } from '../../e2e/moto';
import { missingPrerequisites } from '../../e2e/prerequisites';

const MOTO_START_MS = 60_000;

describe('moto Organizations (the emulator behind the organization stack e2e)', () => {
  let moto: MotoServer;
  let organizations: OrganizationsClient;

  beforeAll(async () => {
    const missing = missingPrerequisites();
    if (missing.length > 0) throw new Error(`this test needs moto_server:\n  ${missing.join('\n  ')}`);
    moto = await startMoto({ timeoutMs: MOTO_START_MS });
    organizations = new OrganizationsClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  }, MOTO_START_MS + 10_000);

  afterAll(async () => {
    await moto?.stop();
  });

  const create = (type: string): Promise<CreatePolicyCommandOutput> =>
    organizations.send(
      new CreatePolicyCommand({
        Name: `probe-${type.toLowerCase()}`,
        Description: 'probe',
        Type: type as never,
        Content: type === 'SERVICE_CONTROL_POLICY' ? '{"Version":"2012-10-17","Statement":[]}' : '{"ec2_attributes":{}}',
      }),
    );

  test('rejects DECLARATIVE_POLICY_EC2, as the moto-gaps entry says', async () => {
    expect(MOTO_GAPS.some((g) => g.resourceType === 'aws_organizations_policy' && /DECLARATIVE_POLICY_EC2/.test(g.api))).toBe(
      true,
    );
    await expect(create('DECLARATIVE_POLICY_EC2')).rejects.toMatchObject({ name: 'InvalidInputException' });
  });

  test('accepts SERVICE_CONTROL_POLICY, so the SCPs are applied for real', async () => {
    const out = await create('SERVICE_CONTROL_POLICY');
    expect(out.Policy?.PolicySummary?.Type).toBe('SERVICE_CONTROL_POLICY');
  });
});
