import { createHttpPoller, type OperationResponse, type OperationState, type RunningOperation } from '@azure/core-lro';

import { pollUntilDone, submit } from '../support/contractClient';
import { generatedCsv, vegaCsv } from '../support/datasets';
import { startTestHost, type TestHost } from '../support/localHost';
import { validateOpenApi } from '../support/openApiValidator';
import { expectReportsClose, referenceCsvReport } from '../support/referenceCsvStats';

/**
 * The whole job API contract (docs/api.md) against the running local host and Azurite, driven by
 * clients nobody here wrote (@azure/core-lro's HTTP poller) or that follow a documented protocol
 * (Durable Functions' HTTP API, CORS, RFC 7240 Prefer, Idempotency-Key).
 */
let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ JOBS_RETRY_AFTER_SECONDS: '1', JOBS_PROGRESS_INTERVAL_MS: '200' });
});
afterAll(async () => {
  await host?.stop();
});

const csv = vegaCsv('seattle-weather.csv');
const headersOf = (res: Response) => Object.fromEntries([...res.headers].map(([k, v]) => [k.toLowerCase(), v]));

/** An `@azure/core-lro` RunningOperation over plain fetch (the SDK's own pipeline is not needed). */
function lroOver(baseUrl: string, body: string | Buffer, query = ''): RunningOperation<unknown> {
  const toResponse = async (res: Response, method: string, url: string): Promise<OperationResponse<unknown>> => {
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return {
      flatResponse: parsed,
      rawResponse: { statusCode: res.status, request: { method, url }, headers: headersOf(res), body: parsed },
    };
  };
  return {
    async sendInitialRequest() {
      const url = `${baseUrl}/api/jobs/csv-report${query}`;
      return toResponse(await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/csv' }, body }), 'POST', url);
    },
    async sendPollRequest(path: string) {
      return toResponse(await fetch(path, { redirect: 'manual' }), 'GET', path);
    },
  };
}

describe('@azure/core-lro HTTP poller', () => {
  test('drives a submit to completion through Operation-Location and returns the report from resourceLocation', async () => {
    const locations: string[] = [];
    const poller = createHttpPoller<unknown, OperationState<unknown>>(lroOver(host.baseUrl, csv), {
      intervalInMs: 200,
      withOperationLocation: (l) => locations.push(l),
    });
    const result = await poller.pollUntilDone();
    expect(poller.operationState?.status).toBe('succeeded');
    expect(locations[0]).toMatch(/\/api\/jobs\/[0-9a-f-]{36}\?onComplete=status$/);
    expectReportsClose(result, referenceCsvReport(csv.toString('utf8')));
  });

  test('reports a failed job as a failure', async () => {
    const poller = createHttpPoller<unknown, OperationState<unknown>>(lroOver(host.baseUrl, 'a,b\n1,2\n"open\n'), { intervalInMs: 200 });
    await expect(poller.pollUntilDone()).rejects.toThrow();
    expect(poller.operationState?.status).toBe('failed');
  });
});

test('a Durable-style client reads statusQueryGetUri, runtimeStatus and customStatus', async () => {
  // Code written for Durable Functions polls statusQueryGetUri while it answers 202 and reads the
  // final 200 document: `onPending=accepted&onComplete=status` gives exactly that shape.
  const res = await submit(host.baseUrl, 'csv-report', generatedCsv(3_000_000), 'text/csv', 'onPending=accepted&onComplete=status');
  expect(res.status).toBe(202);
  const payload = (await res.json()) as {
    id: string;
    statusQueryGetUri: string;
    terminatePostUri: string;
    purgeHistoryDeleteUri: string;
    runtimeStatus: string;
  };
  expect(payload.runtimeStatus).toBe('Pending');
  expect(payload.terminatePostUri).toBe(`${payload.statusQueryGetUri.split('?')[0]}/cancel`);
  const seen: string[] = [];
  let doc: { runtimeStatus: string; customStatus: { percentComplete: number }; resourceLocation?: string };
  for (;;) {
    const poll = await fetch(payload.statusQueryGetUri);
    doc = (await poll.json()) as typeof doc;
    seen.push(doc.runtimeStatus);
    if (poll.status === 200) break;
    expect(poll.status).toBe(202);
    expect(poll.headers.get('location')).toBe(payload.statusQueryGetUri);
    expect(Number(poll.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, Number(poll.headers.get('retry-after')) * 1000));
  }
  expect(doc.runtimeStatus).toBe('Completed');
  expect(doc.customStatus.percentComplete).toBe(100);
  expect(seen.every((s) => ['Pending', 'Running', 'Completed'].includes(s))).toBe(true);
  expect((await fetch(doc.resourceLocation!)).status).toBe(200);
  expect((await fetch(payload.purgeHistoryDeleteUri, { method: 'DELETE' })).status).toBe(204);
  expect((await fetch(payload.statusQueryGetUri)).status).toBe(404);
});

describe('status modes', () => {
  test('seeOther answers 303; onPending=accepted answers 202 with Location to itself while pending', async () => {
    const res = await submit(host.baseUrl, 'csv-report', csv, 'text/csv', 'onPending=accepted&onComplete=seeOther');
    const location = res.headers.get('location')!;
    expect(location).toMatch(/\?onPending=accepted&onComplete=seeOther$/);
    const first = await fetch(location, { redirect: 'manual' });
    if (first.status === 202) expect(first.headers.get('location')).toBe(location);
    const { final } = await pollUntilDone(location);
    expect(final.status).toBe(303);
    expect(final.headers.get('location')).toMatch(/sig=/);
  });

  test('a canceled job: 409 problem by default, 200 document in monitor form', async () => {
    const res = await submit(host.baseUrl, 'csv-report', generatedCsv(8_000_000));
    const body = (await res.json()) as { terminatePostUri: string; statusQueryGetUri: string };
    const canceled = await fetch(body.terminatePostUri, { method: 'POST' });
    expect(canceled.status).toBe(202);
    const { final } = await pollUntilDone(body.statusQueryGetUri, 30_000);
    expect(final.status).toBe(409);
    expect(final.headers.get('content-type')).toBe('application/problem+json');
    const monitor = await fetch(res.headers.get('operation-location')!);
    expect(monitor.status).toBe(200);
    expect(((await monitor.json()) as { status: string }).status).toBe('Canceled');
    expect((await fetch(body.terminatePostUri, { method: 'POST' })).status).toBe(409);
  });
});

describe('Idempotency-Key', () => {
  test('the same key and request replay the original job; a different request gets 422', async () => {
    const key = `k-${Date.now()}`;
    const first = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', { 'Idempotency-Key': key });
    const second = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await submit(host.baseUrl, 'csv-report', 'a\n2\n', 'text/csv', '', { 'Idempotency-Key': key });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    const otherOptions = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', 'header=false', { 'Idempotency-Key': key });
    expect(otherOptions.status).toBe(422);
  });

  test('racing requests with one key create exactly one job', async () => {
    const key = `race-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => submit(host.baseUrl, 'csv-report', csv, 'text/csv', '', { 'Idempotency-Key': key })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((a) => a.headers.get('location'))).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
  });

  test('keys are scoped to the authenticated caller, and jobs are visible to their owner only', async () => {
    const principal = (id: string) => ({
      'x-ms-client-principal': Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [] })).toString('base64'),
      'x-ms-client-principal-id': id,
      'x-ms-client-principal-name': `${id}@example.com`,
      'x-ms-client-principal-idp': 'aad',
    });
    const key = `scoped-${Date.now()}`;
    const alice = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', { 'Idempotency-Key': key, ...principal('alice') });
    const bob = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', { 'Idempotency-Key': key, ...principal('bob') });
    expect(alice.status).toBe(202);
    expect(bob.status).toBe(202);
    expect(bob.headers.get('location')).not.toBe(alice.headers.get('location'));
    const monitor = alice.headers.get('operation-location')!;
    expect((await fetch(monitor, { headers: principal('alice') })).status).toBe(200);
    expect((await fetch(monitor, { headers: principal('bob') })).status).toBe(404);
    expect((await fetch(monitor)).status).toBe(404);
  });

  test('an over-long key is a 400 problem', async () => {
    const res = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', { 'Idempotency-Key': 'x'.repeat(256) });
    expect(res.status).toBe(400);
  });
});

describe('Prefer: wait (RFC 7240)', () => {
  test('a job that ends within N seconds is answered as the status URL would, with Preference-Applied', async () => {
    const res = await submit(host.baseUrl, 'csv-report', 'a\n1\n2\n', 'text/csv', 'onComplete=stream', { Prefer: 'wait=20' });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('wait=20');
    expect(((await res.json()) as { rows: number }).rows).toBe(2);
    const redirect = await fetch(`${host.baseUrl}/api/jobs/csv-report`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/csv', Prefer: 'respond-async, wait=20' },
      body: 'a\n1\n',
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
  });

  test('otherwise the usual 202, after waiting N seconds', async () => {
    // A host whose worker is disabled: the job cannot end within the wait, whatever the machine's speed.
    const idle = await startTestHost({ 'AzureWebJobs.processJob.Disabled': 'true' });
    try {
      const started = Date.now();
      const res = await submit(idle.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', { Prefer: 'wait=1' });
      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(res.headers.get('preference-applied')).toBe('wait=1');
      expect(res.headers.get('location')).toBeTruthy();
    } finally {
      await idle.stop();
    }
  });
});

test('CORS: preflight is answered and responses expose Location, Operation-Location, Retry-After, Preference-Applied and Idempotent-Replayed', async () => {
  const pre = await fetch(`${host.baseUrl}/api/jobs/csv-report`, {
    method: 'OPTIONS',
    headers: {
      Origin: 'http://app.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,idempotency-key',
    },
  });
  expect(pre.status).toBe(204);
  expect(pre.headers.get('access-control-allow-origin')).toBe('*');
  expect(pre.headers.get('access-control-allow-headers')).toBe('content-type,idempotency-key');
  const res = await fetch(`${host.baseUrl}/api/jobs/csv-report`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/csv', Origin: 'http://app.example' },
    body: 'a\n1\n',
  });
  expect(res.headers.get('access-control-allow-origin')).toBe('*');
  const exposed = res.headers
    .get('access-control-expose-headers')!
    .split(',')
    .map((h) => h.trim().toLowerCase());
  expect(exposed).toEqual(
    expect.arrayContaining(['location', 'operation-location', 'retry-after', 'preference-applied', 'idempotent-replayed']),
  );
});

describe('URLs behind a gateway', () => {
  let proxied: TestHost;
  beforeAll(async () => {
    proxied = await startTestHost({ JOBS_TRUST_FORWARDED_HEADERS: 'true' });
  });
  afterAll(() => proxied?.stop());

  test('trusted X-Forwarded-Host / -Proto build the URLs; untrusted ones are ignored', async () => {
    const headers = { 'X-Forwarded-Host': 'api.contoso.example', 'X-Forwarded-Proto': 'https' };
    const trusted = await submit(proxied.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', headers);
    expect(trusted.headers.get('location')).toMatch(/^https:\/\/api\.contoso\.example\/api\/jobs\//);
    const untrusted = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', '', headers);
    expect(untrusted.headers.get('location')).toMatch(/^http:\/\/(127\.0\.0\.1|localhost):\d+\/api\/jobs\//);
  });
});

test('OpenAPI 3.1 document: valid, and its operations are exactly the registered HTTP routes', async () => {
  const res = await fetch(`${host.baseUrl}/api/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  expect(doc.openapi).toBe('3.1.0');
  expect(validateOpenApi(doc)).toEqual({ valid: true, errors: null });
  expect(validateOpenApi({ ...doc, openapi: '3.1.0', info: undefined }).valid).toBe(false);

  // Registered routes as the host printed them: "  name: [GET,POST] http://localhost:PORT/api/..."
  const routes = [...host.output().matchAll(/^ {2}(\w+): \[([A-Z,]+)\] http:\/\/localhost:\d+(\/\S+)$/gm)].map((m) => ({
    methods: m[2]!.split(','),
    template: m[3]!,
  }));
  expect(routes.length).toBeGreaterThanOrEqual(5);
  const toRegex = (t: string) => new RegExp(`^${t.replace(/\/\{\*[^}]+\}/g, '(/.*)?').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((k) => k !== 'parameters')
      .map((m) => ({ path, method: m.toUpperCase() })),
  );
  for (const op of documented) {
    const concrete = op.path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
    expect({ op, served: routes.some((r) => r.methods.includes(op.method) && toRegex(r.template).test(concrete)) }).toEqual({
      op,
      served: true,
    });
  }
  for (const r of routes) {
    for (const method of r.methods) {
      const covered = documented.some((op) => op.method === method && toRegex(r.template).test(op.path.replace(/\{[^}]+\}/g, 'x')));
      expect({ route: `${method} ${r.template}`, covered }).toEqual({ route: `${method} ${r.template}`, covered: true });
    }
  }
});
