/**
 * The rule Lambda's deployment package, built at most once per content of its inputs: the sources
 * under `lambda/`, package-lock.json (the SDK and esbuild versions) and this file (the zip format).
 * Each build lives in `dist/lambda/ami-compliance/<input hash>/`, so a synth of any number of stacks
 * bundles at most once, and a synth with unchanged inputs not at all.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { BUNDLE_SOURCE_DIR, DEFAULT_OUT_DIR } from '../../lambda/ami-compliance/build';

/** A deterministic deployment package. */
export interface LambdaZip {
  /** Absolute path of the zip (index.js alone). */
  readonly path: string;
  /** Base64 SHA-256 of the zip: what Lambda reports as CodeSha256, so `source_code_hash` follows the code. */
  readonly sha256: string;
  /** Absolute path of the bundle's source map, kept beside the zip and out of it: decodes a stack trace from the logs. */
  readonly sourceMap: string;
}

/** Where packages are built. */
export interface LambdaAssetOptions {
  /** Folder holding one sub-folder per input hash. @default `<repo>/dist/lambda/ami-compliance` */
  readonly cacheDir?: string;
}

const REPO_ROOT = path.resolve(BUNDLE_SOURCE_DIR, '..');
const BUILD_SCRIPT = path.join(BUNDLE_SOURCE_DIR, 'ami-compliance', 'build.ts');
const ZIP_NAME = 'ami-compliance.zip';
/** Builds kept in the cache folder: the current one and a few before it (another checkout state, a parallel synth). */
const KEEP_BUILDS = 3;

// Zip entries carry a fixed timestamp so the same code always gives the same bytes. fflate converts
// the Date to a DOS time with the *local* getters, so the Date is built in local time: 1980-01-01
// 00:00 reads the same in every zone (a UTC instant is 1979 west of UTC, and 09:00 in Tokyo).
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Zips files (name -> bytes) deterministically: sorted names, fixed timestamps and permissions. */
export function deterministicZip(files: Record<string, Uint8Array>): Uint8Array {
  const entries = Object.keys(files)
    .sort()
    .map((name) => [name, [files[name], { mtime: FIXED_MTIME, level: 9, os: 3, attrs: 0o100644 << 16 }]] as const);
  return zipSync(Object.fromEntries(entries) as Parameters<typeof zipSync>[0]);
}

/**
 * SHA-256 over every input of the package: each file under `lambda/` (path and bytes, in sorted order),
 * package-lock.json and this file. The build refuses sources outside `lambda/`, so nothing escapes the hash.
 * @param root the repository root. @default this repository
 */
export function bundleInputsHash(root: string = REPO_ROOT): string {
  const hash = createHash('sha256');
  const files = [...listFiles(path.join(root, 'lambda')), path.join(root, 'package-lock.json')];
  for (const file of files) {
    hash.update(path.relative(root, file).split(path.sep).join('/')).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  hash.update(fs.readFileSync(__filename));
  return hash.digest('hex');
}

/** This process's view: the input hash (read once) and the packages it has handed out. */
let inputs: string | undefined;
const packages = new Map<string, LambdaZip>();

/**
 * The rule Lambda's zip, from the cache when its inputs are unchanged, else bundled (esbuild, in a child
 * process: constructs are synchronous) and zipped once. Safe when several processes build at once: each
 * builds in its own folder and the first to rename it into place wins.
 * @throws when the bundle cannot be built, with esbuild's message
 */
export function amiComplianceZip(options: LambdaAssetOptions = {}): LambdaZip {
  const cacheDir = path.resolve(options.cacheDir ?? DEFAULT_OUT_DIR);
  const dir = path.join(cacheDir, (inputs ??= bundleInputsHash()).slice(0, 16));
  const known = packages.get(dir);
  if (known) return known;
  const zipPath = path.join(dir, ZIP_NAME);
  if (!fs.existsSync(zipPath)) buildInto(dir);
  const zip = fs.readFileSync(zipPath);
  const result = {
    path: zipPath,
    sha256: createHash('sha256').update(zip).digest('base64'),
    sourceMap: path.join(dir, 'index.js.map'),
  };
  packages.set(dir, result);
  return result;
}

function buildInto(dir: string): void {
  const temp = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const run = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), BUILD_SCRIPT, temp], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      throw new Error(`Bundling the rule Lambda (${path.relative(REPO_ROOT, BUILD_SCRIPT)}) failed:\n${run.stderr || run.error}`);
    }
    fs.writeFileSync(path.join(temp, ZIP_NAME), deterministicZip({ 'index.js': fs.readFileSync(path.join(temp, 'index.js')) }));
    try {
      fs.renameSync(temp, dir);
    } catch (err) {
      // Another process built the same inputs first: its package is byte-identical.
      if (!fs.existsSync(path.join(dir, ZIP_NAME))) throw err;
    }
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
  pruneOldBuilds(path.dirname(dir), dir);
}

/** Removes all but the newest builds (and the loose files of the layout before the cache). */
function pruneOldBuilds(cacheDir: string, current: string): void {
  const entries = fs
    .readdirSync(cacheDir, { withFileTypes: true })
    .filter((e) => !e.name.endsWith('.tmp'))
    .map((e) => ({ file: path.join(cacheDir, e.name), build: e.isDirectory() && /^[0-9a-f]{16}$/.test(e.name) }))
    .filter((e) => e.file !== current)
    .map((e) => ({ ...e, mtime: fs.statSync(e.file).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const old = [...entries.filter((e) => e.build).slice(KEEP_BUILDS - 1), ...entries.filter((e) => !e.build)];
  for (const e of old) fs.rmSync(e.file, { recursive: true, force: true });
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}
