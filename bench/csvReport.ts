/**
 * Benchmark of the csv-report processor: throughput of `buildCsvReport` over an in-memory CSV made of
 * a public dataset (vega-datasets birdstrikes.csv, 14 mixed columns) repeated to the requested size,
 * fed in 64 KiB chunks as a blob download would be. Prints MB/s and rows/s per run and the median.
 *
 *   npm run bench -- [sizeMB=50] [runs=3]
 *
 * Figures are recorded in README.md ("Performance"); run on an idle machine.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { buildCsvReport } from '../src/core/processors/csvReport';

async function main(): Promise<void> {
  const sizeMB = Number(process.argv[2] ?? 50);
  const runs = Number(process.argv[3] ?? 3);
  const source = readFileSync(join(dirname(require.resolve('vega-datasets')), '..', 'data', 'birdstrikes.csv'), 'utf8');
  const newline = source.indexOf('\n');
  const header = source.slice(0, newline + 1);
  const body = source.slice(newline + 1).replace(/\r?\n?$/, '\n');
  const copies = Math.max(1, Math.ceil((sizeMB * 1024 * 1024) / Buffer.byteLength(body)));
  const data = Buffer.from(header + body.repeat(copies), 'utf8');
  const chunk = 64 * 1024;
  console.log(`csv-report benchmark: ${(data.length / 1048576).toFixed(1)} MiB, ${runs} run(s), node ${process.version}`);
  const rates: number[] = [];
  for (let r = 1; r <= runs; r++) {
    const chunks = function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    };
    const t0 = process.hrtime.bigint();
    const report = await buildCsvReport(Readable.from(chunks()), { delimiter: ',', header: true }, { totalBytes: data.length });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const mbps = data.length / 1048576 / seconds;
    rates.push(mbps);
    console.log(`run ${r}: ${seconds.toFixed(2)} s, ${mbps.toFixed(1)} MiB/s, ${Math.round(report.rows / seconds).toLocaleString('en')} rows/s (${report.rows.toLocaleString('en')} rows, ${report.columns.length} columns)`);
  }
  rates.sort((a, b) => a - b);
  console.log(`median: ${rates[Math.floor(rates.length / 2)]!.toFixed(1)} MiB/s`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
