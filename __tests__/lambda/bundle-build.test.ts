import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildAmiComplianceBundle, DEFAULT_OUT_DIR } from '../../lambda/ami-compliance/build';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

describe('buildAmiComplianceBundle', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ami-guard-build-'));
    made.push(dir);
    return dir;
  };

  test('writes one index.js and returns its absolute path', () => {
    const dir = tempDir();
    const file = buildAmiComplianceBundle(dir);
    expect(file).toBe(path.join(dir, 'index.js'));
    expect(fs.readdirSync(dir)).toEqual(['index.js']); // no source map, no meta file
    const code = fs.readFileSync(file, 'utf8');
    expect(code).not.toMatch(/sourceMappingURL/);
    expect(code).not.toMatch(/@license|@preserve/);
  });

  test('is deterministic: two builds are byte-identical, whatever the cwd', () => {
    // GIVEN two builds, the second from another working directory
    const first = fs.readFileSync(buildAmiComplianceBundle(tempDir()));
    const cwd = process.cwd();
    let second: Buffer;
    try {
      process.chdir(os.tmpdir());
      second = fs.readFileSync(buildAmiComplianceBundle(tempDir()));
    } finally {
      process.chdir(cwd);
    }
    // THEN the bytes (and so the Terraform asset hash) are the same
    expect(second.equals(first)).toBe(true);
  });

  test('a relative outDir and the default are resolved against the repository root, not the cwd', () => {
    expect(DEFAULT_OUT_DIR).toBe(path.join(REPO_ROOT, 'dist', 'lambda', 'ami-compliance'));
    const relative = path.join('dist', `.bundle-test-${process.pid}`);
    made.push(path.join(REPO_ROOT, relative));
    const cwd = process.cwd();
    try {
      process.chdir(os.tmpdir());
      expect(buildAmiComplianceBundle(relative)).toBe(path.join(REPO_ROOT, relative, 'index.js'));
    } finally {
      process.chdir(cwd);
    }
  });
});
