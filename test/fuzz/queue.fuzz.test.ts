import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import * as fc from 'fast-check';

import { accountKeyOf, firstAnswerNot200, type QueueFuzzMessage, queueMessagesArb, strictBase64 } from '../support/fuzzArbitraries';
import { startTestHost, type TestHost } from '../support/localHost';

/**
 * Raw messages on the job queue (GitHub issue 4): random text that is not base64, base64 of random
 * bytes, of random JSON, of deeply nested JSON and of near-valid job messages, up to ~48 KB. The host
 * uses the repository's host.json (maxDequeueCount 5, visibilityTimeout 10 s), so malformed but
 * decodable messages are retried for almost a minute; the test does not wait for that. Within ~20 s:
 * the host is alive, no message produced a job (no status or result blob), every message that is not
 * valid base64 went to the poison queue, and a normal job submitted afterwards still completes.
 *
 * Reproduce with the seed it prints: `FUZZ_SEED=<seed> npx jest test/fuzz/queue`.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20_240_604);

console.log(`queue fuzz: seed ${seed} (FUZZ_SEED to change)`);

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ JOBS_RETRY_AFTER_SECONDS: '1' });
}, 60_000);
afterAll(async () => {
  await host?.stop();
});

const isAlive = () => host.process.exitCode === null && host.process.signalCode === null;
const describeMessage = (m: QueueFuzzMessage) =>
  `${m.kind} (${m.text.length} chars): ${JSON.stringify(m.text.slice(0, 120))}${m.text.length > 120 ? '…' : ''}`;

/** Texts currently visible in a queue (peek shows at most 32 messages; the test sends fewer non-base64 ones). */
async function peekTexts(queue: QueueClient): Promise<string[]> {
  if (!(await queue.exists())) return [];
  const res = await queue.peekMessages({ numberOfMessages: 32 });
  return res.peekedMessageItems.map((m) => m.messageText);
}

test('arbitrary queue messages: no crash, no job out of thin air, undecodable ones poisoned, normal jobs still run', async () => {
  const connection = host.settings.AzureWebJobsStorage!;
  const queueName = host.settings.JOBS_QUEUE_NAME!;
  const queue = new QueueClient(connection, queueName);
  // The Storage Queues extension moves an undecodable message to <queue>-poison; failPoisonedJob listens
  // there with the same base64 decoding, so the extension moves it on to <queue>-poison-poison.
  const poison = new QueueClient(connection, `${queueName}-poison`);
  const poisonOfPoison = new QueueClient(connection, `${queueName}-poison-poison`);
  const [messages] = fc.sample(queueMessagesArb, { seed, numRuns: 1 });
  if (!messages) throw new Error('no sample');
  expect(messages.length).toBeGreaterThanOrEqual(40);

  const started = Date.now();
  for (const m of messages) {
    try {
      await queue.sendMessage(m.text);
    } catch (err) {
      throw new Error(`could not send ${describeMessage(m)}: ${(err as Error).message}`, { cause: err });
    }
  }

  // (a) + (c): within ~20 s every message that is not valid base64 is poisoned, and the host stays up
  const undecodable = messages.filter((m) => !strictBase64.test(m.text));
  expect(undecodable.length).toBeGreaterThan(0);
  let missing = undecodable;
  while (Date.now() - started < 20_000) {
    if (!isAlive()) break;
    const inPoison = await peekTexts(poison);
    const inPoisonOfPoison = await peekTexts(poisonOfPoison);
    const seen = new Set([...inPoison, ...inPoisonOfPoison]);
    missing = undecodable.filter((m) => !seen.has(m.text));
    // also give every decodable message its first delivery before looking for jobs
    if (missing.length === 0 && Date.now() - started > 6_000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (!isAlive()) {
    throw new Error(
      `the host died while handling these messages:\n${messages.map(describeMessage).join('\n')}\n--- host output (tail) ---\n${host.output().split('\n').slice(-30).join('\n')}`,
    );
  }
  expect(missing.map(describeMessage)).toEqual([]);
  // none of them was handed to a function (the extension never invokes one with an undecodable body)
  const poisonedMoves = host
    .output()
    .split('\n')
    .filter((l) => /moved to \S+ \(body is not valid base64\)/.test(l));
  expect(poisonedMoves.length).toBeGreaterThanOrEqual(undecodable.length);

  // (b) no message was processed into a job: no status record and no result for any id they named
  const container = BlobServiceClient.fromConnectionString(connection).getContainerClient(host.settings.JOBS_CONTAINER_NAME!);
  const blobs: string[] = [];
  if (await container.exists()) for await (const b of container.listBlobsFlat()) blobs.push(b.name);
  expect(blobs.filter((n) => /\/result-/.test(n))).toEqual([]);
  const named = new Set(messages.flatMap((m) => (m.jobId ? [m.jobId.toLowerCase()] : [])));
  expect(blobs.filter((n) => named.has(n.split('/')[0]!.toLowerCase()))).toEqual([]);

  // (d) a normal job submitted after the garbage still completes
  const res = await fetch(`${host.baseUrl}/api/jobs/csv-report`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv' },
    body: 'x,y\n1,2\n3,4\n',
    redirect: 'manual',
  });
  expect(res.status).toBe(202);
  const location = res.headers.get('location')!;
  const final = await firstAnswerNot200(location, 20_000, 10_000);
  expect(final.status).toBe(302);
  expect(isAlive()).toBe(true);

  // The queue listener itself never failed (only the function did, for malformed messages), and the
  // account key never reached the log.
  const output = host.output();
  expect(output.split('\n').filter((l) => /Handling message .* failed|Polling .* failed|Lease renewal .* failed/.test(l))).toEqual([]);
  const key = accountKeyOf(connection);
  if (key) expect(output.includes(key)).toBe(false);
}, 90_000);
