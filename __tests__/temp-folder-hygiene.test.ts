import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { releaseRunTempFolder, useRunTempFolder } from '../test-support/temp-root';
import { removeTempDirs, tempDir } from '../test-support/temp';

describe('the temp folder of a test run', () => {
  test('this run has its own temp folder, so other programs cannot disturb the check', () => {
    expect(process.env.AMI_GUARD_TEST_TMPDIR).toBeDefined();
    expect(os.tmpdir()).toBe(process.env.AMI_GUARD_TEST_TMPDIR);
  });

  test('the run check reports the ami-guard-* directories left behind, removes the folder and restores TMPDIR', () => {
    // GIVEN a run folder inside a parent folder, as globalSetup makes it
    const parent = tempDir('ami-guard-parent-');
    const env: NodeJS.ProcessEnv = { TMPDIR: parent };
    const root = useRunTempFolder(env);
    expect(env.TMPDIR).toBe(root);
    expect(path.dirname(root)).toBe(parent);
    // AND a test that left a project directory, next to a tool's cache
    fs.mkdirSync(path.join(root, 'ami-guard-out-abc123'));
    fs.mkdirSync(path.join(root, 'tsx-0'));
    // WHEN the run ends
    const left = releaseRunTempFolder(env);
    // THEN the project directory is named, nothing is left, and TMPDIR is what it was
    expect(left).toEqual(['ami-guard-out-abc123']);
    expect(fs.existsSync(root)).toBe(false);
    expect(env.TMPDIR).toBe(parent);
  });

  test('a directory made with tempDir() is gone once its test file ends', () => {
    const dir = tempDir('ami-guard-hygiene-');
    expect(fs.existsSync(dir)).toBe(true);
    removeTempDirs(); // what test-support/setup.ts does after every test file
    expect(fs.existsSync(dir)).toBe(false);
  });
});
