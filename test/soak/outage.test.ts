import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Azurite, azuriteConnectionString, startAzurite } from '@async-request-reply/local-host/azurite';
import { StorageProxy } from '@async-request-reply/local-host/storageProxy';

import type { JobRecord } from '../../src/core/jobs/model';
import { generatedCsv } from '../support/datasets';
import { uniqueName } from '../support/env';
import { startTestHost, type TestHost } from '../support/localHost';
import { expectReportsClose, referenceCsvReport } from '../support/referenceCsvStats';
import {
  artifactsDir,
  countBy,
  exactlyOnceViolations,
  freePorts,
  JobsInspector,
  mapLimit,
  saveHostLogs,
  sleep,
  smallCsv,
  stopAzurite,
  stopHost,
  type SubmitOutcome,
  successesInLogs,
  successSwallowedByOutage,
  timedSubmit,
  track,
  waitFor,
} from '../support/soak';

/**
 * Issue 4 under storage outages. A dedicated Azurite (data on disk, fixed ports) is stopped and
 * started again with its data while the app (one local host, separate process) serves submits, status
 * reads and running jobs:
 * (a) a burst of submits across the outage: each answers 202 or 503 + integer Retry-After, in < 30 s;
 * (d) while storage is down, the status URL of a known job answers 503 (not 404, not 500);
 * (b) after the restart every 202'd job ends Succeeded, and no job record exists that was not 202'd;
 * (c) an outage while jobs are processing: after the restart they all end Succeeded, one result each.
 * The tests run in order and share the storage, the host and the accepted jobs.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'soak-azurite-'));
let blobPort = 0;
let queuePort = 0;
let azurite: Azurite | undefined;
let host: TestHost | undefined;
/** Between the host and Azurite (same ports across restarts); a pass-through until (c) throttles inputs. */
let proxy: StorageProxy | undefined;
let inspector: JobsInspector;
const names = { JOBS_QUEUE_NAME: uniqueName('soak-outage'), JOBS_CONTAINER_NAME: uniqueName('soak-outage') };

/** Every submit of the file, and the rows sent with each accepted small job. */
const outcomes: SubmitOutcome[] = [];
const rowsSent = new Map<string, number>();
let known: SubmitOutcome;

let starts = 0;

/**
 * Starts (again) the dedicated Azurite on the same ports and data folder. With `SOAK_AZURITE_DEBUG=1`
 * its request log goes to `test/artifacts/soak-logs/outage-azurite-<n>.log`.
 */
async function startStorage(): Promise<void> {
  starts++;
  const debug = process.env.SOAK_AZURITE_DEBUG ? ['--debug', join(artifactsDir, 'soak-logs', `outage-azurite-${starts}.log`)] : [];
  if (debug.length) mkdirSync(join(artifactsDir, 'soak-logs'), { recursive: true });
  azurite = track(await startAzurite({ blobPort, queuePort, tablePort: 0, location: dataDir, extraArgs: debug }));
}
async function stopStorage(): Promise<void> {
  const a = azurite;
  azurite = undefined;
  await stopAzurite(a);
}

/** Waits until the app reads storage again (the known job's status URL answers something other than 503). */
async function waitAppRecovered(): Promise<void> {
  await waitFor(
    'the app to read storage again',
    async () => {
      const res = await fetch(`${known.location!}?onComplete=status`).catch(() => undefined);
      return res?.status === 200;
    },
    60_000,
    250,
  );
}

beforeAll(async () => {
  [blobPort, queuePort] = (await freePorts(2)) as [number, number];
  await startStorage();
  proxy = await StorageProxy.start(azuriteConnectionString(blobPort, queuePort));
  host = track(
    await startTestHost({
      AzureWebJobsStorage: proxy.connectionString,
      ...names,
      LOCAL_HOST_QUEUE_LEASE_SECONDS: '4',
      JOBS_PROGRESS_INTERVAL_MS: '200',
      JOBS_RETRY_AFTER_SECONDS: '1',
    }),
  );
  inspector = new JobsInspector(azuriteConnectionString(blobPort, queuePort), names.JOBS_CONTAINER_NAME, names.JOBS_QUEUE_NAME);
}, 60_000);

afterAll(async () => {
  // The host first (its shutdown waits for running invocations, which need storage), then Azurite.
  await stopHost(host);
  await proxy?.stop();
  await stopAzurite(azurite);
  if (host) saveHostLogs('outage', [host]);
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** Blob of the idempotency record of `key` for an anonymous caller (as JobService names it). */
const keyBlobName = (key: string) => `idempotency/${createHash('sha256').update(`\n${key}`).digest('hex')}.json`;

/** The submits of the burst: every client sends an Idempotency-Key, so it can retry a 503 safely. */
const burstInputs = Array.from({ length: 124 }, (_, i) => ({
  rows: 1 + (i % 25),
  csv: smallCsv(1 + (i % 25), i),
  key: `soak-outage-${names.JOBS_QUEUE_NAME}-${i}`,
}));
const keyed = (i: number) => ({ index: i, timeoutMs: 30_000, headers: { 'Idempotency-Key': burstInputs[i]!.key } });

test('(a)+(d) storage stops during a burst of submits: 202 or 503 + integer Retry-After within 30 s; the status URL answers 503', async () => {
  known = await timedSubmit(host!.baseUrl, smallCsv(3));
  expect(known.status).toBe(202);
  rowsSent.set(known.id!, 3);
  await inspector.waitAllTerminal([known.id!], 30_000);

  let answered = 0;
  let stopped: Promise<void> | undefined;
  const burst = await mapLimit(burstInputs.slice(0, 120), 8, async (b, i) => {
    const r = await timedSubmit(host!.baseUrl, b.csv, keyed(i));
    if (r.status === 202) rowsSent.set(r.id!, b.rows);
    if (++answered === 30) stopped = stopStorage();
    return r;
  });
  await stopped;
  // A few more while storage is fully down.
  const down = await mapLimit([120, 121, 122, 123], 4, (i) => timedSubmit(host!.baseUrl, burstInputs[i]!.csv, keyed(i)));
  outcomes.push(known, ...burst, ...down);
  console.log(
    `Burst across the outage: ${JSON.stringify(countBy(burst, (o) => o.status))}; slowest ${Math.max(...burst.map((o) => o.ms))} ms; while down: ${JSON.stringify(countBy(down, (o) => o.status))}`,
  );

  const bad = [...burst, ...down].filter(
    (o) => !(o.status === 202 || (o.status === 503 && /^\d+$/.test(o.retryAfter ?? ''))) || o.ms >= 30_000,
  );
  expect(bad).toEqual([]);
  for (const o of [...burst, ...down].filter((x) => x.status === 503)) expect(o.contentType).toBe('application/problem+json');
  expect(burst.some((o) => o.status === 202)).toBe(true);
  expect(down.map((o) => o.status)).toEqual([503, 503, 503, 503]);

  // (d) While storage is down: status reads (both forms), cancel and delete answer 503 + Retry-After.
  const checks = [
    { what: 'GET status', res: await fetch(known.location!, { redirect: 'manual', signal: AbortSignal.timeout(30_000) }) },
    { what: 'GET monitor', res: await fetch(`${known.location!}?onComplete=status`, { signal: AbortSignal.timeout(30_000) }) },
    { what: 'POST cancel', res: await fetch(`${known.location!}/cancel`, { method: 'POST', signal: AbortSignal.timeout(30_000) }) },
    { what: 'DELETE', res: await fetch(known.location!, { method: 'DELETE', signal: AbortSignal.timeout(30_000) }) },
  ];
  const answers = checks.map((c) => ({
    what: c.what,
    status: c.res.status,
    retryAfter: c.res.headers.get('retry-after'),
    type: c.res.headers.get('content-type'),
  }));
  for (const a of answers)
    expect(a).toEqual({ what: a.what, status: 503, retryAfter: expect.stringMatching(/^\d+$/), type: 'application/problem+json' });
}, 120_000);

test('(b) after storage restarts, every 202 job ends Succeeded; no record of a refused submit is left pending', async () => {
  await startStorage();
  await waitAppRecovered();
  const accepted = outcomes.filter((o) => o.status === 202).map((o) => o.id!);
  const records = await inspector.waitAllTerminal(accepted, 90_000);
  await inspector.waitQueueDrained(60_000);
  const inventory = await inspector.inventory();
  const successes = successesInLogs([host!.output()]);
  const exactlyOnce = exactlyOnceViolations(accepted, records, inventory, successes, successSwallowedByOutage([host!.output()]));
  const wrongRows: unknown[] = [];
  for (const id of accepted) {
    const job = records.get(id)!;
    if (!job.result) continue;
    const rows = (JSON.parse(await inspector.readResult(job)) as { rows: number }).rows;
    if (rows !== rowsSent.get(id)) wrongRows.push({ id, rows, sent: rowsSent.get(id) });
  }

  // Records of submits that were not answered 202 (the client got 503 and has no id). The queue is
  // drained, so one still NotStarted has no message and will never run.
  const acceptedSet = new Set(accepted);
  const unacknowledged = await Promise.all(
    JobsInspector.recordIds(inventory)
      .filter((id) => !acceptedSet.has(id))
      .map(async (id) => {
        const job = (await inspector.get(id)) as JobRecord;
        return { id, status: job.status, attempts: job.attempts, created: job.createdDateTime, blobs: inventory.get(id) };
      }),
  );
  // Blobs of 503'd submits that are not records (an input whose cleanup failed, a kept idempotency
  // key): reported, not asserted.
  const strayInputs = [...inventory.entries()].filter(
    ([id, blobs]) => id !== 'idempotency' && !acceptedSet.has(id) && !blobs.some((b) => b.endsWith('/status.json')),
  );
  const keyBlobs = new Set(inventory.get('idempotency') ?? []);
  const keysOf503 = outcomes.filter((o) => o.status === 503 && keyBlobs.has(keyBlobName(burstInputs[o.index]!.key))).length;
  console.log(
    `After the outage: ${accepted.length} accepted, ${outcomes.filter((o) => o.status === 503).length} answered 503; ` +
      `records without a 202: ${JSON.stringify(unacknowledged)}; inputs without a record: ${strayInputs.length}; ` +
      `idempotency keys kept by 503 submits: ${keysOf503}; queue ${JSON.stringify(await inspector.queueDepth())}`,
  );
  // A submit whose record write was applied but whose answer was lost (and whose clean-up failed as
  // storage was down) ran anyway: that is a whole job the client does not know of, which a retry
  // with the same Idempotency-Key finds (b2). What must never exist is a record left pending with no
  // message to run it: the queue is drained, so any such record would stay NotStarted forever.
  const stuck = unacknowledged.filter((r) => r.status === 'NotStarted' || r.status === 'Running');
  expect({ exactlyOnce, wrongRows, stuckRecordsWithout202: stuck }).toEqual({ exactlyOnce: [], wrongRows: [], stuckRecordsWithout202: [] });
}, 180_000);

/** What the stored idempotency record of `key` (anonymous caller) points to, and whether that job exists. */
async function keyState(key: string): Promise<{ jobId?: string; claimed?: string; record: string }> {
  const blob = inspector.container.getBlobClient(keyBlobName(key));
  if (!(await blob.exists())) return { record: 'no key record' };
  const claim = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as { jobId: string; createdDateTime: string };
  const job = await inspector.get(claim.jobId);
  return { jobId: claim.jobId, claimed: claim.createdDateTime, record: job ? job.status : 'no job record' };
}

test('(b2) clients retry their 503 submits with the same Idempotency-Key: each gets 202 and every job ends Succeeded', async () => {
  const refused = outcomes.filter((o) => o.status === 503);
  expect(refused.length).toBeGreaterThan(0);
  // A client honours Retry-After on 503 and on 409 (key "still being processed"), twice.
  const retried = await mapLimit(refused, 8, async (o) => {
    let r = await timedSubmit(host!.baseUrl, burstInputs[o.index]!.csv, keyed(o.index));
    for (let n = 0; n < 2 && (r.status === 409 || r.status === 503); n++) {
      await sleep(Number(r.retryAfter ?? 1) * 1000);
      r = await timedSubmit(host!.baseUrl, burstInputs[o.index]!.csv, keyed(o.index));
    }
    return r;
  });
  const notAccepted = await Promise.all(
    retried
      .filter((r) => r.status !== 202)
      .map(async (r) => ({ index: r.index, status: r.status, body: r.body, key: await keyState(burstInputs[r.index]!.key) })),
  );
  const accepted = retried.filter((r) => r.status === 202);
  const replayed = accepted.filter((r) => r.replayed);
  console.log(
    `Retried ${retried.length} refused submits: ${accepted.length} got 202 (${replayed.length} replayed an existing job), ${notAccepted.length} did not`,
  );

  // Every 202 (new or replayed) must end Succeeded with the rows that were sent.
  const never: unknown[] = [];
  const wrong: unknown[] = [];
  const records = await inspector
    .waitAllTerminal(
      accepted.map((r) => r.id!),
      30_000,
    )
    .catch(() => undefined);
  for (const r of accepted) {
    const job = records?.get(r.id!) ?? (await inspector.get(r.id!));
    if (!job || job.status !== 'Succeeded') {
      never.push({
        id: r.id,
        replayed: !!r.replayed,
        status: job?.status ?? 'no record',
        attempts: job?.attempts,
        created: job?.createdDateTime,
      });
      continue;
    }
    const rows = (JSON.parse(await inspector.readResult(job)) as { rows: number }).rows;
    if (rows !== burstInputs[r.index]!.rows) wrong.push({ id: r.id, rows, sent: burstInputs[r.index]!.rows });
  }
  expect({ notAccepted, neverSucceeded: never, wrongReport: wrong, queue: await inspector.queueDepth() }).toEqual({
    notAccepted: [],
    neverSucceeded: [],
    wrongReport: [],
    queue: { queue: 0, poison: 0 },
  });
}, 150_000);

test('(c) storage stops while jobs are processing: after the restart every job ends Succeeded with one result', async () => {
  // Inputs pass at 2 MiB/s at most, so each 5-8 MB job runs for 2.5 s or more whatever the
  // processor's speed: two of them are still Running with progress when storage stops.
  proxy!.inject({ kind: 'input-read', fault: { bytesPerSecond: 2 * 1024 * 1024 } });
  const files = [5, 6, 7, 8, 5.5, 6.5].map((mb, i) => generatedCsv(mb * 1024 * 1024, 300 + i));
  const submitted = await mapLimit(files, 3, (f, i) => timedSubmit(host!.baseUrl, f, { index: i, timeoutMs: 60_000 }));
  expect(submitted.map((s) => s.status)).toEqual(files.map(() => 202));
  const ids = submitted.map((s) => s.id!);

  const running = await waitFor(
    'two jobs making progress',
    async () => {
      const records = await Promise.all(ids.map((id) => inspector.get(id)));
      const r = records.filter((j) => j?.status === 'Running' && j.percentComplete > 0);
      return r.length >= 2 ? r.map((j) => `${j!.id} ${j!.percentComplete}%`) : undefined;
    },
    60_000,
    100,
  );
  await stopStorage();
  console.log(`Storage stopped while running: ${running.join(', ')}`);
  await sleep(3000);
  const during = await fetch(`${known.location!}?onComplete=status`, { signal: AbortSignal.timeout(30_000) });
  expect({ status: during.status, retryAfter: during.headers.get('retry-after') }).toEqual({
    status: 503,
    retryAfter: expect.stringMatching(/^\d+$/),
  });
  await startStorage();

  const records = await inspector.waitAllTerminal(ids, 150_000);
  await inspector.waitQueueDrained(60_000);
  const inventory = await inspector.inventory();
  const wrongReports: string[] = [];
  for (const [i, id] of ids.entries()) {
    const job = records.get(id)!;
    if (!job.result) continue;
    try {
      expectReportsClose(JSON.parse(await inspector.readResult(job)), referenceCsvReport(files[i]!.toString('utf8')));
    } catch (err) {
      wrongReports.push(`${id}: ${(err as Error).message.slice(0, 1000)}`);
    }
  }
  const output = host!.output();
  const exactlyOnce = exactlyOnceViolations(ids, records, inventory, successesInLogs([output]), successSwallowedByOutage([output]));
  expect({ exactlyOnce, wrongReports }).toEqual({
    exactlyOnce: [],
    wrongReports: [],
  });
  console.log(`Attempts after the outage: ${JSON.stringify(ids.map((id) => records.get(id)!.attempts))}`);
}, 240_000);
