import { Readable } from 'node:stream';

import { StorageProxy } from '@async-request-reply/local-host/storageProxy';
import { BlobServiceClient } from '@azure/storage-blob';

import { loadConfig } from '../../src/core/config';
import { JobRunner, progressBeatBounds, type RunLog } from '../../src/core/jobs/jobRunner';
import { JobService } from '../../src/core/jobs/jobService';
import { streamToString } from '../../src/core/storage';
import { createServices } from '../../src/services';
import { generatedCsv } from '../support/datasets';
import { isolatedConfig, isolatedSettings, storageConnectionString } from '../support/env';
import { waitFor } from '../support/waitFor';

/**
 * The job runner against Azurite: results, idempotency under redelivery and races, input errors,
 * cancellation and the poison handler.
 */
const config = isolatedConfig({ JOBS_PROGRESS_INTERVAL_MS: '100' });
const s = createServices(config);
/** The test's own view of the jobs container (the store keeps its SDK client private). */
const container = BlobServiceClient.fromConnectionString(storageConnectionString()).getContainerClient(config.containerName);
const service: JobService = s.jobs;
const log: RunLog = { info: () => undefined, warn: () => undefined };

beforeAll(() => s.ready());

async function submitCsv(csv: string | Buffer, options: Record<string, string> = {}) {
  const { job } = await service.submit({ type: 'csv-report', options, contentType: 'text/csv', body: Readable.from([Buffer.from(csv)]) });
  return job;
}

async function resultBlobs(id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: `${id}/result-` })) out.push(b.name);
  return out;
}

const message = (jobId: string) => ({ v: 1 as const, jobId, type: 'csv-report' });

test('a job runs to Succeeded with its result stored and referenced', async () => {
  const job = await submitCsv('x,y\n1,a\n2,b\n');
  expect(await s.runner.run(message(job.id), log)).toBe('succeeded');
  const done = (await s.store.records.get(job.id))!.job;
  expect(done).toMatchObject({ status: 'Succeeded', percentComplete: 100, attempts: 1 });
  const report = JSON.parse(await streamToString(await s.results.open(done.result!))) as { rows: number };
  expect(report.rows).toBe(2);
  expect(done.result!.sizeBytes).toBe(Buffer.byteLength(JSON.stringify(report)));
});

test('the job message is enqueued base64-encoded and decodes to the job reference', async () => {
  const job = await submitCsv('a\n1\n');
  const peeked = await s.queue.queue.peekMessages({ numberOfMessages: 32 });
  const bodies = peeked.peekedMessageItems.map(
    (m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { jobId: string },
  );
  expect(bodies.map((b) => b.jobId)).toContain(job.id);
});

test('a redelivered message for a finished job changes nothing', async () => {
  const job = await submitCsv('a\n1\n');
  await s.runner.run(message(job.id), log);
  const before = await s.store.records.get(job.id);
  expect(await s.runner.run(message(job.id), log)).toBe('skipped');
  const after = await s.store.records.get(job.id);
  expect(after?.etag).toBe(before?.etag);
  expect(await resultBlobs(job.id)).toHaveLength(1);
});

test('two workers taking the same job concurrently leave exactly one result', async () => {
  const job = await submitCsv(generatedCsv(300_000));
  const other = new JobRunner(s.store, config);
  const outcomes = await Promise.all([s.runner.run(message(job.id), log), other.run(message(job.id), log)]);
  expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(1);
  const done = (await s.store.records.get(job.id))!.job;
  expect(done.status).toBe('Succeeded');
  expect(await resultBlobs(job.id)).toEqual([done.result!.blobName]);
});

test('a malformed CSV ends Failed with a 422 problem naming the location, and is not retried', async () => {
  const job = await submitCsv('a,b\n1,2\n3,4,5\n');
  expect(await s.runner.run(message(job.id), log)).toBe('failed');
  const failed = (await s.store.records.get(job.id))!.job;
  expect(failed.status).toBe('Failed');
  expect(failed.error).toMatchObject({ status: 422, title: 'Unprocessable Content' });
  expect(failed.error!.detail).toMatch(/row|line/i);
  expect(await resultBlobs(job.id)).toEqual([]);
});

test('a job canceled before it starts is not processed', async () => {
  const job = await submitCsv('a\n1\n');
  await service.cancel(job.id);
  expect(await s.runner.run(message(job.id), log)).toBe('skipped');
  expect((await s.store.records.get(job.id))!.job.status).toBe('Canceled');
});

test('a running job that is canceled stops within the bound and leaves no result', async () => {
  // 48 MB: about a second of processing even on a fast, idle machine, so the cancel (sent as soon as
  // the record reads Running) lands while the job runs.
  const job = await submitCsv(generatedCsv(48 * 1024 * 1024));
  const run = s.runner.run(message(job.id), log);
  for (let i = 0; i < 200 && (await s.store.records.get(job.id))!.job.status !== 'Running'; i++)
    await new Promise((r) => setTimeout(r, 10));
  const requested = Date.now();
  await service.cancel(job.id);
  expect(await run).toBe('canceled');
  expect(Date.now() - requested).toBeLessThan(2000);
  const canceled = (await s.store.records.get(job.id))!.job;
  expect(canceled).toMatchObject({ status: 'Canceled', error: { status: 409 } });
  expect(await resultBlobs(job.id)).toEqual([]);
}, 30_000);

test('a running job whose progress write hangs (record writes delayed 8 s) notices a cancel within the bound N', async () => {
  // The runner talks to storage through the fault-injecting proxy; the test submits and cancels
  // directly. I = 100 ms: D = 1 s, N = 2.1 s (progressBeatBounds). Before the progress writer had
  // its two lanes and deadlines, the cancel check waited behind the hanging write: about 8 s.
  const delayMs = 8000;
  const settings = isolatedSettings({ JOBS_PROGRESS_INTERVAL_MS: '100' });
  const direct = createServices(loadConfig(settings));
  const proxy = await StorageProxy.start(storageConnectionString());
  try {
    const slow = createServices(loadConfig({ ...settings, AzureWebJobsStorage: proxy.connectionString }));
    await direct.ready();
    const { cancelNoticedWithinMs } = progressBeatBounds(slow.config.progressIntervalMs);
    expect(cancelNoticedWithinMs).toBe(2100);
    const only = { pathIncludes: settings.JOBS_CONTAINER_NAME };
    // 1 MB read at 100 kB/s: the job runs about 10 s, however fast the machine.
    proxy.inject({ kind: 'input-read', fault: { bytesPerSecond: 100_000 }, ...only });
    const { job } = await direct.jobs.submit({
      type: 'csv-report',
      options: {},
      contentType: 'text/csv',
      body: Readable.from([Buffer.from(generatedCsv(1_000_000))]),
    });
    const run = slow.runner.run(message(job.id), log);
    await waitFor('the job Running', async () => (await direct.store.records.get(job.id))!.job.status === 'Running', 5000, 10);
    // The next record write (the first progress report, about 1 s into the run) hangs for 8 s.
    proxy.inject({ kind: 'record-update', fault: { delayMs }, times: 1, ...only });
    const hanging = () => proxy.seen('record-update').find((c) => c.fault && c.path.includes(job.id));
    await waitFor('the progress write held by the proxy', hanging, 5000, 10);

    const requested = Date.now();
    await direct.jobs.cancel(job.id);
    expect(await run).toBe('canceled');
    const elapsed = Date.now() - requested;
    expect(hanging()!.status).toBeUndefined(); // the run ended while its write still hung
    // N, plus the processor's reaction and the Canceled write (each well under a second).
    expect(elapsed).toBeLessThan(cancelNoticedWithinMs + 1500);
    expect((await direct.store.records.get(job.id))!.job).toMatchObject({ status: 'Canceled', error: { status: 409 } });

    // The aborted write still lands, late: conditional on the ETag it was computed from, it changes nothing.
    await waitFor('the held write answered', () => hanging()!.status !== undefined, 12_000, 10);
    expect(hanging()!.status).toBe(412);
    expect((await direct.store.records.get(job.id))!.job.status).toBe('Canceled');
  } finally {
    await proxy.stop();
  }
}, 30_000);

test('the poison handler fails a stuck job with its attempts and last error; a finished job is left alone', async () => {
  const job = await submitCsv('a\n1\n');
  await s.store.records.update(job.id, (j) => ({ ...j, status: 'Running', attempts: 5, lastError: 'Error: storage exploded' }));
  expect(await s.runner.failPoisoned(job.id)).toBe('failed');
  const failed = (await s.store.records.get(job.id))!.job;
  expect(failed.error).toMatchObject({ status: 500, attempts: 5, lastError: 'Error: storage exploded' });
  expect(await s.runner.failPoisoned(job.id)).toBe('skipped');
});

test('a purged job is skipped by the worker', async () => {
  const job = await submitCsv('a\n1\n');
  await service.purge(job.id);
  expect(await s.runner.run(message(job.id), log)).toBe('skipped');
  await expect(service.get(job.id)).rejects.toMatchObject({ problem: { status: 404 } });
});

test('jobs past retention read as 404 and the sweep removes them with their blobs', async () => {
  const job = await submitCsv('a\n1\n');
  const later = new JobService(s.store, s.queue, config, () => new Date(Date.now() + (config.retentionDays + 1) * 24 * 3600 * 1000));
  await expect(later.get(job.id)).rejects.toMatchObject({ problem: { status: 404 } });
  expect(await service.get(job.id)).toBeDefined();
  const removed = await later.sweepExpired();
  expect(removed).toContain(job.id);
  expect(await s.store.records.get(job.id)).toBeUndefined();
  const left: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix: `${job.id}/` })) left.push(b.name);
  expect(left).toEqual([]);
});
