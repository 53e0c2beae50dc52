/**
 * The whole csv-report job through the app next to pandas on the same file:
 *
 *   npm run bench:job -- [--size MiB=300] [--kind distinct|low]
 *
 * Generates one CSV (default: 300 MiB all-distinct, see ./datasets.ts), starts Azurite (on disk) and
 * one local host (./host.ts), and measures, one after the other on the same file:
 * - `job`: submit with the typed client (upload streamed from disk, Accepted, queue, processing, result
 *   written) until `wait()` has the report, with the host's peak RSS;
 * - `processor`: `buildCsvReport` alone in a child process (the floor of the job: what is left when
 *   upload, queue and storage cost nothing);
 * - `pandas`: `read_csv` + `describe(include='all')` + `nunique()` (./measure.ts), when installed.
 * It prints MiB/s, seconds and peak RSS of each, the job's time over the processor's, and whether the
 * job finished sooner than pandas. Everything generated is deleted at the end.
 */
import { mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { createJobClient } from '../src/client/jobClient';
import { writeBenchmarkCsv } from './datasets';
import { startBenchHost } from './host';
import { loadAverage, measureInChild, type Measurement, pandas, PANDAS_MISSING } from './measure';

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '300' }, kind: { type: 'string', default: 'distinct' } } });
  const sizeMiB = Number(values.size);
  const kind = values.kind;
  if (kind !== 'distinct' && kind !== 'low') throw new Error('--kind must be distinct or low');
  const dir = mkdtempSync(join(tmpdir(), 'csv-report-job-bench-'));
  try {
    const file = join(dir, `${kind}.csv`);
    await writeBenchmarkCsv(file, kind, sizeMiB * MiB);
    const bytes = statSync(file).size;
    const mib = bytes / MiB;
    console.log(
      `job benchmark: one csv-report job of ${mib.toFixed(1)} MiB (${kind}), node ${process.version}, ${new Date().toISOString()}, load average ${loadAverage()}`,
    );
    const results: Record<string, Measurement> = {};
    let rows = 0;
    const host = await startBenchHost({ dir, maxInputBytes: 2 * bytes });
    try {
      const client = createJobClient({ baseUrl: host.baseUrl });
      const t0 = process.hrtime.bigint();
      const job = await client.submit('csv-report', await openAsBlob(file), { contentType: 'text/csv' });
      const report = await job.wait<{ rows: number }>({ as: 'json' });
      rows = report.rows;
      results['job'] = { seconds: Number(process.hrtime.bigint() - t0) / 1e9, maxRssMB: host.peakRssMB(), rows };
    } finally {
      await host.stop();
    }
    results['processor'] = measureInChild('processor', file);
    const p = pandas(file);
    if (p !== undefined) results['pandas'] = p;
    for (const [what, m] of Object.entries(results)) {
      console.log(
        `  ${what.padEnd(10)} ${(mib / m.seconds).toFixed(1).padStart(6)} MiB/s  ${m.seconds.toFixed(1).padStart(6)} s  peak RSS ${m.maxRssMB.toFixed(0).padStart(5)} MB${what === 'job' ? ' (host)' : ''}`,
      );
    }
    const { job, processor } = results as { job: Measurement; processor: Measurement };
    console.log(`  job / processor alone: ${(job.seconds / processor.seconds).toFixed(2)}× the time (upload, queue and storage on top)`);
    if (processor.rows !== rows) throw new Error(`the job counted ${rows} rows, the processor alone ${processor.rows}`);
    if (p === undefined) console.log(`  ${PANDAS_MISSING}`);
    else {
      const sooner = job.seconds < p.seconds;
      console.log(
        `  pandas / job: ${(p.seconds / job.seconds).toFixed(2)}×; goal (the whole job finishes sooner than pandas reads and describes the file): ${sooner ? 'met' : 'NOT met'}`,
      );
    }
    console.log(`  load average at the end: ${loadAverage()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
