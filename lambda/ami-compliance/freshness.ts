/**
 * Freshness, as pure functions: is an approved AMI too old or deprecated, which family it belongs to,
 * and which approved AMI of the same family to move to. No SDK, no clock of its own: `now` is an
 * argument, the approved images are a list the adapter read once per invocation.
 */
import { DEFAULT_DEPRECATED_IMAGES, type FindingReason, type RuleParameters } from './contract';

/** What freshness reads of an AMI (all from DescribeImages, which the sweep calls anyway). */
export interface ImageLaunchFacts {
  readonly imageId: string;
  /** The AMI name. */
  readonly name?: string;
  /** `CreationDate` as EC2 returns it (ISO 8601); absent or unreadable means the age is unknown. */
  readonly creationDate?: string;
  /** `DeprecationTime` as EC2 returns it (ISO 8601); absent when the AMI has none. */
  readonly deprecationTime?: string;
  /** `x86_64`, `arm64`, `i386`, `x86_64_mac`, `arm64_mac`. */
  readonly architecture?: string;
  /** `PlatformDetails`, e.g. `Linux/UNIX`, `Windows`, `Red Hat Enterprise Linux`. */
  readonly platform?: string;
  /** `hvm` or `paravirtual`. */
  readonly virtualizationType?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The settings of freshness, a subset of the rule parameters. */
export type FreshnessSettings = Pick<RuleParameters, 'maxImageAgeDays' | 'deprecatedImages' | 'familyTagKey'>;

/** An approved AMI to move to. */
export interface Replacement {
  readonly imageId: string;
  readonly name?: string;
  /** Whole days since its CreationDate. */
  readonly ageDays: number;
}

/** Why an approved AMI is stale, in words, and which kind of finding that is. */
export interface FreshnessProblem {
  readonly reason: Extract<FindingReason, 'stale' | 'deprecated'>;
  /** One sentence, e.g. `AMI ami-… (golden-2026-03-02) is 212 days old (max 180).` */
  readonly problem: string;
}

const DAY_MS = 86_400_000;
/** How much of an AMI name an annotation quotes, so the problem and the fix fit Config's 256 characters. */
const NAME_IN_ANNOTATION = 48;

/** True when the settings can make an approved AMI stale: the evaluator then needs the approved images. */
export function freshnessApplies(settings: FreshnessSettings): boolean {
  return settings.maxImageAgeDays !== undefined || (settings.deprecatedImages ?? DEFAULT_DEPRECATED_IMAGES) === 'stale';
}

/** Parses an EC2 timestamp; `undefined` when absent or unreadable. */
function parseTime(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** Whole days from `creationDate` to `now` (an AMI created 23 hours ago is 0 days old); `undefined` when unreadable. */
function imageAgeDays(creationDate: string | undefined, now: Date): number | undefined {
  const created = parseTime(creationDate);
  return created === undefined ? undefined : Math.floor((now.getTime() - created) / DAY_MS);
}

/**
 * Why an approved AMI is stale, or `undefined` when it is fresh. Deprecation wins over age. An AMI whose
 * age cannot be read (no CreationDate, or one that does not parse) is stale when an age limit is set:
 * an unreadable fact never proves an image fresh.
 */
export function freshnessProblem(image: ImageLaunchFacts, settings: FreshnessSettings, now: Date): FreshnessProblem | undefined {
  const label = describeImage(image);
  if ((settings.deprecatedImages ?? DEFAULT_DEPRECATED_IMAGES) === 'stale' && image.deprecationTime !== undefined) {
    const deprecated = parseTime(image.deprecationTime);
    if (deprecated === undefined) {
      return {
        reason: 'deprecated',
        problem: `AMI ${label} has an unreadable DeprecationTime ${JSON.stringify(image.deprecationTime.slice(0, 40))}.`,
      };
    }
    if (deprecated <= now.getTime()) {
      return {
        reason: 'deprecated',
        problem: `AMI ${label} was deprecated on ${new Date(deprecated).toISOString().slice(0, 10)}.`,
      };
    }
  }
  const max = settings.maxImageAgeDays;
  if (max === undefined) return undefined;
  const age = imageAgeDays(image.creationDate, now);
  if (age === undefined) {
    const what =
      image.creationDate === undefined
        ? 'no CreationDate'
        : `an unreadable CreationDate ${JSON.stringify(image.creationDate.slice(0, 40))}`;
    return { reason: 'stale', problem: `AMI ${label} has ${what}, so its age (max ${max} days) cannot be checked.` };
  }
  if (age > max) return { reason: 'stale', problem: `AMI ${label} is ${age} days old (max ${max}).` };
  return undefined;
}

/** `ami-… (name)`, the name clipped so an annotation keeps its shape. */
function describeImage(image: { imageId: string; name?: string }): string {
  return image.name ? `${image.imageId} (${clip(image.name)})` : image.imageId;
}

/** The sentence telling the owner where to move: the replacement, or that none exists and for which family. */
export function replacementAdvice(
  image: ImageLaunchFacts,
  approved: ApprovedImages | undefined,
  settings: FreshnessSettings,
): string {
  const replacement = approved?.replacementFor(image);
  if (replacement) {
    const name = replacement.name ? `${clip(replacement.name)}, ` : '';
    return `Move to ${replacement.imageId} (${name}${replacement.ageDays} days old).`;
  }
  const family = familyOf(image, settings);
  if (family === undefined) {
    const why = settings.familyTagKey ? `has no tag ${settings.familyTagKey}` : 'has no name to take a family from';
    return `No replacement: the AMI ${why}. Ask the image pipeline for a current approved AMI.`;
  }
  const kind = [image.architecture, image.platform].filter(Boolean).join(' ');
  if (approved === undefined) return `Move to a current approved AMI of family ${JSON.stringify(clip(family))}.`;
  return `No fresh approved AMI of family ${JSON.stringify(clip(family))}${kind ? ` for ${kind}` : ''}: ask the image pipeline for one.`;
}

/**
 * The family of an AMI: the value of `familyTagKey` when the settings name one (an AMI without that tag
 * has no family), else the family by {@link imageFamily} of its name.
 */
function familyOf(image: ImageLaunchFacts, settings: FreshnessSettings): string | undefined {
  if (settings.familyTagKey !== undefined) {
    const value = image.tags[settings.familyTagKey];
    return value === undefined || value === '' ? undefined : value;
  }
  return image.name === undefined ? undefined : imageFamily(image.name);
}

/** A date stamp: `YYYYMMDD`, `YYYY-MM-DD`, `YYYY.MM.DD` or `YYYY_MM_DD`, optionally with a time, not inside a longer number. */
const DATE_STAMP = /(?<!\d)(?:19|20)\d{2}([-._]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])(?:[T_.-]?\d{4}(?:\d{2})?Z?)?(?!\d)/;
/** A trailing `v`-version: `-v1`, `-v1.2.3`, `_v20`. */
const TRAILING_V_VERSION = /[-_. ]v\d+(?:\.\d+)*$/i;
/** A trailing dotted version or a build timestamp: `-1.2.3`, `-1732012345` (when the name has no date stamp). */
const TRAILING_VERSION = /[-_ ](?:\d+(?:\.\d+)+|\d{9,})$/;
const SEPARATORS_AT_END = /[-_./ ]+$/;
const SEPARATORS_AT_START = /^[-_./ ]+/;

/**
 * The family rule: the AMI name without what changes from release to release.
 * 1. Every date stamp is removed, with the rest of the dotted version it sits in
 *    (`al2023-ami-2023.6.20241121.0-kernel-6.1-x86_64` → `al2023-ami-kernel-6.1-x86_64`).
 * 2. A trailing `v`-version is removed (`web-base-v1.4.2` → `web-base`).
 * 3. Only when there was no date stamp: a trailing dotted version or build timestamp is removed
 *    (`web-base-1.4.2` → `web-base`), so `ubuntu-24.04-20241119` keeps its `24.04`.
 * Separators left at the seams are merged. A name that is nothing but a release has no family.
 */
export function imageFamily(name: string): string | undefined {
  let rest = name;
  let dated = false;
  for (let match = DATE_STAMP.exec(rest); match; match = DATE_STAMP.exec(rest)) {
    dated = true;
    let start = match.index;
    let end = start + match[0].length;
    while (start > 0 && /[\d.]/.test(rest[start - 1])) start--;
    while (end < rest.length && /[\d.]/.test(rest[end])) end++;
    rest = join(rest.slice(0, start), rest.slice(end));
  }
  rest = rest.replace(TRAILING_V_VERSION, '');
  if (!dated) rest = rest.replace(TRAILING_VERSION, '');
  rest = rest.replace(SEPARATORS_AT_END, '').replace(SEPARATORS_AT_START, '');
  return rest === '' ? undefined : rest;
}

/** Joins two parts of a name around a removed piece with one separator (the left one). */
function join(left: string, right: string): string {
  const separator = /[-_./ ]$/.exec(left)?.[0] ?? /^[-_./ ]/.exec(right)?.[0] ?? '';
  const l = left.replace(SEPARATORS_AT_END, '');
  const r = right.replace(SEPARATORS_AT_START, '');
  return l && r ? `${l}${separator}${r}` : l + r;
}

/**
 * The approved AMIs of one invocation, and the replacement for a stale one: the newest approved AMI of
 * the same family, architecture, platform and virtualization type that is not stale itself. Built once
 * per invocation; each answer is cached by AMI ID.
 */
export class ApprovedImages {
  private readonly byFamily = new Map<string, ImageLaunchFacts[]>();
  private readonly answers = new Map<string, Replacement | null>();

  /**
   * @param images the AMIs the adapter found by the approval tag (and the approved-ID list)
   * @param isApproved the evaluator's own approval test (tag value, trusted owner, ID list), applied again here
   */
  constructor(
    images: readonly ImageLaunchFacts[],
    isApproved: (image: ImageLaunchFacts) => boolean,
    private readonly settings: FreshnessSettings,
    private readonly now: Date,
  ) {
    for (const image of images) {
      const family = familyOf(image, settings);
      if (family === undefined || !isApproved(image) || freshnessProblem(image, settings, now)) continue;
      const list = this.byFamily.get(family) ?? [];
      list.push(image);
      this.byFamily.set(family, list);
    }
  }

  /** Approved, fresh AMIs known, in all families. */
  get size(): number {
    let n = 0;
    for (const list of this.byFamily.values()) n += list.length;
    return n;
  }

  /** The AMI to move to from `image`, or `undefined` when its family has none that fits. */
  replacementFor(image: ImageLaunchFacts): Replacement | undefined {
    const cached = this.answers.get(image.imageId);
    if (cached !== undefined) return cached ?? undefined;
    const family = familyOf(image, this.settings);
    let best: { image: ImageLaunchFacts; created: number } | undefined;
    for (const candidate of family === undefined ? [] : (this.byFamily.get(family) ?? [])) {
      if (candidate.imageId === image.imageId || !sameKind(candidate, image)) continue;
      const created = parseTime(candidate.creationDate);
      if (created === undefined) continue;
      if (!best || created > best.created || (created === best.created && candidate.imageId > best.image.imageId)) {
        best = { image: candidate, created };
      }
    }
    const answer: Replacement | null = best
      ? { imageId: best.image.imageId, name: best.image.name, ageDays: Math.floor((this.now.getTime() - best.created) / DAY_MS) }
      : null;
    this.answers.set(image.imageId, answer);
    return answer ?? undefined;
  }
}

/** An instance of `b` can be relaunched from `a`: same architecture, platform and virtualization type. */
function sameKind(a: ImageLaunchFacts, b: ImageLaunchFacts): boolean {
  return (
    a.architecture === b.architecture &&
    (a.platform ?? 'Linux/UNIX') === (b.platform ?? 'Linux/UNIX') &&
    (a.virtualizationType ?? 'hvm') === (b.virtualizationType ?? 'hvm')
  );
}

function clip(text: string): string {
  return text.length > NAME_IN_ANNOTATION ? `${text.slice(0, NAME_IN_ANNOTATION - 1)}…` : text;
}
