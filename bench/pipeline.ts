/**
 * Pipeline benchmark: submit, status poll, storage transactions and a small job's end-to-end time,
 * each next to its floor measured in the same run.
 *
 *   npm run bench:pipeline -- [--runs N=30] [--jobs N=10]
 *
 * Starts its own in-memory Azurite, a counting proxy in front of it (dev/host/storageProxy.ts: every
 * storage call of the host and of the floors goes through it and is classified by operation kind)
 * and one local host (the `npm start` host, dev/host/hostProcess.ts) on the proxy. Requests are sequential;
 * figures are medians (and maxima where a goal is a bound). The machine is shared and noisy: the
 * ratios, measured in the same run and interleaved, are what counts.
 *
 * Figures (goals from issue 13, README "Performance"):
 * - submit of a 1 KiB CSV vs its floor: the three storage calls it cannot avoid (input blob, record
 *   create `If-None-Match: *`, enqueue) as bare SDK calls, one after the other (goal ≤ 1.3×); also vs
 *   the same calls in the submit's own order (input ‖ enqueue, then the tagged record create), and
 *   without the host's share (the same POST refused before any storage call);
 * - status poll of a finished job (`onComplete=status`) vs one blob GET of its record (goal ≤ 1.2×),
 *   and an HTTP round trip through the host that makes no storage call (the host's share);
 * - the same submit and poll in process, without any host: the app's services and the status
 *   function's handler called with real `HttpRequest` objects, through the same proxy;
 * - storage transactions per small job and per poll, by kind (goal ≤ 10 per job, exactly 1 per
 *   poll), and per second while idle over 30 s (goal: only the queue trigger's own polling, plus
 *   the 30 s reconciler timer's Find Blobs by Tags);
 * - a small job, POST to result reachable (302), for a client that honours `Retry-After`, after an
 *   idle pause so that the queue listener polls at its longest interval (goal ≤ 1.2 s);
 * - `Prefer: wait=10`: the answer's arrival after the job's end (`completedDateTime`) (goal ≤ 300 ms).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { startAzurite } from '@async-request-reply/local-host/azurite';
import { startHostProcess } from '@async-request-reply/local-host/hostProcess';
import { type SeenCall, StorageProxy } from '@async-request-reply/local-host/storageProxy';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

import { loadConfig, settingsSchema } from '../src/core/config';
import { createGetJobStatus } from '../src/functions/getJobStatus';
import { createServices } from '../src/services';

const repo = join(__dirname, '..', '..');
const queueName = 'bench-jobs';
const containerName = 'bench-jobs';
const floorName = 'bench-floor';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const max = (xs: number[]) => Math.max(...xs);
const ms = (x: number) => `${x.toFixed(1)} ms`;

/**
 * Every `JOBS_*` setting at its default (src/core/config.ts), so that the host measures the app's
 * defaults whatever a local.settings.json in the repository says (the host applies it under the
 * environment).
 */
function defaultSettings(): Record<string, string> {
  const defaults = settingsSchema.parse({}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(defaults)
      .filter(([k, v]) => k.startsWith('JOBS_') && (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'))
      .map(([k, v]) => [k, String(v)]),
  );
}

/** A CSV of exactly `bytes` bytes (three columns, numbered rows, padded last row). */
function csvOf(bytes: number): Buffer {
  let text = 'id,name,value\n';
  for (let i = 0; text.length < bytes - 40; i++) text += `${i},item-${i},${(i * 37) % 1000}\n`;
  text += `last,${'x'.repeat(Math.max(0, bytes - text.length - 8))},1\n`;
  return Buffer.from(text.slice(0, bytes - 1) + '\n');
}

/** Times `fn` in ms. */
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Calls that belong to one job (its blobs, the job queue's messages), not to idle polling or timers. */
function jobCalls(calls: SeenCall[], id: string): SeenCall[] {
  return calls.filter((c) => {
    if (c.path.includes(id)) return true;
    const onJobQueue = c.path.includes(`/${queueName}/messages`);
    if (!onJobQueue) return false;
    return c.kind !== 'dequeue' || (c.delivered ?? 0) > 0;
  });
}

/** Calls per run by the proxy's operation kind, most frequent first: `kind n, ...`. */
function byKind(calls: SeenCall[], runs: number): string {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${+(n / runs).toFixed(2)}`)
    .join(', ');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, jobs: { type: 'string', default: '10' } } });
  const runs = Number(values.runs);
  const jobRuns = Number(values.jobs);
  console.log(`pipeline benchmark: ${runs} runs (${jobRuns} end-to-end jobs), node ${process.version}, ${new Date().toISOString()}`);
  const azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, inMemory: true });
  const proxy = await StorageProxy.start(azurite.connectionString);
  let host: Awaited<ReturnType<typeof startHostProcess>> | undefined;
  try {
    host = await startHostProcess({
      appDir: repo,
      env: {
        ...process.env,
        ...defaultSettings(),
        AzureWebJobsStorage: proxy.connectionString,
        JOBS_QUEUE_NAME: queueName,
        JOBS_CONTAINER_NAME: containerName,
      },
    });
    const base = host.baseUrl;
    // Floors: bare SDK clients through the same proxy; an inspector straight to Azurite (not counted).
    const blob = BlobServiceClient.fromConnectionString(proxy.connectionString);
    const floorContainer = blob.getContainerClient(floorName);
    const floorQueue = QueueServiceClient.fromConnectionString(proxy.connectionString).getQueueClient(floorName);
    await floorContainer.createIfNotExists();
    await floorQueue.createIfNotExists();
    const inspector: ContainerClient = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(containerName);
    const csv = csvOf(1024);
    const record = (id: string) =>
      JSON.stringify({ id, type: 'csv-report', status: 'NotStarted', createdDateTime: new Date().toISOString(), percentComplete: 0 });
    const readRecord = async (id: string) => {
      const res = await inspector.getBlobClient(`${id}/status.json`).downloadToBuffer();
      return JSON.parse(res.toString('utf8')) as {
        status: string;
        startedDateTime?: string;
        completedDateTime?: string;
        createdDateTime: string;
      };
    };
    const waitDone = async (id: string) => {
      for (;;) {
        const r = await readRecord(id).catch(() => undefined);
        if (r && ['Succeeded', 'Failed', 'Canceled'].includes(r.status)) return r;
        await sleep(20);
      }
    };
    const submit = async (headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}/api/jobs/csv-report`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/csv', ...headers },
        body: csv,
        redirect: 'manual',
      });
      const text = await res.text();
      if (res.status !== 202 && res.status !== 302) throw new Error(`submit answered ${res.status}: ${text}`);
      // 202: the status document; 302 (Prefer: wait, finished): the SAS URL of <container>/<id>/result-N.
      if (res.status === 202) return { res, id: (JSON.parse(text) as { id: string }).id };
      return { res, id: new URL(res.headers.get('location')!).pathname.split('/').at(-2)! };
    };

    // The floors, as bare SDK calls.
    const issueFloor = async () => {
      const id = randomUUID();
      const rec = record(id);
      await floorContainer.getBlockBlobClient(`${id}/input`).upload(csv, csv.length, { blobHTTPHeaders: { blobContentType: 'text/csv' } });
      await floorContainer.getBlockBlobClient(`${id}/status.json`).upload(rec, Buffer.byteLength(rec), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      await floorQueue.sendMessage(Buffer.from(JSON.stringify({ jobId: id })).toString('base64'));
    };
    const designFloor = async () => {
      const id = randomUUID();
      const rec = record(id);
      await Promise.all([
        floorQueue.sendMessage(Buffer.from(JSON.stringify({ jobId: id })).toString('base64')),
        floorContainer.getBlockBlobClient(`${id}/input`).upload(csv, csv.length, { blobHTTPHeaders: { blobContentType: 'text/csv' } }),
      ]);
      await floorContainer.getBlockBlobClient(`${id}/status.json`).upload(rec, Buffer.byteLength(rec), {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
        tags: { activeSince: '2026120218' },
      });
    };

    // Warm-up: connections, JIT, the app's lazy services.
    for (let i = 0; i < 5; i++) {
      await issueFloor();
      await designFloor();
      await waitDone((await submit()).id);
      await fetch(`${base}/api/jobs/not-a-job`).then((r) => r.arrayBuffer());
    }
    await floorQueue.clearMessages();

    // 1. Submit vs floors, interleaved; each job is left to finish before the next round, so that
    //    its calls can be counted (3) and its processing does not load the next measurement.
    const app: number[] = [];
    const floor: number[] = [];
    const floor2: number[] = [];
    const perJob: SeenCall[] = [];
    const submitCalls: SeenCall[] = [];
    const submitSpan: number[] = [];
    const refused: number[] = [];
    for (let i = 0; i < runs; i++) {
      floor.push(await timed(issueFloor));
      floor2.push(await timed(designFloor));
      refused.push(
        await timed(async () => {
          // The same POST through the host, refused before any storage call (415).
          const res = await fetch(`${base}/api/jobs/csv-report`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: csv });
          await res.arrayBuffer();
          if (res.status !== 415) throw new Error(`expected 415, got ${res.status}`);
        }),
      );
      const mark = proxy.calls.length;
      let id = '';
      app.push(await timed(async () => (id = (await submit()).id)));
      const afterSubmit = proxy.calls.length;
      await waitDone(id);
      await sleep(300); // the worker's last call (message delete) follows the record
      perJob.push(...jobCalls(proxy.calls.slice(mark), id));
      const own = jobCalls(proxy.calls.slice(mark, afterSubmit), id);
      submitCalls.push(...own);
      submitSpan.push(max(own.map((c) => c.answeredAt ?? c.at)) - Math.min(...own.map((c) => c.at)));
      if (i % 10 === 9) await floorQueue.clearMessages();
    }
    await floorQueue.clearMessages();

    // 2. Poll of a finished job vs one blob GET of its record; a storage-free round trip through the host.
    const { id: doneId } = await submit();
    await waitDone(doneId);
    await sleep(300);
    const poll: number[] = [];
    const get: number[] = [];
    const bare: number[] = [];
    const pollCalls: number[] = [];
    const recordBlob = blob.getContainerClient(containerName).getBlobClient(`${doneId}/status.json`);
    for (let i = 0; i < runs; i++) {
      get.push(await timed(async () => (await recordBlob.download()).readableStreamBody!.resume()));
      bare.push(await timed(async () => (await fetch(`${base}/api/jobs/not-a-job`)).arrayBuffer()));
      const mark = proxy.calls.length;
      poll.push(
        await timed(async () => {
          const res = await fetch(`${base}/api/jobs/${doneId}?onComplete=status`);
          if (res.status !== 200) throw new Error(`poll answered ${res.status}`);
          await res.json();
        }),
      );
      pollCalls.push(jobCalls(proxy.calls.slice(mark), doneId).length);
    }

    // 3. The same submit and poll in process (no host): the app's own share.
    const inProcess = createServices(
      loadConfig({
        ...defaultSettings(),
        AzureWebJobsStorage: proxy.connectionString,
        JOBS_QUEUE_NAME: queueName,
        JOBS_CONTAINER_NAME: containerName,
      }),
    );
    await inProcess.ready();
    const statusHandler = createGetJobStatus(inProcess);
    const context = new InvocationContext({ functionName: 'getJobStatus' });
    const pollInProcess = async () => {
      const request = new HttpRequest({
        method: 'GET',
        url: `${base}/api/jobs/${doneId}?onComplete=status`,
        params: { id: doneId },
        query: { onComplete: 'status' },
      });
      const res = await statusHandler(request, context);
      if (res.status !== 200) throw new Error(`in-process poll answered ${res.status}`);
      JSON.stringify(res.jsonBody);
    };
    const submitInProcess = async () =>
      (
        await inProcess.jobs.submit({
          type: 'csv-report',
          options: {},
          statusOptions: {},
          contentType: 'text/csv',
          body: Readable.from([csv]),
        })
      ).job.id;
    const getAndRead = async () => {
      const res = await recordBlob.download();
      for await (const chunk of res.readableStreamBody!) void chunk;
    };
    for (let i = 0; i < 5; i++) {
      await pollInProcess();
      await getAndRead();
    }
    const pollIn: number[] = [];
    const getRead: number[] = [];
    const submitIn: number[] = [];
    const floorIn: number[] = [];
    for (let i = 0; i < runs; i++) {
      getRead.push(await timed(getAndRead));
      pollIn.push(await timed(pollInProcess));
      floorIn.push(await timed(issueFloor));
      let id = '';
      submitIn.push(await timed(async () => (id = await submitInProcess())));
      await waitDone(id);
    }
    await floorQueue.clearMessages();

    // 4. Small job, POST to result, honouring Retry-After, after an idle pause (longest polling interval).
    const e2e: number[] = [];
    const pickup: number[] = [];
    const run: number[] = [];
    const firstRetryAfter: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < jobRuns; i++) {
      await sleep(3000 + Math.random() * 1000);
      const t0 = performance.now();
      const { res, id } = await submit();
      let retryAfter = Number(res.headers.get('retry-after'));
      firstRetryAfter.push(retryAfter);
      for (let n = 1; ; n++) {
        if (!(retryAfter >= 1)) throw new Error(`Retry-After ${retryAfter} is not a positive whole number of seconds`);
        await sleep(retryAfter * 1000);
        const status = await fetch(`${base}/api/jobs/${id}`, { redirect: 'manual' });
        await status.arrayBuffer();
        if (status.status === 302) {
          polls.push(n);
          break;
        }
        retryAfter = Number(status.headers.get('retry-after'));
      }
      e2e.push(performance.now() - t0);
      const r = await readRecord(id);
      pickup.push(Date.parse(r.startedDateTime!) - Date.parse(r.createdDateTime));
      run.push(Date.parse(r.completedDateTime!) - Date.parse(r.startedDateTime!));
    }

    // 5. Prefer: wait: the answer's arrival after the job's end.
    const afterEnd: number[] = [];
    for (let i = 0; i < jobRuns; i++) {
      await sleep(1000 + Math.random() * 2000);
      const { res, id } = await submit({ Prefer: 'wait=10' });
      const arrived = Date.now();
      if (res.headers.get('preference-applied') !== 'wait=10' || res.status === 202) throw new Error(`Prefer: wait answered ${res.status}`);
      afterEnd.push(arrived - Date.parse((await readRecord(id)).completedDateTime!));
    }

    // 6. Idle: every storage call over 30 s with no request (one pass of the 30 s reconciler timer).
    await sleep(2000);
    const idleMark = proxy.calls.length;
    const idleSeconds = 30;
    await sleep(idleSeconds * 1000);
    const idle = proxy.calls.slice(idleMark);

    const submitFloor = median(floor);
    const rows: [string, string, string, string, string][] = [
      [
        'submit of a 1 KiB CSV',
        ms(median(app)),
        `${ms(submitFloor)} (input, record create, enqueue: bare SDK, one after the other)`,
        `${(median(app) / submitFloor).toFixed(2)}×`,
        '≤ 1.3×',
      ],
      [
        "  same, vs the same calls in the submit's order",
        ms(median(app)),
        `${ms(median(floor2))} (input ‖ enqueue, tagged record create: bare SDK)`,
        `${(median(app) / median(floor2)).toFixed(2)}×`,
        '',
      ],
      [
        '  same POST refused before any storage call (415)',
        ms(median(refused)),
        `storage calls of a submit span ${ms(median(submitSpan))} (first call's arrival at the proxy to the last answer)`,
        '',
        '',
      ],
      [
        "  submit without the host's share (submit − 415)",
        ms(median(app) - median(refused)),
        `${ms(submitFloor)} (the issue's floor)`,
        `${((median(app) - median(refused)) / submitFloor).toFixed(2)}×`,
        '',
      ],
      [
        '  same submit in process (JobService.submit, no host)',
        ms(median(submitIn)),
        `${ms(median(floorIn))} (the issue's floor, interleaved with it)`,
        `${(median(submitIn) / median(floorIn)).toFixed(2)}×`,
        '',
      ],
      [
        'status poll of a finished job (onComplete=status)',
        ms(median(poll)),
        `${ms(median(get))} (one blob GET of the record)`,
        `${(median(poll) / median(get)).toFixed(2)}×`,
        '≤ 1.2×',
      ],
      ['  host round trip with no storage call (GET, 404)', ms(median(bare)), '', '', ''],
      [
        "  same poll in process (the status function's handler, no host)",
        ms(median(pollIn)),
        `${ms(median(getRead))} (one blob GET, body read, interleaved with it)`,
        `${(median(pollIn) / median(getRead)).toFixed(2)}×`,
        '',
      ],
      [
        "  poll without the host's share (poll − 404)",
        ms(median(poll) - median(bare)),
        `${ms(median(get))} (one blob GET)`,
        `${((median(poll) - median(bare)) / median(get)).toFixed(2)}×`,
        '',
      ],
      [
        'storage transactions per small job',
        String(+(perJob.length / runs).toFixed(2)),
        `submit ${+(submitCalls.length / runs).toFixed(2)}: ${byKind(submitCalls, runs)}; all: ${byKind(perJob, runs)}`,
        '',
        '≤ 10',
      ],
      ['storage transactions per poll', `${median(pollCalls)} (max ${max(pollCalls)})`, '', '', 'exactly 1'],
      [
        'storage transactions per second, idle',
        String(+(idle.length / idleSeconds).toFixed(2)),
        byKind(idle, idleSeconds),
        '',
        'trigger polling only',
      ],
      [
        'small job, POST to result (302), honouring Retry-After',
        `${ms(median(e2e))} (max ${ms(max(e2e))})`,
        `first Retry-After ${median(firstRetryAfter)} s, status polls ${median(polls)} (max ${max(polls)}); pickup ${ms(median(pickup))} (max ${ms(max(pickup))}); run ${ms(median(run))}`,
        '',
        '≤ 1200 ms',
      ],
      ['Prefer: wait=10, answer after the job ends', `${ms(median(afterEnd))} (max ${ms(max(afterEnd))})`, '', '', '≤ 300 ms'],
    ];
    console.log('\n| what | the app | its floor / detail | ratio | goal |\n|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await host?.stop();
    await proxy.stop();
    await azurite.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
