import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';

import type { HttpResponseInit } from '@azure/functions';
import { OrchestrationRuntimeStatus } from 'durable-functions';

import { defaultStatusOptions, jobUrls, type StatusOptions, submitUrl } from '../../src/contract/http';
import { type JobStatus, jobStatuses } from '../../src/contract/jobStatus';
import { acceptedDocumentSchema, statusDocumentSchema, statusOptionsSchema } from '../../src/contract/schemas';
import { loadConfig } from '../../src/core/config';
import type { JobRecord } from '../../src/core/jobs/model';
import { fail, recordProgress, requestCancel, start, succeed } from '../../src/core/jobs/stateMachine';
import { contentTooLarge, problem, ProblemError, storageUnavailable } from '../../src/core/problem';
import {
  acceptedResponse,
  errorResponse,
  type ResultAccess,
  retryAfterSeconds,
  statusAcceptedResponse,
  statusResponse,
  toStatusDocument,
} from '../../src/http/jobResponses';
import { splitQuery } from '../../src/http/statusOptions';
import { publicApiBase, publicOrigin, type RequestLike, routePrefix } from '../../src/http/urls';

// ------------------------------------------------------------------------------------------------
// Fixtures: job records are produced by the real state machine.

const id = '0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e';
const t0 = new Date('2024-06-01T08:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const resultBody = '{"x":1}';
const resultRef = { blobName: `${id}/result.json`, contentType: 'application/json', sizeBytes: Buffer.byteLength(resultBody) };
const sasUrl = 'https://account.blob.core.windows.net/jobs/result.json?sv=2024-08-04&sr=b&sp=r&sig=FAKE';
const inputRejected = problem(422, 'Row 3 has 2 fields, expected 3.', { row: 3 });

const notStarted: JobRecord = {
  id,
  type: 'csv-report',
  status: 'NotStarted',
  options: {},
  input: { contentType: 'text/csv', sizeBytes: 100 },
  createdDateTime: t0.toISOString(),
  lastUpdatedDateTime: t0.toISOString(),
  percentComplete: 0,
  progress: {},
  attempts: 0,
};
const running = recordProgress(start(notStarted, at(1)), { percentComplete: 40, progress: { rows: 4 } }, at(2));
const jobs: Record<JobStatus | 'FailedProcessing', JobRecord> = {
  NotStarted: notStarted,
  Running: running,
  Succeeded: succeed(running, resultRef, at(3)),
  Failed: fail(running, inputRejected, at(3)),
  FailedProcessing: fail(running, problem(500, 'Processing failed after 5 attempts.'), at(3)),
  Canceled: requestCancel(notStarted, at(3)),
};

/** A ResultAccess that hands out a fixed fake SAS URL and the result bytes, and counts its calls. */
function fakeResults() {
  const calls = { url: 0, open: 0 };
  const access: ResultAccess = {
    // eslint-disable-next-line @typescript-eslint/require-await -- ResultAccess is async; the expect() inside must reject, not throw
    async url(result) {
      calls.url++;
      expect(result).toEqual(resultRef);
      return sasUrl;
    },
    // eslint-disable-next-line @typescript-eslint/require-await -- as url() above
    async open(result) {
      calls.open++;
      expect(result).toEqual(resultRef);
      return Readable.from([resultBody]);
    },
  };
  return { access, calls };
}

const origin = 'https://jobs.example.com';
const apiBase = `${origin}/${routePrefix}`;
const urlsFor = (options: StatusOptions) => jobUrls(apiBase, id, options);

/** Response headers, looked up case-insensitively. */
function header(res: HttpResponseInit, name: string): string | undefined {
  const h = res.headers;
  if (h === undefined) return undefined;
  const entries: [string, string][] = Array.isArray(h) ? h : h instanceof Headers ? [...h.entries()] : Object.entries(h);
  return entries.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** The JSON body of a response (`jsonBody`, or a JSON string in `body`). */
function json(res: HttpResponseInit): Record<string, unknown> {
  if (res.jsonBody !== undefined) return JSON.parse(JSON.stringify(res.jsonBody)) as Record<string, unknown>;
  if (typeof res.body === 'string') return JSON.parse(res.body) as Record<string, unknown>;
  throw new Error('response has no JSON body');
}

async function bytesOf(body: unknown): Promise<Buffer> {
  expect(body).toBeInstanceOf(ReadableStream);
  const chunks: Buffer[] = [];
  for await (const chunk of body as ReadableStream<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const integerString = /^\d+$/;

// ------------------------------------------------------------------------------------------------

describe('statusResponse: every status × onPending × onComplete', () => {
  const onPendings = statusOptionsSchema.shape.onPending.unwrap().options;
  const onCompletes = statusOptionsSchema.shape.onComplete.unwrap().options;
  const statuses = Object.keys(jobs) as (keyof typeof jobs)[];
  const cases = statuses.flatMap((status) =>
    onPendings.flatMap((onPending) => onCompletes.map((onComplete) => ({ status, onPending, onComplete }))),
  );

  test('the table has every combination', () => {
    expect(onPendings).toEqual(['ok', 'accepted']);
    expect(onCompletes).toEqual(['redirect', 'seeOther', 'stream', 'status']);
    expect(cases).toHaveLength(6 * 2 * 4);
  });

  /** What docs/api.md says the status URL answers. */
  function expected(
    status: keyof typeof jobs,
    options: StatusOptions,
  ): { code: number; kind: 'pending' | 'redirect' | 'stream' | 'document' | 'problem' } {
    switch (status) {
      case 'NotStarted':
      case 'Running':
        return { code: options.onPending === 'accepted' ? 202 : 200, kind: 'pending' };
      case 'Succeeded':
        if (options.onComplete === 'redirect') return { code: 302, kind: 'redirect' };
        if (options.onComplete === 'seeOther') return { code: 303, kind: 'redirect' };
        if (options.onComplete === 'stream') return { code: 200, kind: 'stream' };
        return { code: 200, kind: 'document' };
      case 'Failed':
        return options.onComplete === 'status' ? { code: 200, kind: 'document' } : { code: 422, kind: 'problem' };
      case 'FailedProcessing':
        return options.onComplete === 'status' ? { code: 200, kind: 'document' } : { code: 500, kind: 'problem' };
      case 'Canceled':
        return options.onComplete === 'status' ? { code: 200, kind: 'document' } : { code: 409, kind: 'problem' };
    }
  }

  test.each(cases)('$status with onPending=$onPending onComplete=$onComplete', async ({ status, onPending, onComplete }) => {
    const options: StatusOptions = { onPending, onComplete };
    const job = jobs[status];
    const urls = urlsFor(options);
    const { access, calls } = fakeResults();
    const res = await statusResponse(job, options, urls, 7, access);
    const want = expected(status, options);

    expect(res.status).toBe(want.code);
    // Browsers must be able to read the polling headers cross-origin.
    const exposed = header(res, 'Access-Control-Expose-Headers')
      ?.split(',')
      .map((h) => h.trim());
    expect(exposed).toEqual(
      expect.arrayContaining(['Location', 'Operation-Location', 'Retry-After', 'Preference-Applied', 'Idempotent-Replayed']),
    );

    switch (want.kind) {
      case 'pending': {
        expect(header(res, 'Retry-After')).toBe('7');
        expect(header(res, 'Location')).toBe(onPending === 'accepted' ? urls.status : undefined);
        expect(header(res, 'Content-Type')).toBe('application/json');
        const doc = statusDocumentSchema.parse(json(res));
        expect(doc).toMatchObject({ id, status: job.status, percentComplete: job.percentComplete });
        expect(doc.resourceLocation).toBeUndefined();
        expect(calls).toEqual({ url: 0, open: 0 });
        break;
      }
      case 'redirect':
        expect(header(res, 'Location')).toBe(sasUrl);
        expect(header(res, 'Retry-After')).toBeUndefined();
        expect(res.body ?? undefined).toBeUndefined();
        expect(res.jsonBody).toBeUndefined();
        expect(calls).toEqual({ url: 1, open: 0 });
        break;
      case 'stream': {
        expect(header(res, 'Content-Type')).toBe(resultRef.contentType);
        expect(header(res, 'Content-Length')).toBe(String(resultRef.sizeBytes));
        expect(header(res, 'Location')).toBeUndefined();
        expect(header(res, 'Retry-After')).toBeUndefined();
        expect((await bytesOf(res.body)).toString('utf8')).toBe(resultBody);
        expect(calls).toEqual({ url: 0, open: 1 });
        break;
      }
      case 'document': {
        expect(header(res, 'Content-Type')).toBe('application/json');
        expect(header(res, 'Retry-After')).toBeUndefined();
        expect(header(res, 'Location')).toBeUndefined();
        const doc = statusDocumentSchema.parse(json(res));
        expect(doc.status).toBe(job.status);
        if (status === 'Succeeded') {
          expect(doc.resourceLocation).toBe(sasUrl);
          expect(doc.percentComplete).toBe(100);
          expect(doc.error).toBeUndefined();
        } else {
          expect(doc.resourceLocation).toBeUndefined();
          expect(doc.error).toEqual(job.error);
        }
        break;
      }
      case 'problem': {
        expect(header(res, 'Content-Type')).toBe('application/problem+json');
        expect(header(res, 'Retry-After')).toBeUndefined();
        const body = json(res);
        expect(body).toMatchObject({ ...job.error, status: want.code, instance: urls.status });
        expect(typeof body.title).toBe('string');
        expect(calls).toEqual({ url: 0, open: 0 });
        break;
      }
    }
  });

  test('a Failed job without a persisted error still answers a 500 problem', async () => {
    const { error: _dropped, ...withoutError } = jobs.FailedProcessing;
    const res = await statusResponse(withoutError, defaultStatusOptions, urlsFor(defaultStatusOptions), 2, fakeResults().access);
    expect(res.status).toBe(500);
    expect(header(res, 'Content-Type')).toBe('application/problem+json');
    expect(json(res)).toMatchObject({ status: 500 });
  });

  test('a Succeeded job without a result is an internal error, not a broken redirect', async () => {
    const { result: _dropped, ...withoutResult } = jobs.Succeeded;
    await expect(
      statusResponse(withoutResult, defaultStatusOptions, urlsFor(defaultStatusOptions), 2, fakeResults().access),
    ).rejects.toThrow(/without a result/);
  });
});

describe('toStatusDocument', () => {
  test.each([
    ['NotStarted', OrchestrationRuntimeStatus.Pending],
    ['Running', OrchestrationRuntimeStatus.Running],
    ['Succeeded', OrchestrationRuntimeStatus.Completed],
    ['Failed', OrchestrationRuntimeStatus.Failed],
    ['Canceled', OrchestrationRuntimeStatus.Terminated],
  ] as const)('%s → runtimeStatus %s', (status, runtimeStatus) => {
    const doc = toStatusDocument(jobs[status]);
    expect(doc.runtimeStatus).toBe(runtimeStatus);
    expect(doc.status).toBe(status);
  });

  test('every job status has a runtime status in the Durable vocabulary', () => {
    const durable = new Set(['Pending', 'Running', 'Completed', 'Failed', 'Terminated']);
    for (const status of jobStatuses) {
      expect(durable.has(toStatusDocument({ ...notStarted, status }).runtimeStatus)).toBe(true);
    }
  });

  test('carries the fields of the contract and customStatus = progress', () => {
    const withInternals = { ...running, owner: 'principal-1', idempotencyKeyBlob: 'idempotency/k', lastError: 'boom' } as JobRecord;
    const doc = toStatusDocument(withInternals);
    expect(doc).toEqual({
      id,
      type: 'csv-report',
      status: 'Running',
      percentComplete: 40,
      progress: { rows: 4 },
      createdDateTime: t0.toISOString(),
      lastUpdatedDateTime: at(2).toISOString(),
      runtimeStatus: 'Running',
      customStatus: { percentComplete: 40, progress: { rows: 4 } },
    });
    // Internal fields stay internal.
    for (const key of [
      'attempts',
      'input',
      'options',
      'result',
      'cancelRequested',
      'lastError',
      'owner',
      'idempotencyKeyBlob',
      'startedDateTime',
    ])
      expect(doc).not.toHaveProperty(key);
  });

  test('resourceLocation only when given; error only when the job has one', () => {
    expect(toStatusDocument(jobs.Succeeded, sasUrl).resourceLocation).toBe(sasUrl);
    expect(toStatusDocument(jobs.Succeeded)).not.toHaveProperty('resourceLocation');
    expect(toStatusDocument(jobs.Failed).error).toEqual(inputRejected);
    expect(toStatusDocument(jobs.Canceled).error?.status).toBe(409);
    expect(toStatusDocument(jobs.Running)).not.toHaveProperty('error');
  });
});

describe('acceptedResponse', () => {
  const options: StatusOptions = { onPending: 'accepted', onComplete: 'stream' };
  const urls = urlsFor(options);
  const res = acceptedResponse(notStarted, urls, 3);

  test('202 with Location, Operation-Location and integer Retry-After', () => {
    expect(res.status).toBe(202);
    expect(header(res, 'Location')).toBe(urls.status);
    expect(header(res, 'Retry-After')).toBe('3');
    const location = new URL(header(res, 'Location') ?? '');
    expect(Object.fromEntries(location.searchParams)).toEqual({ onPending: 'accepted', onComplete: 'stream' });
  });

  test('Operation-Location is the status URL in monitor form (onComplete=status)', () => {
    const op = new URL(header(res, 'Operation-Location') ?? '');
    const location = new URL(header(res, 'Location') ?? '');
    expect(op.origin + op.pathname).toBe(location.origin + location.pathname);
    expect(Object.fromEntries(op.searchParams)).toEqual({ onComplete: 'status' });
  });

  test('body: status document plus the Durable management payload', () => {
    const body = acceptedDocumentSchema.parse(json(res));
    expect(body).toMatchObject({ id, status: 'NotStarted', runtimeStatus: 'Pending', percentComplete: 0 });
    expect(body.statusQueryGetUri).toBe(header(res, 'Location'));
    expect(body.terminatePostUri).toBe(`${origin}/api/jobs/${id}/cancel`);
    expect(body.purgeHistoryDeleteUri).toBe(`${origin}/api/jobs/${id}`);
  });

  test('statusAcceptedResponse (answer to a cancel): 202, Location, Retry-After, status document', () => {
    const signalled = requestCancel(running, at(5));
    const r = statusAcceptedResponse(signalled, urls, 4);
    expect(r.status).toBe(202);
    expect(header(r, 'Location')).toBe(urls.status);
    expect(header(r, 'Retry-After')).toBe('4');
    expect(statusDocumentSchema.parse(json(r))).toMatchObject({ id, status: 'Running' });
  });
});

describe('errorResponse', () => {
  test.each([
    [new ProblemError(404, "Unknown job type 'nope'."), 404],
    [new ProblemError(400, 'Invalid job options.', { errors: [{ path: 'query.delimiter', message: 'Too long' }] }), 400],
    [new ProblemError(413, 'Too large.', { maxBytes: 10 }), 413],
    [contentTooLarge(10), 413],
    [new ProblemError(422, 'Idempotency-Key reused.'), 422],
  ])('ProblemError %# → its status as problem+json', (err, status) => {
    const res = errorResponse(err, 2);
    expect(res.status).toBe(status);
    expect(header(res, 'Content-Type')).toBe('application/problem+json');
    expect(json(res)).toEqual(err.problem);
  });

  test('the 413 of a body over the limit names the limit in bytes', () => {
    expect(contentTooLarge(1024).problem).toEqual({
      type: 'about:blank',
      title: 'Content Too Large',
      status: 413,
      detail: 'The request body exceeds the limit of 1024 bytes.',
      maxBytes: 1024,
    });
  });

  test('ProblemError headers are kept (503 + Retry-After)', () => {
    const res = errorResponse(new ProblemError(503, 'Storage is temporarily unavailable.', {}, { 'Retry-After': '2' }), 9);
    expect(res.status).toBe(503);
    expect(header(res, 'Retry-After')).toBe('2');
    expect(header(res, 'Content-Type')).toBe('application/problem+json');
  });

  test.each([
    ['a 503 from storage', Object.assign(new Error('Server busy'), { name: 'RestError', statusCode: 503 })],
    ['throttling (429)', Object.assign(new Error('Too many requests'), { name: 'RestError', statusCode: 429 })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10000'), { code: 'ECONNREFUSED' })],
  ])('%s → the same 503 as the core maps it, with the given Retry-After', (_what, err) => {
    const res = errorResponse(err, 7);
    const mapped = storageUnavailable(err, 7);
    expect(res.status).toBe(503);
    expect(header(res, 'Retry-After')).toBe('7');
    expect(header(res, 'Content-Type')).toBe('application/problem+json');
    expect(json(res)).toEqual(mapped.problem);
    expect(mapped.headers).toEqual({ 'Retry-After': '7' });
  });

  test.each([
    ['an Error', new Error('connect ECONNREFUSED 10.0.0.5 AccountKey=c2VjcmV0')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'secretField')")],
    ['a thrown string', 'password=hunter2'],
    ['undefined', undefined],
  ])('%s → generic 500 without message or stack', (_what, err) => {
    const res = errorResponse(err, 2);
    expect(res.status).toBe(500);
    expect(header(res, 'Content-Type')).toBe('application/problem+json');
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.jsonBody);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body.status).toBe(500);
    expect(body).not.toHaveProperty('stack');
    for (const secret of ['ECONNREFUSED', 'AccountKey', 'c2VjcmV0', 'secretField', 'hunter2', 'at ', '.ts:']) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('retryAfterSeconds', () => {
  const config = { retryAfterSeconds: 2, maxRetryAfterSeconds: 30 };
  const runningAt = (percent: number, startedSecondsAgo: number, now: Date): JobRecord => ({
    ...running,
    percentComplete: percent,
    startedDateTime: new Date(now.getTime() - startedSecondsAgo * 1000).toISOString(),
  });
  const now = at(1000);

  test.each([
    // remaining = elapsed × (100 − p) / p; answer = ceil(remaining / 2) within [2, 30]
    { what: '5 s at 50 % → 5 s left → ceil(2.5)', p: 50, ago: 5, expected: 3 },
    { what: '10 s at 50 % → 10 s left → 5', p: 50, ago: 10, expected: 5 },
    { what: '7 s at 60 % → 4.67 s left → ceil(2.33)', p: 60, ago: 7, expected: 3 },
    { what: '10 s at 80 % → 2.5 s left → ceil(1.25)=2', p: 80, ago: 10, expected: 2 },
    { what: '10 s at 99 % → nearly done → min', p: 99, ago: 10, expected: 2 },
    { what: '100 s at 10 % → 900 s left → max', p: 10, ago: 100, expected: 30 },
    { what: '20 s at 40 % → 30 s left → 15', p: 40, ago: 20, expected: 15 },
    { what: 'no progress yet → min', p: 0, ago: 100, expected: 2 },
    { what: 'started in the future (clock skew) → min', p: 50, ago: -60, expected: 2 },
  ])('Running: $what', ({ p, ago, expected }) => {
    expect(retryAfterSeconds(runningAt(p, ago, now), now, config)).toBe(expected);
  });

  test('NotStarted → min; Running without startedDateTime → min', () => {
    expect(retryAfterSeconds(notStarted, now, config)).toBe(2);
    expect(retryAfterSeconds(notStarted, now, { retryAfterSeconds: 9, maxRetryAfterSeconds: 30 })).toBe(9);
    const { startedDateTime: _s, ...noStart } = runningAt(10, 100, now);
    expect(retryAfterSeconds(noStart, now, config)).toBe(2);
  });

  test('always an integer within [min, max]', () => {
    for (const cfg of [config, { retryAfterSeconds: 1, maxRetryAfterSeconds: 3600 }, { retryAfterSeconds: 5, maxRetryAfterSeconds: 5 }]) {
      for (const status of jobStatuses) {
        for (const p of [0, 0.1, 1, 33.3, 50, 66.7, 98.9, 99, 100]) {
          for (const ago of [0, 0.3, 1, 7.7, 60, 3599, 86400]) {
            const job = { ...runningAt(p, ago, now), status };
            const s = retryAfterSeconds(job, now, cfg);
            expect(Number.isInteger(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(cfg.retryAfterSeconds);
            expect(s).toBeLessThanOrEqual(cfg.maxRetryAfterSeconds);
          }
        }
      }
    }
  });

  test('the Retry-After header of a pending status answer is that integer', async () => {
    const job = runningAt(60, 7, now);
    const seconds = retryAfterSeconds(job, now, config);
    const res = await statusResponse(job, defaultStatusOptions, urlsFor(defaultStatusOptions), seconds, fakeResults().access);
    expect(header(res, 'Retry-After')).toMatch(integerString);
    expect(header(res, 'Retry-After')).toBe('3');
  });
});

describe('statusOptions', () => {
  test('defaults: onPending=ok, onComplete=redirect', () => {
    expect(statusOptionsSchema.parse({})).toEqual({ onPending: 'ok', onComplete: 'redirect' });
    expect(defaultStatusOptions).toEqual(statusOptionsSchema.parse({}));
    expect(statusOptionsSchema.parse({ onComplete: 'status' })).toEqual({ onPending: 'ok', onComplete: 'status' });
  });

  test.each([
    { onPending: 'wait' },
    { onPending: 'Accepted' },
    { onPending: '' },
    { onComplete: 'Redirect' },
    { onComplete: 'download' },
    { onComplete: '' },
    { onPending: 'ok', onComplete: 302 },
  ])('rejects %o', (query) => {
    expect(statusOptionsSchema.safeParse(query).success).toBe(false);
  });

  test('splitQuery separates the status options from processor options; the last repeated value wins', () => {
    const q = new URLSearchParams('onPending=accepted&delimiter=%3B&onComplete=stream&header=true&onComplete=status&delimiter=,');
    expect(splitQuery(q)).toEqual({
      status: { onPending: 'accepted', onComplete: 'status' },
      rest: { delimiter: ',', header: 'true' },
    });
  });

  test('splitQuery of an empty query', () => {
    expect(splitQuery(new URLSearchParams())).toEqual({ status: {}, rest: {} });
  });

  test('splitQuery decodes values', () => {
    expect(splitQuery(new URLSearchParams('delimiter=%09&name=a+b')).rest).toEqual({ delimiter: '\t', name: 'a b' });
  });
});

describe('publicOrigin', () => {
  const req = (url: string, headers: Record<string, string> = {}): RequestLike => ({
    url,
    headers: { get: (name) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? null },
  });
  const local = 'http://localhost:7071/api/jobs/csv-report?x=1';
  const fwd = { 'X-Forwarded-Host': 'gw.example.com', 'X-Forwarded-Proto': 'https' };

  test.each<{ what: string; url: string; headers: Record<string, string>; trust: boolean; base?: string; expected: string }>([
    {
      what: 'configured base URL wins over everything',
      url: local,
      headers: fwd,
      trust: true,
      base: 'https://api.example.com',
      expected: 'https://api.example.com',
    },
    { what: 'trusted forwarded headers', url: local, headers: fwd, trust: true, expected: 'https://gw.example.com' },
    { what: 'untrusted forwarded headers are ignored', url: local, headers: fwd, trust: false, expected: 'http://localhost:7071' },
    {
      what: 'first value of a list, proto case-insensitive',
      url: local,
      headers: { 'X-Forwarded-Host': 'gw.example.com:8443, proxy.internal', 'X-Forwarded-Proto': 'HTTPS, http' },
      trust: true,
      expected: 'https://gw.example.com:8443',
    },
    {
      what: 'IPv6 host',
      url: local,
      headers: { 'X-Forwarded-Host': '[2001:db8::1]:8080', 'X-Forwarded-Proto': 'http' },
      trust: true,
      expected: 'http://[2001:db8::1]:8080',
    },
    {
      what: 'host without proto keeps the request scheme',
      url: 'https://func.azurewebsites.net/api/jobs',
      headers: { 'X-Forwarded-Host': 'gw.example.com' },
      trust: true,
      expected: 'https://gw.example.com',
    },
    {
      what: 'unknown proto falls back to the request scheme',
      url: local,
      headers: { 'X-Forwarded-Host': 'gw.example.com', 'X-Forwarded-Proto': 'javascript' },
      trust: true,
      expected: 'http://gw.example.com',
    },
    {
      what: 'request origin drops the default port and the path',
      url: 'https://func.example.com:443/api/jobs/x',
      headers: {},
      trust: false,
      expected: 'https://func.example.com',
    },
  ])('$what', ({ url, headers, trust, base, expected }) => {
    const origin = publicOrigin(req(url, headers), { trustForwardedHeaders: trust, ...(base ? { publicBaseUrl: base } : {}) });
    expect(origin).toBe(expected);
  });

  test.each([
    ['with a path', 'evil.com/path'],
    ['with a space', 'a b'],
    ['with userinfo', 'good.com@evil.com'],
    ['with a query', 'evil.com?x='],
    ['empty', ''],
  ])('a trusted X-Forwarded-Host %s (%j) is ignored', (_what, host) => {
    const headers = { 'X-Forwarded-Host': host, 'X-Forwarded-Proto': 'https' };
    expect(publicOrigin(req(local, headers), { trustForwardedHeaders: true })).toBe('http://localhost:7071');
  });

  test('a configured base URL with a trailing slash gives clean job URLs (via loadConfig)', () => {
    const config = loadConfig({ AzureWebJobsStorage: 'UseDevelopmentStorage=true', JOBS_PUBLIC_BASE_URL: 'https://api.example.com/' });
    expect(publicOrigin(req(local), config)).toBe('https://api.example.com');
    expect(jobUrls(publicApiBase(req(local), config), id, defaultStatusOptions).status).toBe(`https://api.example.com/api/jobs/${id}`);
  });
});

describe('jobUrls', () => {
  const onPendings = ['ok', 'accepted'] as const;
  const onCompletes = ['redirect', 'seeOther', 'stream', 'status'] as const;
  const combos = onPendings.flatMap((onPending) => onCompletes.map((onComplete) => ({ onPending, onComplete })));

  test('default options leave the query out', () => {
    const urls = jobUrls(apiBase, id, { onPending: 'ok', onComplete: 'redirect' });
    expect(urls).toEqual({
      status: `${origin}/${routePrefix}/jobs/${id}`,
      monitor: `${origin}/${routePrefix}/jobs/${id}?onComplete=status`,
      cancel: `${origin}/${routePrefix}/jobs/${id}/cancel`,
      purge: `${origin}/${routePrefix}/jobs/${id}`,
    });
    expect(urls.status).not.toContain('?');
    expect(routePrefix).toBe('api');
  });

  test('path parameters are URL-encoded (the typed client builds URLs from ids it is given); the submit URL', () => {
    const urls = jobUrls(apiBase, 'a/b?c#d');
    expect(urls.status).toBe(`${apiBase}/jobs/a%2Fb%3Fc%23d`);
    expect(urls.cancel).toBe(`${apiBase}/jobs/a%2Fb%3Fc%23d/cancel`);
    expect(submitUrl(apiBase, 'csv-report')).toBe(`${origin}/api/jobs/csv-report`);
  });

  test.each(combos)('onPending=$onPending onComplete=$onComplete: non-defaults echoed, monitor always onComplete=status', (options) => {
    const urls = jobUrls(apiBase, id, options);
    const status = new URL(urls.status);
    const expectedQuery: Record<string, string> = {};
    if (options.onPending !== 'ok') expectedQuery.onPending = options.onPending;
    if (options.onComplete !== 'redirect') expectedQuery.onComplete = options.onComplete;
    expect(Object.fromEntries(status.searchParams)).toEqual(expectedQuery);
    expect(status.pathname).toBe(`/api/jobs/${id}`);
    // Echoed options parse back to the same options.
    expect(statusOptionsSchema.parse(Object.fromEntries(status.searchParams))).toEqual(options);

    const monitor = new URL(urls.monitor);
    expect(monitor.pathname).toBe(status.pathname);
    expect(Object.fromEntries(monitor.searchParams)).toEqual({ onComplete: 'status' });
    expect(new URL(urls.cancel).pathname).toBe(`/api/jobs/${id}/cancel`);
    expect(urls.purge).toBe(`${origin}/api/jobs/${id}`);
    for (const u of Object.values(urls)) expect(u.startsWith(`${origin}/`)).toBe(true);
  });
});
