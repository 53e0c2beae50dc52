import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

import { extensionProcessorCount, parseTimeSpan, readHostJson } from '../hostJson';
import { decodeBase64MessageText } from '../queueListener';
import { compareRoutes, type CompiledRoute, compileRoute, matchRoute } from '../routes';
import { applyLocalSettings, resolveBindingExpression } from '../settings';

// ------------------------------------------------------------------------------------------------
// Helpers

const tempDirs: string[] = [];

/** A fresh temporary directory (removed after the file's tests). */
function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'local-host-parts-'));
  tempDirs.push(dir);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** The template of the first route (in precedence order) matching `path`, as the local host dispatches. */
function dispatch(templates: string[], path: string): { template: string; params: Record<string, string> } | undefined {
  const routes = templates.map(compileRoute).sort(compareRoutes);
  for (const route of routes) {
    const params = matchRoute(route, path);
    if (params) return { template: route.template, params };
  }
  return undefined;
}

/** Route templates like those of the app in this repository (src/functions). */
const appRoutes = ['jobs/{type}', 'jobs/{id}', 'jobs/{id}/cancel'];

// ------------------------------------------------------------------------------------------------

describe('routes: matchRoute', () => {
  test.each<[string, string, Record<string, string> | undefined]>([
    ['jobs/{type}', 'jobs/csv-report', { type: 'csv-report' }],
    ['jobs/{type}', '/jobs/csv-report/', { type: 'csv-report' }],
    ['jobs/{type}', 'jobs', undefined],
    ['jobs/{type}', 'jobs/a/cancel', undefined],
    ['jobs/{type}', 'other/csv-report', undefined],
    ['jobs/{id}/cancel', 'jobs/123/cancel', { id: '123' }],
    ['jobs/{id}/cancel', 'jobs/123', undefined],
    ['jobs/{id}/cancel', 'jobs/123/cancel/more', undefined],
    ['jobs/{id}/cancel', 'jobs/123/purge', undefined],
    // literals are case-insensitive, parameter values keep their case
    ['jobs/{id}/cancel', 'JOBS/AbC/CaNcEl', { id: 'AbC' }],
    ['Jobs/{id}', 'jobs/x', { id: 'x' }],
    // percent-decoding of values and literals
    ['jobs/{type}', 'jobs/a%20b', { type: 'a b' }],
    ['jobs/{type}', 'jobs/%E2%9C%93', { type: '✓' }],
    ['jobs/{type}', 'jo%62s/x', { type: 'x' }],
    // malformed percent-encoding → no match
    ['jobs/{type}', 'jobs/%zz', undefined],
    ['jobs/{type}', 'jobs/%E2%9C', undefined],
    ['jobs/{type}', 'jobs/100%', undefined],
    ['jobs/{id}/cancel', 'jobs/x/can%ZZcel', undefined],
    // constraints
    ['items/{id:int}', 'items/42', { id: '42' }],
    ['items/{id:int}', 'items/-7', { id: '-7' }],
    ['items/{id:int}', 'items/2147483647', { id: '2147483647' }],
    ['items/{id:int}', 'items/-2147483648', { id: '-2147483648' }],
    ['items/{id:int}', 'items/4.2', undefined],
    ['items/{id:int}', 'items/abc', undefined],
    ['items/{id:int}', 'items/99999999999', undefined],
    ['items/{id:guid}', 'items/0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e', { id: '0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e' }],
    ['items/{id:guid}', 'items/0B6F7D52-3C1E-4A8B-9D2F-5E6A7B8C9D0E', { id: '0B6F7D52-3C1E-4A8B-9D2F-5E6A7B8C9D0E' }],
    ['items/{id:guid}', 'items/0b6f7d523c1e4a8b9d2f5e6a7b8c9d0e', { id: '0b6f7d523c1e4a8b9d2f5e6a7b8c9d0e' }],
    ['items/{id:guid}', 'items/%7B0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e%7D', { id: '{0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e}' }],
    ['items/{id:guid}', 'items/0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0', undefined],
    ['items/{id:guid}', 'items/zb6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e', undefined],
    ['items/{id:guid}', 'items/42', undefined],
    ['items/{flag:bool}', 'items/true', { flag: 'true' }],
    ['items/{flag:bool}', 'items/FALSE', { flag: 'FALSE' }],
    ['items/{flag:bool}', 'items/yes', undefined],
    ['items/{flag:bool}', 'items/1', undefined],
    ['items/{name:alpha}', 'items/Report', { name: 'Report' }],
    ['items/{name:alpha}', 'items/report2', undefined],
    ['items/{name:alpha}', 'items/csv-report', undefined],
    ['items/{n:long}', 'items/9007199254740993', { n: '9007199254740993' }],
    ['items/{n:double}', 'items/1.5e3', { n: '1.5e3' }],
    ['items/{n:double}', 'items/%20', undefined],
    // an optional parameter
    ['items/{id?}', 'items', {}],
    ['items/{id?}', 'items/5', { id: '5' }],
    ['items/{id?}', 'items/5/6', undefined],
    ['items/{id?}', 'other', undefined],
    // a catch-all parameter
    ['files/{*rest}', 'files', { rest: '' }],
    ['files/{*rest}', 'files/a', { rest: 'a' }],
    ['files/{*rest}', 'files/a/b/c.txt', { rest: 'a/b/c.txt' }],
    ['files/{*rest}', 'files/dir%20one/b%2Bc', { rest: 'dir one/b+c' }],
    ['files/{*rest}', 'other/a', undefined],
  ])('%s ~ %s → %j', (template, path, expected) => {
    expect(matchRoute(compileRoute(template), path)).toEqual(expected);
  });

  // Regression (fixed): the int constraint accepts 2147483648: Math.abs(Number(v)) <= 2 ** 31 lets +2^31 through,
  // one past Int32.MaxValue (the bound is right only for the negative side, -2^31).
  // ASP.NET Core's IntRouteConstraint (int.TryParse) rejects it, so the real host answers 404.
  test('constraint: int rejects 2147483648 (Int32 overflow), as ASP.NET Core does', () => {
    expect(matchRoute(compileRoute('items/{id:int}'), 'items/2147483648')).toBeUndefined();
  });

  test('an omitted optional parameter is absent, not empty', () => {
    expect(matchRoute(compileRoute('items/{id?}'), 'items')).not.toHaveProperty('id');
  });

  // Regression (fixed): '{id:int?}' (an optional parameter with a constraint, ASP.NET Core's documented syntax) is
  // refused by compileRoute with "Unsupported route segment": the segment regex expects '?' before
  // ':constraint', i.e. '{id?:int}', which ASP.NET does not accept.
  test('optional constrained parameter {id:int?} compiles and matches', () => {
    const route = compileRoute('items/{id:int?}');
    expect(matchRoute(route, 'items')).toEqual({});
    expect(matchRoute(route, 'items/5')).toEqual({ id: '5' });
    expect(matchRoute(route, 'items/x')).toBeUndefined();
  });

  // Regression (fixed): malformed percent-encoding under a catch-all does not prevent the match: safeDecode fails and
  // the catch-all value silently becomes '' (matchRoute returns { rest: '' }), so 'files/a/%zz' is
  // dispatched as if it were 'files'. Every other segment kind answers "no match" for the same input.
  test('catch-all with malformed percent-encoding → no match', () => {
    expect(matchRoute(compileRoute('files/{*rest}'), 'files/a/%zz')).toBeUndefined();
  });

  test.each(['jobs/{id', 'jobs/x{id}', 'jobs/{id}x', 'jobs/{id=5}', 'jobs/{1abc}', 'jobs/{id:nope}'])(
    'compileRoute(%j) throws',
    (template) => {
      expect(() => compileRoute(template)).toThrow();
    },
  );
});

describe('routes: precedence (compareRoutes)', () => {
  test('a literal segment beats a constrained parameter, which beats a plain one, then optional, then catch-all', () => {
    const templates = ['jobs/{*rest}', 'jobs/{id?}', 'jobs/{id}', 'jobs/{id:guid}', 'jobs/status'];
    const sorted = templates
      .map(compileRoute)
      .sort(compareRoutes)
      .map((r: CompiledRoute) => r.template);
    expect(sorted).toEqual(['jobs/status', 'jobs/{id:guid}', 'jobs/{id}', 'jobs/{id?}', 'jobs/{*rest}']);
    // The order does not depend on the input order.
    const reversed = [...templates]
      .reverse()
      .map(compileRoute)
      .sort(compareRoutes)
      .map((r) => r.template);
    expect(reversed).toEqual(sorted);
  });

  test.each<[string, string | undefined, Record<string, string>]>([
    ['jobs/status', 'jobs/status', {}],
    ['jobs/STATUS', 'jobs/status', {}],
    ['jobs/0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e', 'jobs/{id:guid}', { id: '0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e' }],
    ['jobs/csv-report', 'jobs/{id}', { id: 'csv-report' }],
    ['jobs', 'jobs/{id?}', {}],
    ['jobs/a/b', 'jobs/{*rest}', { rest: 'a/b' }],
  ])('dispatch %s → %s', (path, template, params) => {
    const hit = dispatch(['jobs/{*rest}', 'jobs/{id?}', 'jobs/{id}', 'jobs/{id:guid}', 'jobs/status'], path);
    expect(hit).toEqual({ template, params });
  });

  test.each([
    ['jobs/0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e/cancel', '0b6f7d52-3c1e-4a8b-9d2f-5e6a7b8c9d0e'],
    ['jobs/x/Cancel', 'x'],
  ])("the app's routes: %s → jobs/{id}/cancel with id %s", (path, id) => {
    expect(dispatch(appRoutes, path)).toEqual({ template: 'jobs/{id}/cancel', params: { id } });
  });

  test("the app's routes: a two-segment path goes to a one-parameter route (submit or status, told apart by method)", () => {
    const hit = dispatch(appRoutes, 'jobs/csv-report');
    expect(['jobs/{type}', 'jobs/{id}']).toContain(hit?.template);
    expect(Object.values(hit?.params ?? {})).toEqual(['csv-report']);
  });

  test("the app's routes never match a 3-segment path that is not …/cancel", () => {
    expect(dispatch(appRoutes, 'jobs/x/purge')).toBeUndefined();
  });

  test('a literal beats a parameter at the first segment where they differ, whatever the later segments', () => {
    const literal = compileRoute('jobs/{id}/cancel');
    const param = compileRoute('jobs/{id}/{action}');
    expect(compareRoutes(literal, param)).toBeLessThan(0);
    expect(compareRoutes(param, literal)).toBeGreaterThan(0);
    expect(compareRoutes(literal, compileRoute('JOBS/{other}/CANCEL'))).toBe(0);
    expect(dispatch(['jobs/{id}/{action}', 'jobs/{id}/cancel'], 'jobs/1/cancel')?.template).toBe('jobs/{id}/cancel');
    expect(dispatch(['jobs/{id}/{action}', 'jobs/{id}/cancel'], 'jobs/1/retry')).toEqual({
      template: 'jobs/{id}/{action}',
      params: { id: '1', action: 'retry' },
    });
  });
});

describe('parseTimeSpan', () => {
  test.each([
    ['00:00:10', 10_000],
    ['00:00:00', 0],
    ['00:30:00', 30 * 60_000],
    ['01:00:00', 3_600_000],
    ['1:00:00', 3_600_000],
    ['00:00:02', 2000],
    ['00:00:00.5', 500],
    ['00:00:01.250', 1250],
    ['00:00:00.1234567', 123],
    ['1.02:03:04.5', ((1 * 24 + 2) * 60 + 3) * 60_000 + 4500], // 93 784 500
    ['10.00:00:00', 10 * 86_400_000],
    [' 00:00:10 ', 10_000],
    // .NET TimeSpan.Parse forms the Functions host accepts too (checked against .NET by test/conformance)
    ['10', 10 * 86_400_000],
    ['00:10', 10 * 60_000],
    ['1.02:03', (26 * 60 + 3) * 60_000],
    ['1:02:03:04', 93_784_000],
    ['00:00:1', 1000],
    ['00:0:10', 10_000],
    ['-00:00:01', -1000],
    ['-1', -86_400_000],
    ['24:00:00', 24 * 86_400_000], // hh > 23: read as d:hh:mm
    ['24:23:59', (24 * 24 + 23) * 3_600_000 + 59 * 60_000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  test('the compound example in full', () => {
    expect(parseTimeSpan('1.02:03:04.5')).toBe(93_784_500);
  });

  test.each([
    '',
    'abc',
    '+00:00:01',
    '1.',
    '00:00:60',
    '00:60:00',
    '24:30:00',
    '24:00:00.5',
    '1.24:00:00',
    '24:00',
    '00:00:10.',
    '00:00:10.12345678',
    'PT10S',
    '1.2.03:04:05',
    '00:00:10ms',
    '00:00:00,5',
  ])('%j throws', (text) => {
    expect(() => parseTimeSpan(text)).toThrow(/Invalid TimeSpan/);
  });
});

describe('readHostJson', () => {
  test('defaults when extensions.queues (and the http route prefix, and functionTimeout) are absent', () => {
    const dir = tempDir({ 'host.json': JSON.stringify({ version: '2.0' }) });
    const host = readHostJson(dir);
    expect(host).toEqual({
      routePrefix: 'api',
      queues: {
        batchSize: 16,
        newBatchThreshold: 8 * availableParallelism(),
        maxDequeueCount: 5,
        visibilityTimeoutMs: 0,
        maxPollingIntervalMs: 60_000,
        messageEncoding: 'base64',
      },
    });
    expect(host).not.toHaveProperty('functionTimeoutMs');
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'odd batchSize: threshold rounds down, times the processor count',
      { batchSize: 5 },
      { batchSize: 5, newBatchThreshold: 2 * availableParallelism() },
    ],
    ['explicit threshold wins', { batchSize: 8, newBatchThreshold: 1 }, { batchSize: 8, newBatchThreshold: 1 }],
    [
      'numeric strings, as the configuration binder takes them',
      { batchSize: '4', maxDequeueCount: '2' },
      { batchSize: 4, maxDequeueCount: 2 },
    ],
    ['messageEncoding None', { messageEncoding: 'None' }, { messageEncoding: 'none' }],
    ['maxPollingInterval of exactly 100 ms', { maxPollingInterval: '00:00:00.100' }, { maxPollingIntervalMs: 100 }],
    ['visibilityTimeout', { visibilityTimeout: '00:01:00' }, { visibilityTimeoutMs: 60_000 }],
    ['maxDequeueCount', { maxDequeueCount: 2 }, { maxDequeueCount: 2 }],
  ])('queues: %s', (_what, queues, expected) => {
    const dir = tempDir({ 'host.json': JSON.stringify({ version: '2.0', extensions: { queues } }) });
    expect(readHostJson(dir).queues).toMatchObject(expected);
  });

  test('default newBatchThreshold: batchSize/2 on Consumption (WEBSITE_SKU=Dynamic), times the processor count elsewhere', () => {
    const dir = tempDir({ 'host.json': JSON.stringify({ version: '2.0', extensions: { queues: { batchSize: 8 } } }) });
    expect(readHostJson(dir, { WEBSITE_SKU: 'Dynamic' }).queues.newBatchThreshold).toBe(4);
    expect(readHostJson(dir, { WEBSITE_SKU: 'ElasticPremium' }).queues.newBatchThreshold).toBe(4 * availableParallelism());
    expect(extensionProcessorCount({ WEBSITE_SKU: 'dynamic' })).toBe(1);
  });

  test.each<[string, Record<string, unknown>]>([
    ['batchSize above 32', { batchSize: 64 }],
    ['batchSize 0', { batchSize: 0 }],
    ['batchSize not an integer', { batchSize: 'many' }],
    ['negative newBatchThreshold', { newBatchThreshold: -1 }],
    ['maxDequeueCount 0', { maxDequeueCount: 0 }],
    ['maxPollingInterval under 100 ms', { maxPollingInterval: '00:00:00.050' }],
    ['an empty TimeSpan', { visibilityTimeout: '' }],
  ])('queues: %s is refused, as the extension refuses it', (_what, queues) => {
    const dir = tempDir({ 'host.json': JSON.stringify({ version: '2.0', extensions: { queues } }) });
    expect(() => readHostJson(dir)).toThrow();
  });

  test.each([
    ['/custom/', 'custom'],
    ['', ''],
    ['v1/api', 'v1/api'],
  ])('routePrefix %j → %j', (prefix, expected) => {
    const dir = tempDir({ 'host.json': JSON.stringify({ extensions: { http: { routePrefix: prefix } } }) });
    expect(readHostJson(dir).routePrefix).toBe(expected);
  });

  test('invalid messageEncoding and invalid TimeSpans throw', () => {
    expect(() => readHostJson(tempDir({ 'host.json': JSON.stringify({ extensions: { queues: { messageEncoding: 'utf8' } } }) }))).toThrow(
      /messageEncoding/,
    );
    expect(() => readHostJson(tempDir({ 'host.json': JSON.stringify({ extensions: { queues: { visibilityTimeout: '10s' } } }) }))).toThrow(
      /TimeSpan/,
    );
    expect(() => readHostJson(tempDir({ 'host.json': JSON.stringify({ functionTimeout: 'forever' }) }))).toThrow(/TimeSpan/);
  });

  test('a missing or unparsable host.json throws', () => {
    expect(() => readHostJson(tempDir())).toThrow();
    expect(() => readHostJson(tempDir({ 'host.json': '{ not json' }))).toThrow();
  });

  // Regression (fixed): host.json documents functionTimeout "-1" as "unbounded" (Premium/Dedicated plans), but
  // readHostJson passes it to parseTimeSpan, which throws "Invalid TimeSpan '-1'", so the local host
  // refuses to start with a host.json the real Functions host accepts.
  test('functionTimeout "-1" (unbounded) is accepted', () => {
    const dir = tempDir({ 'host.json': JSON.stringify({ version: '2.0', functionTimeout: '-1' }) });
    expect(() => readHostJson(dir)).not.toThrow();
  });
});

describe('applyLocalSettings', () => {
  const example = {
    IsEncrypted: false,
    Values: {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      JOBS_QUEUE_NAME: 'jobs',
      JOBS_RETENTION_DAYS: '7',
    },
    Host: { LocalHttpPort: 7071, CORS: '*' },
  };

  test('creates local.settings.json from the example when missing, then applies its Values', () => {
    const dir = tempDir({ 'local.settings.example.json': JSON.stringify(example, null, 2) });
    const env: NodeJS.ProcessEnv = {};
    const settings = applyLocalSettings(dir, env);
    const file = join(dir, 'local.settings.json');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(join(dir, 'local.settings.example.json'), 'utf8'));
    expect(settings.Values).toEqual(example.Values);
    expect(settings.Host).toEqual(example.Host);
    expect(settings).not.toHaveProperty('IsEncrypted');
    expect(env).toEqual(example.Values);
  });

  test('does not override variables already in the environment', () => {
    const dir = tempDir({ 'local.settings.example.json': JSON.stringify(example) });
    const env: NodeJS.ProcessEnv = { JOBS_QUEUE_NAME: 'from-env', UNRELATED: 'kept' };
    applyLocalSettings(dir, env);
    expect(env).toEqual({ ...example.Values, JOBS_QUEUE_NAME: 'from-env', UNRELATED: 'kept' });
  });

  test('an existing local.settings.json is used as is, never overwritten by the example', () => {
    const own = { Values: { JOBS_QUEUE_NAME: 'mine', JOBS_RETRY_AFTER_SECONDS: 5 }, Host: { LocalHttpPort: 8080 }, IsEncrypted: true };
    const dir = tempDir({ 'local.settings.example.json': JSON.stringify(example), 'local.settings.json': JSON.stringify(own) });
    const before = readFileSync(join(dir, 'local.settings.json'), 'utf8');
    const env: NodeJS.ProcessEnv = {};
    const settings = applyLocalSettings(dir, env);
    expect(readFileSync(join(dir, 'local.settings.json'), 'utf8')).toBe(before);
    expect(settings.Host).toEqual({ LocalHttpPort: 8080 });
    expect(settings.IsEncrypted).toBe(true);
    // Non-string values become strings, as environment variables must be.
    expect(env).toEqual({ JOBS_QUEUE_NAME: 'mine', JOBS_RETRY_AFTER_SECONDS: '5' });
  });

  test('neither file: empty settings, environment untouched, nothing created', () => {
    const dir = tempDir();
    const env: NodeJS.ProcessEnv = { A: '1' };
    expect(applyLocalSettings(dir, env)).toEqual({ Values: {}, Host: {} });
    expect(env).toEqual({ A: '1' });
    expect(existsSync(join(dir, 'local.settings.json'))).toBe(false);
  });

  test('a local.settings.json without Values or Host gives empty sections', () => {
    const dir = tempDir({ 'local.settings.json': '{}' });
    expect(applyLocalSettings(dir, {})).toEqual({ Values: {}, Host: {} });
  });

  test('invalid JSON throws', () => {
    const dir = tempDir({ 'local.settings.json': '{ "Values": ' });
    expect(() => applyLocalSettings(dir, {})).toThrow();
  });
});

describe('resolveBindingExpression', () => {
  const env: NodeJS.ProcessEnv = { JOBS_QUEUE_NAME: 'jobs', REGION: 'weu', EMPTY: '' };

  test.each([
    ['%JOBS_QUEUE_NAME%', 'jobs'],
    ['%JOBS_QUEUE_NAME%-poison', 'jobs-poison'],
    ['%REGION%-%JOBS_QUEUE_NAME%', 'weu-jobs'],
    ['plain-name', 'plain-name'],
    ['', ''],
    ['100%', '100%'],
  ])('%j → %j', (expression, expected) => {
    expect(resolveBindingExpression(expression, env)).toBe(expected);
  });

  test.each([['%MISSING%'], ['prefix-%MISSING%'], ['%EMPTY%']])('%j throws naming the setting', (expression) => {
    const name = /%([^%]+)%/.exec(expression)?.[1] ?? '';
    expect(() => resolveBindingExpression(expression, env)).toThrow(new RegExp(`'${name}'`));
  });

  test('the resolved value is not re-expanded', () => {
    expect(resolveBindingExpression('%A%', { A: '%B%', B: 'nested' })).toBe('%B%');
  });
});

describe('decodeBase64MessageText (messageEncoding base64, as .NET Convert.FromBase64String)', () => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  test('decodes padded base64 as UTF-8', () => {
    expect(decodeBase64MessageText(b64('{"a":1}'))).toBe('{"a":1}');
    expect(decodeBase64MessageText(b64('héllo ✓'))).toBe('héllo ✓');
    expect(decodeBase64MessageText('')).toBe('');
  });
  test('skips space, tab, CR and LF anywhere (the real extension delivers such a message)', () => {
    const t = b64('{"tag":"whitespace"}');
    expect(decodeBase64MessageText(`${t.slice(0, 8)} ${t.slice(8, 16)}\n${t.slice(16)}`)).toBe('{"tag":"whitespace"}');
    expect(decodeBase64MessageText(`\t${t}\r\n`)).toBe('{"tag":"whitespace"}');
  });
  test('refuses text that .NET refuses: missing padding, other characters, padding inside', () => {
    expect(decodeBase64MessageText(b64('{"tag":"no-padding"}').replace(/=+$/, ''))).toBeUndefined();
    expect(decodeBase64MessageText('this is not base64!')).toBeUndefined();
    expect(decodeBase64MessageText('YQ==YQ==')).toBeUndefined();
    expect(decodeBase64MessageText('YWJj\u00a0')).toBeUndefined();
  });
});
