import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { BlobServiceClient } from '@azure/storage-blob';

import { blobNames } from '../../src/core/jobs/containerLayout';
import { JobStore } from '../../src/core/jobs/jobStore';
import type { JobRecord } from '../../src/core/jobs/model';
import * as machine from '../../src/core/jobs/stateMachine';
import { ProblemError } from '../../src/core/problem';
import { streamToString } from '../../src/core/storage';
import { storageConnectionString, uniqueName } from '../support/env';

/** The job store against Azurite: conditional creates, ETag-guarded transitions, streaming limits. */
const blobService = BlobServiceClient.fromConnectionString(storageConnectionString());
const containerName = uniqueName('store');
const store = new JobStore(blobService, containerName);
/** The test's own view of the container (the store keeps its SDK client private). */
const container = blobService.getContainerClient(containerName);

function newJob(): JobRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    type: 'csv-report',
    status: 'NotStarted',
    options: {},
    input: { contentType: 'text/csv', sizeBytes: 3 },
    createdDateTime: now,
    lastUpdatedDateTime: now,
    percentComplete: 0,
    progress: {},
    attempts: 0,
  };
}

async function names(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const b of container.listBlobsFlat({ prefix })) out.push(b.name);
  return out.sort();
}

beforeAll(() => store.ensureContainer());

test('create stores a record readable with its ETag; a retried identical create finds it; a different record with the same id is refused', async () => {
  const job = newJob();
  const created = await store.records.create(job);
  const read = await store.records.get(job.id);
  expect(read?.job).toEqual(job);
  expect(read?.etag).toBe(created.etag);
  expect(await store.records.create(job)).toEqual(created);
  const err = (await store.records.create({ ...job, type: 'other' }).catch((e: unknown) => e)) as { statusCode?: number };
  expect([409, 412]).toContain(err.statusCode);
  expect((await store.records.get(job.id))?.job.type).toBe('csv-report');
});

test('get of an unknown id is undefined, update of an unknown id is undefined', async () => {
  expect(await store.records.get(randomUUID())).toBeUndefined();
  expect(await store.records.update(randomUUID(), (j) => j)).toBeUndefined();
});

test('a write with a stale ETag is rejected by storage (412)', async () => {
  const job = newJob();
  const { etag } = await store.records.create(job);
  await store.records.update(job.id, (j) => machine.start(j, new Date()));
  const blob = container.getBlockBlobClient(blobNames.record(job.id));
  await expect(blob.upload('{}', 2, { conditions: { ifMatch: etag } })).rejects.toMatchObject({ statusCode: 412 });
});

test('concurrent read-modify-write updates are all applied (optimistic concurrency retries)', async () => {
  const job = newJob();
  await store.records.create(job);
  await Promise.all(
    Array.from({ length: 6 }, () => store.records.update(job.id, (j) => ({ ...j, attempts: j.attempts + 1 }), { maxAttempts: 50 })),
  );
  expect((await store.records.get(job.id))?.job.attempts).toBe(6);
});

test('two racing completions: exactly one wins, the other sees a terminal job', async () => {
  const job = newJob();
  await store.records.create(job);
  await store.records.update(job.id, (j) => machine.start(j, new Date()));
  const results = await Promise.allSettled(
    [1, 2].map((n) =>
      store.records.update(job.id, (j) =>
        machine.succeed(j, { blobName: `r${n}`, contentType: 'application/json', sizeBytes: n }, new Date()),
      ),
    ),
  );
  expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
  expect(rejected.reason).toBeInstanceOf(machine.TransitionError);
  expect((rejected.reason as machine.TransitionError).current).toBe('Succeeded');
});

test('uploadInput streams the body and reports its size', async () => {
  const id = randomUUID();
  const stored = await store.blobs.uploadInput(id, Readable.from([Buffer.from('a,b\n'), Buffer.from('1,2\n')]), 'text/csv', 100);
  expect(stored).toEqual({ sizeBytes: 8, sha256: createHash('sha256').update('a,b\n1,2\n').digest('hex') });
  expect(await streamToString(await store.blobs.openInput(id))).toBe('a,b\n1,2\n');
  const props = await container.getBlobClient(blobNames.input(id)).getProperties();
  expect(props.contentType).toBe('text/csv');
});

test('uploadInput over the limit fails with 413 while streaming and commits nothing', async () => {
  const id = randomUUID();
  const chunks = Array.from({ length: 20 }, () => Buffer.alloc(1024 * 1024, 'x'));
  const err = await store.blobs.uploadInput(id, Readable.from(chunks), 'text/csv', 5 * 1024 * 1024).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ProblemError);
  expect((err as ProblemError).problem.status).toBe(413);
  expect(await names(`${id}/`)).toEqual([]);
});

test('writeResult stores a stream under an attempt-specific name; purge removes everything of the job', async () => {
  const job = newJob();
  await store.records.create(job);
  await store.blobs.uploadInput(job.id, Readable.from(['x']), 'text/csv', 10);
  const ref = await store.blobs.writeResult(job.id, 3, Readable.from(['{"a":', '1}']), 'application/json');
  expect(ref).toEqual({ blobName: `${job.id}/result-3`, sizeBytes: 7, contentType: 'application/json' });
  expect(await names(`${job.id}/`)).toEqual([`${job.id}/input`, `${job.id}/result-3`, `${job.id}/status.json`]);
  expect(await store.purge(job.id)).toBe(true);
  expect(await names(`${job.id}/`)).toEqual([]);
  expect(await store.records.get(job.id)).toBeUndefined();
});
