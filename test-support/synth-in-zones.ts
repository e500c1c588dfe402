/**
 * The app's entry point (main.ts), run once per time zone in one process: for each zone, TZ is set (Node
 * applies a changed process.env.TZ to Date at once) and every module is loaded afresh, so nothing computed
 * under an earlier zone is reused; the first zone is the one the process starts under. One process instead
 * of one per zone: each start loads the whole app and its dependencies again.
 *
 * Usage: TZ=<first zone> node --require tsx/cjs test-support/synth-in-zones.ts <outroot> <zone>...
 * Writes each zone's synth to <outroot>/<zone with / as _>; exits non-zero when a synth fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The folder under the out root for a zone's synth. */
export const zoneFolder = (zone: string): string => zone.replace(/\//g, '_');

function main(outroot: string, zones: string[]): void {
  if (!outroot || zones.length === 0) throw new Error('usage: synth-in-zones.ts <outroot> <zone>...');
  if (process.env.TZ !== zones[0]) throw new Error(`start the process under TZ=${zones[0]}, the first zone given`);
  fs.mkdirSync(outroot, { recursive: true });
  for (const zone of zones) {
    process.env.TZ = zone;
    // Every module but the TypeScript loader itself, so main.ts and all it imports run again under this zone.
    for (const file of Object.keys(require.cache))
      if (!file.includes(`${path.sep}node_modules${path.sep}tsx${path.sep}`)) delete require.cache[file];
    // cdktf's App reads its output folder from CDKTF_OUTDIR, as under `cdktf synth`.
    process.env.CDKTF_OUTDIR = path.join(outroot, zoneFolder(zone));
    require('../main'); // eslint-disable-line @typescript-eslint/no-require-imports -- run, not imported: main.ts synthesizes when loaded
  }
}

if (require.main === module) main(process.argv[2], process.argv.slice(3));
