/**
 * The config reference (docs/config.md) rendered from the zod schema: every field with its type,
 * default, meaning (its `.describe()`) and an example value taken from config/accounts.example.json.
 * `npm run docs` writes it; a test fails when the committed file differs, so it cannot drift.
 */
import { z } from 'zod';
import { organizationSchema, rawConfigSchema, resolvedSections } from './schema';

/** A JSON Schema node, as z.toJSONSchema writes it (draft-07, input side). */
interface Node {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Node[];
  oneOf?: Node[];
  items?: Node;
  properties?: Record<string, Node>;
  required?: string[];
  additionalProperties?: Node | boolean;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  examples?: unknown[];
}

/** One documented field. */
export interface ReferenceField {
  /** e.g. `remediation.routes[].match`. */
  readonly path: string;
  readonly type: string;
  /** `required`, the default as JSON, or empty. */
  readonly default: string;
  readonly meaning: string;
  /** A value from the example config, as JSON, or empty. */
  readonly example: string;
}

/** One table of the reference: a heading, what it is, and its fields. */
export interface ReferenceSection {
  readonly title: string;
  readonly intro: string;
  readonly fields: readonly ReferenceField[];
}

/** The sections an account takes from `defaults` and may override field by field; documented once each. */
export const SECTIONS_OF_ACCOUNTS: readonly string[] = Object.keys(resolvedSections);

const jsonSchema = (schema: z.ZodType): Node => z.toJSONSchema(schema, { io: 'input', target: 'draft-07' }) as Node;

function literal(value: unknown): string {
  return JSON.stringify(value);
}

/** A short type for the table: `string`, `integer 1–25`, `"off" \| "notify"`, `list of string`. */
function typeOf(node: Node): string {
  const union = node.anyOf ?? node.oneOf;
  if (union) {
    const consts = union.filter((n) => n.const !== undefined);
    if (consts.length === union.length) return `one of ${consts.map((n) => literal(n.const)).join(', ')}`;
    return union.map(typeOf).join(' or ');
  }
  if (node.enum) {
    return node.enum.length > 8 ? `one of ${node.enum.length} values` : node.enum.map(literal).join(', ');
  }
  if (node.const !== undefined) return literal(node.const);
  const type = Array.isArray(node.type) ? node.type.join(' or ') : node.type;
  if (type === 'integer' || type === 'number') {
    const range =
      node.minimum !== undefined && node.maximum !== undefined
        ? ` ${node.minimum}–${node.maximum}`
        : node.minimum !== undefined
          ? ` ≥ ${node.minimum}`
          : node.maximum !== undefined
            ? ` ≤ ${node.maximum}`
            : '';
    return `${type === 'integer' ? 'whole number' : 'number'}${range}`;
  }
  if (type === 'array') {
    const items = node.items ? typeOf(node.items) : 'any';
    const count =
      node.minItems !== undefined && node.maxItems !== undefined
        ? ` (${node.minItems}–${node.maxItems})`
        : node.minItems
          ? ` (at least ${node.minItems})`
          : node.maxItems !== undefined
            ? ` (at most ${node.maxItems})`
            : '';
    return `list of ${node.items?.properties ? 'objects' : items}${count}`;
  }
  if (type === 'object') {
    if (node.properties) return 'object';
    if (typeof node.additionalProperties === 'object') return `map of string to ${typeOf(node.additionalProperties)}`;
    return 'object';
  }
  return type ?? 'any';
}

/** The value at a dotted path (`a.b[].c`: the first element of a list) in parsed JSON, or undefined. */
function valueAt(root: unknown, path: string): unknown {
  let current: unknown[] = [root];
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    const key = list ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const c of current) {
      const v = c && typeof c === 'object' ? (c as Record<string, unknown>)[key] : undefined;
      if (v === undefined) continue;
      if (list) next.push(...(Array.isArray(v) ? v : []));
      else next.push(v);
    }
    current = next;
  }
  return current[0];
}

function shorten(text: string, max = 70): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Walks an object node and lists its fields (nested objects and lists of objects too). */
function fieldsOf(
  node: Node,
  prefix: string,
  example: (path: string) => unknown,
  skip: readonly string[] = [],
): ReferenceField[] {
  const out: ReferenceField[] = [];
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (skip.includes(key)) continue;
    const path = `${prefix}${key}`;
    const required = (node.required ?? []).includes(key);
    const value = example(path);
    out.push({
      path,
      type: typeOf(child),
      default: child.default !== undefined ? shorten(literal(child.default)) : required ? 'required' : '',
      meaning: child.description ?? child.items?.description ?? '',
      example:
        value === undefined
          ? child.examples?.[0] !== undefined
            ? shorten(literal(child.examples[0]))
            : ''
          : shorten(literal(value)),
    });
    if (child.properties) out.push(...fieldsOf(child, `${path}.`, example));
    if (child.items?.properties) out.push(...fieldsOf(child.items, `${path}[].`, example));
  }
  return out;
}

/**
 * The reference sections, in file order. `exampleConfig` is the parsed example file: each field's
 * example is its value there (for a section, from `defaults` or the first account that sets it).
 */
export function configReference(exampleConfig: unknown): ReferenceSection[] {
  const raw = jsonSchema(rawConfigSchema);
  const props = raw.properties!;
  const plain = (path: string) => valueAt(exampleConfig, path);
  const account = props.accounts.items!;
  const sections: ReferenceSection[] = [
    {
      title: 'backend',
      intro: props.backend.description ?? '',
      fields: fieldsOf(props.backend, 'backend.', plain),
    },
    {
      title: 'defaults',
      intro:
        'Values every account takes unless it sets its own: `region`, `tags`, and the sections below (`approval`, `attachTo`, `detection`, `remediation`), merged field by field.',
      fields: fieldsOf(props.defaults, 'defaults.', plain, SECTIONS_OF_ACCOUNTS),
    },
    {
      title: 'accounts[]',
      intro: 'One entry per account and region: one stack each. Each entry may also hold the sections below.',
      fields: fieldsOf(account, 'accounts[].', plain, SECTIONS_OF_ACCOUNTS),
    },
  ];
  for (const [name, schema] of Object.entries(resolvedSections)) {
    const inSection = (path: string) =>
      valueAt(exampleConfig, `defaults.${path}`) ?? valueAt(exampleConfig, `accounts[].${path}`);
    sections.push({
      title: name,
      intro: `In \`defaults.${name}\` or \`accounts[].${name}\`; an account's value wins, field by field. "required" means required after that merge.`,
      fields: fieldsOf(jsonSchema(schema), `${name}.`, inSection),
    });
  }
  sections.push({
    title: 'organization',
    intro: organizationSchema.description ?? '',
    fields: fieldsOf(jsonSchema(organizationSchema), 'organization.', plain),
  });
  return sections;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const code = (text: string) => (text === '' ? '' : text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/** The reference as Markdown: one `###` section and table per part of the file. */
export function renderConfigReference(sections: readonly ReferenceSection[]): string {
  const out: string[] = [];
  for (const s of sections) {
    out.push(`### \`${s.title}\``, '', s.intro, '', '| field | type | default | meaning | example |', '|---|---|---|---|---|');
    for (const f of s.fields) {
      const dflt = f.default === 'required' || f.default === '' ? f.default : code(f.default);
      out.push(`| ${[code(f.path), f.type, dflt, f.meaning, code(f.example)].map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** The markers around the generated part of docs/config.md. */
const REFERENCE_START = '<!-- config-reference:start (generated by `npm run docs` from config/schema.ts; do not edit) -->';
const REFERENCE_END = '<!-- config-reference:end -->';

/** docs/config.md with the generated part replaced; throws when the markers are missing. */
export function withConfigReference(markdown: string, reference: string): string {
  const at = markdown.indexOf(REFERENCE_START);
  const end = markdown.indexOf(REFERENCE_END);
  if (at < 0 || end < at) throw new Error(`docs/config.md has lost its markers ${REFERENCE_START} ... ${REFERENCE_END}`);
  return `${markdown.slice(0, at)}${REFERENCE_START}\n\n${reference}\n\n${markdown.slice(end)}`;
}
