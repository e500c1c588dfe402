/** A block of cdk.tf.json (a resource, data source or output): its arguments by name. */
export type TerraformBlock = Record<string, unknown>;

/** A synthesized stack's cdk.tf.json, parsed: the sections the tests and the e2e harness read. */
export interface TerraformJson {
  resource?: Record<string, Record<string, TerraformBlock>>;
  data?: Record<string, Record<string, TerraformBlock>>;
  output?: Record<string, TerraformBlock>;
  locals?: Record<string, unknown>;
  provider?: { aws?: TerraformBlock[] };
  terraform?: { backend?: Record<string, TerraformBlock>; [setting: string]: unknown };
  [section: string]: unknown;
}
