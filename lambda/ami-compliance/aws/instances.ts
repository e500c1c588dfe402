/**
 * Instances: every live instance of the region, one DescribeInstances page at a time (the next page
 * requested early from the raw reply's NextToken), one instance by ID, and the facts the evaluator reads.
 *
 * IAM: ec2:DescribeInstances.
 */
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandOutput,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import type { InstanceFacts } from '../evaluate';
import { errorCode, PageTokens, tagMap } from './shared';

/** Instance states a sweep evaluates; terminated (and shutting-down) instances are filtered out server-side. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** The most instances DescribeInstances returns in one page. */
export const INSTANCE_PAGE_SIZE = 1000;

/** One DescribeInstances page. */
export interface InstancePage {
  readonly instances: InstanceFacts[];
  /** True when EC2 announced another page (a NextToken). */
  readonly more: boolean;
}

/**
 * Yields every live instance of the region, one DescribeInstances page (up to 1000 instances) at a time.
 *
 * With `prefetch`, the next page is requested as soon as this page's bytes arrive, with the NextToken read
 * from the end of the raw reply, so its round trip overlaps the parsing of this page (parsing is most of a
 * sweep's CPU). The parsed NextToken stays the authority: an early request with another token is dropped
 * and the page asked for again. At most one page is requested beyond the one the caller is waiting for.
 * @throws when EC2 hands back a NextToken it already gave: paging on would loop until the Lambda times out
 */
export async function* listInstancePages(ec2: EC2Client, options: { prefetch?: boolean } = {}): AsyncGenerator<InstancePage> {
  const tokens = new PageTokens('DescribeInstances');
  let request = new PageRequest(ec2, undefined, options.prefetch === true);
  try {
    for (;;) {
      request.wanted();
      const page = await request.reply;
      const NextToken = tokens.next(page.NextToken);
      const instances = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstanceFacts);
      if (NextToken === undefined) {
        yield { instances, more: false };
        return;
      }
      yield { instances, more: true };
      // Only once the caller asks for it: the next page is requested (or its early request kept) here.
      const early = request.successor;
      request.successor = undefined; // no chain from page to page: a page's reply is freed once it is read
      request = early?.token === NextToken ? early : new PageRequest(ec2, NextToken, options.prefetch === true);
      if (early !== request) early?.drop();
    }
  } finally {
    request.drop();
  }
}

/** Where EC2 puts the NextToken of a DescribeInstances reply: the last element before the end. */
const NEXT_TOKEN_OPEN = '<nextToken>';
const NEXT_TOKEN_CLOSE = '</nextToken>';

/** One DescribeInstances call, which may request its successor early (see {@link listInstancePages}). */
class PageRequest {
  readonly reply: Promise<DescribeInstancesCommandOutput>;
  /** The next page, requested early with the NextToken read from this page's raw reply. */
  successor?: PageRequest;
  private peeked?: string;
  private isWanted = false;
  private dropped = false;

  constructor(
    private readonly ec2: EC2Client,
    readonly token: string | undefined,
    private readonly prefetch: boolean,
  ) {
    const command = new DescribeInstancesCommand({
      MaxResults: INSTANCE_PAGE_SIZE,
      NextToken: token,
      Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }],
    });
    if (prefetch) {
      // Innermost, after the deserializer in the stack: sees each attempt's raw reply before it is parsed.
      // A deserialize-step middleware, typed by hand: the SDK's types for it live in @smithy/types, not a dependency here.
      const peekNextToken = (next: (args: object) => Promise<{ response: unknown }>) => async (args: object) => {
        const result = await next(args);
        const response = result.response as { statusCode?: number; body?: unknown };
        if (response.statusCode === 200 && response.body !== undefined) {
          const bytes = response.body instanceof Uint8Array ? response.body : await ec2.config.streamCollector(response.body);
          response.body = bytes; // the deserializer reads a Uint8Array as it is
          // Parsing holds the thread for a while: let the next page's request go out first.
          if (this.peek(bytes)) await new Promise((resolve) => setImmediate(resolve));
        }
        return result;
      };
      command.middlewareStack.addRelativeTo(
        peekNextToken as unknown as Parameters<typeof command.middlewareStack.addRelativeTo>[0],
        {
          relation: 'after',
          toMiddleware: 'deserializerMiddleware',
          name: 'peekNextToken',
        },
      );
    }
    this.reply = (async () => ec2.send(command))(); // sent now; a promise even where a test double answers plainly
    this.reply.catch(() => undefined); // observed by whoever awaits it; a dropped request's error goes nowhere
  }

  /** The caller now waits for this page: its successor may be requested as soon as its bytes are here. */
  wanted(): void {
    this.isWanted = true;
    this.requestSuccessor();
  }

  /** The page will not be read: neither it nor anything after it starts a request any more. */
  drop(): void {
    this.dropped = true;
    this.successor?.drop();
  }

  /** Reads the NextToken from the raw reply; true when that started the next page's request. */
  private peek(bytes: Uint8Array): boolean {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const open = text.lastIndexOf(NEXT_TOKEN_OPEN);
    const close = open < 0 ? -1 : text.indexOf(NEXT_TOKEN_CLOSE, open);
    this.peeked = close < 0 ? undefined : text.toString('latin1', open + NEXT_TOKEN_OPEN.length, close);
    return this.requestSuccessor();
  }

  private requestSuccessor(): boolean {
    if (!this.isWanted || this.dropped || this.successor || !this.peeked || this.peeked === this.token) return false;
    this.successor = new PageRequest(this.ec2, this.peeked, this.prefetch);
    return true;
  }
}

/** Describes one instance, or `undefined` when EC2 no longer knows it (InvalidInstanceID.NotFound). */
export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstanceFacts | undefined> {
  try {
    const reply = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return (reply.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(toInstanceFacts)[0];
  } catch (err) {
    if (errorCode(err) === 'InvalidInstanceID.NotFound') return undefined;
    throw err;
  }
}

function toInstanceFacts(instance: Instance): InstanceFacts {
  if (!instance.InstanceId || !instance.ImageId) {
    // EC2 always sets both; an instance without them cannot be judged, and must not be skipped silently.
    throw new Error(`DescribeInstances returned an instance without InstanceId/ImageId: ${instance.InstanceId ?? '(no id)'}`);
  }
  return {
    instanceId: instance.InstanceId,
    imageId: instance.ImageId,
    state: instance.State?.Name,
    tags: tagMap(instance.Tags),
    launchTime: instance.LaunchTime,
    createdAt: createdAt(instance),
  };
}

/** When the instance was first launched: LaunchTime moves with every start, the primary interface's attach time does not. */
function createdAt(instance: Instance): Date | undefined {
  const primary = instance.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0)?.Attachment?.AttachTime;
  const times = [instance.LaunchTime, primary].filter((t): t is Date => t instanceof Date);
  return times.length > 0 ? new Date(Math.min(...times.map((t) => t.getTime()))) : undefined;
}
