/**
 * Bundles the rule Lambda with esbuild. Called by the cdktf construct at synth time, or run as
 * `npx tsx lambda/ami-compliance/build.ts [outDir]` to print the bundle path and size.
 */
import { buildSync } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root, so the default output does not depend on the caller's cwd. */
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where the bundle goes by default: `<repo>/dist/lambda/ami-compliance`. */
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'dist', 'lambda', 'ami-compliance');

/**
 * Builds `lambda/ami-compliance/index.ts` into a single CommonJS file for the Node.js 22 runtime,
 * AWS SDK included, no source map, no legal comments.
 * @param outDir output folder; a relative path is resolved against the repository root. @default DEFAULT_OUT_DIR
 * @returns the absolute path of the written `index.js`
 * @throws when esbuild reports an error
 */
export function buildAmiComplianceBundle(outDir: string = DEFAULT_OUT_DIR): string {
  const outfile = path.join(path.resolve(REPO_ROOT, outDir), 'index.js');
  const result = buildSync({
    entryPoints: [path.join(REPO_ROOT, 'lambda', 'ami-compliance', 'index.ts')],
    // Paths esbuild writes into comments are relative to this, so the bytes do not depend on cwd.
    absWorkingDir: REPO_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // Prefer the SDK's ESM builds: they tree-shake to a smaller bundle.
    mainFields: ['module', 'main'],
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
  });
  writeFileAtomically(outfile, result.outputFiles[0].contents);
  return outfile;
}

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
  const file = buildAmiComplianceBundle(process.argv[2]);
  console.log(`${file} ${fs.statSync(file).size} bytes`);
}
