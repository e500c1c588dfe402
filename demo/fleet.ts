/**
 * A small fleet in moto for the demo: a golden AMI (tagged Environment=Prod by the pipeline), an
 * unapproved one, a deregistered one, and instances on them, two of them with an exception tag (one
 * valid, one expired).
 */
import {
  CreateImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';

/** What each instance of the fleet is, in the order the demo shows them. */
export const FLEET_ROLES = ['golden', 'unapproved', 'deregistered', 'excepted', 'expired'] as const;
export type FleetRole = (typeof FLEET_ROLES)[number];

/** The verdict the rule must reach for each instance; the demo fails when it does not. */
export const EXPECTED_VERDICT: Record<FleetRole, 'COMPLIANT' | 'NON_COMPLIANT'> = {
  golden: 'COMPLIANT',
  unapproved: 'NON_COMPLIANT',
  deregistered: 'NON_COMPLIANT',
  excepted: 'COMPLIANT',
  expired: 'NON_COMPLIANT',
};

export const FLEET_LABEL: Record<FleetRole, string> = {
  golden: 'on the golden AMI',
  unapproved: 'on an unapproved AMI',
  deregistered: 'on a deregistered AMI',
  excepted: 'unapproved AMI, valid exception',
  expired: 'unapproved AMI, expired exception',
};

export interface Fleet {
  readonly images: { readonly golden: string; readonly unapproved: string; readonly deregistered: string };
  readonly instances: Readonly<Record<FleetRole, string>>;
}

const day = (now: Date, days: number) => new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);

/** Creates the fleet through the EC2 API of moto at `url`; `now` dates the exceptions. */
export async function createFleet(url: string, region: string, exceptionTagKey: string, now: Date): Promise<Fleet> {
  const ec2 = new EC2Client({ region, endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const launch = async (imageId: string, tags: Record<string, string>): Promise<string> => {
      const reply = await ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          MinCount: 1,
          MaxCount: 1,
          InstanceType: 't3.micro',
          TagSpecifications: [{ ResourceType: 'instance', Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }],
        }),
      );
      return reply.Instances![0].InstanceId!;
    };
    // A builder instance from one of moto's Amazon AMIs, imaged three ways, then terminated.
    const base = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
    const builder = await launch(base, { Name: 'image-builder' });
    const image = async (name: string) => (await ec2.send(new CreateImageCommand({ InstanceId: builder, Name: name }))).ImageId!;
    const golden = await image('golden-al2023-2026-12');
    await ec2.send(new CreateTagsCommand({ Resources: [golden], Tags: [{ Key: 'Environment', Value: 'Prod' }] }));
    const unapproved = await image('hand-built-debug-image');
    const deregistered = await image('golden-al2023-2026-06');
    const owner = { Owner: 'alice@example.org', Team: 'payments' };
    const instances: Record<FleetRole, string> = {
      golden: await launch(golden, { Name: 'checkout-api', ...owner }),
      unapproved: await launch(unapproved, { Name: 'checkout-debug', ...owner }),
      deregistered: await launch(deregistered, { Name: 'legacy-batch', Owner: 'bob@example.org', Team: 'analytics' }),
      excepted: await launch(unapproved, {
        Name: 'vendor-appliance',
        Team: 'payments',
        [exceptionTagKey]: `CHG-1234 until ${day(now, 30)}`,
      }),
      expired: await launch(unapproved, {
        Name: 'old-experiment',
        Team: 'analytics',
        [exceptionTagKey]: `CHG-0815 until ${day(now, -1)}`,
      }),
    };
    await ec2.send(new DeregisterImageCommand({ ImageId: deregistered }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [builder] }));
    return { images: { golden, unapproved, deregistered }, instances };
  } finally {
    ec2.destroy();
  }
}
