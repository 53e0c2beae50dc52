import { Readable } from 'node:stream';

import { loadConfig } from '../../src/core/config';
import { JobService } from '../../src/core/jobs/jobService';
import { createServices } from '../../src/services';
import { storageConnectionString, uniqueName } from '../support/env';
import { startTestHost, type TestHost } from '../support/localHost';
import { JobsInspector, saveHostLogs, smallCsv, stopHost, timedSubmit, track } from '../support/soak';

/**
 * Deterministic reproductions of what outage.test.ts hits by timing: a submit interrupted by a storage
 * outage at a given step, whose clean-up cannot run either because storage is still down. The
 * interrupted submit runs in process (the app's own JobService, with storage failing from the given
 * step on); the client then retries it with the same Idempotency-Key, as the 503's Retry-After
 * invites, against a real host. The contract: the retry is answered 202 and that job ends terminal.
 */
// D = 2 s: an interrupted request's key claim is honoured for D + C + 5 s = 9 s (bounds.ts).
const settings = {
  JOBS_QUEUE_NAME: uniqueName('soak-int'),
  JOBS_CONTAINER_NAME: uniqueName('soak-int'),
  JOBS_RETRY_AFTER_SECONDS: '1',
  JOBS_SUBMIT_DEADLINE_MS: '2000',
};
const services = createServices(loadConfig({ AzureWebJobsStorage: storageConnectionString(), ...settings }));
const inspector = new JobsInspector(storageConnectionString(), settings.JOBS_CONTAINER_NAME, settings.JOBS_QUEUE_NAME);
let host: TestHost | undefined;

beforeAll(async () => {
  await services.ready();
  host = track(await startTestHost(settings));
}, 60_000);

afterAll(async () => {
  await stopHost(host);
  if (host) saveHostLogs('interrupted-submit', [host]);
}, 30_000);

/** The error the storage SDK raises when the service cannot be reached. */
const storageDown = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10000'), { name: 'RestError', code: 'ECONNREFUSED' });

/** A JobService whose storage goes down at `step` (the clean-up calls fail too, as storage is down). */
function serviceFailingAt(step: 'create' | 'send'): JobService {
  const down = () => Promise.reject(storageDown());
  const failing = <T extends object>(target: T, methods: string[]): T =>
    new Proxy(target, {
      get(t, p, r) {
        if (typeof p === 'string' && methods.includes(p)) return down;
        const v = Reflect.get(t, p, r) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
      },
    });
  // The store's parts (records, blobs, keys), each with its failing calls.
  const parts: Record<string, string[]> = {
    records: step === 'create' ? ['create', 'abandon', 'delete'] : ['abandon', 'delete'],
    blobs: ['deleteInput', 'deleteResult'],
    keys: ['release', 'delete'],
  };
  const store = new Proxy(services.store, {
    get(t, p, r) {
      if (p === 'purge') return down;
      const v = Reflect.get(t, p, r) as unknown;
      if (typeof p === 'string' && parts[p]) return failing(v as object, parts[p]);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  const queue = failing(services.queue, step === 'send' ? ['send', 'deleteSent'] : ['deleteSent']);
  return new JobService(store, queue, services.config);
}

/**
 * Retries a submit as a client following the contract does: while the answer is 409 "still being
 * processed" (draft-ietf-httpapi-idempotency-key-header §2.7) or 503, wait `Retry-After` and send the
 * same request with the same key again.
 */
async function retryUntilAccepted(csv: string, key: string, deadlineMs = 45_000) {
  const deadline = Date.now() + deadlineMs;
  const statuses: number[] = [];
  for (;;) {
    const res = await timedSubmit(host!.baseUrl, csv, { headers: { 'Idempotency-Key': key } });
    statuses.push(res.status);
    if ((res.status !== 409 && res.status !== 503) || Date.now() > deadline) return { res, statuses };
    expect(res.retryAfter).toMatch(/^\d+$/);
    await new Promise((r) => setTimeout(r, Number(res.retryAfter) * 1000));
  }
}

async function interruptedSubmit(step: 'create' | 'send', csv: string, key: string): Promise<void> {
  const submit = serviceFailingAt(step).submit({
    type: 'csv-report',
    options: {},
    statusOptions: {},
    contentType: 'text/csv',
    body: Readable.from([Buffer.from(csv)]),
    idempotencyKey: key,
  });
  await expect(submit).rejects.toMatchObject({ problem: { status: 503 }, headers: { 'Retry-After': expect.stringMatching(/^\d+$/) } });
}

test('storage down between claiming the Idempotency-Key and creating the record: the retry with the same key is accepted', async () => {
  const csv = smallCsv(4, 1);
  const key = uniqueName('key-create');
  await interruptedSubmit('create', csv, key);
  // The claim of the interrupted request is honoured while it may still be in flight (409 + Retry-After),
  // then its job id is abandoned (If-None-Match: *) and the key taken over: the retry ends 202 with a
  // fresh job (not a replay of a job that never existed). The interrupted request's message, still
  // queued, finds the abandoned record and does nothing.
  const { res: retry, statuses } = await retryUntilAccepted(csv, key);
  expect({ status: retry.status, body: retry.body }).toEqual({ status: 202, body: undefined });
  expect(retry.replayed).toBeUndefined();
  expect(statuses.every((st) => st === 409 || st === 202)).toBe(true);
  const records = await inspector.waitAllTerminal([retry.id!], 20_000);
  expect(records.get(retry.id!)!.status).toBe('Succeeded');
}, 60_000);

test('storage down when enqueueing (the message is sent before the record is created): the retry with the same key gets a job that ends terminal', async () => {
  const csv = smallCsv(5, 2);
  const key = uniqueName('key-send');
  await interruptedSubmit('send', csv, key);
  const { res: retry } = await retryUntilAccepted(csv, key);
  expect(retry.status).toBe(202);
  // Observed: the replayed job (Idempotent-Replayed: true) has no queue message and stays NotStarted.
  const records = await inspector.waitAllTerminal([retry.id!], 20_000).catch(async (err: Error) => {
    throw new Error(`${err.message}\nreplayed: ${String(retry.replayed)}, queue: ${JSON.stringify(await inspector.queueDepth())}`);
  });
  expect(records.get(retry.id!)!.status).toBe('Succeeded');
}, 60_000);
