import { Readable } from 'node:stream';

import { loadConfig } from '../../src/core/config';
import * as machine from '../../src/core/jobs/stateMachine';
import { createServices } from '../../src/services';
import { generatedCsv, vegaCsv } from '../support/datasets';
import { storageConnectionString, uniqueName } from '../support/env';
import { startTestHost, type TestHost } from '../support/localHost';
import { expectReportsClose, referenceCsvReport } from '../support/referenceCsvStats';
import {
  exactlyOnceViolations,
  hostProcessed,
  hostsForFile,
  JobsInspector,
  mapLimit,
  successesInLogs,
  timedSubmit,
  track,
  waitFor,
} from '../support/soak';

/**
 * Issue 4 under host crashes: two local hosts (separate processes) compete for one queue, as Azure
 * instances do. One is killed with SIGKILL while it runs jobs; a replacement starts. The queue lease
 * is shortened to 4 s (LOCAL_HOST_QUEUE_LEASE_SECONDS) so the dead host's messages come back quickly.
 * Every accepted job must end Succeeded exactly once: one winning attempt in the logs, one result
 * blob (the one the record names), and a report equal to the independent reference.
 */
const leaseSeconds = 4;
const settings = {
  JOBS_QUEUE_NAME: uniqueName('soak-crash'),
  JOBS_CONTAINER_NAME: uniqueName('soak-crash'),
  LOCAL_HOST_QUEUE_LEASE_SECONDS: String(leaseSeconds),
  JOBS_PROGRESS_INTERVAL_MS: '200',
  JOBS_RETRY_AFTER_SECONDS: '1',
};
const hosts = hostsForFile('crash', settings);
const inspector = new JobsInspector(storageConnectionString(), settings.JOBS_CONTAINER_NAME, settings.JOBS_QUEUE_NAME);

/** 4 generated files of 5 to 10 MB and 16 small ones (public datasets and generated), big ones first. */
function inputs(): { name: string; body: Buffer; big: boolean }[] {
  const big = [5, 6.5, 8, 10].map((mb, i) => ({ name: `generated-${mb}MB`, body: generatedCsv(mb * 1024 * 1024, 101 + i), big: true }));
  const vega = [
    'seattle-weather.csv',
    'github.csv',
    'disasters.csv',
    'co2-concentration.csv',
    'us-employment.csv',
    'stocks.csv',
    'gapminder-health-income.csv',
    'la-riots.csv',
    'sp500.csv',
    'global-temp.csv',
    'iowa-electricity.csv',
    'weather.csv',
    'flights-airport.csv',
  ];
  const small = [
    ...vega.map((name) => ({ name, body: vegaCsv(name), big: false })),
    ...[1, 2, 3].map((i) => ({ name: `generated-small-${i}`, body: generatedCsv(30_000 * i, 200 + i), big: false })),
  ];
  const out: { name: string; body: Buffer; big: boolean }[] = [];
  for (let i = 0; i < Math.max(big.length, small.length); i++) {
    if (big[i]) out.push(big[i]!);
    if (small[i]) out.push(small[i]!);
  }
  return out;
}

test('a host killed with SIGKILL while jobs run: every accepted job ends Succeeded exactly once, with one result', async () => {
  const t0 = Date.now();
  const files = inputs();
  const accepted = await mapLimit(files, 4, (f, i) => timedSubmit(hosts[i % 2]!.baseUrl, f.body, { index: i, timeoutMs: 60_000 }));
  expect(accepted.map((a) => a.status)).toEqual(files.map(() => 202));
  const jobs = accepted.map((a, i) => ({ id: a.id!, location: a.location!, ...files[i]! }));
  const ids = jobs.map((j) => j.id);
  const bigIds = new Set(jobs.filter((j) => j.big).map((j) => j.id));

  // Catch a host while it runs jobs (preferably a big one), from the status records and the host logs.
  const [first, second] = hosts as [TestHost, TestHost];
  const pick = await waitFor(
    'a host running jobs',
    async () => {
      const records = await Promise.all(ids.map((id) => inspector.get(id)));
      const running = records.filter((r) => r?.status === 'Running').map((r) => r!.id);
      const byHost = [first, second].map((h) => ({
        host: h,
        running: running.filter((id) => hostProcessed(h, id) && !h.output().includes(`Job ${id} succeeded`)),
      }));
      byHost.sort(
        (a, b) =>
          b.running.filter((id) => bigIds.has(id)).length - a.running.filter((id) => bigIds.has(id)).length ||
          b.running.length - a.running.length,
      );
      const best = byHost[0]!;
      return best.running.some((id) => bigIds.has(id)) ? best : undefined;
    },
    60_000,
    50,
    () => hosts.map((h, i) => `host ${i}:\n${h.output().slice(-3000)}`).join('\n'),
  );
  const killedAt = Date.now();
  await pick.host.stop('SIGKILL');
  const survivor = pick.host === first ? second : first;
  console.log(
    `Killed host (pid ${pick.host.process.pid}) ${killedAt - t0} ms after the first submit, running ${pick.running.length} job(s): ${pick.running.join(', ')}`,
  );

  const replacement = track(await startTestHost(settings));
  hosts.push(replacement);

  const records = await inspector.waitAllTerminal(ids, 120_000);
  await inspector.waitQueueDrained(30_000);
  const inventory = await inspector.inventory();
  const successes = successesInLogs(hosts.map((h) => h.output()));

  // The jobs that were running on the killed host were taken over (a new attempt, on another host)
  // unless they had completed before the kill.
  const takenOver = pick.running.filter((id) => records.get(id)!.attempts > 1);
  const notTakenOver = pick.running
    .map((id) => records.get(id)!)
    .filter((j) =>
      j.attempts === 1 ? Date.parse(j.completedDateTime!) > killedAt : !(hostProcessed(survivor, j.id) || hostProcessed(replacement, j.id)),
    )
    .map((j) => `${j.id}: attempts ${j.attempts}, completed ${j.completedDateTime}`);

  // The status URL agrees, from any instance.
  const statuses = await mapLimit(jobs, 8, async (j) => {
    const res = await fetch(`${j.location.replace(/^http:\/\/[^/]+/, replacement.baseUrl)}?onComplete=status`);
    const body = (await res.json()) as { status: string; resourceLocation?: string };
    return { id: j.id, status: res.status, jobStatus: body.status, resourceLocation: typeof body.resourceLocation };
  });

  // Each report equals the independent reference (computed now that the hosts are idle).
  const wrongReports: string[] = [];
  for (const j of jobs) {
    const job = records.get(j.id)!;
    if (!job.result) continue;
    try {
      expectReportsClose(JSON.parse(await inspector.readResult(job)), referenceCsvReport(j.body.toString('utf8')));
    } catch (err) {
      wrongReports.push(`${j.name} (job ${j.id}): ${(err as Error).message.slice(0, 1000)}`);
    }
  }

  // Exactly once: Succeeded, one result blob (the referenced one), one winning attempt in the logs;
  // nothing else in the container (no job without an accepted submit, no stray blob); queues empty.
  const expectedBlobs = (id: string) => [`${id}/input`, records.get(id)?.result?.blobName ?? '(result)', `${id}/status.json`].sort();
  expect({
    exactlyOnce: exactlyOnceViolations(
      ids,
      records,
      inventory,
      successes,
      (job) => hostProcessed(pick.host, job.id) && Date.parse(job.completedDateTime ?? '') <= killedAt + 1000,
    ),
    unexpectedBlobs: [...inventory.entries()].filter(([id, names]) => JSON.stringify(names.sort()) !== JSON.stringify(expectedBlobs(id))),
    queues: await inspector.queueDepth(),
    takenOver: takenOver.length > 0,
    notTakenOver,
    statusUrl: statuses.filter((x) => x.status !== 200 || x.jobStatus !== 'Succeeded' || x.resourceLocation !== 'string'),
    wrongReports,
  }).toEqual({
    exactlyOnce: [],
    unexpectedBlobs: [],
    queues: { queue: 0, poison: 0 },
    takenOver: true,
    notTakenOver: [],
    statusUrl: [],
    wrongReports: [],
  });
  const attempts = Object.fromEntries(ids.map((id) => [id, records.get(id)!.attempts]));
  console.log(
    `Crash soak: ${ids.length} jobs, taken over: ${takenOver.length}, attempts ${JSON.stringify(Object.values(attempts))}, ${Date.now() - t0} ms`,
  );
}, 240_000);

test('a worker that dies after writing its result but before recording Succeeded leaves no second result', async () => {
  // A dedicated queue that no host polls yet: the test plays the worker that dies.
  const own = { ...settings, JOBS_QUEUE_NAME: uniqueName('soak-crash2'), JOBS_CONTAINER_NAME: uniqueName('soak-crash2') };
  const s = createServices(loadConfig({ AzureWebJobsStorage: storageConnectionString(), ...own }));
  await s.ready();
  const csv = 'id,amount\n1,2.5\n2,3.5\n3,\n';
  const { job } = await s.jobs.submit({
    type: 'csv-report',
    options: {},
    contentType: 'text/csv',
    body: Readable.from([Buffer.from(csv)]),
  });

  // Dying worker: takes the message with the host's short lease, starts the job, writes its result
  // (attempt 1), then is killed before the Running → Succeeded write.
  const received = await s.queue.queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: leaseSeconds });
  expect(received.receivedMessageItems).toHaveLength(1);
  await s.store.records.update(job.id, (j) => machine.start(j, new Date()));
  const orphan = await s.store.blobs.writeResult(job.id, 1, JSON.stringify(referenceCsvReport(csv)), 'application/json');

  // The message comes back when the lease expires; a live host takes the job over.
  const host = track(await startTestHost(own));
  hosts.push(host);
  const inspect = new JobsInspector(storageConnectionString(), own.JOBS_CONTAINER_NAME, own.JOBS_QUEUE_NAME);
  const records = await inspect.waitAllTerminal([job.id], 60_000);
  await inspect.waitQueueDrained(30_000);
  const done = records.get(job.id)!;
  expect(done).toMatchObject({ status: 'Succeeded', attempts: 2 });
  expect(done.result!.blobName).not.toBe(orphan.blobName);
  const inventory = await inspect.inventory();
  expect(JobsInspector.results(inventory, job.id)).toEqual([done.result!.blobName]);
}, 120_000);
