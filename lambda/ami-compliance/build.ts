/**
 * Bundles the rule Lambda with esbuild: one minified CommonJS file for the Node.js 22 runtime, AWS SDK
 * included at the versions of package-lock.json, and its source map beside it (not in the zip).
 * The cdktf construct calls it through `modules/detect/lambda-asset.ts`, only when the inputs changed;
 * run it as `npx tsx lambda/ami-compliance/build.ts [outDir] [--runtime-sdk]` to print the files and sizes.
 */
import type { Plugin } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, so the default output does not depend on the caller's cwd. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where the bundle goes by default: `<repo>/dist/lambda/ami-compliance`. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'dist', 'lambda', 'ami-compliance');

/** The folder whose files (with package-lock.json) are everything the bundle is made of; the build refuses other sources. */
export const BUNDLE_SOURCE_DIR = path.join(REPO_ROOT, 'lambda');

/** What a build wrote. */
export interface BuiltBundle {
  /** Absolute path of the minified `index.js`. */
  readonly bundle: string;
  /** Absolute path of `index.js.map`, beside the bundle; the code carries no link to it. */
  readonly sourceMap: string;
}

/** Build options. */
export interface BundleOptions {
  /**
   * `bundled`: the AWS SDK is inside index.js, pinned by package-lock.json (what deploys).
   * `runtime`: `@aws-sdk/*` is left to the Node.js 22 runtime's own copy (measured by `npm run bench`).
   * @default 'bundled'
   */
  readonly sdk?: 'bundled' | 'runtime';
}

/**
 * Builds `lambda/ami-compliance/index.ts` into `outDir/index.js` and `outDir/index.js.map`.
 * @param outDir output folder; a relative path is resolved against the repository root. @default DEFAULT_OUT_DIR
 * @throws when esbuild reports an error, or the bundle would include a source outside `lambda/`
 */
export async function buildAmiComplianceBundle(
  outDir: string = DEFAULT_OUT_DIR,
  options: BundleOptions = {},
): Promise<BuiltBundle> {
  const outfile = path.join(path.resolve(REPO_ROOT, outDir), 'index.js');
  // Loaded here, not at the top: a synth that finds the bundle in its cache never needs esbuild.
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(REPO_ROOT, 'lambda', 'ami-compliance', 'index.ts')],
    // Paths esbuild writes into the source map are relative to this, so the bytes do not depend on cwd.
    absWorkingDir: REPO_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Prefer the SDK's ESM builds: they tree-shake to a smaller bundle.
    mainFields: ['module', 'main'],
    external: options.sdk === 'runtime' ? ['@aws-sdk/*'] : [],
    plugins: [treeShakableSdkSchemas],
    minify: true,
    sourcemap: 'external',
    legalComments: 'none',
    logLevel: 'silent',
    metafile: true,
    write: false,
  });
  const outside = Object.keys(result.metafile.inputs).filter(
    (input) => !input.includes('node_modules/') && !path.resolve(REPO_ROOT, input).startsWith(BUNDLE_SOURCE_DIR + path.sep),
  );
  if (outside.length > 0) {
    throw new Error(
      `The rule Lambda bundle reads ${outside.join(', ')}, outside lambda/: the asset cache would miss changes to it. ` +
        'Fix: move the shared code under lambda/ (the Lambda never imports modules/ or config/).',
    );
  }
  for (const file of result.outputFiles) writeFileAtomically(file.path, file.contents);
  return { bundle: outfile, sourceMap: `${outfile}.map` };
}

/**
 * The AWS SDK's generated schema files (`dist-es/schemas/schemas_0.js`) build every schema with computed
 * keys such as `{ [_xN]: "Min" }`, where `_xN` is a string constant of the same file. esbuild cannot prove
 * a computed key free of side effects, so it keeps every schema of the service: 550 KB for EC2 alone, of
 * which the rule uses three operations. Writing those keys as the string literals they are is the same
 * JavaScript, and lets esbuild drop the schemas nothing references (the zip goes from 263 KB to 125 KB).
 */
const treeShakableSdkSchemas: Plugin = {
  name: 'tree-shakable-sdk-schemas',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const constants = new Map<string, string>();
      for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) constants.set(name, literal);
      const contents = source.replace(/\[(_\w+)\]:/g, (key, name: string) =>
        constants.has(name) ? `${constants.get(name)}:` : key,
      );
      return { contents, loader: 'js' };
    });
  },
};

/**
 * Writes through a temporary file and a rename, so a process that reads the file while another
 * synth rewrites it (parallel tests, two terminals) sees the old bytes or the new ones, never a part.
 */
export function writeFileAtomically(file: string, bytes: Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const outDir = args.find((a) => !a.startsWith('--'));
  buildAmiComplianceBundle(outDir, { sdk: args.includes('--runtime-sdk') ? 'runtime' : 'bundled' }).then(
    ({ bundle, sourceMap }) => {
      for (const file of [bundle, sourceMap]) console.log(`${file} ${fs.statSync(file).size} bytes`);
    },
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
