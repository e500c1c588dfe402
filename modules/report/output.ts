/**
 * The output folder, written all or nothing: files go to a fresh folder inside it and are renamed into
 * place only when every one is complete, so a failure leaves the previous report as it was.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The output folder cannot be used; the message names it and the fix. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

/** A staging folder inside the output folder. */
export class StagedOutput {
  private constructor(
    readonly dir: string,
    readonly staging: string,
  ) {}

  /**
   * Creates `dir` if needed and a staging folder in it: checked before any account is read.
   * @param names the files that will be moved into place; one that exists and is not a file is refused now
   * @throws OutputError naming the folder, why, and the fix
   */
  static open(dir: string, names: readonly string[]): StagedOutput {
    const cannot = (err: unknown) =>
      new OutputError(
        `--out ${dir}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
          'pass a folder you can write to, e.g. --out ./ami-guard-report. Nothing was written.',
      );
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw cannot(err);
    }
    for (const name of names) {
      const target = path.join(dir, name);
      const stat = fs.statSync(target, { throwIfNoEntry: false });
      if (stat && !stat.isFile()) {
        throw new OutputError(
          `--out ${dir}: ${target} exists and is not a file, so the report cannot replace it; move it away or pass another --out. Nothing was written.`,
        );
      }
    }
    try {
      return new StagedOutput(dir, fs.mkdtempSync(path.join(dir, '.ami-guard-report-')));
    } catch (err) {
      throw cannot(err);
    }
  }

  /** Where a file is written before it is moved into place. */
  path(name: string): string {
    return path.join(this.staging, name);
  }

  /** Moves the named files into the output folder and removes the staging folder. */
  commit(names: readonly string[]): string[] {
    const placed = names.map((name) => {
      const target = path.join(this.dir, name);
      fs.renameSync(this.path(name), target);
      return target;
    });
    this.discard();
    return placed;
  }

  /** Removes the staging folder and everything in it. */
  discard(): void {
    fs.rmSync(this.staging, { recursive: true, force: true });
  }
}
