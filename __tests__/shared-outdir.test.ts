import * as fs from 'node:fs';
import * as path from 'node:path';
import { finishRun } from '../test-support/global-teardown';
import { changedSharedOutdirs, sharedOutdir } from '../test-support/shared-outdir';
import { tempDir } from '../test-support/temp';
import { useRunTempFolder } from '../test-support/temp-root';

/** A build that writes one file and counts its calls. */
function counted(text = 'output') {
  const calls: string[] = [];
  const build = (dir: string) => {
    calls.push(dir);
    fs.mkdirSync(path.join(dir, 'stacks'));
    fs.writeFileSync(path.join(dir, 'stacks', 'cdk.tf.json'), text);
  };
  return { calls, build };
}

describe('outputs shared by the test files of a run', () => {
  test('a key is built once per run, in the run folder; another key gets its own output', () => {
    const root = tempDir('ami-guard-shared-');
    const { calls, build } = counted();
    const first = sharedOutdir('synth:a', build, root);
    const again = sharedOutdir('synth:a', build, root);
    const other = sharedOutdir('synth:b', build, root);
    expect(first).toBe(again);
    expect(other).not.toBe(first);
    expect(calls).toHaveLength(2);
    expect(path.dirname(first!).startsWith(root)).toBe(true);
    expect(fs.readFileSync(path.join(first!, 'stacks', 'cdk.tf.json'), 'utf8')).toBe('output');
    // AND no build folder is left beside the outputs
    expect(fs.readdirSync(path.dirname(first!)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  test('when another worker puts the same key in place first, its output is used and this build removed', () => {
    const root = tempDir('ami-guard-shared-');
    const { calls, build } = counted();
    // GIVEN a build during which another worker completes the same key
    let inner: string | undefined;
    const racing = (dir: string) => {
      build(dir);
      inner = sharedOutdir('synth:a', build, root);
    };
    // WHEN this worker then tries to put its own in place
    const outer = sharedOutdir('synth:a', racing, root);
    // THEN both have the one output, and only it is in the folder
    expect(outer).toBe(inner);
    expect(calls).toHaveLength(2);
    expect(fs.readdirSync(path.dirname(outer!)).sort()).toEqual([path.basename(outer!), `${path.basename(outer!)}.sha256`]);
  });

  test('a build that throws leaves nothing in place, and the next call builds again', () => {
    const root = tempDir('ami-guard-shared-');
    expect(() =>
      sharedOutdir(
        'synth:a',
        () => {
          throw new Error('config problem');
        },
        root,
      ),
    ).toThrow('config problem');
    expect(fs.readdirSync(path.join(root, 'shared-outputs'))).toEqual([]);
    const { calls, build } = counted();
    expect(sharedOutdir('synth:a', build, root)).toBeDefined();
    expect(calls).toHaveLength(1);
  });

  test('outside a jest run there is nothing to share: the caller builds its own', () => {
    const { calls, build } = counted();
    expect(sharedOutdir('synth:a', build, undefined)).toBeUndefined();
    expect(sharedOutdir('synth:a', build, '')).toBeUndefined();
    expect(calls).toEqual([]);
  });

  test('a changed file, an added file and a removed output are each found; untouched outputs are not', () => {
    const root = tempDir('ami-guard-shared-');
    const keys = ['changed', 'added', 'removed', 'untouched'];
    const dirs = Object.fromEntries(keys.map((k) => [k, sharedOutdir(k, counted().build, root)!]));
    fs.writeFileSync(path.join(dirs.changed, 'stacks', 'cdk.tf.json'), 'edited');
    fs.writeFileSync(path.join(dirs.added, 'stacks', 'extra.tf'), '');
    fs.rmSync(dirs.removed, { recursive: true });
    expect(changedSharedOutdirs(root).sort()).toEqual([dirs.added, dirs.changed, dirs.removed].sort());
  });

  test('the end of a run fails naming a changed shared output and the fix, and still removes the run folder', () => {
    // GIVEN a run whose shared output a test wrote into
    const env: NodeJS.ProcessEnv = { TMPDIR: tempDir('ami-guard-parent-') };
    const root = useRunTempFolder(env);
    const dir = sharedOutdir('synth:a', counted().build, root)!;
    fs.writeFileSync(path.join(dir, 'stacks', 'cdk.tf.json'), 'edited');
    // WHEN the run ends THEN it fails, naming the output and the fix
    expect(() => finishRun(env)).toThrow(/Tests changed 1 shared output: .*shared-outputs.*Fix: .*synthConfig\(\)/);
    expect(fs.existsSync(root)).toBe(false);
  });

  test('a run whose shared outputs are as they were made ends cleanly', () => {
    const env: NodeJS.ProcessEnv = { TMPDIR: tempDir('ami-guard-parent-') };
    const root = useRunTempFolder(env);
    sharedOutdir('synth:a', counted().build, root);
    expect(() => finishRun(env)).not.toThrow();
  });
});
