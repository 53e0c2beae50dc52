/**
 * Benchmark of the csv-report processor against its floor, each measurement in its own child process so
 * that its peak RSS is its own.
 *
 *   npm run bench -- [--size MiB=64] [--runs N=1] [--keep]
 *   npm run bench:memory -- [--size MiB=300]
 *
 * `bench` generates two files in the OS temp directory (see ./datasets.ts): a low-cardinality one
 * (birdstrikes.csv repeated) and an all-distinct one (7 columns, 3 nearly all-distinct numbers, BOM,
 * CRLF, quoted newlines, missing tokens), and measures on each, streaming the file from disk in 64 KiB
 * chunks:
 * - `processor`: `buildCsvReport`, the whole report;
 * - `floor`: the same bytes UTF-8-decoded and tokenized by the processor's tokenizer, records dropped
 *   (what any report must at least do);
 * - `papaparse`: papaparse 5 parsing the same text (for comparison with a popular fast parser);
 * - `pandas`: `read_csv` + `describe(include='all')` + `nunique()` with the Debian python3-pandas
 *   (`/usr/bin/python3`), when it is installed.
 * It prints MiB/s, the ratio to the floor and the peak RSS of each, the processor's speed over pandas',
 * whether the processor reaches 25 MiB/s on the all-distinct file, and the load average before and
 * after (the machine is shared: compare the ratios). `bench:memory` runs the processor
 * alone on one all-distinct file (default 300 MiB) and checks its peak RSS against 200 MB.
 * Generated files are deleted at the end unless `--keep`. Figures go to README.md ("Performance").
 */
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import Papa from 'papaparse';

import { CsvTokenizer } from '../src/core/processors/csvParser';
import { buildCsvReport } from '../src/core/processors/csvReport';
import { writeBenchmarkCsv } from './datasets';
import { loadAverage, measureInChild, type Measurement, pandas, PANDAS_MISSING, peakRssMB } from './measure';

const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

/** Runs one measurement in this process (the child side). */
async function child(what: string, file: string): Promise<Measurement> {
  const t0 = process.hrtime.bigint();
  let rows = 0;
  if (what === 'processor') {
    const report = await buildCsvReport(createReadStream(file, { highWaterMark: CHUNK }), { delimiter: ',', header: true });
    rows = report.rows;
  } else if (what === 'floor') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const tokenizer = new CsvTokenizer(',', 32 * MiB, () => rows++);
    for await (const chunk of createReadStream(file, { highWaterMark: CHUNK }))
      tokenizer.write(decoder.decode(chunk as Buffer, { stream: true }));
    tokenizer.write(decoder.decode());
    tokenizer.end();
  } else if (what === 'papaparse') {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file, { highWaterMark: CHUNK });
      const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { header: false });
      parser.on('data', () => rows++);
      parser.on('end', () => resolve());
      parser.on('error', reject);
      stream.on('data', (c) => parser.write(decoder.decode(c as Buffer, { stream: true })));
      stream.on('end', () => parser.end());
    });
  } else throw new Error(`unknown measurement ${what}`);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { seconds, maxRssMB: peakRssMB('self'), rows };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await child(process.argv[3] as string, process.argv[4] as string)));
    return;
  }
  const { values } = parseArgs({
    options: { size: { type: 'string' }, runs: { type: 'string', default: '1' }, memory: { type: 'boolean' }, keep: { type: 'boolean' } },
  });
  const memory = values.memory === true;
  const sizeMiB = Number(values.size ?? (memory ? '300' : '64'));
  const runs = Number(values.runs);
  const keep = values.keep === true;
  const kinds = memory ? (['distinct'] as const) : (['low', 'distinct'] as const);
  console.log(
    `csv-report benchmark: ${sizeMiB} MiB files, ${runs} run(s) each, node ${process.version}, ${new Date().toISOString()}, load average ${loadAverage()}`,
  );
  const files: string[] = [];
  let failed = false;
  try {
    for (const kind of kinds) {
      const file = join(tmpdir(), `csv-report-bench-${kind}-${sizeMiB}.csv`);
      files.push(file);
      if (!existsSync(file)) await writeBenchmarkCsv(file, kind, sizeMiB * MiB);
      const mib = statSync(file).size / MiB;
      console.log(`\n${kind}: ${file} (${mib.toFixed(1)} MiB)`);
      const whats = memory ? ['processor'] : ['floor', 'processor', 'papaparse'];
      const best: Record<string, Measurement> = {};
      for (let r = 0; r < runs; r++) {
        for (const what of whats) {
          const m = measureInChild(what, file);
          if (best[what] === undefined || m.seconds < best[what].seconds) best[what] = m;
        }
      }
      const p = memory ? undefined : pandas(file);
      if (p !== undefined) best['pandas'] = p;
      const floor = best['floor'];
      for (const [what, m] of Object.entries(best)) {
        const rate = mib / m.seconds;
        const ratio = floor === undefined ? '' : `  ${(m.seconds / floor.seconds).toFixed(2)}× floor time`;
        console.log(
          `  ${what.padEnd(10)} ${rate.toFixed(1).padStart(6)} MiB/s  ${m.seconds.toFixed(2).padStart(6)} s  peak RSS ${m.maxRssMB.toFixed(0).padStart(5)} MB${ratio}`,
        );
      }
      if (!memory && p === undefined) console.log(`  ${PANDAS_MISSING}`);
      if (!memory && p !== undefined && best['processor'] !== undefined) {
        console.log(`  processor vs pandas: ${(p.seconds / best['processor'].seconds).toFixed(2)}× faster`);
      }
      if (!memory && kind === 'distinct' && best['processor'] !== undefined) {
        const rate = mib / best['processor'].seconds;
        console.log(`  goal (processor >= 25 MiB/s on the all-distinct file): ${rate >= 25 ? 'met' : 'NOT met'}`);
      }
      if (memory) {
        const rss = best['processor']!.maxRssMB;
        const ok = rss < 200;
        failed ||= !ok;
        console.log(`  bounded memory goal (< 200 MB peak RSS): ${ok ? 'met' : 'NOT met'}`);
      }
    }
  } finally {
    if (!keep) for (const f of files) rmSync(f, { force: true });
  }
  console.log(`\nload average at the end: ${loadAverage()} (the machine's other work slows every figure alike: compare ratios)`);
  if (failed) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
