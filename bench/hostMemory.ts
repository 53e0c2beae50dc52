/**
 * Bounded-memory benchmark of the whole job through one local host (`dev/host/dist/cli.js`, the
 * `npm start` host), standing in for one Flex Consumption instance of 2 GB:
 *
 *   npm run bench:host -- [--jobs N=12] [--size MiB=99] [--heap MB=1536]
 *
 * Generates one all-distinct CSV (see ./datasets.ts), starts Azurite (on disk, in a temp directory)
 * and a host with `--max-old-space-size=<heap>`, submits N jobs of that file at once with the typed
 * client (host.json's batchSize 8 + newBatchThreshold 4 = 12 run concurrently), waits for all, and
 * prints whether each succeeded, the elapsed time, the throughput and the host's peak RSS (VmHWM of
 * /proc/<pid>/status). Everything generated is deleted at the end.
 */
import { mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { createJobClient } from '../src/client/jobClient';
import { writeBenchmarkCsv } from './datasets';
import { startBenchHost } from './host';

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string', default: '12' },
      size: { type: 'string', default: '99' },
      heap: { type: 'string', default: '1536' },
    },
  });
  const jobs = Number(values.jobs);
  const sizeMiB = Number(values.size);
  const heapMB = Number(values.heap);
  const dir = mkdtempSync(join(tmpdir(), 'csv-report-host-bench-'));
  const file = join(dir, 'distinct.csv');
  await writeBenchmarkCsv(file, 'distinct', sizeMiB * MiB);
  const bytes = statSync(file).size;
  console.log(
    `host benchmark: ${jobs} concurrent jobs of ${(bytes / MiB).toFixed(1)} MiB (all-distinct), host --max-old-space-size=${heapMB}, node ${process.version}, ${new Date().toISOString()}`,
  );
  const host = await startBenchHost({ dir, maxInputBytes: 2 * bytes, heapMB });
  try {
    const client = createJobClient({ baseUrl: host.baseUrl });
    const t0 = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: jobs }, async () => {
        const job = await client.submit('csv-report', await openAsBlob(file), { contentType: 'text/csv' });
        const report = await job.wait<{ rows: number }>({ as: 'json' });
        return { seconds: (Date.now() - t0) / 1000, rows: report.rows };
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    results.forEach((r, i) => {
      if (r.status === 'fulfilled')
        console.log(`  job ${i + 1}: Succeeded after ${r.value.seconds.toFixed(1)} s, ${r.value.rows.toLocaleString('en')} rows`);
      else console.log(`  job ${i + 1}: FAILED: ${String(r.reason)}`);
    });
    const hostExit = host.exit();
    const rss = hostExit === undefined ? host.peakRssMB() : NaN;
    console.log(
      `${ok}/${jobs} succeeded in ${seconds.toFixed(1)} s (${((jobs * bytes) / MiB / seconds).toFixed(1)} MiB/s in all, upload included); host peak RSS ${rss.toFixed(0)} MB${hostExit ? `; host ${hostExit}` : ''}`,
    );
    if (ok !== jobs || hostExit !== undefined) process.exitCode = 1;
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
