/** An IAM policy document, kept as plain data so it can be rendered literally and simulated. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  /** Omitted only in trust and resource policies that apply to the resource they are attached to. */
  readonly Resource?: string | readonly string[];
  readonly Principal?: Record<string, string | readonly string[]>;
  readonly Condition?: Record<string, Record<string, string | boolean | readonly string[]>>;
}

/** Renders a policy document as stable, human-readable JSON for the synthesized stack. */
export function renderPolicy(doc: PolicyDocument): string {
  return JSON.stringify(doc, null, 2);
}
