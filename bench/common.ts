/**
 * What every bench row shares: the repository root, a timed child process that fails loudly, the number
 * formats, and the rows of this run (printed as they are added, written by bench/run.ts at the end).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as path from 'node:path';
import { formatRatio, type Row } from './table';

export const REPO = path.resolve(__dirname, '..');

/** The rows measured in this run, in order. */
export const rows: Row[] = [];

/** Runs a command to completion, timed; throws with its output when it fails. */
export function run(
  command: string,
  args: string[],
  options: SpawnSyncOptions & { shell?: boolean } = {},
): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...options });
  const ms = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stderr}${result.stdout}`);
  }
  return { ms, stdout: String(result.stdout) };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Adds a row to the run and prints it. */
export function add(row: Row): void {
  rows.push(row);
  const ratio = row.ratio === undefined ? '' : formatRatio(row.ratio);
  const target = row.target ? `${row.target} ${row.met ? 'ok' : 'MISSED'}` : '';
  console.log(`${row.what.padEnd(52)} ${row.ours.padStart(12)} ${row.baseline.padStart(12)} ${ratio.padStart(7)}  ${target}`);
}
