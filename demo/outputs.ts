/** The Terraform outputs of an applied stack (`terraform output -json`), as the stack exports them. */
import { errorText, terraform, terraformEnv, TIMEOUTS } from '../e2e/terraform';

/** Reads `terraform output -json` of the stack in `dir`: output name -> value. */
export async function stackOutputs(dir: string): Promise<Record<string, unknown>> {
  const r = await terraform(dir, ['output', '-json', '-no-color'], TIMEOUTS.state, terraformEnv());
  if (r.code !== 0) throw new Error(`terraform output failed in ${dir}:\n${errorText(r)}`);
  const outputs = JSON.parse(r.stdout) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, o.value]));
}

/** One output as a string; throws naming the output when the stack does not export it. */
export function outputString(outputs: Record<string, unknown>, name: string): string {
  const value = outputs[name];
  if (typeof value !== 'string') throw new Error(`the stack has no output ${name} (outputs: ${Object.keys(outputs).join(', ')})`);
  return value;
}
