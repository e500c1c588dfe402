import { App, TerraformStack } from 'cdktf';

/** A stack's Terraform JSON refers to a resource or data source it does not declare. */
export class CrossStackReferenceError extends Error {
  constructor(
    readonly stack: string,
    readonly references: readonly { readonly at: string; readonly address: string }[],
  ) {
    super(
      `Stack ${stack} refers to ${references.length === 1 ? 'an address' : 'addresses'} it does not declare: ` +
        `${references.map((r) => `${r.address} (at ${r.at})`).join('; ')}. AMI Guard stacks never share a value: each is ` +
        `applied with its own role and state, often in another account, so a reference would make this stack read ` +
        `another's state. Fix: pass the value in through the config (a literal ARN or name), not as another stack's attribute.`,
    );
    this.name = 'CrossStackReferenceError';
  }
}

// `aws_iam_role.name_ABC123.arn` or `data.aws_caller_identity.current.account_id`, inside an interpolation.
// Resource types are `<provider>_<type>`, so the underscore keeps `var.x`, `local.x` and `each.key` out.
const ADDRESS = /(?<![\w.-])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][\w-]*)/g;

/**
 * The addresses a stack's synthesized JSON refers to that it does not declare, with where they stand:
 * every `${...}` interpolation (a leading `$${` is an escaped literal) and every `depends_on` entry.
 */
export function undeclaredReferences(tf: Record<string, unknown>): { at: string; address: string }[] {
  const declared = (data: boolean, type: string, name: string): boolean => {
    const block = tf[data ? 'data' : 'resource'] as Record<string, Record<string, unknown>> | undefined;
    return block?.[type]?.[name] !== undefined;
  };
  const found: { at: string; address: string }[] = [];
  const check = (expression: string, at: string) => {
    // String literals inside an expression ("..." in a function call) name nothing.
    for (const m of expression.replace(/"(?:[^"\\]|\\.)*"/g, '""').matchAll(ADDRESS)) {
      if (!declared(m[1] !== undefined, m[2], m[3])) found.push({ at, address: m[0] });
    }
  };
  const visit = (value: unknown, at: string): void => {
    if (typeof value === 'string') {
      for (const expression of interpolations(value)) check(expression, at);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${at}[${i}]`));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'depends_on' && Array.isArray(v)) v.forEach((d, i) => check(String(d), `${at}.depends_on[${i}]`));
        else visit(v, at ? `${at}.${key}` : key);
      }
    }
  };
  for (const block of ['resource', 'data', 'output', 'locals', 'provider', 'module']) visit(tf[block], block);
  return found;
}

/** The expressions of a string's `${...}` interpolations, nested braces included; `$${` is an escaped literal. */
function interpolations(value: string): string[] {
  const found: string[] = [];
  let i = value.indexOf('${');
  while (i !== -1) {
    let dollars = 1;
    while (i - dollars >= 0 && value[i - dollars] === '$') dollars++;
    let end = i + 2;
    for (let depth = 1; end < value.length && depth > 0; end++) {
      if (value[end] === '{') depth++;
      else if (value[end] === '}') depth--;
    }
    if (dollars % 2 === 1) found.push(value.slice(i + 2, end - 1));
    i = value.indexOf('${', dollars % 2 === 1 ? end : i + 2);
  }
  return found;
}

/**
 * A stack that shares nothing with the other stacks of the app, as AMI Guard's stacks do: each account
 * is applied with its own role and state, and the organization stack from the management account.
 *
 * cdktf resolves every element of every stack an extra time before synthesis only to discover
 * cross-stack references and wire them through remote state. These stacks have none, so that pass is
 * skipped (a 100-account synth spent about a third of its construction-to-write time there), and the
 * synthesized JSON is checked instead: a reference to an address the stack does not declare fails the
 * synth with a {@link CrossStackReferenceError}, rather than quietly reading another account's state.
 */
export class IndependentStack extends TerraformStack {
  override prepareStack(): void {
    // HCL output (`cdktf synth --hcl`) is written without toTerraform(), so it keeps cdktf's own pass.
    if (App.of(this).hclOutput) super.prepareStack();
    else this.ensureBackendExists();
  }

  override toTerraform(): Record<string, unknown> {
    const tf = super.toTerraform() as Record<string, unknown>;
    const undeclared = undeclaredReferences(tf);
    if (undeclared.length > 0) throw new CrossStackReferenceError(this.node.id, undeclared);
    return tf;
  }
}
