import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { pollUntilDone, submit } from '../support/contractClient';
import { generatedCsv, vegaCsv } from '../support/datasets';
import { startTestHost, type TestHost } from '../support/localHost';
import { expectReportsClose, referenceCsvReport } from '../support/referenceCsvStats';

/**
 * End to end: the `npm start` host (separate process) on Azurite. Each job is submitted, polled
 * exactly as docs/api.md says (Retry-After honoured, redirects not followed), and its result fetched
 * from the SAS URL with plain fetch, then checked against figures computed independently.
 */
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ JOBS_RETRY_AFTER_SECONDS: '1', JOBS_PROGRESS_INTERVAL_MS: '200' });
});
afterAll(async () => {
  await host?.stop();
});

/** Submits, checks the 202 per contract, polls to completion, follows the 302 and returns the report. */
async function runJob(body: Buffer, query = '', contentType = 'text/csv') {
  const accepted = await submit(host.baseUrl, 'csv-report', body, contentType, query);
  expect(accepted.status).toBe(202);
  const location = accepted.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^${host.baseUrl.replace('127.0.0.1', '(127\\.0\\.0\\.1|localhost)')}/api/jobs/[0-9a-f-]{36}$`));
  expect(accepted.headers.get('operation-location')).toBe(`${location}?onComplete=status`);
  expect(accepted.headers.get('retry-after')).toBe('1');
  const doc = (await accepted.json()) as Record<string, unknown>;
  expect(doc).toMatchObject({
    status: 'NotStarted',
    runtimeStatus: 'Pending',
    type: 'csv-report',
    statusQueryGetUri: location,
    percentComplete: 0,
  });
  expect(location.endsWith(String(doc.id))).toBe(true);

  const outcome = await pollUntilDone(location);
  expect(outcome.final.status).toBe(302);
  const sasUrl = outcome.final.headers.get('location')!;
  expect(sasUrl).toContain(`/${host.settings.JOBS_CONTAINER_NAME}/${String(doc.id)}/result-`);
  expect(new URL(sasUrl).searchParams.get('sp')).toBe('r');
  const result = await fetch(sasUrl);
  expect(result.status).toBe(200);
  expect(result.headers.get('content-type')).toBe('application/json');
  return { report: await result.json(), outcome, location };
}

test('a public dataset (vega-datasets seattle-weather.csv) goes through the whole pipeline', async () => {
  const csv = vegaCsv('seattle-weather.csv');
  const { report } = await runJob(csv);
  const expected = referenceCsvReport(csv.toString('utf8'));
  expect(expected.rows).toBe(1461);
  expectReportsClose(report, expected);
  expect((report as { columns: { name: string; type: string }[] }).columns.map((c) => c.type)).toEqual([
    'date',
    'number',
    'number',
    'number',
    'number',
    'string',
  ]);
});

test('a dataset with many string columns and spaces in names (vega-datasets birdstrikes.csv)', async () => {
  const csv = vegaCsv('birdstrikes.csv');
  const { report } = await runJob(csv);
  expectReportsClose(report, referenceCsvReport(csv.toString('utf8')));
});

test('edge cases: BOM, CRLF, quoted newlines, doubled quotes, missing values', async () => {
  const csv = Buffer.from(
    '\uFEFFcity,"pop, 2020",note,flag\r\n' +
      '"New\r\nYork",8336817,"said ""hi""",true\r\n' +
      'Paris,NA,,FALSE\r\n' +
      'Oslo, 709037 ,N/A,true\r\n' +
      '"Zürich",421878,"multi\nline",NULL\r\n',
    'utf8',
  );
  const { report } = await runJob(csv);
  const expected = referenceCsvReport(csv.toString('utf8'));
  expectReportsClose(report, expected);
  const cols = (report as { columns: { name: string; type: string; missing: number }[] }).columns;
  expect(cols.map((c) => [c.name, c.type, c.missing])).toEqual([
    ['city', 'string', 0],
    ['pop, 2020', 'integer', 1],
    ['note', 'string', 2],
    ['flag', 'boolean', 1],
  ]);
});

test('options in the query string: delimiter and header=false', async () => {
  const csv = Buffer.from('1;2.5;x\n2;3.5;y\n3;;z\n', 'utf8');
  const { report, location } = await runJob(csv, 'delimiter=%3B&header=false');
  expect(location).not.toContain('delimiter');
  expectReportsClose(report, referenceCsvReport(csv.toString('utf8'), { delimiter: ';', header: false }));
});

test('a 20 MB file streams through with progress reported while it runs', async () => {
  const csv = generatedCsv(20 * 1024 * 1024);
  expect(csv.length).toBeGreaterThanOrEqual(20 * 1024 * 1024);
  const { report, outcome } = await runJob(csv);
  expectReportsClose(report, referenceCsvReport(csv.toString('utf8')));
  const pending = outcome.polls.filter((p) => p.retryAfter !== undefined);
  expect(pending.length).toBeGreaterThan(0);
  for (const p of pending) {
    expect(p.status).toBe(200);
    expect(p.retryAfter).toBeGreaterThanOrEqual(1);
  }
  const percents = pending.map((p) => (p.body as { percentComplete: number }).percentComplete);
  expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  const running = pending
    .map((p) => p.body as { status: string; progress: Record<string, number> })
    .filter((b) => b.status === 'Running' && b.progress.bytesRead);
  for (const b of running) {
    expect(b.progress.bytesRead).toBeLessThanOrEqual(csv.length);
    expect(b.progress.rows).toBeGreaterThanOrEqual(0);
  }
}, 180_000);

test('a malformed CSV fails the job; the status URL answers 422 problem+json with row and column', async () => {
  const accepted = await submit(host.baseUrl, 'csv-report', 'a,b\n1,2\n3,"unterminated\n');
  expect(accepted.status).toBe(202);
  const { final } = await pollUntilDone(accepted.headers.get('location')!);
  expect(final.status).toBe(422);
  expect(final.headers.get('content-type')).toBe('application/problem+json');
  const problem = (await final.json()) as { status: number; detail: string; title: string };
  expect(problem.status).toBe(422);
  expect(problem.detail).toMatch(/line|row/i);
  expect(JSON.stringify(problem)).not.toMatch(/at .*\.js:\d+/);
});

test('curl -L on Location prints the report, as in the README', async () => {
  const accepted = await submit(host.baseUrl, 'csv-report', 'n\n1\n2\n');
  const location = accepted.headers.get('location')!;
  await pollUntilDone(location);
  const { stdout } = await promisify(execFile)('curl', ['-sS', '-L', '--fail', location]);
  expect(JSON.parse(stdout)).toMatchObject({ rows: 2, columns: [{ name: 'n', type: 'integer', sum: 3 }] });
});

describe('request errors are problem details and store nothing', () => {
  test('400 for invalid options, with field-level issues', async () => {
    const res = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', 'delimiter=%3B%3B&header=maybe&bogus=1');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as { errors: { path: string }[] };
    const paths = body.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['query.delimiter', 'query.header']));
    expect(paths.some((p) => p.includes('bogus') || p === 'query')).toBe(true);
  });

  test('400 for an invalid status option', async () => {
    const res = await submit(host.baseUrl, 'csv-report', 'a\n1\n', 'text/csv', 'onComplete=teleport');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('query.onComplete');
  });

  test('404 for an unknown job type', async () => {
    const res = await submit(host.baseUrl, 'no-such-type', 'a\n1\n');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  test('415 for a media type the processor does not accept', async () => {
    const res = await submit(host.baseUrl, 'csv-report', '{"a":1}', 'application/json');
    expect(res.status).toBe(415);
    expect(((await res.json()) as { accepted: string[] }).accepted).toEqual(['text/csv']);
  });

  test('400 for an empty body', async () => {
    const res = await submit(host.baseUrl, 'csv-report', '');
    expect(res.status).toBe(400);
  });

  test('404 for unknown and malformed job ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '..%2F..%2Fetc']) {
      const res = await fetch(`${host.baseUrl}/api/jobs/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('size limit', () => {
  let small: TestHost;
  beforeAll(async () => {
    small = await startTestHost({ JOBS_MAX_INPUT_BYTES: '1000' });
  });
  afterAll(async () => {
    await small?.stop();
  });

  test('413 when Content-Length is over the limit', async () => {
    const res = await submit(small.baseUrl, 'csv-report', Buffer.alloc(5000, 'a'));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { maxBytes: number }).maxBytes).toBe(1000);
  });

  test('413 while streaming a chunked body with no Content-Length, and no job is left behind', async () => {
    const chunks = [Buffer.from('a\n'), Buffer.alloc(600, '1\n'), Buffer.alloc(600, '2\n')];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const res = await submit(small.baseUrl, 'csv-report', stream);
    expect(res.status).toBe(413);
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const container = BlobServiceClient.fromConnectionString(small.settings.AzureWebJobsStorage!).getContainerClient(
      small.settings.JOBS_CONTAINER_NAME!,
    );
    const names: string[] = [];
    for await (const b of container.listBlobsFlat()) names.push(b.name);
    expect(names).toEqual([]);
  });
});
