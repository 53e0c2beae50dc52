import { HttpRequest, InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';

import { loadConfig } from '../../src/core/config';
import { decodeBase64Strict } from '../../src/core/jobs/messageCodec';
import { createCancelJob } from '../../src/functions/cancelJob';
import { createGetJobStatus, getJobStatus as registeredGetJobStatus } from '../../src/functions/getJobStatus';
import { createProcessJob } from '../../src/functions/processJob';
import { createPurgeJob } from '../../src/functions/purgeJob';
import { createSubmitJob } from '../../src/functions/submitJob';
import { createServices } from '../../src/services';
import { isolatedSettings } from '../support/env';

/**
 * The function handlers themselves, built by their factories over services of an isolated
 * configuration (no environment variable is set) and called with real `HttpRequest` /
 * `InvocationContext` objects from `@azure/functions` (as the library's own tests do), against Azurite.
 */
const settings = isolatedSettings();
const s = createServices(loadConfig(settings));
const submitJob = createSubmitJob(s);
const getJobStatus = createGetJobStatus(s);
const processJob = createProcessJob(s);
const cancelJob = createCancelJob(s);
const purgeJob = createPurgeJob(s);
const queue = new QueueClient(settings.AzureWebJobsStorage!, settings.JOBS_QUEUE_NAME!);

const base = 'http://localhost:7071/api';
const context = () => new InvocationContext({ invocationId: crypto.randomUUID(), functionName: 'test', logHandler: () => undefined });

function post(type: string, body: string, query = '', headers: Record<string, string> = { 'content-type': 'text/csv' }) {
  return new HttpRequest({ method: 'POST', url: `${base}/jobs/${type}${query}`, body: { string: body }, headers, params: { type } });
}
function get(id: string, query = '') {
  return new HttpRequest({ method: 'GET', url: `${base}/jobs/${id}${query}`, params: { id } });
}

/** Takes this job's message off the queue and runs the queue-triggered function on it, as the host would. */
async function deliver(jobId: string) {
  const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
  const mine = receivedMessageItems.find((m) => JSON.parse(decodeBase64Strict(m.messageText).toString()).jobId === jobId);
  expect(mine).toBeDefined();
  await processJob(JSON.parse(decodeBase64Strict(mine!.messageText).toString()), context());
  await queue.deleteMessage(mine!.messageId, mine!.popReceipt);
}

test('submit → 202, process, status → 302 to a SAS URL that serves the report', async () => {
  const res = await submitJob(post('csv-report', 'v\n1\n3\n'), context());
  expect(res.status).toBe(202);
  const headers = new Headers(res.headers);
  const body = res.jsonBody as { id: string; status: string };
  expect(headers.get('location')).toBe(`http://localhost:7071/api/jobs/${body.id}`);
  expect(body.status).toBe('NotStarted');

  const pending = await getJobStatus(get(body.id), context());
  expect(pending.status).toBe(200);
  expect(new Headers(pending.headers as Record<string, string>).get('retry-after')).toBe('1');

  await deliver(body.id);
  const done = await getJobStatus(get(body.id), context());
  expect(done.status).toBe(302);
  const sas = new Headers(done.headers).get('location')!;
  const report = (await (await fetch(sas)).json()) as { columns: { mean: number }[] };
  expect(report.columns[0]!.mean).toBe(2);
});

test('status modes: monitor form carries resourceLocation; stream returns the bytes', async () => {
  const res = await submitJob(post('csv-report', 'v\n5\n', '?onComplete=stream'), context());
  const id = (res.jsonBody as { id: string }).id;
  expect(new Headers(res.headers as Record<string, string>).get('location')).toBe(`${base}/jobs/${id}?onComplete=stream`);
  await deliver(id);
  const monitor = await getJobStatus(get(id, '?onComplete=status'), context());
  expect(monitor.status).toBe(200);
  expect((monitor.jsonBody as { resourceLocation: string }).resourceLocation).toMatch(/sig=/);
  const streamed = await getJobStatus(get(id, '?onComplete=stream'), context());
  expect(streamed.status).toBe(200);
  const text = await new Response(streamed.body as ReadableStream).text();
  expect(JSON.parse(text)).toMatchObject({ rows: 1 });
});

test('cancel and purge', async () => {
  const res = await submitJob(post('csv-report', 'v\n1\n'), context());
  const id = (res.jsonBody as { id: string }).id;
  const canceled = await cancelJob(new HttpRequest({ method: 'POST', url: `${base}/jobs/${id}/cancel`, params: { id } }), context());
  expect(canceled.status).toBe(202);
  expect((canceled.jsonBody as { status: string }).status).toBe('Canceled');
  const again = await cancelJob(new HttpRequest({ method: 'POST', url: `${base}/jobs/${id}/cancel`, params: { id } }), context());
  expect(again.status).toBe(409);
  const status = await getJobStatus(get(id), context());
  expect(status.status).toBe(409);
  const purged = await purgeJob(new HttpRequest({ method: 'DELETE', url: `${base}/jobs/${id}`, params: { id } }), context());
  expect(purged.status).toBe(204);
  expect((await getJobStatus(get(id), context())).status).toBe(404);
});

test('the registered default reads its settings on the first request: without storage settings, a 500 problem', async () => {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('AzureWebJobsStorage')) delete process.env[k];
  try {
    const logged: string[] = [];
    const ctx = new InvocationContext({
      invocationId: 'x',
      functionName: 'getJobStatus',
      logHandler: (_level, ...a) => logged.push(a.join(' ')),
    });
    const res = await registeredGetJobStatus(get(crypto.randomUUID()), ctx);
    expect(res.status).toBe(500);
    expect(new Headers(res.headers as Record<string, string>).get('content-type')).toBe('application/problem+json');
    expect(logged.join('\n')).toMatch(/Status failed: ConfigurationError: Storage is not configured/);
  } finally {
    Object.assign(process.env, saved);
  }
});

test('errors never carry a stack trace or a setting value', async () => {
  const res = await submitJob(post('csv-report', 'a\n1\n', '?header=perhaps'), context());
  expect(res.status).toBe(400);
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  expect(text).not.toContain(settings.AzureWebJobsStorage!.split(';')[2]!);
  expect(text).not.toMatch(/\n\s+at /);
});
