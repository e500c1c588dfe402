/**
 * The apply variant of a synthesized stack: the full cdk.tf.json minus the resources moto cannot
 * apply (see moto-gaps.ts) and, transitively, every resource, data source, local and output that
 * refers to one of them. Pure: JSON in, JSON out.
 */
import { TerraformBlock, TerraformJson } from '../test-support/terraform-json';
import { GapContext, MOTO_GAPS, MotoGap } from './moto-gaps';

/** A resource (or data source, local, output) left out of the applied variant, and why. */
export interface Skipped {
  /** Terraform address: `aws_x.name`, `data.aws_x.name`, `local.name` or `output.name`. */
  readonly address: string;
  /** The moto gap behind it, directly or through a dependency. */
  readonly gap: MotoGap;
  /** The skipped block it refers to, when it is left out only because of that reference. */
  readonly via?: string;
}

export interface ApplyVariant {
  /** The configuration to apply; the input itself when nothing is skipped. */
  readonly json: TerraformJson;
  /** Everything left out, in the order found. */
  readonly skipped: readonly Skipped[];
}

interface Node {
  readonly address: string;
  readonly kind: 'resource' | 'data' | 'local' | 'output';
  readonly type?: string;
  readonly name: string;
  readonly body: unknown;
}

function nodesOf(json: TerraformJson): Node[] {
  const nodes: Node[] = [];
  for (const [type, blocks] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(blocks))
      nodes.push({ address: `${type}.${name}`, kind: 'resource', type, name, body });
  }
  for (const [type, blocks] of Object.entries(json.data ?? {})) {
    for (const [name, body] of Object.entries(blocks))
      nodes.push({ address: `data.${type}.${name}`, kind: 'data', type, name, body });
  }
  for (const [name, body] of Object.entries(json.locals ?? {}))
    nodes.push({ address: `local.${name}`, kind: 'local', name, body });
  for (const [name, body] of Object.entries(json.output ?? {}))
    nodes.push({ address: `output.${name}`, kind: 'output', name, body });
  return nodes;
}

/** Every string in a block, cdktf's `//` metadata excluded. */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsOf(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) if (key !== '//') stringsOf(v, out);
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A matcher for references to `address` in expressions (`${aws_x.y.arn}`) and in `depends_on`. */
function referenceTo(address: string): RegExp {
  return new RegExp(`(?<![\\w.-])${escapeRegExp(address)}(?![\\w-])`);
}

export interface VariantOptions {
  /** What moto cannot apply. @default MOTO_GAPS */
  readonly gaps?: readonly MotoGap[];
  /** Buckets holding Terraform state during the run. @default [] */
  readonly stateBuckets?: readonly string[];
}

/** Derives the variant of a stack that moto can apply. */
export function applyVariant(json: TerraformJson, options: VariantOptions = {}): ApplyVariant {
  const gaps = options.gaps ?? MOTO_GAPS;
  const context: GapContext = { resources: json.resource ?? {}, stateBuckets: options.stateBuckets ?? [] };
  const nodes = nodesOf(json);
  const skipped = new Map<string, Skipped>();
  for (const node of nodes) {
    if (node.kind !== 'resource') continue;
    const gap = gaps.find((g) => g.resourceType === node.type && (g.affects?.(node.body as TerraformBlock, context) ?? true));
    if (gap) skipped.set(node.address, { address: node.address, gap });
  }
  const texts = new Map(nodes.map((n) => [n.address, stringsOf(n.body)]));
  for (let changed = skipped.size > 0; changed;) {
    changed = false;
    for (const node of nodes) {
      if (skipped.has(node.address)) continue;
      for (const dep of skipped.values()) {
        const ref = referenceTo(dep.address);
        if (texts.get(node.address)!.some((s) => ref.test(s))) {
          skipped.set(node.address, { address: node.address, gap: dep.gap, via: dep.address });
          changed = true;
          break;
        }
      }
    }
  }
  if (skipped.size === 0) return { json, skipped: [] };

  const variant = JSON.parse(JSON.stringify(json)) as TerraformJson;
  for (const node of nodes) {
    if (!skipped.has(node.address)) continue;
    const section =
      node.kind === 'resource'
        ? variant.resource![node.type!]
        : node.kind === 'data'
          ? variant.data![node.type!]
          : node.kind === 'local'
            ? variant.locals!
            : variant.output!;
    delete (section as Record<string, unknown>)[node.name];
  }
  for (const key of ['resource', 'data'] as const) {
    const section = variant[key];
    if (!section) continue;
    for (const type of Object.keys(section)) if (Object.keys(section[type]).length === 0) delete section[type];
    if (Object.keys(section).length === 0) delete variant[key];
  }
  for (const key of ['locals', 'output'] as const) {
    if (variant[key] && Object.keys(variant[key]!).length === 0) delete variant[key];
  }
  return { json: variant, skipped: [...skipped.values()] };
}

/** `aws_x.y[0]` -> `aws_x.y`: plan and state addresses carry count/for_each keys, config blocks do not. */
export function configAddress(address: string): string {
  return address.replace(/\[[^\]]*\]$/, '');
}

/**
 * Skipped blocks grouped by gap, for "planned, not applied (moto lacks <api>): <addresses>" lines;
 * a block left out because it refers to another reads `<address> (refers to <other>)`.
 */
export function groupByGap(skipped: readonly Skipped[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const s of skipped) {
    const key = `moto lacks ${s.gap.api}`;
    groups.set(key, [...(groups.get(key) ?? []), s.via ? `${s.address} (refers to ${s.via})` : s.address]);
  }
  return groups;
}
