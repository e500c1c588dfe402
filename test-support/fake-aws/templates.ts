/**
 * The DescribeInstances reply, written from XML templates encoded once: fixed bytes copied, only IDs
 * and addresses written per instance, so the model's CPU stays small next to the sweep it measures.
 */
import { hex17, imageId, instanceState } from './fleet';

/** A growing byte buffer that replies are written into: no intermediate strings for a page of 1,000 instances. */
export class ByteWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(sizeHint: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, sizeHint));
  }

  copy(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  text(value: string): void {
    this.reserve(value.length * 3);
    this.length += this.buffer.write(value, this.length, 'utf8');
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }
}

/**
 * An XML fragment with named holes, its fixed text encoded once: rendering copies those bytes and
 * writes only the values. A real AWS builds its reply on its own side; the model should cost the sweep
 * it measures as little as that.
 */
class Template<K extends string> {
  private readonly fixed: Buffer[];
  /** Bytes of the fixed text, plus a typical value per hole: a size hint. */
  readonly size: number;

  constructor(
    strings: readonly string[],
    private readonly holes: readonly K[],
  ) {
    this.fixed = strings.map((s) => Buffer.from(s, 'utf8'));
    this.size = this.fixed.reduce((sum, b) => sum + b.length, 0) + 20 * holes.length;
  }

  render(out: ByteWriter, values: Record<K, string>): void {
    out.copy(this.fixed[0]);
    for (let h = 0; h < this.holes.length; h++) {
      out.text(values[this.holes[h]]);
      out.copy(this.fixed[h + 1]);
    }
  }
}

/** `xml\`<a>${'name'}</a>\`` is a template with the hole `name`. */
const xml = <K extends string>(strings: TemplateStringsArray, ...holes: K[]): Template<K> => new Template(strings, holes);

/** The values of instance i's holes. */
export function instanceValues(i: number, images: number) {
  const state = instanceState(i);
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  return {
    hex: hex17(i),
    image: imageId(i % images),
    code: state === 'running' ? '16' : '80',
    state,
    ip,
    dns: `ip-${ip.replaceAll('.', '-')}`,
    name: `web-${i}`,
  };
}

export const DESCRIBE_INSTANCES = {
  head: xml`<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>00000000-0000-0000-0000-000000000000</requestId><reservationSet>`,
  tail: xml`</reservationSet>${'next'}</DescribeInstancesResponse>`,
};

export const RESERVATION = {
  head: xml`<item><reservationId>r-${'hex'}</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>`,
  tail: xml`</instancesSet></item>`,
};

/** One instance with only what the rule reads, for fast tests. */
export const LEAN_INSTANCE = xml`<item><instanceId>i-${'hex'}</instanceId><imageId>${'image'}</imageId>\
<instanceState><code>${'code'}</code><name>${'state'}</name></instanceState>\
<launchTime>2026-01-10T09:30:00.000Z</launchTime><tagSet><item><key>Name</key><value>${'name'}</value></item></tagSet></item>`;

/** One instance as EC2 describes it, with the fields a real reply carries (about 2.5 KB), so parsing costs what it costs. */
export const FULL_INSTANCE = xml`<item><instanceId>i-${'hex'}</instanceId><imageId>${'image'}</imageId>\
<instanceState><code>${'code'}</code><name>${'state'}</name></instanceState>\
<privateDnsName>${'dns'}.eu-west-1.compute.internal</privateDnsName><dnsName/>\
<reason/><keyName>ops</keyName><amiLaunchIndex>0</amiLaunchIndex><productCodes/>\
<instanceType>m7g.large</instanceType><launchTime>2026-01-10T09:30:00.000Z</launchTime>\
<placement><availabilityZone>eu-west-1a</availabilityZone><groupName/><tenancy>default</tenancy></placement>\
<monitoring><state>disabled</state></monitoring><subnetId>subnet-0123456789abcdef0</subnetId>\
<vpcId>vpc-0123456789abcdef0</vpcId><privateIpAddress>${'ip'}</privateIpAddress><sourceDestCheck>true</sourceDestCheck>\
<groupSet><item><groupId>sg-0123456789abcdef0</groupId><groupName>web</groupName></item></groupSet>\
<architecture>arm64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>\
<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-${'hex'}</volumeId>\
<status>attached</status><attachTime>2026-01-10T09:30:01.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping>\
<virtualizationType>hvm</virtualizationType><clientToken/><hypervisor>xen</hypervisor>\
<networkInterfaceSet><item><networkInterfaceId>eni-${'hex'}</networkInterfaceId><subnetId>subnet-0123456789abcdef0</subnetId>\
<vpcId>vpc-0123456789abcdef0</vpcId><ownerId>123456789012</ownerId><status>in-use</status>\
<macAddress>02:00:00:00:00:00</macAddress><privateIpAddress>${'ip'}</privateIpAddress><sourceDestCheck>true</sourceDestCheck>\
<groupSet><item><groupId>sg-0123456789abcdef0</groupId><groupName>web</groupName></item></groupSet>\
<attachment><attachmentId>eni-attach-${'hex'}</attachmentId><deviceIndex>0</deviceIndex>\
<status>attached</status><attachTime>2026-01-10T09:30:00.000Z</attachTime><deleteOnTermination>true</deleteOnTermination></attachment>\
<privateIpAddressesSet><item><privateIpAddress>${'ip'}</privateIpAddress><primary>true</primary></item></privateIpAddressesSet>\
<interfaceType>interface</interfaceType></item></networkInterfaceSet>\
<iamInstanceProfile><arn>arn:aws:iam::123456789012:instance-profile/web</arn><id>AIPA0123456789EXAMPLE</id></iamInstanceProfile>\
<ebsOptimized>true</ebsOptimized><enaSupport>true</enaSupport>\
<cpuOptions><coreCount>2</coreCount><threadsPerCore>1</threadsPerCore></cpuOptions>\
<metadataOptions><state>applied</state><httpTokens>required</httpTokens><httpPutResponseHopLimit>2</httpPutResponseHopLimit>\
<httpEndpoint>enabled</httpEndpoint></metadataOptions>\
<tagSet><item><key>Name</key><value>${'name'}</value></item><item><key>Team</key><value>payments</value></item></tagSet></item>`;
