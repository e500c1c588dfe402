/**
 * A model of the AWS APIs the rule Lambda calls, at the AWS SDK's transport: the real SDK clients
 * serialize each request, sign it, retry it (adaptive mode, with its client-side rate limiter) and parse
 * the reply; only the HTTP round trip is replaced. The model answers like AWS does:
 *  - every call takes `latencyMs`;
 *  - DescribeInstances pages by at most 1,000 instances, DescribeImages answers by ID (a missing ID fails
 *    the whole call with InvalidAMIID.NotFound) or by the image-id filter, PutEvaluations takes at most 100;
 *  - above a per-operation rate (a token bucket holding one second of calls, as EC2 documents) a call is
 *    throttled: EC2 answers HTTP 503 `RequestLimitExceeded`, Config HTTP 400 `ThrottlingException`.
 * The fleet is generated page by page from the instance index, so the model itself stays small next to
 * the sweep whose memory is measured. A page is written from templates encoded once (fixed bytes copied,
 * only IDs and addresses written per instance), so the model's CPU, which a real AWS spends on its own
 * side, stays small next to the sweep's (`modelMs` counts it).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lazyAwsClients, type AwsClients, type ClientOverrides } from '../../lambda/ami-compliance/aws';
import { hex17, imageId, imageTags } from './fleet';
import { ByteWriter, DESCRIBE_INSTANCES, FULL_INSTANCE, instanceValues, LEAN_INSTANCE, RESERVATION } from './templates';
import {
  ec2Error,
  ec2Reply,
  jsonError,
  jsonReply,
  respond,
  respondBytes,
  xmlTags,
  type HttpRequest,
  type HttpResponse,
} from './wire';

/** The operations the model knows. */
export type Operation = 'DescribeInstances' | 'DescribeImages' | 'PutEvaluations' | 'GetParameter' | 'AssumeRole';

/** The fleet and how the APIs behave. */
export interface AwsModelOptions {
  /** Live instances in the region. */
  readonly instances: number;
  /** Distinct AMIs; instance i runs AMI `i % images`. @default 300 */
  readonly images?: number;
  /** AMIs at the end of the list that EC2 no longer knows (deregistered). @default 0 */
  readonly missingImages?: number;
  /** Milliseconds every call takes. @default 0 */
  readonly latencyMs?: number;
  /** Milliseconds particular operations take instead of `latencyMs`, e.g. a slower DescribeInstances page. @default none */
  readonly operationLatencyMs?: Partial<Record<Operation, number>>;
  /** Calls per second each operation accepts before it throttles. @default no throttling */
  readonly rateLimits?: Partial<Record<Operation, number>>;
  /**
   * How much EC2 says about an instance: `full` carries the fields a real reply has (about 2.5 KB of XML,
   * so parsing costs what it costs in AWS); `lean` only what the rule reads, for fast tests. @default 'full'
   */
  readonly detail?: 'full' | 'lean';
  /** DescribeInstances hands back the same NextToken forever (a pagination bug). @default false */
  readonly repeatNextToken?: boolean;
  /** Value of the SSM StringList parameter, when the rule reads one. @default none (ParameterNotFound) */
  readonly approvedImageIds?: string;
  /** CreationDate of AMI j (ISO 8601). @default none in the reply */
  readonly imageCreated?: (j: number) => string | undefined;
  /** DeprecationTime of AMI j (ISO 8601). @default none */
  readonly imageDeprecated?: (j: number) => string | undefined;
  /** Name of AMI j. @default `golden-<j>` */
  readonly imageName?: (j: number) => string;
  /** Keep every annotation Config receives, by instance ID (small fleets only). @default false */
  readonly keepAnnotations?: boolean;
  /** Role ARNs whose sts:AssumeRole is refused with AccessDenied (every other role is assumed). @default none */
  readonly deniedRoles?: readonly string[];
}

/** A modelled AWS account and region, with counters of what the sweep asked and what Config received. */
export class AwsModel {
  readonly instances: number;
  readonly images: number;
  /** Calls answered (throttled ones included), by operation. */
  readonly calls: Record<Operation, number> = {
    DescribeInstances: 0,
    DescribeImages: 0,
    PutEvaluations: 0,
    GetParameter: 0,
    AssumeRole: 0,
  };
  /** Calls answered with a throttling error, by operation. */
  readonly throttled: Record<Operation, number> = {
    DescribeInstances: 0,
    DescribeImages: 0,
    PutEvaluations: 0,
    GetParameter: 0,
    AssumeRole: 0,
  };
  /** Evaluations Config accepted, per instance index (a count, so a duplicate shows as 2). */
  readonly received: Uint8Array;
  /** Accepted evaluations by compliance type. */
  readonly receivedByCompliance: Record<string, number> = {};
  /** Evaluations accepted for IDs that are not instances of the fleet. */
  unknownEvaluations = 0;
  /** AMI IDs asked for with DescribeImages, counted per ID. */
  readonly imageRequests = new Map<string, number>();
  /** The annotations Config received, by instance ID, when `keepAnnotations` is set. */
  readonly annotations = new Map<string, string>();
  /** DescribeImages calls with a tag filter (the approved images read by a freshness sweep). */
  taggedImageQueries = 0;
  /** Milliseconds the model spent reading requests and building replies: CPU a real AWS spends on its side, not in the Lambda. */
  modelMs = 0;

  private readonly buckets = new Map<Operation, { tokens: number; at: number }>();

  constructor(readonly options: AwsModelOptions) {
    this.instances = options.instances;
    this.images = options.images ?? 300;
    this.received = new Uint8Array(options.instances);
  }

  /** Real SDK clients, configured as the Lambda configures them, whose HTTP round trips this model answers. */
  clients(): AwsClients {
    return lazyAwsClients({ region: 'eu-west-1', ...this.overrides() });
  }

  /** Client settings (credentials and a request handler) whose HTTP round trips this model answers, for any SDK client. */
  overrides(): Pick<ClientOverrides, 'credentials' | 'requestHandler'> {
    return {
      credentials: { accessKeyId: 'AKIDMODEL', secretAccessKey: 'model' },
      requestHandler: { handle: (request: HttpRequest) => this.handle(request) } as ClientOverrides['requestHandler'],
    };
  }

  /**
   * The same model behind a real HTTP server on 127.0.0.1, for clients that go through the SDK's own HTTP
   * handler (replies arrive as streams, as in Lambda). Close it when done.
   */
  async serve(): Promise<{ clients: AwsClients; endpoint: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        this.handle({ headers, body: Buffer.concat(chunks).toString('utf8') }).then(
          ({ response }) => {
            res.writeHead(response.statusCode, response.headers);
            res.end(response.body);
          },
          (err: Error) => {
            res.writeHead(500);
            res.end(err.message);
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const clients = lazyAwsClients({
      region: 'eu-west-1',
      endpoint,
      credentials: { accessKeyId: 'AKIDMODEL', secretAccessKey: 'model' },
    });
    const close = () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    return { clients, endpoint, close };
  }

  /** Evaluations Config accepted in total. */
  get receivedTotal(): number {
    return Object.values(this.receivedByCompliance).reduce((a, b) => a + b, 0);
  }

  /** How many instances received exactly `n` evaluations. */
  instancesReceiving(n: number): number {
    let count = 0;
    for (const c of this.received) if (c === n) count++;
    return count;
  }

  private async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const body =
      typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array | undefined);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = (target ? target.split('.')[1] : new URLSearchParams(body).get('Action')) as Operation;
    if (!(operation in this.calls)) throw new Error(`AWS model: ${operation || target} is not modelled`);
    this.calls[operation]++;
    const admitted = this.admit(operation);
    const latency = this.options.operationLatencyMs?.[operation] ?? this.options.latencyMs;
    if (latency) await new Promise((resolve) => setTimeout(resolve, latency));
    if (!admitted) {
      this.throttled[operation]++;
      return operation === 'DescribeInstances' || operation === 'DescribeImages'
        ? ec2Error('RequestLimitExceeded', 'Request limit exceeded.')
        : jsonError('ThrottlingException', 'Rate exceeded');
    }
    const started = performance.now();
    try {
      return this.answer(operation, body);
    } finally {
      this.modelMs += performance.now() - started;
    }
  }

  private answer(operation: Operation, body: string): { response: HttpResponse } {
    switch (operation) {
      case 'DescribeInstances':
        return this.describeInstances(new URLSearchParams(body));
      case 'DescribeImages':
        return this.describeImages(new URLSearchParams(body));
      case 'PutEvaluations':
        return this.putEvaluations(JSON.parse(body));
      case 'GetParameter':
        return this.getParameter(JSON.parse(body));
      case 'AssumeRole':
        return this.assumeRole(new URLSearchParams(body));
    }
  }

  /** Token bucket per operation: holds one second of calls, refills at the rate. */
  private admit(operation: Operation): boolean {
    const rate = this.options.rateLimits?.[operation];
    if (rate === undefined) return true;
    const now = performance.now();
    const bucket = this.buckets.get(operation) ?? { tokens: rate, at: now };
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    this.buckets.set(operation, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private describeInstances(query: URLSearchParams): { response: HttpResponse } {
    const maxResults = Number(query.get('MaxResults') ?? 1000);
    if (maxResults < 5 || maxResults > 1000) return ec2Error('InvalidParameterValue', 'MaxResults must be between 5 and 1000');
    const start = this.options.repeatNextToken && query.get('NextToken') ? 0 : Number(query.get('NextToken') ?? 0);
    const end = Math.min(start + maxResults, this.instances);
    const more = end < this.instances;
    const token = more ? (this.options.repeatNextToken ? 'same-token' : String(end)) : undefined;
    const instance = this.options.detail === 'lean' ? LEAN_INSTANCE : FULL_INSTANCE;
    const out = new ByteWriter((end - start) * instance.size);
    DESCRIBE_INSTANCES.head.render(out, {});
    // 50 instances per reservation, as a launch of many instances groups them
    for (let r = start; r < end; r += 50) {
      RESERVATION.head.render(out, { hex: hex17(r) });
      for (let i = r; i < Math.min(r + 50, end); i++) instance.render(out, instanceValues(i, this.images));
      RESERVATION.tail.render(out, {});
    }
    DESCRIBE_INSTANCES.tail.render(out, { next: token ? `<nextToken>${token}</nextToken>` : '' });
    return respondBytes(200, 'text/xml;charset=UTF-8', out.bytes());
  }

  private describeImages(query: URLSearchParams): { response: HttpResponse } {
    const byId = [...query.entries()].filter(([k]) => /^ImageId\.\d+$/.test(k)).map(([, v]) => v);
    const filterName = query.get('Filter.1.Name');
    const byFilter = [...query.entries()].filter(([k]) => /^Filter\.1\.Value\.\d+$/.test(k)).map(([, v]) => v);
    if (filterName?.startsWith('tag:')) return this.describeTaggedImages(filterName.slice(4), byFilter, query);
    const ids = byId.length > 0 ? byId : byFilter;
    for (const id of ids) this.imageRequests.set(id, (this.imageRequests.get(id) ?? 0) + 1);
    const known = (id: string): number | undefined => {
      const j = /^ami-[0-9a-f]{17}$/.test(id) ? Number.parseInt(id.slice(4), 16) : NaN;
      return j >= 0 && j < this.liveImages ? j : undefined;
    };
    if (byId.length > 0 && byId.some((id) => known(id) === undefined)) {
      return ec2Error('InvalidAMIID.NotFound', `The image id '[${byId.find((id) => known(id) === undefined)}]' does not exist`);
    }
    const items = ids.flatMap((id) => {
      const j = known(id);
      return j === undefined ? [] : [this.imageXml(j)];
    });
    return ec2Reply('DescribeImages', `<imagesSet>${items.join('')}</imagesSet>`);
  }

  /** AMIs the model still knows. */
  private get liveImages(): number {
    return this.images - (this.options.missingImages ?? 0);
  }

  /** DescribeImages with a tag filter (the approved images of a freshness sweep), paged by MaxResults. */
  private describeTaggedImages(key: string, values: string[], query: URLSearchParams): { response: HttpResponse } {
    this.taggedImageQueries++;
    const maxResults = Number(query.get('MaxResults') ?? 1000);
    const start = Number(query.get('NextToken') ?? 0);
    const matching: number[] = [];
    for (let j = 0; j < this.liveImages; j++) if (values.includes(imageTags(j)[key])) matching.push(j);
    const page = matching.slice(start, start + maxResults);
    const next = start + maxResults < matching.length ? `<nextToken>${start + maxResults}</nextToken>` : '';
    return ec2Reply('DescribeImages', `<imagesSet>${page.map((j) => this.imageXml(j)).join('')}</imagesSet>${next}`);
  }

  private imageXml(j: number): string {
    const created = this.options.imageCreated?.(j);
    const deprecated = this.options.imageDeprecated?.(j);
    const name = this.options.imageName?.(j) ?? `golden-${j}`;
    return (
      `<item><imageId>${imageId(j)}</imageId><imageLocation>111111111111/${name}</imageLocation>` +
      `<imageState>available</imageState><imageOwnerId>111111111111</imageOwnerId><isPublic>false</isPublic>` +
      `<architecture>arm64</architecture><imageType>machine</imageType><name>${name}</name>` +
      (created ? `<creationDate>${created}</creationDate>` : '') +
      (deprecated ? `<deprecationTime>${deprecated}</deprecationTime>` : '') +
      `<virtualizationType>hvm</virtualizationType><platformDetails>Linux/UNIX</platformDetails>` +
      `<rootDeviceType>ebs</rootDeviceType><tagSet>${xmlTags(imageTags(j))}</tagSet></item>`
    );
  }

  private putEvaluations(input: {
    Evaluations?: { ComplianceResourceId: string; ComplianceType: string; Annotation?: string }[];
  }) {
    const evaluations = input.Evaluations ?? [];
    if (evaluations.length === 0 || evaluations.length > 100) {
      return jsonError('ValidationException', `Evaluations must hold 1 to 100 items, got ${evaluations.length}`, 400);
    }
    for (const e of evaluations) {
      const i = /^i-[0-9a-f]{17}$/.test(e.ComplianceResourceId) ? Number.parseInt(e.ComplianceResourceId.slice(2), 16) : -1;
      if (i >= 0 && i < this.instances) this.received[i] = Math.min(255, this.received[i] + 1);
      else this.unknownEvaluations++;
      this.receivedByCompliance[e.ComplianceType] = (this.receivedByCompliance[e.ComplianceType] ?? 0) + 1;
      if (this.options.keepAnnotations)
        this.annotations.set(e.ComplianceResourceId, `${e.ComplianceType}: ${e.Annotation ?? ''}`);
    }
    return jsonReply({ FailedEvaluations: [] });
  }

  /** STS AssumeRole: credentials for any role but the denied ones. */
  private assumeRole(query: URLSearchParams): { response: HttpResponse } {
    const role = query.get('RoleArn') ?? '';
    if (this.options.deniedRoles?.includes(role)) {
      const xml =
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
        `<Message>User: arn:aws:iam::999999999999:user/auditor is not authorized to perform: sts:AssumeRole on resource: ${role}</Message>` +
        `</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>`;
      return respond(403, 'text/xml', xml);
    }
    const xml =
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
      `<AccessKeyId>ASIAMODEL</AccessKeyId><SecretAccessKey>model</SecretAccessKey><SessionToken>token</SessionToken>` +
      `<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAMODEL:${query.get('RoleSessionName') ?? ''}</AssumedRoleId>` +
      `<Arn>${role}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    return respond(200, 'text/xml', xml);
  }

  private getParameter(input: { Name: string }) {
    const value = this.options.approvedImageIds;
    if (value === undefined) return jsonError('ParameterNotFound', `Parameter ${input.Name} not found.`, 400);
    return jsonReply({ Parameter: { Name: input.Name, Type: 'StringList', Value: value, Version: 1 } });
  }
}
