/**
 * The Benchmarks table of docs/benchmarks.md is rendered by bench/table.ts from the results `npm run bench`
 * writes, so the figures in the docs are the ones in bench/results.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markdownTable, type BenchResults } from '../bench/table';

const REPO = path.resolve(__dirname, '..');

const results: BenchResults = {
  date: '2026-11-29T12:34:56.000Z',
  quick: false,
  machine: {
    cpu: 'AMD EPYC',
    cores: 2,
    memoryGb: 24,
    node: 'v20.20.2',
    platform: 'linux 6.18',
    loadAverageAtStart: [0.5, 1.25, 2],
  },
  minutes: 27.04,
  rows: [
    {
      what: 'npx cdktf synth, 100 accounts (vs naive idiom)',
      ours: '8.00 s',
      baseline: '48.40 s',
      ratio: 6.06,
      target: '>= 5x',
      met: true,
    },
    {
      what: 'sweep, 25,000 instances (vs sequential)',
      ours: '14.00 s',
      baseline: '35.00 s',
      ratio: 2.5,
      target: '>= 3x',
      met: false,
    },
    { what: '  response at 100,000 (vs Lambda|s limit)', ours: '193 B', baseline: '6 MB', target: '<< 6 MB', met: true },
    { what: 'cold load of the bundle', ours: '710 ms', baseline: '4184 ms', ratio: 5.893 },
  ],
};

describe('the benchmark table', () => {
  const lines = markdownTable(results).trimEnd().split('\n');

  test('names the date, the machine, the load at the start and the kind of run', () => {
    expect(lines[0]).toBe(
      'Measured 2026-11-29 on 2 × AMD EPYC (24 GB), Node v20.20.2, linux 6.18; ' +
        'load average at the start 0.50 / 1.25 / 2.00 (1 / 5 / 15 min); full run, 27.0 min.',
    );
    expect(markdownTable({ ...results, quick: true })).toContain('`--quick` run');
  });

  test('has one row per result: ours, baseline, ratio, target and whether it was met', () => {
    expect(lines.slice(2)).toEqual([
      '| what | this project | baseline | ratio | target | met |',
      '|---|---:|---:|---:|---|---|',
      '| npx cdktf synth, 100 accounts (vs naive idiom) | 8.00 s | 48.40 s | 6.1x | >= 5x | yes |',
      '| sweep, 25,000 instances (vs sequential) | 14.00 s | 35.00 s | 2.5x | >= 3x | **no** |',
      '| response at 100,000 (vs Lambda\\|s limit) | 193 B | 6 MB |  | << 6 MB | yes |',
      '| cold load of the bundle | 710 ms | 4184 ms | 5.9x |  |  |',
    ]);
  });
});

test('docs/benchmarks.md shows the table of the committed bench/results.json', () => {
  const committed = JSON.parse(fs.readFileSync(path.join(REPO, 'bench', 'results.json'), 'utf8')) as BenchResults;
  const section = fs.readFileSync(path.join(REPO, 'docs', 'benchmarks.md'), 'utf8');
  const table = markdownTable(committed);
  if (!section.includes(table)) {
    throw new Error(
      'docs/benchmarks.md does not hold the table of bench/results.json. ' +
        'Fix: paste the output of `npm run bench -- --table` into it (or `git checkout bench/results.json` to drop a local run).',
    );
  }
});
