import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { pollUntilDone, submit } from '../support/contractClient';
import { generatedCsv, vegaCsv } from '../support/datasets';
import { startTestHost, type TestHost } from '../support/localHost';
import {
  defaultPollIntervalMs,
  easyAuthHeaders,
  evaluateTemplate,
  inboundRequestLimitMs,
  loadWorkflowDefinition,
  type Replay,
  type ReplayOptions,
  replayWorkflow,
  responseHeader,
  responseJson,
  runHttpAction,
  UnsupportedWorkflowFeature,
  type WorkflowDefinition,
} from '../support/logicApps';
import { expectReportsClose, referenceCsvReport } from '../support/referenceCsvStats';

/**
 * The Logic Apps façade (infra/logic/workflow.definition.json) replayed against the local host:
 * the interpreter in test/support/logicApps.ts runs the definition's HTTP action with the
 * asynchronous pattern as Logic Apps does (202 + Location → wait Retry-After → GET Location, stop
 * at the first non-202, a 3xx fails the action, limit.timeout → TimedOut), then evaluates the
 * Response action that runAfter selects.
 *
 * The façade's limit: the inbound request of a Request trigger must be answered within about
 * 2 minutes (multi-tenant Logic Apps), or its caller gets 504 whatever the workflow does later; the
 * HTTP action gives up at PT100S so that the problem response still goes out in time. Jobs that can
 * take longer must be submitted to the job API directly and polled there.
 */

let host: TestHost;
const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

beforeAll(async () => {
  host = await startTestHost({ JOBS_RETRY_AFTER_SECONDS: '1' });
});
afterAll(async () => {
  await host?.stop();
});

/** Fires the trigger (`POST <callback>/paths/invoke/<type>`) and replays the workflow. */
function replay(
  type: string,
  body: Buffer | string,
  contentType: string | null = 'text/csv',
  opts: ReplayOptions & { definition?: WorkflowDefinition } = {},
): Promise<Replay> {
  const { definition = loadWorkflowDefinition(), ...rest } = opts;
  return replayWorkflow(
    definition,
    { relativePath: type, headers: contentType ? { 'Content-Type': contentType } : {}, body },
    { parameters: { apiBaseUrl: host.baseUrl }, ...rest },
  );
}

/** Asserts the façade's problem response and returns its body. */
function expectProblem(r: Replay, status: number): Record<string, unknown> {
  expect(r.response).toBeDefined();
  expect(r.response!.action).toBe('Respond_with_problem');
  expect(r.actions.Respond_with_result!.status).toBe('Skipped');
  expect(r.response!.status).toBe(status);
  expect(responseHeader(r.response!, 'content-type')).toBe('application/problem+json');
  const problem = responseJson(r.response!) as Record<string, unknown>;
  expect(problem).toMatchObject({ type: 'about:blank', status, instance: r.runName });
  expect(r.callerWouldTimeOut).toBe(false);
  return problem;
}

test("a valid CSV (vega-datasets seattle-weather.csv): 200 with the report, after following the 202's Location as Logic Apps does", async () => {
  const csv = vegaCsv('seattle-weather.csv');
  const r = await replay('csv-report', csv);

  // The HTTP action: POST as the definition says, then GETs of Location while 202, ending on 200.
  const submit = r.actions.Submit_job!;
  expect(submit.status).toBe('Succeeded');
  const [first, ...polls] = submit.exchanges;
  expect(first).toMatchObject({
    method: 'POST',
    kind: 'request',
    url: `${host.baseUrl}/api/jobs/csv-report?onPending=accepted&onComplete=stream`,
    status: 202,
  });
  expect(first!.requestHeaders).toMatchObject({ 'Content-Type': 'text/csv', 'Idempotency-Key': r.runName });
  expect(polls.length).toBeGreaterThan(0);
  const answered202 = submit.exchanges.filter((e) => e.status === 202);
  expect(answered202.length).toBeGreaterThanOrEqual(1);
  for (const e of answered202) {
    expect(e.location).toMatch(
      new RegExp(`^${host.baseUrl.replace(/\./g, '\\.')}/api/jobs/${uuid}\\?onPending=accepted&onComplete=stream$`),
    );
    expect(e.retryAfter).toMatch(/^\d+$/);
  }
  // Every poll is a GET of the Location the previous 202 gave, after its Retry-After.
  submit.exchanges.slice(1).forEach((e, i) => {
    const previous = submit.exchanges[i]!;
    expect(e).toMatchObject({ method: 'GET', kind: 'poll', url: previous.location });
    expect(e.waitedMs).toBe(Number(previous.retryAfter) * 1000);
  });
  expect(submit.exchanges.at(-1)!.status).toBe(200);

  // The façade's answer: 200, the API's Content-Type, the report.
  expect(r.response).toMatchObject({ action: 'Respond_with_result', status: 200 });
  expect(r.actions.Respond_with_problem!.status).toBe('Skipped');
  expect(responseHeader(r.response!, 'content-type')).toBe('application/json');
  const expected = referenceCsvReport(csv.toString('utf8'));
  expect(expected.rows).toBe(1461);
  expectReportsClose(responseJson(r.response!), expected);
  expect(r.callerWouldTimeOut).toBe(false);
  expect(r.respondedAfterMs).toBeLessThan(inboundRequestLimitMs);
});

test("a malformed CSV: the façade answers the problem+json the definition specifies, with the job's 422", async () => {
  const r = await replay('csv-report', 'a,b\n1,2\n3,"unterminated\n');
  const submit = r.actions.Submit_job!;
  expect(submit.status).toBe('Failed');
  expect(submit.code).toBe('UnprocessableEntity');
  // Accepted first (the input is only parsed by the worker), then polled to the job's 422.
  expect(submit.exchanges[0]).toMatchObject({ method: 'POST', status: 202 });
  expect(submit.exchanges.at(-1)).toMatchObject({ method: 'GET', status: 422 });
  const problem = expectProblem(r, 422);
  expect(problem).toMatchObject({
    title: 'Request rejected by the job API',
    detail: 'The job API did not return a successful result.',
    upstreamStatus: 422,
  });
  const upstream = problem.upstream as { status: number; detail: string };
  expect(upstream.status).toBe(422);
  expect(upstream.detail).toMatch(/line|row/i);
});

/**
 * The job must still be unfinished at the action's first polls, whatever the processor's speed: the
 * façade talks to a host whose worker is disabled, and a second host with a worker on the same queue
 * and container starts only after the action has slept twice (so at least one poll saw 202).
 */
test('a job that is still running when polled: the action polls through 202s (Location + integer Retry-After) to the 200', async () => {
  const csv = generatedCsv(256 * 1024, 7);
  const front = await startTestHost({ 'AzureWebJobs.processJob.Disabled': 'true', JOBS_RETRY_AFTER_SECONDS: '1' });
  let worker: TestHost | undefined;
  let sleeps = 0;
  try {
    const r = await replay('csv-report', csv, 'text/csv', {
      parameters: { apiBaseUrl: front.baseUrl },
      sleep: async (ms) => {
        if (++sleeps === 2) worker = await startTestHost({ ...front.settings });
        await new Promise((resolve) => setTimeout(resolve, ms));
      },
    });
    const exchanges = r.actions.Submit_job!.exchanges;
    const pendingPolls = exchanges.filter((e) => e.kind === 'poll' && e.status === 202);
    expect(worker).toBeDefined();
    expect(pendingPolls.length).toBeGreaterThanOrEqual(1);
    for (const e of pendingPolls) {
      expect(e.location).toBe(e.url);
      expect(e.retryAfter).toMatch(/^\d+$/);
      expect(Number(e.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    expect(exchanges.at(-1)).toMatchObject({ method: 'GET', kind: 'poll', status: 200 });
    expect(r.response!.status).toBe(200);
    expectReportsClose(responseJson(r.response!), referenceCsvReport(csv.toString('utf8')));
    expect(r.callerWouldTimeOut).toBe(false);
  } finally {
    await worker?.stop();
    await front.stop();
  }
}, 120_000);

describe('requests the API rejects at once: the façade answers with their status, no polling', () => {
  test.each([
    ['an unknown job type', 404, 'no-such-type', 'a\n1\n', 'text/csv'],
    ['an empty body', 400, 'csv-report', '', 'text/csv'],
    ['a media type the processor does not accept', 415, 'csv-report', '{"a":1}', 'application/json'],
  ] as const)('%s → %d', async (_, status, type, body, contentType) => {
    const r = await replay(type, body, contentType);
    expect(r.actions.Submit_job!.status).toBe('Failed');
    expect(r.actions.Submit_job!.exchanges).toHaveLength(1);
    expect(r.actions.Submit_job!.exchanges[0]).toMatchObject({ method: 'POST', status });
    const problem = expectProblem(r, status);
    expect(problem).toMatchObject({ title: 'Request rejected by the job API', upstreamStatus: status, upstream: { status } });
  });

  test('without a Content-Type the façade sends application/octet-stream (its coalesce default) → 415', async () => {
    const r = await replay('csv-report', 'a\n1\n', null);
    expect(r.actions.Submit_job!.exchanges[0]!.requestHeaders['Content-Type']).toBe('application/octet-stream');
    expectProblem(r, 415);
  });
});

describe('guard: a 302 fails the Logic Apps action, which is why the façade asks for onComplete=stream', () => {
  test('the default status URL (onComplete=redirect) of a finished job fails the action without following the redirect', async () => {
    const accepted = await submit(host.baseUrl, 'csv-report', 'n\n1\n2\n');
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get('location')!;
    expect(location).not.toContain('onComplete');
    const done = await pollUntilDone(location);
    expect(done.final.status).toBe(302);

    const action = await runHttpAction('Get_status', { method: 'GET', uri: location, retryPolicy: { type: 'none' } });
    expect(action.status).toBe('Failed');
    expect(action.outputs!.statusCode).toBe(302);
    expect(action.outputs!.headers.location).toMatch(/sig=/);
    // One request: the SAS URL in Location was not fetched.
    expect(action.exchanges).toHaveLength(1);
  });

  test('the same workflow with onComplete=redirect instead of stream: the job succeeds but the façade answers 502', async () => {
    const definition = loadWorkflowDefinition();
    const http = definition.actions.Submit_job!;
    expect(http.inputs.uri).toContain('onComplete=stream');
    http.inputs.uri = String(http.inputs.uri).replace('onComplete=stream', 'onComplete=redirect');
    const r = await replay('csv-report', 'n\n1\n2\n', 'text/csv', { definition });
    const action = r.actions.Submit_job!;
    expect(action.status).toBe('Failed');
    expect(action.outputs!.statusCode).toBe(302);
    expect(action.exchanges.every((e) => e.url.startsWith(host.baseUrl))).toBe(true);
    const problem = expectProblem(r, 502);
    expect(problem).toMatchObject({ title: 'Bad Gateway', upstreamStatus: 302 });
  });
});

test("the action's authentication goes with every poll: with Easy Auth in front, jobs are owner-scoped and the façade still succeeds", async () => {
  const audiences: unknown[] = [];
  // infra/app/facade.bicep passes the API's app registration client ID as apiAudience.
  const r = await replay('csv-report', 'n\n1\n2\n', 'text/csv', {
    parameters: { apiBaseUrl: host.baseUrl, apiAudience: '11111111-2222-3333-4444-555555555555' },
    authenticate: (auth) => {
      audiences.push(auth.audience);
      return easyAuthHeaders('00000000-0000-4000-8000-00000000fa1a');
    },
  });
  expect(audiences).toEqual(['11111111-2222-3333-4444-555555555555']);
  const exchanges = r.actions.Submit_job!.exchanges;
  expect(exchanges.length).toBeGreaterThan(1);
  for (const e of exchanges) expect(e.requestHeaders['x-ms-client-principal-id']).toBe('00000000-0000-4000-8000-00000000fa1a');
  expect(r.response!.status).toBe(200);
  expect(responseJson(r.response!)).toMatchObject({ rows: 2, columns: [{ name: 'n', sum: 3 }] });
  // Control: without the principal the job is invisible, so the polls above did carry it.
  const anonymous = await fetch(exchanges[0]!.location!);
  expect(anonymous.status).toBe(404);
});

describe('interpreter semantics against a scripted endpoint', () => {
  let server: Server;
  let base: string;
  let script: (req: IncomingMessage, res: ServerResponse, n: number) => void;
  let count = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => script(req, res, count++));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    count = 0;
  });

  /** A fake clock: sleeps return at once and advance `now`. */
  function fakeClock() {
    let t = 1_000_000;
    const sleeps: number[] = [];
    return { sleeps, now: () => t, sleep: (ms: number) => (sleeps.push(ms), (t += ms), Promise.resolve()) };
  }

  test('a 202 without Retry-After is polled after 20 s; a relative Location resolves against the answering URL', async () => {
    script = (_req, res, n) => {
      if (n === 0) res.writeHead(202, { Location: '/status/1' }).end();
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    };
    const clock = fakeClock();
    const action = await runHttpAction('A', { method: 'POST', uri: `${base}/jobs`, body: 'x', retryPolicy: { type: 'none' } }, clock);
    expect(action.status).toBe('Succeeded');
    expect(clock.sleeps).toEqual([defaultPollIntervalMs]);
    expect(action.exchanges[1]).toMatchObject({ method: 'GET', url: `${base}/status/1`, waitedMs: 20_000 });
    expect(action.outputs!.body).toEqual({ ok: true });
  });

  test('limit.timeout ends the action as TimedOut and the façade answers 504 Gateway Timeout', async () => {
    script = (_req, res) => res.writeHead(202, { Location: `${base}/status/1`, 'Retry-After': '30' }).end();
    const clock = fakeClock();
    const definition = loadWorkflowDefinition();
    expect(definition.actions.Submit_job!.limit?.timeout).toBe('PT100S');
    const r = await replayWorkflow(
      definition,
      { relativePath: 'csv-report', headers: { 'Content-Type': 'text/csv' }, body: 'a\n1\n' },
      { parameters: { apiBaseUrl: base }, ...clock },
    );
    expect(r.actions.Submit_job!.status).toBe('TimedOut');
    // Polls at 30, 60, 90 s; the 4th wait is cut at 100 s.
    expect(r.actions.Submit_job!.exchanges).toHaveLength(4);
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(r.response!.status).toBe(504);
    expect(responseJson(r.response!)).toMatchObject({
      title: 'Gateway Timeout',
      status: 504,
      detail: expect.stringMatching(/2 minutes/),
      upstreamStatus: null,
    });
    expect(r.callerWouldTimeOut).toBe(false);
  });

  test('the fixed retry policy resends the POST (same Idempotency-Key) after 5 s on 503, twice at most', async () => {
    script = (_req, res, n) => {
      if (n < 2) res.writeHead(503, { 'Content-Type': 'application/problem+json' }).end('{"status":503}');
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"rows":0}');
    };
    const clock = fakeClock();
    const r = await replayWorkflow(
      loadWorkflowDefinition(),
      { relativePath: 'csv-report', headers: { 'Content-Type': 'text/csv' }, body: 'a\n' },
      { parameters: { apiBaseUrl: base }, ...clock },
    );
    const ex = r.actions.Submit_job!.exchanges;
    expect(ex.map((e) => [e.method, e.kind, e.status, e.waitedMs])).toEqual([
      ['POST', 'request', 503, 0],
      ['POST', 'retry', 503, 5000],
      ['POST', 'retry', 200, 5000],
    ]);
    expect(new Set(ex.map((e) => e.requestHeaders['Idempotency-Key']))).toEqual(new Set([r.runName]));
    expect(r.response!.status).toBe(200);

    script = (_req, res) => res.writeHead(503).end();
    const failed = await replayWorkflow(
      loadWorkflowDefinition(),
      { relativePath: 'csv-report', body: 'a\n' },
      { parameters: { apiBaseUrl: base }, ...fakeClock() },
    );
    expect(failed.actions.Submit_job!.exchanges).toHaveLength(3);
    expect(failed.response!.status).toBe(502);
  });

  test('a 303 (See Other) fails the action too: no redirect of any kind is followed', async () => {
    script = (_req, res) => res.writeHead(303, { Location: `${base}/result` }).end();
    const action = await runHttpAction('A', { method: 'GET', uri: `${base}/status/1`, retryPolicy: { type: 'none' } }, fakeClock());
    expect(action.status).toBe('Failed');
    expect(action.outputs!.statusCode).toBe(303);
    expect(action.exchanges).toHaveLength(1);
    expect(count).toBe(1);
  });
});

describe('the expression subset fails loudly outside what the definition uses', () => {
  test("the definition's own expressions evaluate", () => {
    expect(evaluateTemplate("@{encodeUriComponent('a b/c(1)')}")).toBe('a%20b%2Fc%281%29');
    expect(evaluateTemplate("@if(and(greaterOrEquals(int('422'), 400), less(422, 500)), 'client', 'server')")).toBe('client');
    expect(
      evaluateTemplate("@coalesce(triggerOutputs()?['headers']?['X-Missing'], 'dflt')", {
        triggerOutputs: () => ({ headers: { 'content-type': 'text/csv' } }),
      }),
    ).toBe('dflt');
    expect(
      evaluateTemplate("@triggerOutputs()['headers']['Content-Type']", {
        triggerOutputs: () => ({ headers: { 'content-type': 'text/csv' } }),
      }),
    ).toBe('text/csv');
    expect(evaluateTemplate('@@literal')).toBe('@literal');
  });

  test('unknown functions, dot access and missing properties throw', () => {
    expect(() => evaluateTemplate('@utcNow()')).toThrow(UnsupportedWorkflowFeature);
    expect(() => evaluateTemplate("@{toUpper('x')}")).toThrow(/Unsupported function 'toUpper'/);
    expect(() => evaluateTemplate('@triggerOutputs().headers', { triggerOutputs: () => ({ headers: {} }) })).toThrow(
      UnsupportedWorkflowFeature,
    );
    expect(() => evaluateTemplate("@triggerOutputs()['nope']", { triggerOutputs: () => ({}) })).toThrow(/does not exist/);
  });

  test('a definition using an unimplemented option is refused before anything is sent', async () => {
    for (const alter of [
      (d: WorkflowDefinition) => (d.actions.Submit_job!.operationOptions = 'DisableAsyncPattern'),
      (d: WorkflowDefinition) => (d.actions.Submit_job!.inputs.queries = { a: '1' }),
      (d: WorkflowDefinition) => (d.actions.Respond_with_problem!.inputs.schema = {}),
    ]) {
      const definition = loadWorkflowDefinition();
      alter(definition);
      const sent: string[] = [];
      const spy = jest
        .spyOn(globalThis, 'fetch')
        .mockImplementation(
          (url) => (sent.push(url instanceof Request ? url.url : String(url)), Promise.resolve(new Response(null, { status: 500 }))),
        );
      try {
        await expect(
          replayWorkflow(definition, { relativePath: 'csv-report', body: '' }, { parameters: { apiBaseUrl: 'http://127.0.0.1:9' } }),
        ).rejects.toThrow(UnsupportedWorkflowFeature);
      } finally {
        spy.mockRestore();
      }
      expect(sent).toEqual([]);
    }
  });
});
