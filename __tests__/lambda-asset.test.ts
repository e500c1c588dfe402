import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { runBuild } from '../test-support/run-bundle';
import { exampleConfig, onlyResource, sharedSynth, tempDir } from '../test-support/synth';

type AssetModule = typeof import('../modules/detect/lambda-asset');

/** The asset module as a new process sees it: nothing remembered from earlier calls. */
async function freshAssetModule(): Promise<AssetModule> {
  let loaded: AssetModule | undefined;
  await jest.isolateModulesAsync(async () => {
    loaded = await import('../modules/detect/lambda-asset');
  });
  return loaded!;
}

/** Builds are the only child processes the asset module starts (spied on the module object it calls through). */
const countBuilds = () => jest.spyOn(jest.requireActual<typeof import('node:child_process')>('node:child_process'), 'spawnSync');

afterEach(() => jest.restoreAllMocks());

describe('the rule Lambda package is built once per content of its inputs', () => {
  const cacheDir = tempDir('ami-guard-asset-cache-');
  let first: ReturnType<AssetModule['amiComplianceZip']>;

  test('many stacks of one synth share one build', async () => {
    // GIVEN an empty cache
    const builds = countBuilds();
    const assets = await freshAssetModule();
    // WHEN five stacks ask for the package
    const zips = Array.from({ length: 5 }, () => assets.amiComplianceZip({ cacheDir }));
    // THEN esbuild ran once, and every stack got the same package
    expect(builds).toHaveBeenCalledTimes(1);
    expect(new Set(zips.map((z) => z.path)).size).toBe(1);
    first = zips[0];
  }, 120_000);

  test('a second synth with unchanged sources does not run esbuild, and gets the same bytes', async () => {
    // GIVEN a new process (nothing in memory) and the cache of the first synth
    const builds = countBuilds();
    const again = (await freshAssetModule()).amiComplianceZip({ cacheDir });
    // THEN nothing was built, and the package is the very same file and hash
    expect(builds).not.toHaveBeenCalled();
    expect(again).toEqual(first);
  });

  test('the zip holds index.js alone, under 150 KB; the source map stays beside it', () => {
    const entries = unzipSync(fs.readFileSync(first.path));
    expect(Object.keys(entries)).toEqual(['index.js']);
    expect(fs.statSync(first.path).size).toBeLessThan(150 * 1024);
    expect(path.dirname(first.sourceMap)).toBe(path.dirname(first.path));
    expect(JSON.parse(fs.readFileSync(first.sourceMap, 'utf8')).version).toBe(3);
  });

  test('a build in another folder gives byte-identical bytes', async () => {
    // this run's shared build of the same sources, made in its own folder (once per run)
    const other = runBuild();
    expect(other.path).not.toBe(first.path);
    expect(fs.readFileSync(other.path).equals(fs.readFileSync(first.path))).toBe(true);
    expect(other.sha256).toBe(first.sha256);
  }, 120_000);
});

describe('the input hash', () => {
  /** A minimal repository: lambda/ sources, a lockfile, and code outside lambda/. */
  function repo(): string {
    const root = tempDir('ami-guard-inputs-');
    fs.mkdirSync(path.join(root, 'lambda', 'ami-compliance'), { recursive: true });
    fs.mkdirSync(path.join(root, 'modules'));
    fs.writeFileSync(path.join(root, 'lambda', 'ami-compliance', 'handler.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
    fs.writeFileSync(path.join(root, 'modules', 'stack.ts'), 'export {};\n');
    return root;
  }
  let bundleInputsHash: AssetModule['bundleInputsHash'];
  beforeAll(async () => ({ bundleInputsHash } = await freshAssetModule()));

  test.each([
    ['a source under lambda/ changes', 'lambda/ami-compliance/handler.ts', 'export const a = 2;\n'],
    ['a source is added under lambda/', 'lambda/ami-compliance/contract.ts', 'export {};\n'],
    ['the lockfile changes (another SDK or esbuild)', 'package-lock.json', '{"lockfileVersion":3,"x":1}\n'],
  ])('changes when %s', (_what, file, content) => {
    const root = repo();
    const before = bundleInputsHash(root);
    fs.writeFileSync(path.join(root, file), content);
    expect(bundleInputsHash(root)).not.toBe(before);
  });

  test('does not change with code outside lambda/ (the constructs, the config)', () => {
    const root = repo();
    const before = bundleInputsHash(root);
    fs.writeFileSync(path.join(root, 'modules', 'stack.ts'), 'export const changed = true;\n');
    fs.writeFileSync(path.join(root, 'README.md'), 'docs\n');
    expect(bundleInputsHash(root)).toBe(before);
  });
});

describe('the synthesized asset', () => {
  // Whether the zip's bytes depend on the time zone is proved by synth-cli.test.ts, which synthesizes in child
  // processes under four zones: under jest, setting process.env.TZ does not reach V8's clock (each test file
  // gets its own copy of the environment), so a zone loop here would compare one zone with itself.
  test('every account stack carries the zip, under 150 KB, and zipping its index.js again gives the same bytes', async () => {
    // GIVEN the example synthesized
    const { outdir, stacks } = sharedSynth(exampleConfig());
    const fn = onlyResource(stacks['payments-prod'], 'aws_lambda_function');
    const zip = fs.readFileSync(path.join(outdir, 'stacks', 'payments-prod', String(fn.filename)));
    expect(zip.length).toBeLessThan(150 * 1024);
    // WHEN its index.js is zipped again by a fresh asset module
    const { deterministicZip } = await freshAssetModule();
    const again = Buffer.from(deterministicZip({ 'index.js': unzipSync(zip)['index.js'] }));
    // THEN the bytes are the synthesized ones
    expect(again.equals(zip)).toBe(true);
  });
});
