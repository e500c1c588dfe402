/**
 * The baseline of the synth benchmark: the same stacks, written in the naive cdktf idiom.
 *  - The provider is imported from its package root, as most examples do, which loads every resource
 *    class of the provider (over 2,000 modules) instead of the dozen the stacks use.
 *  - The Lambda is bundled once per synth as a readable esbuild bundle with the SDK inside, and every
 *    stack gets its own `TerraformAsset` of type ARCHIVE, so cdktf zips the bundle folder once per stack.
 * Run by `npm run bench` through `npx cdktf synth`, like the real app.
 */
import * as aws from '@cdktf/provider-aws';
import { AssetType, TerraformAsset } from 'cdktf';
import { buildSync } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IConstruct } from 'constructs';
import { configPathFromEnv, loadConfig } from '../config/load';
import { buildApp } from '../modules/stacks/app';

const REPO_ROOT = path.resolve(__dirname, '..');

/** Every LambdaFunction in the tree. */
function lambdaFunctions(root: IConstruct): aws.lambdaFunction.LambdaFunction[] {
  return root.node
    .findAll()
    .filter((c): c is aws.lambdaFunction.LambdaFunction => c instanceof aws.lambdaFunction.LambdaFunction);
}

const bundleDir = path.join(process.env.NAIVE_BUNDLE_DIR ?? path.join(REPO_ROOT, 'dist', 'naive'), 'ami-compliance');
fs.rmSync(bundleDir, { recursive: true, force: true });
buildSync({
  entryPoints: [path.join(REPO_ROOT, 'lambda', 'ami-compliance', 'index.ts')],
  outfile: path.join(bundleDir, 'index.js'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  logLevel: 'silent',
});

const app = buildApp(loadConfig(configPathFromEnv()));
for (const fn of lambdaFunctions(app)) {
  // Replace the project's shared FILE asset by the idiom's per-stack ARCHIVE asset.
  fn.node.scope!.node.tryRemoveChild('code');
  const asset = new TerraformAsset(fn.node.scope!, 'naive-code', { path: bundleDir, type: AssetType.ARCHIVE });
  fn.filename = asset.path;
  fn.sourceCodeHash = asset.assetHash;
}
app.synth();
