/**
 * Images: DescribeImages in batches, cached for one invocation (a missing image remembered as missing),
 * and the facts the evaluator reads of an image.
 *
 * IAM: ec2:DescribeImages.
 */
import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import type { ImageFacts } from '../evaluate';
import { errorCode, PageTokens, tagMap } from './shared';

/** Error codes DescribeImages returns for a whole request when one of its ImageIds is missing or odd. */
const MISSING_IMAGE_ERRORS = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Malformed', 'InvalidAMIID.Unavailable']);

/** The most AMI IDs in one DescribeImages call (EC2 accepts at most 200 values in one filter). */
export const IMAGE_BATCH_SIZE = 200;

/**
 * Image facts for one invocation: each distinct AMI ID is described once, in batches, and cached.
 * A missing image (deregistered, or not shared with this account) is remembered as missing, not an error.
 */
export class ImageCatalog {
  private readonly cache = new Map<string, ImageFacts | null>();

  /**
   * @param batchSize IDs per DescribeImages call. @default IMAGE_BATCH_SIZE
   * @param concurrency DescribeImages calls in flight at once. @default 1
   */
  constructor(
    private readonly ec2: EC2Client,
    private readonly batchSize = IMAGE_BATCH_SIZE,
    private readonly concurrency = 1,
  ) {}

  /** Describes the IDs not described yet, in batches of `batchSize`, up to `concurrency` batches at a time. */
  async load(imageIds: Iterable<string>): Promise<void> {
    const todo = [...new Set(imageIds)].filter((id) => !this.cache.has(id));
    const batches: string[][] = [];
    for (let i = 0; i < todo.length; i += this.batchSize) batches.push(todo.slice(i, i + this.batchSize));
    await inParallel(batches, this.concurrency, async (batch) => {
      const images = await this.describe(batch);
      for (const image of images) if (image.ImageId) this.cache.set(image.ImageId, toImageFacts(image));
      for (const id of batch) if (!this.cache.has(id)) this.cache.set(id, null);
    });
  }

  /** The facts for a loaded ID, or `undefined` when the image was not found. */
  get(imageId: string): ImageFacts | undefined {
    const facts = this.cache.get(imageId);
    if (facts === undefined) throw new Error(`ImageCatalog.get(${imageId}) before load(): this is a bug`);
    return facts ?? undefined;
  }

  private async describe(ids: string[]): Promise<Image[]> {
    const wide = { IncludeDeprecated: true, IncludeDisabled: true };
    try {
      return (await this.ec2.send(new DescribeImagesCommand({ ImageIds: ids, ...wide }))).Images ?? [];
    } catch (err) {
      if (!MISSING_IMAGE_ERRORS.has(errorCode(err) ?? '')) throw err;
    }
    // ImageIds fails whole when one ID is missing; the image-id filter returns just the ones that exist.
    const images: Image[] = [];
    const tokens = new PageTokens('DescribeImages');
    let NextToken: string | undefined;
    do {
      const page = await this.ec2.send(
        new DescribeImagesCommand({ Filters: [{ Name: 'image-id', Values: ids }], NextToken, ...wide }),
      );
      images.push(...(page.Images ?? []));
      NextToken = tokens.next(page.NextToken);
    } while (NextToken);
    return images;
  }
}

/** Runs `work` over `items`, at most `concurrency` at a time; rejects with the first error after the others settle. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      try {
        await work(items[next++]);
      } catch (err) {
        failed = true; // the other workers finish their item and take no new one
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/** The facts the evaluator reads of a DescribeImages item. */
export function toImageFacts(image: Image): ImageFacts {
  return {
    imageId: image.ImageId ?? '',
    ownerId: image.OwnerId,
    ownerAlias: image.ImageOwnerAlias,
    tags: tagMap(image.Tags),
    name: image.Name,
    creationDate: image.CreationDate,
    deprecationTime: image.DeprecationTime,
    architecture: image.Architecture,
    platform: image.PlatformDetails ?? (image.Platform ? 'Windows' : undefined),
    virtualizationType: image.VirtualizationType,
  };
}
