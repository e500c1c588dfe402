import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { buildAmiComplianceBundle, DEFAULT_OUT_DIR, writeFileAtomically } from '../../lambda/ami-compliance/build';

/** A deterministic deployment package. */
export interface LambdaZip {
  /** Absolute path of the zip. */
  readonly path: string;
  /** Base64 SHA-256 of the zip: what Lambda reports as CodeSha256, so `source_code_hash` follows the code. */
  readonly sha256: string;
}

// Zip entries carry a fixed timestamp so the same code always gives the same bytes. fflate converts
// the Date to a DOS time with the *local* getters, so the Date is built in local time: 1980-01-01
// 00:00 reads the same in every zone (a UTC instant is 1979 west of UTC, and 09:00 in Tokyo).
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/** Zips files (name -> bytes) deterministically: sorted names, fixed timestamps and permissions. */
function deterministicZip(files: Record<string, Uint8Array>): Uint8Array {
  const entries = Object.keys(files)
    .sort()
    .map((name) => [name, [files[name], { mtime: FIXED_MTIME, level: 9, os: 3, attrs: 0o100644 << 16 }]] as const);
  return zipSync(Object.fromEntries(entries) as Parameters<typeof zipSync>[0]);
}

const cache = new Map<string, LambdaZip>();

/** Bundles and zips the rule Lambda into `outDir`, once per process (every stack of a synth shares it). */
export function amiComplianceZip(outDir: string = DEFAULT_OUT_DIR): LambdaZip {
  const hit = cache.get(outDir);
  if (hit) return hit;
  const bundle = buildAmiComplianceBundle(outDir);
  const zip = deterministicZip({ 'index.js': fs.readFileSync(bundle) });
  const zipPath = path.join(path.dirname(bundle), 'ami-compliance.zip');
  writeFileAtomically(zipPath, zip);
  const result = { path: zipPath, sha256: createHash('sha256').update(zip).digest('base64') };
  cache.set(outDir, result);
  return result;
}
