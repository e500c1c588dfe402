/**
 * A Terraform plan made from two synthesized stacks, for changes moto cannot plan (the declarative
 * policy type, remediation configurations) or that no config can produce (a hand-edited target):
 * each resource's synthesized arguments become its `before` and `after`, and its actions follow from
 * whether it exists on each side and whether its arguments differ. A whole-string reference to a
 * literal argument of another resource (`${aws_ssm_document.x.name}`) is resolved, as Terraform knows
 * it at plan time, and so is the `id` of a resource the applied stack has; other references stay as
 * written. Nested blocks keep their synthesized shape (an
 * object, where `terraform show -json` writes a list of one): the rules read either.
 */
import type { ConfigResource, ResourceChange, TerraformPlan } from '../modules/review/plan';
import type { TerraformJson } from './terraform-json';

type Resources = Readonly<Record<string, Readonly<Record<string, Record<string, unknown>>>>>;

const REFERENCE = /\$\{([a-z0-9_]+)\.([\w-]+)\.([a-z_]+)\}/g;
const WHOLE_REFERENCE = /^\$\{([a-z0-9_]+)\.([\w-]+)\.([a-z_]+)\}$/;

/** The ID a resource of the applied stack has: `id-<type>.<name>`. */
function idOf(type: string, name: string): string {
  return `id-${type}.${name}`;
}

/** `applied`: the resources that exist already, whose `id` is known. */
function resolve(value: unknown, resources: Resources, applied: Resources): unknown {
  if (typeof value === 'string') {
    const ref = WHOLE_REFERENCE.exec(value);
    if (ref && ref[3] === 'id' && applied[ref[1]]?.[ref[2]]) return idOf(ref[1], ref[2]);
    const target = ref ? resources[ref[1]]?.[ref[2]]?.[ref[3]] : undefined;
    return typeof target === 'string' && !target.includes('${') ? target : value;
  }
  if (Array.isArray(value)) return value.map((v) => resolve(v, resources, applied));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, resolve(v, resources, applied)]),
    );
  return value;
}

function attributes(
  type: string,
  name: string,
  block: Record<string, unknown>,
  resources: Resources,
  applied: Resources,
): Record<string, unknown> {
  const rest = Object.fromEntries(
    Object.entries(block).filter(([k]) => !['//', 'depends_on', 'provider', 'lifecycle'].includes(k)),
  );
  const known = applied[type]?.[name] ? { id: idOf(type, name) } : {};
  return { ...(resolve(rest, resources, applied) as Record<string, unknown>), ...known };
}

function referencesOf(block: Record<string, unknown>): Record<string, { references: string[] }> {
  return Object.fromEntries(
    Object.entries(block).map(([k, v]) => {
      const text = JSON.stringify(v) ?? '';
      const refs = [...text.matchAll(REFERENCE)].flatMap((m) => [`${m[1]}.${m[2]}.${m[3]}`, `${m[1]}.${m[2]}`]);
      return [k, { references: refs }];
    }),
  );
}

/** The plan that takes `before` (the applied stack; undefined for a new one) to `after`. */
export function planBetween(before: TerraformJson | undefined, after: TerraformJson): TerraformPlan {
  const was = (before?.resource ?? {}) as Resources;
  const now = (after.resource ?? {}) as Resources;
  const addresses = new Set<string>();
  for (const side of [was, now])
    for (const [type, blocks] of Object.entries(side)) for (const name of Object.keys(blocks)) addresses.add(`${type}.${name}`);
  const changes: ResourceChange[] = [...addresses].sort().map((address) => {
    const [type, name] = address.split('.');
    const [old, next] = [was[type]?.[name], now[type]?.[name]];
    const beforeAttrs = old ? attributes(type, name, old, was, was) : null;
    const afterAttrs = next ? attributes(type, name, next, now, was) : null;
    const actions = !old
      ? ['create']
      : !next
        ? ['delete']
        : JSON.stringify(beforeAttrs) === JSON.stringify(afterAttrs)
          ? ['no-op']
          : ['update'];
    return { address, mode: 'managed', type, name, change: { actions, before: beforeAttrs, after: afterAttrs } };
  });
  const configuration: ConfigResource[] = Object.entries(now).flatMap(([type, blocks]) =>
    Object.entries(blocks).map(([name, block]) => ({ address: `${type}.${name}`, type, expressions: referencesOf(block) })),
  );
  return {
    format_version: '1.2',
    resource_changes: changes,
    prior_state: before ? { values: { root_module: { resources: [{ mode: 'managed' }] } } } : undefined,
    configuration: { root_module: { resources: configuration } },
  };
}
