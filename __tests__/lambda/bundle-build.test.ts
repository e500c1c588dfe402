import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAmiComplianceBundle, DEFAULT_OUT_DIR } from '../../lambda/ami-compliance/build';
import { runBuild } from '../../test-support/run-bundle';
import { tempDir } from '../../test-support/temp';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('buildAmiComplianceBundle', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const outDir = () => {
    const dir = tempDir('ami-guard-build-');
    made.push(dir);
    return dir;
  };

  /**
   * One build with the default options, made from another working directory: the file layout is read
   * from it, and it is compared byte for byte with this run's shared build (made from the repository root).
   */
  let fromElsewhere: { dir: string; built: Awaited<ReturnType<typeof buildAmiComplianceBundle>> };
  beforeAll(async () => {
    const dir = outDir();
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      fromElsewhere = { dir, built: await buildAmiComplianceBundle(dir) };
    } finally {
      process.chdir(cwd);
    }
  }, 120_000);

  test('writes a minified index.js and its source map beside it, not linked from the code', () => {
    const { dir, built } = fromElsewhere;
    expect(built).toEqual({ bundle: path.join(dir, 'index.js'), sourceMap: path.join(dir, 'index.js.map') });
    expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const code = fs.readFileSync(built.bundle, 'utf8');
    expect(code).not.toMatch(/sourceMappingURL/);
    expect(code).not.toMatch(/@license|@preserve/);
    // minified: a few long lines, not the 60,000 of the readable bundle (esbuild writes a "\n" in a
    // string as a raw newline inside a template literal, so each such string adds a line)
    expect(code.split('\n').length).toBeLessThan(100);
    const map = JSON.parse(fs.readFileSync(built.sourceMap, 'utf8'));
    expect(map.sources.some((s: string) => s.endsWith('lambda/ami-compliance/handler.ts'))).toBe(true);
  });

  test('keeps only the SDK schemas the rule uses, so the bundled SDK stays small', async () => {
    // EC2's generated schemas alone are 550 KB minified when esbuild cannot drop the unused ones
    // (this run's shared build: what deploys, built with the default options)
    const { bundle } = runBuild();
    expect(fs.statSync(bundle).size).toBeLessThan(600_000);
    const code = fs.readFileSync(bundle, 'utf8');
    expect(code).toContain('DescribeInstances');
    // (not RunInstances: the launcher lookup names that CloudTrail event)
    expect(code).not.toContain('AuthorizeSecurityGroupIngress');
  });

  test('with the runtime SDK, @aws-sdk is required from the runtime instead of bundled', async () => {
    const { bundle } = await buildAmiComplianceBundle(outDir(), { sdk: 'runtime' });
    const code = fs.readFileSync(bundle, 'utf8');
    expect(code).toMatch(/require\("@aws-sdk\/client-ec2"\)/);
    expect(fs.statSync(bundle).size).toBeLessThan(50_000);
  });

  test('is deterministic: two builds are byte-identical, whatever the cwd', () => {
    // GIVEN two builds: this run's shared one (from the repository root), and the one from another working directory
    const first = fs.readFileSync(runBuild().bundle);
    const second = fs.readFileSync(fromElsewhere.built.bundle);
    // THEN the bytes (and so the Terraform asset hash) are the same
    expect(second.equals(first)).toBe(true);
  });

  test('a relative outDir and the default are resolved against the repository root, not the cwd', async () => {
    expect(DEFAULT_OUT_DIR).toBe(path.join(REPO_ROOT, 'dist', 'lambda', 'ami-compliance'));
    const relative = path.join('dist', `.bundle-test-${process.pid}`);
    made.push(path.join(REPO_ROOT, relative));
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      // (the small build that leaves the SDK to the runtime: where it lands does not depend on what it holds)
      const built = await buildAmiComplianceBundle(relative, { sdk: 'runtime' });
      expect(built.bundle).toBe(path.join(REPO_ROOT, relative, 'index.js'));
      expect(fs.existsSync(built.bundle)).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });
});
