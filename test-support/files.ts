import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every file under `dir` with its bytes, by path relative to `dir`: for comparing two synth outputs. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), fs.readFileSync(full));
  }
  return files;
}
