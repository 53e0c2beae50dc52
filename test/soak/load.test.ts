import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

import { storageConnectionString, uniqueName } from '../support/env';
import {
  artifactsDir,
  exactlyOnceViolations,
  hostsForFile,
  JobsInspector,
  mapLimit,
  smallCsv,
  successesInLogs,
  timedSubmit,
} from '../support/soak';

/**
 * Issue 4 under load: two local hosts (separate processes) on one queue; 300 small jobs submitted
 * with at most 50 requests in flight, split across both hosts' URLs. All must be accepted and end
 * Succeeded exactly once with the right row count. Throughput and latencies are printed and written
 * to test/artifacts/load.json (git-ignored). Azurite is not a performance proxy: the figures compare
 * runs of this code on one machine, nothing more.
 */
const jobCount = 300;
const inFlight = 50;
const settings = {
  JOBS_QUEUE_NAME: uniqueName('soak-load'),
  JOBS_CONTAINER_NAME: uniqueName('soak-load'),
  JOBS_RETRY_AFTER_SECONDS: '1',
  // This test measures throughput with 50 submits in flight against one Azurite on a shared machine,
  // where a storage call can take tens of seconds; the submit deadline is not under test here (see
  // test/integration/faults.test.ts), so it gets the largest value the setting allows.
  JOBS_SUBMIT_DEADLINE_MS: '60000',
};
const hosts = hostsForFile('load', settings);
const inspector = new JobsInspector(storageConnectionString(), settings.JOBS_CONTAINER_NAME, settings.JOBS_QUEUE_NAME);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const stats = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? NaN };
};

test(`${jobCount} small jobs across two hosts: all accepted, all Succeeded exactly once with the right rows`, async () => {
  const inputs = Array.from({ length: jobCount }, (_, i) => {
    const rows = 1 + ((i * 37) % 200);
    return { rows, csv: smallCsv(rows, i) };
  });
  const t0 = Date.now();
  const submitted = await mapLimit(inputs, inFlight, (input, i) =>
    timedSubmit(hosts[i % 2]!.baseUrl, input.csv, { index: i, timeoutMs: 60_000 }),
  );
  const submitMs = Date.now() - t0;
  expect(submitted.filter((s) => s.status !== 202)).toEqual([]);
  const ids = submitted.map((s) => s.id!);

  const records = await inspector.waitAllTerminal(ids, 150_000);
  await inspector.waitQueueDrained(30_000, 1000);
  const inventory = await inspector.inventory();
  const successes = successesInLogs(hosts.map((h) => h.output()));
  expect(exactlyOnceViolations(ids, records, inventory, successes)).toEqual([]);
  expect(JobsInspector.recordIds(inventory).length).toBe(jobCount);

  const wrongRows = (
    await mapLimit(ids, 20, async (id, i) => {
      const rows = (JSON.parse(await inspector.readResult(records.get(id)!)) as { rows: number }).rows;
      return rows === inputs[i]!.rows ? undefined : { id, rows, sent: inputs[i]!.rows };
    })
  ).filter((x) => x !== undefined);
  expect(wrongRows).toEqual([]);

  // Figures from the records' own timestamps (not from the test's polling).
  const jobs = ids.map((id) => records.get(id)!);
  const created = jobs.map((j) => Date.parse(j.createdDateTime));
  const completed = jobs.map((j) => Date.parse(j.completedDateTime!));
  const lastCompleted = Math.max(...completed);
  const spanSeconds = (lastCompleted - t0) / 1000;
  const perHost = hosts.map((h) => successesInLogs([h.output()]).size);
  const figures = {
    date: new Date(t0).toISOString(),
    jobs: jobCount,
    hosts: hosts.length,
    concurrentSubmits: inFlight,
    submitSeconds: submitMs / 1000,
    submitsPerSecond: Number((jobCount / (submitMs / 1000)).toFixed(1)),
    submitLatencyMs: stats(submitted.map((s) => s.ms)),
    firstSubmitToLastCompletedSeconds: Number(spanSeconds.toFixed(2)),
    jobsPerSecond: Number((jobCount / spanSeconds).toFixed(1)),
    createdToCompletedMs: stats(completed.map((c, i) => c - created[i]!)),
    jobsPerHost: perHost,
    attemptsOverOne: jobs.filter((j) => j.attempts > 1).length,
    machine: { cpus: cpus().length, node: process.version },
  };
  mkdirSync(artifactsDir, { recursive: true });
  writeFileSync(join(artifactsDir, 'load.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(
    `Load: ${jobCount} jobs on ${hosts.length} hosts: ${figures.jobsPerSecond} jobs/s end to end (${figures.firstSubmitToLastCompletedSeconds} s), ` +
      `submits ${figures.submitsPerSecond}/s (p95 ${figures.submitLatencyMs.p95} ms), created→completed p50 ${figures.createdToCompletedMs.p50} ms p95 ${figures.createdToCompletedMs.p95} ms, per host ${JSON.stringify(perHost)}`,
  );
}, 240_000);
