/**
 * The plan job's check before `terraform init` on a pull request's synthesized stack: what AMI Guard
 * emits passes (every stack of the example and e2e configs, with its CI override), anything else
 * fails naming the file and what it found, and the CLI config pins provider installation to the
 * allowlist.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLE_CONFIG, loadConfig } from '../../config/load';
import { E2E_CONFIG } from '../../e2e/synth';
import {
  ALLOWED_PROVIDERS,
  allowlistProblems,
  providerAddress,
  providerInstallationConfig,
  stackDirProblems,
} from '../../modules/review/allowlist';
import { CI_OVERRIDE_FILE, ciOverride } from '../../modules/review/workflow-stacks';
import { RawJson, synthConfig, tempDir } from '../../test-support/synth';
import { TerraformJson } from '../../test-support/terraform-json';

const configs = [EXAMPLE_CONFIG, E2E_CONFIG].map((file) => loadConfig(file));
let outdirs: string[];
let stacks: { label: string; json: TerraformJson }[];
beforeAll(() => {
  outdirs = [];
  stacks = [];
  for (const config of configs) {
    const { outdir, stacks: synthesized } = synthConfig(config);
    outdirs.push(outdir);
    for (const [name, json] of Object.entries(synthesized)) {
      fs.writeFileSync(path.join(outdir, 'stacks', name, CI_OVERRIDE_FILE), JSON.stringify(ciOverride(config, name)));
      stacks.push({ label: `${path.basename(outdir)}/${name}`, json });
    }
  }
});

/** A copy of the payments-prod stack directory, changed by `edit`. */
function stackCopy(edit: (dir: string, json: RawJson) => void): string {
  const dir = path.join(tempDir('ami-guard-allowlist-'), 'payments-prod');
  fs.cpSync(path.join(outdirs[0], 'stacks', 'payments-prod'), dir, { recursive: true });
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.tf.json'), 'utf8')) as RawJson;
  edit(dir, json);
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(json));
  return dir;
}

test('GIVEN every synthesized stack directory, with its CI override THEN nothing is refused', () => {
  expect(stacks.length).toBeGreaterThanOrEqual(10);
  for (const outdir of outdirs)
    for (const name of fs.readdirSync(path.join(outdir, 'stacks')))
      expect({ name, problems: stackDirProblems(path.join(outdir, 'stacks', name)) }).toEqual({ name, problems: [] });
});

test('GIVEN the synthesized providers THEN each is on the allowlist the CLI config pins', () => {
  const used = new Set(
    stacks.flatMap(({ json }) =>
      Object.entries((json.terraform as RawJson).required_providers as Record<string, { source: string }>).map(([, p]) =>
        providerAddress(p.source),
      ),
    ),
  );

  expect([...used]).toEqual(ALLOWED_PROVIDERS);
  expect(providerInstallationConfig()).toContain(`direct {\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }`);
  expect(providerInstallationConfig()).not.toMatch(/filesystem_mirror|network_mirror|exclude/);
});

test.each<[string, (dir: string, json: RawJson) => void, RegExp]>([
  [
    'an external data source',
    (_dir, j) => {
      j.data = { external: { run: { program: ['sh', '-c', 'env'] } } };
      j.terraform.required_providers.external = { source: 'hashicorp/external' };
    },
    /^(?=[\s\S]*cdk\.tf\.json: data source external is not one AMI Guard emits)(?=[\s\S]*provider "external" \(registry\.terraform\.io\/hashicorp\/external\) is not allowed)/,
  ],
  [
    'a resource type AMI Guard does not emit',
    (_dir, j) => (j.resource.terraform_data = { x: { input: 1 } }),
    /resource type terraform_data is not one AMI Guard emits/,
  ],
  [
    'a provisioner',
    (_dir, j) => {
      const [name] = Object.keys(j.resource.aws_sns_topic);
      j.resource.aws_sns_topic[name].provisioner = [{ 'local-exec': { command: 'id' } }];
    },
    /aws_sns_topic\.\S+ has a provisioner block, which runs commands/,
  ],
  [
    'a module',
    (_dir, j) => (j.module = { m: { source: 'git::https://example.org/m.git' } }),
    /"module" blocks are not something AMI Guard emits/,
  ],
  [
    'provider endpoints',
    (_dir, j) => (j.provider.aws[0].endpoints = [{ sts: 'https://example.org' }]),
    /provider "aws" argument "endpoints" is not allowed/,
  ],
  [
    'an http backend',
    (_dir, j) => (j.terraform.backend = { http: { address: 'https://example.org' } }),
    /backend "http" is not allowed/,
  ],
  [
    'a .terraform folder and lock file of its own',
    (dir) => {
      fs.mkdirSync(path.join(dir, '.terraform', 'providers'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), '');
    },
    /\.terraform: not something AMI Guard writes into a stack[\s\S]*\.terraform\.lock\.hcl: not something/,
  ],
  [
    'an HCL file',
    (dir) => fs.writeFileSync(path.join(dir, 'extra.tf'), 'data "external" "x" {}'),
    /extra\.tf: not something AMI Guard writes/,
  ],
])('GIVEN %s THEN the stack is refused, naming the file and what it found', (_what, edit, message) => {
  const problems = stackDirProblems(stackCopy(edit));

  expect(problems.join('\n')).toMatch(message);
});

test('GIVEN a file that is not a JSON object THEN it is refused', () => {
  expect(allowlistProblems('x.tf.json', [])).toEqual(['x.tf.json: is not a JSON object']);
});
