/**
 * Reads the approved AMIs once per invocation, to find the replacement of a stale one: DescribeImages
 * with the approval tag as a filter (and the trusted owners), one call per 1,000 images, plus the AMIs
 * of the approved-ID list through the invocation's image catalog (one call per 200 IDs not yet described).
 */
import { DescribeImagesCommand, type EC2Client, type Image } from '@aws-sdk/client-ec2';
import { PageTokens, toImageFacts, type ImageCatalog } from './aws';
import type { RuleParameters } from './contract';
import { isApprovedImage, type ImageFacts } from './evaluate';
import { ApprovedImages, freshnessApplies, freshnessProblem } from './freshness';

/** Images per DescribeImages page (the API's maximum). */
export const APPROVED_IMAGE_PAGE_SIZE = 1000;

/**
 * The approved AMIs this account can launch, as an index for {@link ApprovedImages.replacementFor}.
 * DescribeImages calls: ceil(tagged approved AMIs / 1000), plus ceil(listed IDs not yet described / 200).
 * @throws on any API error: the caller decides whether a replacement is worth failing for
 */
async function loadApprovedImages(
  ec2: EC2Client,
  catalog: ImageCatalog,
  params: RuleParameters,
  approvedImageIds: ReadonlySet<string> | undefined,
  now: Date,
): Promise<ApprovedImages> {
  const images: ImageFacts[] = [];
  const tokens = new PageTokens('DescribeImages (approved images)');
  const owners = params.trustedOwners && params.trustedOwners.length > 0 ? [...params.trustedOwners] : undefined;
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeImagesCommand({
        Owners: owners,
        Filters: [
          { Name: `tag:${params.tagKey}`, Values: [...params.tagValues] },
          { Name: 'state', Values: ['available'] },
        ],
        MaxResults: APPROVED_IMAGE_PAGE_SIZE,
        NextToken,
      }),
    );
    images.push(...(page.Images ?? []).map((image: Image) => toImageFacts(image)));
    NextToken = tokens.next(page.NextToken);
  } while (NextToken);
  if (approvedImageIds && approvedImageIds.size > 0) {
    await catalog.load(approvedImageIds);
    for (const id of approvedImageIds) {
      const image = catalog.get(id);
      if (image) images.push(image);
    }
  }
  return new ApprovedImages(images, (image) => isApprovedImage(image as ImageFacts, params, approvedImageIds), params, now);
}

/**
 * Loads the approved AMIs at most once per invocation, and only when an approved AMI turns out stale:
 * a sweep where every approved AMI is fresh (or freshness is off) makes no extra call.
 */
export class ReplacementSource {
  private readonly checked = new Set<string>();
  private loaded?: Promise<ApprovedImages>;

  constructor(
    private readonly ec2: EC2Client,
    private readonly catalog: ImageCatalog,
    private readonly params: RuleParameters,
    private readonly approvedImageIds: ReadonlySet<string> | undefined,
    private readonly now: Date,
  ) {}

  /** The approved AMIs, once one of `images` is approved and stale (or they were loaded before); else `undefined`. */
  async whenNeeded(images: Iterable<ImageFacts | undefined>): Promise<ApprovedImages | undefined> {
    if (this.loaded) return this.loaded;
    if (!freshnessApplies(this.params)) return undefined;
    for (const image of images) {
      if (!image || this.checked.has(image.imageId)) continue;
      this.checked.add(image.imageId);
      if (isApprovedImage(image, this.params, this.approvedImageIds) && freshnessProblem(image, this.params, this.now)) {
        this.loaded = loadApprovedImages(this.ec2, this.catalog, this.params, this.approvedImageIds, this.now);
        return this.loaded;
      }
    }
    return undefined;
  }
}
