/**
 * Helpers of the soak tests (`test/soak`, `npm run test:soak`): processes started on purpose and
 * stopped on every path, free ports, bounded concurrency, timed submits, and an inspector that reads
 * a jobs container and queue straight from storage (status records, blobs, queue depth) to check the
 * guarantee of issue 4: every job that got a 202 ends Succeeded, Failed or Canceled, exactly once.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';

import type { Azurite } from '../../dev/host/azurite';
import { JobStore } from '../../src/core/jobs/jobStore';
import { isTerminal, type JobRecord } from '../../src/core/jobs/model';
import { streamToString } from '../../src/core/storage';
import { startTestHost, type TestHost } from './localHost';
import { sleep, waitFor } from './waitFor';

/** The polling helpers (./waitFor.ts), here too for the soak tests, which take their helpers from this file. */
export { sleep, waitFor };

/**
 * Distinct free TCP ports on 127.0.0.1. All listeners are held open until every port is known, so
 * the same port is never handed out twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('No port');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------
// Processes: every child started by a soak test is registered here and killed (SIGKILL) if the
// test worker exits without stopping it, so no host or Azurite outlives the run.

const started = new Set<ChildProcess>();

/** Registers a child process to be killed when this (jest worker) process exits. */
export function track<T extends { process: ChildProcess }>(p: T): T {
  started.add(p.process);
  p.process.once('exit', () => started.delete(p.process));
  return p;
}

process.once('exit', () => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});

/** Stops a test host (SIGTERM, SIGKILL after `graceMs`); never throws. */
export async function stopHost(host: TestHost | undefined, graceMs = 20_000): Promise<void> {
  if (!host) return;
  const timer = setTimeout(() => host.process.kill('SIGKILL'), graceMs);
  try {
    await host.stop('SIGTERM');
  } catch {
    host.process.kill('SIGKILL');
  } finally {
    clearTimeout(timer);
  }
}

/** Stops an Azurite started by a test; never throws. */
export async function stopAzurite(azurite: Azurite | undefined): Promise<void> {
  if (!azurite) return;
  try {
    await azurite.stop();
  } catch {
    azurite.process.kill('SIGKILL');
  }
}

/** Where soak tests write their figures and host logs (git-ignored). */
export const artifactsDir = join(__dirname, '..', 'artifacts');

/** Writes each host's output to `test/artifacts/soak-logs/<name>-host<i>.log` (for post-mortems). */
export function saveHostLogs(name: string, hosts: readonly TestHost[]): void {
  const dir = join(artifactsDir, 'soak-logs');
  mkdirSync(dir, { recursive: true });
  hosts.forEach((h, i) => writeFileSync(join(dir, `${name}-host${i}.log`), `pid ${h.process.pid} ${h.baseUrl}\n${h.output()}`));
}

// ---------------------------------------------------------------------------------------------
// Submits

/** What one submit led to, as the client saw it. `status` 0: no HTTP answer (network error or timeout). */
export interface SubmitOutcome {
  index: number;
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  id?: string;
  location?: string;
  ms: number;
  error?: string;
  body?: string;
  /** The answer carried `Idempotent-Replayed: true`. */
  replayed?: boolean;
}

/**
 * POSTs a CSV to `<baseUrl>/api/jobs/csv-report`, giving up after `timeoutMs` (status 0 then).
 * Reads the answer completely (id and Location of a 202, the problem text otherwise).
 */
export async function timedSubmit(
  baseUrl: string,
  body: Buffer | string,
  opts: { index?: number; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<SubmitOutcome> {
  const t0 = Date.now();
  const index = opts.index ?? 0;
  try {
    const res = await fetch(`${baseUrl}/api/jobs/csv-report`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', ...opts.headers },
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    const out: SubmitOutcome = {
      index,
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      contentType: res.headers.get('content-type'),
      ms: Date.now() - t0,
    };
    if (res.headers.get('idempotent-replayed') === 'true') out.replayed = true;
    if (res.status === 202) {
      out.id = (JSON.parse(text) as { id: string }).id;
      out.location = res.headers.get('location') ?? undefined;
    } else {
      out.body = text.slice(0, 500);
    }
    return out;
  } catch (err) {
    return {
      index,
      status: 0,
      retryAfter: null,
      contentType: null,
      ms: Date.now() - t0,
      error: `${(err as Error).name}: ${(err as Error).message}`,
    };
  }
}

/** A small CSV with `rows` data rows (integer, number, string and boolean columns); varies with `seed`. */
export function smallCsv(rows: number, seed = rows): string {
  const lines = ['id,amount,label,flag'];
  for (let i = 1; i <= rows; i++)
    lines.push(`${i},${((i * 7919 + seed * 104729) % 100_000) / 100},item-${(i + seed) % 13},${(i + seed) % 2 === 0}`);
  return `${lines.join('\n')}\n`;
}

/** Counts of HTTP statuses, e.g. `{ 202: 40, 503: 12 }`. */
export function countBy<T>(items: readonly T[], key: (t: T) => string | number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const it of items) out[String(key(it))] = (out[String(key(it))] ?? 0) + 1;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Host logs

/**
 * The runner's success lines (`Job <id> succeeded (attempt N, ...)`) across the output of every
 * host that ever ran: id → attempt numbers that won. Exactly-once means one entry per job.
 */
export function successesInLogs(outputs: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const text of outputs) {
    for (const m of text.matchAll(/Job ([0-9a-f-]{36}) succeeded \(attempt (\d+)/g)) {
      const list = out.get(m[1]!) ?? [];
      list.push(Number(m[2]));
      out.set(m[1]!, list);
    }
  }
  return out;
}

/**
 * For {@link exactlyOnceViolations}: whether a job's success is missing from the logs for a known
 * reason. A Succeeded write that storage applied as it stopped has no answer (aborted), so no success
 * line; the next delivery then finds the job already Succeeded and says so (`JobRunner`).
 */
export function successSwallowedByOutage(outputs: readonly string[]): (job: JobRecord) => boolean {
  return (job) => outputs.some((text) => text.includes(`Job ${job.id}: already Succeeded; nothing to do.`));
}

/** Whether a host's output shows it started processing job `id` (the processJob function's first line). */
export function hostProcessed(host: TestHost, id: string): boolean {
  return host.output().includes(`Processing job ${id} `);
}

// ---------------------------------------------------------------------------------------------
// Storage inspection

/** Test-side view of one jobs container and queue: reads storage directly, never through the app. */
export class JobsInspector {
  readonly store: JobStore;
  readonly container: ContainerClient;
  readonly queue: QueueClient;
  readonly poisonQueue: QueueClient;

  constructor(connectionString: string, containerName: string, queueName: string) {
    const retryOptions = { maxTries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1000, tryTimeoutInMs: 20_000 };
    const blobs = BlobServiceClient.fromConnectionString(connectionString, { retryOptions });
    this.store = new JobStore(blobs, containerName);
    this.container = blobs.getContainerClient(containerName);
    const queues = QueueServiceClient.fromConnectionString(connectionString, { retryOptions });
    this.queue = queues.getQueueClient(queueName);
    this.poisonQueue = queues.getQueueClient(`${queueName}-poison`);
  }

  /** The job record, or undefined when there is none. */
  async get(id: string): Promise<JobRecord | undefined> {
    return (await this.store.records.get(id))?.job;
  }

  /** Every blob of the container, grouped by the job id prefix (`<id>/...`; other names under their first segment). */
  async inventory(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for await (const b of this.container.listBlobsFlat()) {
      const key = b.name.split('/')[0]!;
      const list = out.get(key) ?? [];
      list.push(b.name);
      out.set(key, list);
    }
    return out;
  }

  /** Ids that have a status record (`<id>/status.json`). */
  static recordIds(inventory: Map<string, string[]>): string[] {
    return [...inventory.entries()].filter(([, names]) => names.some((n) => n.endsWith('/status.json'))).map(([id]) => id);
  }

  /** Result blobs of one job (`<id>/result-*`). */
  static results(inventory: Map<string, string[]>, id: string): string[] {
    return (inventory.get(id) ?? []).filter((n) => n.startsWith(`${id}/result-`)).sort();
  }

  /** Messages in the job queue (visible and leased) and in its poison queue. */
  async queueDepth(): Promise<{ queue: number; poison: number }> {
    const count = async (q: QueueClient) => ((await q.exists()) ? ((await q.getProperties()).approximateMessagesCount ?? 0) : 0);
    return { queue: await count(this.queue), poison: await count(this.poisonQueue) };
  }

  /** The result of a Succeeded job, as text. */
  async readResult(job: JobRecord): Promise<string> {
    if (!job.result) throw new Error(`Job ${job.id} has no result (${job.status})`);
    const res = await this.container.getBlobClient(job.result.blobName).download();
    return streamToString(res.readableStreamBody as Readable);
  }

  /**
   * Waits until every job of `ids` has a terminal record. Cheap on storage: one listing per round,
   * record reads only for jobs that have a result blob, and every few rounds for all pending ones
   * (which catches Failed and Canceled jobs, which have none).
   * @returns the terminal records by id
   * @throws after `timeoutMs`, listing the jobs still pending with their state
   */
  async waitAllTerminal(ids: readonly string[], timeoutMs: number): Promise<Map<string, JobRecord>> {
    const done = new Map<string, JobRecord>();
    const pending = new Set(ids);
    const last = new Map<string, JobRecord | undefined>();
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; pending.size > 0; round++) {
      let toRead = [...pending];
      if (round % 4 !== 0) {
        const inv = await this.inventory().catch(() => new Map<string, string[]>());
        toRead = toRead.filter((id) => JobsInspector.results(inv, id).length > 0);
      }
      await mapLimit(toRead, 16, async (id) => {
        const job = await this.get(id).catch(() => undefined);
        last.set(id, job);
        if (job && isTerminal(job.status)) {
          done.set(id, job);
          pending.delete(id);
        }
      });
      if (pending.size === 0) break;
      if (Date.now() > deadline) {
        const sample = [...pending].slice(0, 10).map((id) => {
          const j = last.get(id);
          return `${id}: ${j ? `${j.status} attempts=${j.attempts} percent=${j.percentComplete} lastError=${j.lastError ?? '-'}` : 'no record'}`;
        });
        throw new Error(`${pending.size} of ${ids.length} job(s) not terminal after ${timeoutMs} ms:\n${sample.join('\n')}`);
      }
      await sleep(round % 4 === 0 ? 250 : 400);
    }
    return done;
  }

  /**
   * Waits until the job queue is empty (every delivery acknowledged), then `settleMs` more, so that a
   * losing duplicate attempt has time to clean up before blobs are counted.
   */
  async waitQueueDrained(timeoutMs: number, settleMs = 1500): Promise<void> {
    await waitFor('the job queue to drain', async () => (await this.queueDepth().catch(() => ({ queue: -1 }))).queue === 0, timeoutMs, 250);
    await sleep(settleMs);
  }
}

/**
 * Checks every job of `ids` per issue 4 and returns the violations as readable lines (empty = all
 * good): the record is Succeeded, exactly one `<id>/result-*` blob exists and it is the one the
 * record names, and the host logs show exactly one winning attempt. A host killed with SIGKILL can
 * record Succeeded and die before its log line reaches the pipe: `diedBeforeLogging(job)` says when
 * no log line is acceptable (never more than one).
 */
export function exactlyOnceViolations(
  ids: readonly string[],
  records: Map<string, JobRecord>,
  inventory: Map<string, string[]>,
  successes: Map<string, number[]>,
  diedBeforeLogging: (job: JobRecord) => boolean = () => false,
): string[] {
  const problems: string[] = [];
  for (const id of ids) {
    const job = records.get(id);
    const results = JobsInspector.results(inventory, id);
    const wins = successes.get(id) ?? [];
    if (!job) problems.push(`${id}: no record`);
    else if (job.status !== 'Succeeded')
      problems.push(`${id}: ${job.status} (attempts ${job.attempts}) ${JSON.stringify(job.error ?? job.lastError ?? '')}`);
    else if (results.length !== 1 || results[0] !== job.result?.blobName) {
      problems.push(`${id}: result blobs ${JSON.stringify(results)}, record names ${job.result?.blobName} (attempts ${job.attempts})`);
    }
    const silentOk = wins.length === 0 && job !== undefined && diedBeforeLogging(job);
    if (wins.length !== 1 && !silentOk) problems.push(`${id}: host logs show ${wins.length} successful attempt(s) ${JSON.stringify(wins)}`);
  }
  return problems;
}

/**
 * Starts `count` hosts on the same settings (so they compete for one queue) for a test file and
 * stops them, saving their logs under `name`, after it.
 */
export function hostsForFile(name: string, settings: Record<string, string>, count = 2): TestHost[] {
  const hosts: TestHost[] = [];
  beforeAll(async () => {
    hosts.push(...(await Promise.all(Array.from({ length: count }, () => startTestHost(settings)))).map(track));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => stopHost(h)));
    saveHostLogs(name, hosts);
  }, 60_000);
  return hosts;
}

// ---------------------------------------------------------------------------------------------
// The guarantees of issue 10 (README "Guarantees"), checked from storage after a fault scenario.

/** One request as the client saw it, for {@link guaranteeViolations}. */
export interface ClientRequest {
  status: number;
  id?: string;
  /** The Idempotency-Key sent, if any. */
  key?: string;
}

/**
 * Waits until every record of the container is finished (or `timeoutMs` passes), then checks:
 * - every job answered 202 has a terminal record: Succeeded, or Failed/Canceled with an `error`;
 * - no record stays NotStarted or Running (all work of the scenario has ended);
 * - one Idempotency-Key, at most one job: every 202 for a key names the same id, and at most one
 *   record that is not an abandoned submit refers to the key's blob;
 * - a 503 (or no answer) means no job ran: every record that is not abandoned is a job some request
 *   got a 202 for.
 * @returns the violations as readable lines (empty: all good)
 */
export async function guaranteeViolations(
  inspector: JobsInspector,
  requests: readonly ClientRequest[],
  timeoutMs: number,
): Promise<string[]> {
  const problems: string[] = [];
  const accepted = new Set(requests.filter((r) => r.status === 202 && r.id).map((r) => r.id!));
  const deadline = Date.now() + timeoutMs;
  let records: JobRecord[];
  for (;;) {
    const inv = await inspector.inventory().catch(() => undefined);
    if (inv) {
      const ids = JobsInspector.recordIds(inv);
      records = (await mapLimit(ids, 16, (id) => inspector.get(id).catch(() => undefined))).filter((r): r is JobRecord => r !== undefined);
      const pending = records.filter((r) => !isTerminal(r.status));
      const missing = [...accepted].filter((id) => !ids.includes(id));
      if (pending.length === 0 && missing.length === 0) break;
      if (Date.now() > deadline) {
        for (const r of pending) problems.push(`${r.id}: still ${r.status} (attempts ${r.attempts}, requeues ${r.requeues ?? 0})`);
        for (const id of missing) problems.push(`${id}: answered 202 but has no record`);
        break;
      }
    }
    await sleep(500);
  }
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const id of accepted) {
    const r = byId.get(id);
    if (r && isTerminal(r.status) && r.status !== 'Succeeded' && !r.error) problems.push(`${id}: ${r.status} without a reason`);
  }
  const keys = new Set(requests.filter((r) => r.key).map((r) => r.key!));
  for (const key of keys) {
    const ids = new Set(requests.filter((r) => r.key === key && r.status === 202).map((r) => r.id));
    if (ids.size > 1) problems.push(`key ${key}: 202 with ${ids.size} different ids ${JSON.stringify([...ids])}`);
  }
  const byKeyBlob = new Map<string, string[]>();
  for (const r of records) {
    if (r.abandoned || !r.idempotencyKeyBlob) continue;
    byKeyBlob.set(r.idempotencyKeyBlob, [...(byKeyBlob.get(r.idempotencyKeyBlob) ?? []), r.id]);
  }
  for (const [blob, ids] of byKeyBlob) if (ids.length > 1) problems.push(`${blob}: ${ids.length} jobs ${JSON.stringify(ids)}`);
  for (const r of records) {
    if (r.abandoned) {
      if (r.status !== 'Failed' || r.attempts !== 0) problems.push(`${r.id}: abandoned but ${r.status} after ${r.attempts} attempt(s)`);
      continue;
    }
    if (!accepted.has(r.id)) problems.push(`${r.id}: a job (${r.status}, attempts ${r.attempts}) that no request got a 202 for`);
  }
  return problems;
}
