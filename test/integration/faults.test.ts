import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { classify, StorageProxy as FaultProxy } from '@async-request-reply/local-host/storageProxy';

import { loadConfig } from '../../src/core/config';
import { clockSkewMarginMs, submitBounds } from '../../src/core/jobs/bounds';
import { JobReconciler } from '../../src/core/jobs/jobReconciler';
import { decodeBase64Strict, parseJobMessage } from '../../src/core/jobs/messageCodec';
import { SubmitSaga } from '../../src/core/jobs/submitSaga';
import { ProblemError } from '../../src/core/problem';
import { createServices, type Services } from '../../src/services';
import { storageConnectionString, uniqueName } from '../support/env';
import { startTestHost } from '../support/localHost';
import { type ClientRequest, guaranteeViolations, JobsInspector, sleep, smallCsv, stopHost, timedSubmit, track } from '../support/soak';

/**
 * Fault scenarios of issue 10, fast enough for `npm test`: the app's own services (in process) talk
 * to Azurite through the fault-injecting proxy, with a submit deadline D of 2 s. Each scenario ends
 * with the guarantees of README "Guarantees" checked straight from storage (guaranteeViolations).
 * The long ones (delays up to 90 s, storage down for 30 s) are in test/soak/faults.test.ts.
 */
const D = 2000;
let proxy: FaultProxy;

beforeAll(async () => {
  proxy = await FaultProxy.start(storageConnectionString());
});
afterEach(() => proxy.clear());
afterAll(async () => {
  await proxy.stop();
});

interface Scenario {
  s: Services;
  inspector: JobsInspector;
  requests: ClientRequest[];
  settings: Record<string, string>;
}

/** A fresh queue and container, with services whose storage calls go through the proxy. */
async function scenario(): Promise<Scenario> {
  const settings = {
    JOBS_QUEUE_NAME: uniqueName('qf'),
    JOBS_CONTAINER_NAME: uniqueName('cf'),
    JOBS_SUBMIT_DEADLINE_MS: String(D),
    JOBS_STUCK_AFTER_SECONDS: '5',
    JOBS_RETRY_AFTER_SECONDS: '1',
  };
  const s = createServices(loadConfig({ AzureWebJobsStorage: proxy.connectionString, ...settings }));
  await s.ready();
  return {
    s,
    inspector: new JobsInspector(storageConnectionString(), settings.JOBS_CONTAINER_NAME, settings.JOBS_QUEUE_NAME),
    requests: [],
    settings,
  };
}

/** Submits a CSV in process, as the submit function would; records what the client saw. */
async function submit(sc: Scenario, csv: string, key?: string): Promise<ClientRequest & { ms: number; retryAfter?: string }> {
  const t0 = Date.now();
  let out: ClientRequest & { ms: number; retryAfter?: string };
  try {
    const res = await sc.s.jobs.submit({
      type: 'csv-report',
      options: {},
      statusOptions: {},
      contentType: 'text/csv',
      body: Readable.from([Buffer.from(csv)]),
      ...(key ? { idempotencyKey: key } : {}),
    });
    out = { status: 202, id: res.job.id, ms: Date.now() - t0, ...(key ? { key } : {}) };
  } catch (err) {
    if (!(err instanceof ProblemError)) throw err;
    out = {
      status: err.problem.status,
      ms: Date.now() - t0,
      ...(key ? { key } : {}),
      ...(err.headers['Retry-After'] ? { retryAfter: err.headers['Retry-After'] } : {}),
    };
  }
  sc.requests.push(out);
  return out;
}

/** The ids the reconciler's index (the records' `activeSince` tag) lists as unfinished, sorted. */
async function unfinishedIds(sc: Scenario): Promise<string[]> {
  const ids: string[] = [];
  for await (const { id } of sc.s.store.records.unfinished('9999999999')) ids.push(id);
  return ids.sort();
}

/**
 * Runs the worker in process over every deliverable message until the queue is empty, as the queue
 * trigger does: delete on return, leave the message (visible again after 1 s) on a throw.
 */
async function work(sc: Scenario, timeoutMs = 15_000): Promise<string[]> {
  const outcomes: string[] = [];
  const deadline = Date.now() + timeoutMs;
  const q = sc.inspector.queue;
  while (Date.now() < deadline) {
    const { receivedMessageItems } = await q.receiveMessages({ numberOfMessages: 8, visibilityTimeout: 1 });
    if (receivedMessageItems.length === 0) {
      if ((await sc.inspector.queueDepth()).queue === 0) return outcomes;
      await sleep(200);
      continue;
    }
    for (const m of receivedMessageItems) {
      const message = parseJobMessage(JSON.parse(decodeBase64Strict(m.messageText).toString()));
      try {
        outcomes.push(`${message.jobId}:${await sc.s.runner.run(message, { info: () => undefined, warn: () => undefined })}`);
        await q.deleteMessage(m.messageId, m.popReceipt);
      } catch {
        outcomes.push(`${message.jobId}:threw`);
      }
    }
  }
  throw new Error(`The queue did not drain in ${timeoutMs} ms: ${JSON.stringify(outcomes)}`);
}

test('the proxy classifies storage calls by method, path, query and conditional headers', () => {
  const c = (service: 'blob' | 'queue', method: string, url: string, headers: Record<string, string> = {}) =>
    classify(service, method, url, headers);
  const id = '6b1f8a52-1d0e-4c1e-9a57-1d2a8f0e9c11';
  expect(c('blob', 'PUT', `/devstoreaccount1/jobs/${id}/status.json`, { 'if-none-match': '*' })).toBe('record-create');
  expect(c('blob', 'PUT', `/devstoreaccount1/jobs/${id}/status.json`, { 'if-match': '"0x1"' })).toBe('record-update');
  expect(c('blob', 'GET', `/devstoreaccount1/jobs/${id}/status.json`)).toBe('record-read');
  expect(c('blob', 'PUT', `/devstoreaccount1/jobs/${id}/input?comp=block&blockid=AAAA`)).toBe('input-upload');
  expect(c('blob', 'PUT', `/devstoreaccount1/jobs/${id}/input?comp=blocklist`)).toBe('input-upload');
  expect(c('blob', 'GET', `/devstoreaccount1/jobs/${id}/input`)).toBe('input-read');
  expect(c('blob', 'PUT', `/devstoreaccount1/jobs/${id}/result-2`)).toBe('result-write');
  expect(c('blob', 'PUT', '/devstoreaccount1/jobs/idempotency/ab12.json', { 'if-none-match': '*' })).toBe('key-claim');
  expect(c('blob', 'DELETE', `/devstoreaccount1/jobs/${id}/input`)).toBe('blob-delete');
  expect(c('blob', 'GET', '/devstoreaccount1/jobs?restype=container&comp=list&prefix=idempotency%2F')).toBe('blob-list');
  expect(
    c('blob', 'GET', `/devstoreaccount1/jobs?restype=container&comp=blobs&where=${encodeURIComponent(`"activeSince" <= '2026120218'`)}`),
  ).toBe('blob-find');
  expect(c('queue', 'POST', '/devstoreaccount1/jobs/messages')).toBe('enqueue');
  expect(c('queue', 'GET', '/devstoreaccount1/jobs/messages?numofmessages=8')).toBe('dequeue');
  expect(c('queue', 'GET', '/devstoreaccount1/jobs/messages?peekonly=true')).toBe('queue-other');
  expect(c('queue', 'PUT', '/devstoreaccount1/jobs/messages/m1?popreceipt=p&visibilitytimeout=0')).toBe('message-update');
  expect(c('queue', 'DELETE', '/devstoreaccount1/jobs/messages/m1?popreceipt=p')).toBe('message-delete');
});

test('bounds: the window the worker and the key logic rely on exceeds the submit bound D + C by the clock skew margin', () => {
  for (const deadlineMs of [500, D, 10_000, 60_000]) {
    const b = submitBounds({ submitDeadlineMs: deadlineMs });
    expect(b.compensationMs).toBeGreaterThanOrEqual(b.deadlineMs);
    expect(b.settledAfterMs).toBeGreaterThanOrEqual(b.deadlineMs + b.compensationMs + clockSkewMarginMs);
  }
});

test('record create stalled past the deadline (issue 1): 503 within D + C, the late create loses to the abandoned record, nothing runs', async () => {
  const sc = await scenario();
  proxy.inject({ kind: 'record-create', fault: { delayMs: D + 3000 }, times: 1, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  const res = await submit(sc, smallCsv(5, 1));
  expect(res.status).toBe(503);
  expect(res.retryAfter).toMatch(/^\d+$/);
  expect(res.ms).toBeLessThan(2 * D + 3000); // D + C, and slack for a loaded machine
  await sleep(D + 3000); // the stalled create reaches storage now, and fails (If-None-Match: *)
  expect(await sc.inspector.queueDepth()).toEqual({ queue: 0, poison: 0 });
  expect(await work(sc)).toEqual([]);
  const records = [...(await sc.inspector.inventory()).keys()];
  expect(records.filter((k) => k !== 'idempotency')).toHaveLength(1);
  const [only] = JobsInspector.recordIds(await sc.inspector.inventory());
  expect(await sc.inspector.get(only!)).toMatchObject({ status: 'Failed', abandoned: true, attempts: 0 });
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
});

test('record create applied but its answer lost: the retried create finds its own record (202), the job runs once', async () => {
  const sc = await scenario();
  proxy.inject({ kind: 'record-create', fault: { loseAnswer: true }, times: 1, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  const res = await submit(sc, smallCsv(5, 2));
  expect(res.status).toBe(202);
  expect(await work(sc)).toEqual([`${res.id}:succeeded`]);
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
});

test('record create applied, answer lost, reads failing: 503, and the record that was applied is failed before it can run', async () => {
  const sc = await scenario();
  proxy.inject({ kind: 'record-create', fault: { loseAnswer: true }, times: 1, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  proxy.inject({ kind: 'record-read', fault: { status: 503 }, times: 3, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  const res = await submit(sc, smallCsv(5, 3));
  expect(res.status).toBe(503);
  expect(await work(sc)).toEqual([]);
  const ids = JobsInspector.recordIds(await sc.inspector.inventory());
  expect(ids).toHaveLength(1);
  expect(await sc.inspector.get(ids[0]!)).toMatchObject({ status: 'Failed', abandoned: true, attempts: 0 });
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
});

test('enqueue failing: 503, and the input is taken back', async () => {
  const sc = await scenario();
  proxy.inject({ kind: 'enqueue', fault: { status: 500 }, pathIncludes: sc.settings.JOBS_QUEUE_NAME });
  const res = await submit(sc, smallCsv(3, 4));
  expect(res.status).toBe(503);
  proxy.clear();
  // No record was attempted: the input is taken back, nothing else exists.
  expect([...(await sc.inspector.inventory()).values()].flat()).toEqual([]);
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
});

test('compensation that finds its own record already started by a worker answers that job (202), and takes nothing back', async () => {
  const sc = await scenario();
  const now = new Date();
  const job = {
    id: randomUUID(),
    type: 'csv-report',
    status: 'NotStarted' as const,
    options: {},
    input: { contentType: 'text/csv', sizeBytes: 4 },
    createdDateTime: now.toISOString(),
    lastUpdatedDateTime: now.toISOString(),
    percentComplete: 0,
    progress: {},
    attempts: 0,
  };
  const saga = new SubmitSaga(sc.s.store, sc.s.queue, job, () => new Date());
  const body = Buffer.from('a\n1\n');
  const signal = AbortSignal.timeout(5000);
  const receipt = await saga.prepare(
    { body: { bytes: body, sha256: createHash('sha256').update(body).digest('hex') }, contentType: 'text/csv', maxBytes: 100 },
    { v: 1, jobId: job.id, type: job.type, enqueuedAt: job.createdDateTime },
    signal,
  );
  const created = await saga.commit(receipt, signal);
  // The create's answer was lost to the submit, and a worker got the (visible) message and started the job.
  await sc.s.store.records.update(job.id, (j) => ({ ...j, status: 'Running', attempts: 1 }), { from: created });
  const running = await saga.compensate(AbortSignal.timeout(5000));
  expect(running?.job).toMatchObject({ id: job.id, status: 'Running' });
  expect(await sc.s.store.blobs.inputExists(job.id)).toBe(true);
  expect((await sc.inspector.queueDepth()).queue).toBe(1);
  // Still NotStarted instead: compensation fails it (no job behind a 503), then takes back input and message.
  const other = new SubmitSaga(sc.s.store, sc.s.queue, { ...job, id: randomUUID() }, () => new Date());
  const r2 = await other.prepare(undefined, { v: 1, jobId: other.job.id, type: job.type }, signal);
  await other.commit(r2, signal);
  expect(await other.compensate(AbortSignal.timeout(5000))).toBeUndefined();
  expect(await sc.inspector.get(other.job.id)).toMatchObject({ status: 'Failed', abandoned: true });
  expect((await sc.inspector.queueDepth()).queue).toBe(1);
});

test('two requests with one Idempotency-Key while the first is slow (issue 2): one job, the retry gets it', async () => {
  const sc = await scenario();
  const csv = smallCsv(6, 5);
  const key = uniqueName('key');
  proxy.inject({ kind: 'record-create', fault: { delayMs: D + 3000 }, times: 1, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  const first = submit(sc, csv, key);
  await sleep(300);
  const second = submit(sc, csv, key);
  const answers = await Promise.all([first, second]);
  expect(answers[0].status).toBe(503);
  // A client retries 409 and 503 after Retry-After with the same key.
  let last = answers[1];
  for (let i = 0; i < 10 && (last.status === 409 || last.status === 503); i++) {
    await sleep(Number(last.retryAfter ?? '1') * 1000);
    last = await submit(sc, csv, key);
  }
  expect(last.status).toBe(202);
  await sleep(D + 3000); // the first request's create lands late, and loses
  expect(await work(sc)).toEqual([`${last.id}:succeeded`]);
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
  const again = await submit(sc, csv, key);
  expect(again).toMatchObject({ status: 202, id: last.id });
});

test('worker: result write and record update failing: the message is retried and the job ends Succeeded once', async () => {
  const sc = await scenario();
  const res = await submit(sc, smallCsv(8, 6));
  expect(res.status).toBe(202);
  proxy.inject({ kind: 'result-write', fault: { status: 503 }, times: 3, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  proxy.inject({ kind: 'record-update', fault: { reset: true }, times: 3, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
  const outcomes = await work(sc);
  expect(outcomes.at(-1)).toBe(`${res.id}:succeeded`);
  expect(outcomes.slice(0, -1).every((o) => o === `${res.id}:threw`)).toBe(true);
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
  expect(JobsInspector.results(await sc.inspector.inventory(), res.id!)).toHaveLength(1);
});

test('reconciler: a job whose message was lost is re-enqueued and runs; one still queued is left alone; one whose messages keep getting lost is Failed after 3 re-enqueues', async () => {
  const sc = await scenario();
  const lost = await submit(sc, smallCsv(4, 7));
  const starved = await submit(sc, smallCsv(4, 8));
  expect([lost.status, starved.status]).toEqual([202, 202]);
  await sc.inspector.queue.clearMessages(); // both messages lost (expired, deleted by hand, ...)
  const waiting = await submit(sc, smallCsv(4, 9)); // its message is still in the queue (a backlog)
  // The index (a tag on the records) lists exactly the unfinished jobs.
  expect(await unfinishedIds(sc)).toEqual([lost.id, starved.id, waiting.id].sort());

  let clock = Date.now();
  const reconcile = () => new JobReconciler(sc.s.store, sc.s.queue, sc.s.config, () => new Date((clock += 10_000))).run();
  const first = await reconcile();
  expect(first.requeued.sort()).toEqual([lost.id, starved.id].sort()); // not the waiting one
  expect(first.checked).toBe(3);
  // Only the lost job's new message is delivered; the starved one's keeps getting lost.
  const messages = (await sc.inspector.queue.receiveMessages({ numberOfMessages: 8 })).receivedMessageItems;
  for (const m of messages) {
    const message = parseJobMessage(JSON.parse(decodeBase64Strict(m.messageText).toString()));
    if (message.jobId === lost.id || message.jobId === waiting.id)
      expect(await sc.s.runner.run(message, { info: () => undefined, warn: () => undefined })).toBe('succeeded');
    await sc.inspector.queue.deleteMessage(m.messageId, m.popReceipt);
  }
  for (let i = 0; i < 3; i++) {
    const r = await reconcile();
    await sc.inspector.queue.clearMessages();
    if (i < 2) expect(r.requeued).toEqual([starved.id]);
    else expect(r).toMatchObject({ requeued: [], failed: [starved.id] });
  }
  expect(await sc.inspector.get(starved.id!)).toMatchObject({ status: 'Failed', requeues: 3, error: { status: 500 } });
  expect(await sc.inspector.get(lost.id!)).toMatchObject({ status: 'Succeeded', requeues: 1 });
  expect(await sc.inspector.get(waiting.id!)).toMatchObject({ status: 'Succeeded' });
  expect((await sc.inspector.get(waiting.id!))!.requeues).toBeUndefined();
  // Every job has ended: the index holds unfinished jobs only, so it is empty and a pass checks nothing.
  expect(await unfinishedIds(sc)).toEqual([]);
  expect((await reconcile()).checked).toBe(0);
  expect(await guaranteeViolations(sc.inspector, sc.requests, 5000)).toEqual([]);
});

test('a message whose record is not there yet: the worker waits for the record and runs the job once it comes', async () => {
  const sc = await scenario();
  const id = '00000000-0000-4000-8000-000000000002';
  const createdDateTime = new Date().toISOString();
  await sc.s.store.blobs.uploadInput(id, Readable.from([Buffer.from('a\n1\n2\n')]), 'text/csv', 100);
  const record = {
    id,
    type: 'csv-report',
    status: 'NotStarted' as const,
    options: {},
    input: { contentType: 'text/csv', sizeBytes: 6 },
    createdDateTime,
    lastUpdatedDateTime: createdDateTime,
    percentComplete: 0,
    progress: {},
    attempts: 0,
  };
  const t0 = performance.now();
  const run = sc.s.runner.run(
    { v: 1, jobId: id, type: 'csv-report', enqueuedAt: createdDateTime },
    { info: () => undefined, warn: () => undefined },
  );
  await sleep(700); // the submit's create is slow: the worker has read the record's absence a few times
  await sc.s.store.records.create(record);
  expect(await run).toBe('succeeded');
  const waited = performance.now() - t0;
  expect(waited).toBeGreaterThanOrEqual(700);
  expect(waited).toBeLessThan(submitBounds(sc.s.config).settledAfterMs);
  expect(await sc.inspector.get(id)).toMatchObject({ status: 'Succeeded', attempts: 1 });
});

test('a message whose record never comes: the worker ends the id after A (abandoned record), and a create arriving later loses', async () => {
  const sc = await scenario();
  const A = submitBounds(sc.s.config).settledAfterMs; // D + C + 5 s = 9 s
  const id = '00000000-0000-4000-8000-000000000003';
  // The submit died after its input and message (process killed): no record. Its message says it was
  // sent A - 1.5 s ago, so the worker waits about 1.5 s more, then ends the id.
  const enqueuedAt = new Date(Date.now() - A + 1500).toISOString();
  await sc.s.store.blobs.uploadInput(id, Readable.from([Buffer.from('a\n1\n')]), 'text/csv', 100);
  const t0 = performance.now();
  expect(await sc.s.runner.run({ v: 1, jobId: id, type: 'csv-report', enqueuedAt }, { info: () => undefined, warn: () => undefined })).toBe(
    'failed',
  );
  expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
  expect(await sc.inspector.get(id)).toMatchObject({ status: 'Failed', abandoned: true, attempts: 0 });
  const late = { ...(await sc.inspector.get(id))!, status: 'NotStarted' as const, abandoned: undefined };
  await expect(sc.s.store.records.create({ ...late, error: undefined, completedDateTime: undefined })).rejects.toMatchObject({
    statusCode: expect.any(Number),
  });
  expect(await sc.inspector.get(id)).toMatchObject({ status: 'Failed', abandoned: true });
});

test('Prefer: wait with failing status reads (issue 3): the job exists, so the answer is its 202, and the job ends', async () => {
  const sc = await scenario();
  const host = track(
    await startTestHost({ AzureWebJobsStorage: proxy.connectionString, ...sc.settings, LOCAL_HOST_QUEUE_LEASE_SECONDS: '5' }),
  );
  try {
    proxy.inject({ kind: 'record-read', fault: { status: 503 }, pathIncludes: sc.settings.JOBS_CONTAINER_NAME });
    const res = await timedSubmit(host.baseUrl, smallCsv(5, 9), { headers: { Prefer: 'wait=3' } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 202, body: undefined });
    sc.requests.push({ status: 202, id: res.id! });
    proxy.clear();
    expect(await guaranteeViolations(sc.inspector, sc.requests, 30_000)).toEqual([]);
    expect(await sc.inspector.get(res.id!)).toMatchObject({ status: 'Succeeded' });
  } finally {
    await stopHost(host);
  }
}, 60_000);
