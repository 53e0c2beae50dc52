import http from 'node:http';

import * as fc from 'fast-check';

import { waitFor } from './waitFor';

/**
 * Arbitraries and a small HTTP client for the property-based fuzz tests (`test/fuzz`): random
 * requests against every endpoint of the local host, and raw queue messages.
 *
 * Free-form strings never contain the patterns the tests look for in responses (stack-trace
 * shapes, storage credential names), because several error messages legitimately echo the
 * offending input (`Unknown job type '…'`, `Unrecognized key: "…"`).
 */

// ---------------------------------------------------------------------------------------------
// What must never appear in a response
// ---------------------------------------------------------------------------------------------

/** Shapes of a stack trace or of storage credentials; none may appear in any response. */
export const leakPatterns: { name: string; pattern: RegExp }[] = [
  { name: 'stack frame', pattern: /\n\s+at\s/ },
  { name: 'source position', pattern: /\.js:\d+/ },
  { name: 'AccountKey', pattern: /AccountKey/i },
  { name: 'DefaultEndpointsProtocol', pattern: /DefaultEndpointsProtocol/i },
  { name: 'SharedKey', pattern: /SharedKey/i },
];

/** True when `text` contains one of {@link leakPatterns} (used to keep generated input clean). */
export function looksLikeLeak(text: string): boolean {
  return leakPatterns.some((p) => p.pattern.test(text));
}

/** The account key of a storage connection string (`AccountKey=...`), when it has one. */
export function accountKeyOf(connectionString: string): string | undefined {
  return /(?:^|;)\s*AccountKey=([^;]+)/i.exec(connectionString)?.[1];
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

const clean = (arb: fc.Arbitrary<string>) => arb.filter((s) => !looksLikeLeak(s));

/** Any Unicode text (full range, including astral planes and control characters). */
export const anyText = (maxLength = 40) => clean(fc.string({ unit: 'grapheme', maxLength }));
/** Printable ASCII. */
export const asciiText = (maxLength = 40) => clean(fc.string({ unit: 'grapheme-ascii', maxLength }));
/** An HTTP token (method, header name): RFC 9110 `tchar`s. */
export const token = (minLength = 1, maxLength = 12) =>
  fc.string({
    unit: fc.constantFrom(...`!#$%&'*+-.^_\`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ`),
    minLength,
    maxLength,
  });

/**
 * A header value as bytes on the wire (a latin1 string: each char is one byte): visible ASCII,
 * obs-text bytes (0x80–0xFF) and UTF-8 encoded Unicode. Never CR, LF or NUL, no leading or trailing
 * whitespace (clients refuse those).
 */
export const headerValue = (maxLength = 60): fc.Arbitrary<string> =>
  fc
    .oneof(
      asciiText(maxLength),
      anyText(maxLength).map(utf8AsLatin1),
      fc.string({
        unit: fc
          .integer({ min: 0x20, max: 0xff })
          .filter((c) => c !== 0x7f)
          .map((c) => String.fromCharCode(c)),
        maxLength,
      }),
    )
    // eslint-disable-next-line no-control-regex -- strips the control characters a header value cannot hold
    .map((v) => v.replace(/[\x00-\x1f\x7f]/g, '').trim())
    .filter((v) => !looksLikeLeak(v));

/** A string whose chars are the UTF-8 bytes of `s` (how a UTF-8 header value travels). */
export function utf8AsLatin1(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** Lone surrogates replaced by U+FFFD (they cannot be UTF-8 encoded). */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** `encodeURIComponent` that accepts any string (lone surrogates become U+FFFD). */
export function encodeComponent(s: string): string {
  return encodeURIComponent(wellFormed(s));
}

/** Percent-encodes what is not allowed raw in a request target, leaving `%` (valid or stray) alone. */
export function encodeTargetChars(s: string): string {
  return Array.from(wellFormed(s))
    .map((ch) => (/^[!$&'()*+,;=:@\-._~A-Za-z0-9/?%]$/.test(ch) ? ch : encodeURIComponent(ch)))
    .join('');
}

// ---------------------------------------------------------------------------------------------
// Request pieces
// ---------------------------------------------------------------------------------------------

export const standardMethods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
/** Methods `fetch` refuses to send. */
export const fetchForbiddenMethods = ['CONNECT', 'TRACE', 'TRACK'] as const;

/** A method: mostly the standard ones (POST and GET weighted up), sometimes odd or random tokens. */
export const methodArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('POST', 'GET', 'DELETE') },
  { weight: 3, arbitrary: fc.constantFrom(...standardMethods) },
  { weight: 1, arbitrary: fc.constantFrom(...fetchForbiddenMethods, 'post', 'Get', 'PROPFIND', 'MKCOL', 'QUERY', 'PURGE') },
  { weight: 1, arbitrary: token(1, 10) },
);

/** One path segment as it appears in the request target (already percent-encoded where needed). */
export function segmentArb(knownIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('jobs', 'csv-report', 'cancel') },
    { weight: 3, arbitrary: fc.uuid({ version: 4 }) },
    { weight: knownIds.length ? 3 : 0, arbitrary: knownIds.length ? fc.constantFrom(...knownIds) : fc.constant('jobs') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2F',
        'a%2Fb',
        '%00',
        '%',
        '%zz',
        '%C0%AF',
        '%FF%FE',
        'openapi.json',
        'CSV-REPORT',
        'JOBS',
        'csv%2Dreport',
        '__proto__',
        'constructor',
        'toString',
        '{id}',
        '*',
      ),
    },
    { weight: 2, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
    {
      weight: 2,
      arbitrary: anyText(30)
        .filter((s) => s.length > 0)
        .map(encodeComponent),
    },
    { weight: 1, arbitrary: fc.webSegment() },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 256, max: 3000 })
        .chain((n) => fc.constantFrom('a', 'é', '0', '%41').map((c) => c.repeat(Math.ceil(n / c.length))))
        .map(encodeTargetChars),
    },
  );
}

/** A path under `/api/`: mostly the shapes the routes use, with random segments mixed in. */
export function pathArb(knownIds: readonly string[]): fc.Arbitrary<string> {
  const seg = segmentArb(knownIds);
  const id = fc.oneof(fc.uuid({ version: 4 }), knownIds.length ? fc.constantFrom(...knownIds) : fc.uuid({ version: 4 }), seg);
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constant(['jobs', 'csv-report']) },
      { weight: 3, arbitrary: id.map((i) => ['jobs', i]) },
      { weight: 2, arbitrary: id.map((i) => ['jobs', i, 'cancel']) },
      { weight: 1, arbitrary: fc.constant(['openapi.json']) },
      { weight: 3, arbitrary: fc.array(seg, { minLength: 0, maxLength: 5 }) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('jobs'), seg).map((s) => [...s]) },
    )
    .chain((segs) => fc.constantFrom('', '/', '//').map((trailing) => `/api/${segs.join('/')}${trailing === '' ? '' : trailing}`));
}

/** A query string (without `?`): status and processor options with valid and invalid values, repeats. */
export const queryArb: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('onPending', 'onComplete', 'delimiter', 'header') },
        { weight: 1, arbitrary: fc.constantFrom('ONCOMPLETE', 'onpending', '__proto__', 'constructor', '', 'code', 'sig', 'x[]', 'a.b') },
        { weight: 1, arbitrary: anyText(12) },
      ),
      fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            'ok',
            'accepted',
            'redirect',
            'seeOther',
            'stream',
            'status',
            'true',
            'false',
            ',',
            ';',
            'tab',
            '\\t',
            '|',
            '\t',
          ),
        },
        {
          weight: 1,
          arbitrary: fc.constantFrom('', '"', '\r', '\n', '\r\n', '\0', 'TRUE', 'Redirect', 'ab', '😀', 'é', '\u2028', '\ud800', '%zz'),
        },
        { weight: 1, arbitrary: anyText(20) },
      ),
      fc.boolean(), // percent-encode properly, or send as is (stray % and raw unicode included)
    ),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(([k, v, encode]) =>
        encode ? `${encodeComponent(k)}=${encodeComponent(v)}` : encodeTargetChars(`${k.replace(/[&#]/g, '')}=${v.replace(/[&#]/g, '')}`),
      )
      .join('&'),
  );

/** The JSON of an App Service / Static Web Apps client principal, well-formed or not. */
const principalJsonArb: fc.Arbitrary<unknown> = fc.oneof(
  // Static Web Apps shape: identityProvider + userId (of any JSON type)
  fc.record(
    {
      identityProvider: fc.oneof(fc.constant('aad'), asciiText(10), fc.integer()),
      userId: fc.oneof(
        fc.constant('user-1'),
        asciiText(20),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(asciiText(5), { maxLength: 2 }),
        fc.dictionary(asciiText(5), asciiText(5), { maxKeys: 2 }),
      ),
      userDetails: asciiText(20),
      userRoles: fc.array(asciiText(8), { maxLength: 3 }),
    },
    { requiredKeys: ['identityProvider'] },
  ),
  // App Service shape (the id travels in x-ms-client-principal-id)
  fc.record(
    {
      auth_typ: fc.constantFrom('aad', 'google', ''),
      claims: fc.array(fc.record({ typ: asciiText(10), val: asciiText(10) }), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** `x-ms-client-principal` and friends: base64 JSON (with or without an id), random base64, non-base64. */
export const principalHeadersArb: fc.Arbitrary<[string, string][]> = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: principalJsonArb.map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8').toString('base64')) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64')) },
      { weight: 1, arbitrary: headerValue(40) },
      { weight: 1, arbitrary: fc.constantFrom('', '=', '!!!', 'e30', 'bnVsbA==', 'W10=', 'IiI=') },
    ),
    fc.option(fc.oneof(fc.constant('user-1'), headerValue(30)), { nil: undefined }),
    fc.option(headerValue(30), { nil: undefined }),
    fc.option(fc.constantFrom('aad', 'github', ''), { nil: undefined }),
  )
  .map(([principal, id, name, idp]) => {
    const h: [string, string][] = [['x-ms-client-principal', principal]];
    if (id !== undefined) h.push(['x-ms-client-principal-id', id]);
    if (name !== undefined) h.push(['x-ms-client-principal-name', name]);
    if (idp !== undefined) h.push(['x-ms-client-principal-idp', idp]);
    return h;
  });

const contentTypeArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'text/csv',
      'text/csv; charset=utf-8',
      'TEXT/CSV',
      ' text/csv ; header=present',
      'text/csv;charset="latin1"',
      'text/csv; boundary=x; q=0.1',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json',
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=abc',
      'application/x-www-form-urlencoded',
      '*/*',
      'text/*',
      'text/csv/extra',
      ';text/csv',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant('text/csv'), headerValue(40)).map(([t, p]) => `${t}; ${p}`) },
  { weight: 1, arbitrary: headerValue(40) },
);

const idempotencyKeyArb = fc.oneof(
  fc.constantFrom('', 'k', 'fuzz-key-1', 'fuzz-key-2'),
  fc.constantFrom(255, 256, 300, 2000).map((n) => 'k'.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => 'x'.repeat(n)),
  anyText(130).map(utf8AsLatin1),
  headerValue(60),
);

const preferArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'wait=-1',
      'wait=0',
      'wait=abc',
      'wait=',
      'wait',
      'wait=1.5',
      'wait=1e3',
      'wait=0x10',
      'respond-async',
      'return=minimal',
      'WAIT=x',
      'wait=-99999999999',
      'handling=strict, wait=nope',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('wait=1', 'wait=2', 'respond-async, wait=2', 'wait="1"', 'wait=2;foo=bar', 'Wait = 1') },
  { weight: 1, arbitrary: fc.constantFrom('wait=31', 'wait=99999', 'wait=999999999', 'wait=99999999999999999999') },
  { weight: 1, arbitrary: headerValue(40) },
);

const hostishArb = fc.oneof(
  fc.constantFrom(
    'api.contoso.example',
    'example.com:8443',
    '[::1]:7071',
    'a:99999',
    '...',
    '-',
    'evil.example,good.example',
    'x y',
    'a/b',
    'a@b',
    '',
  ),
  fc.domain(),
  headerValue(40),
);

/** Optional request headers, as ordered (name, value) pairs; names may repeat. */
export const headersArb: fc.Arbitrary<[string, string][]> = fc
  .record(
    {
      contentType: contentTypeArb,
      idempotencyKey: idempotencyKeyArb,
      prefer: preferArb,
      forwardedHost: hostishArb,
      forwardedProto: fc.oneof(fc.constantFrom('https', 'http', 'HTTPS', 'ftp', 'https, http', ''), headerValue(10)),
      forwardedFor: fc.oneof(fc.ipV4(), headerValue(30)),
      principal: principalHeadersArb,
      cors: fc.tuple(
        fc.oneof(fc.constant('http://app.example'), headerValue(30)),
        fc.option(fc.constantFrom('POST', 'GET', 'DELETE', 'X'), { nil: undefined }),
      ),
      traceparent: fc.oneof(fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), headerValue(60)),
      accept: fc.oneof(fc.constantFrom('application/json', 'application/problem+json', 'text/html', '*/*', ''), headerValue(30)),
      extra: fc.array(fc.tuple(token(1, 20), headerValue(80)), { maxLength: 3 }),
    },
    { requiredKeys: [] },
  )
  .map((h) => {
    const out: [string, string][] = [];
    if (h.contentType !== undefined) out.push(['Content-Type', h.contentType]);
    if (h.idempotencyKey !== undefined) out.push(['Idempotency-Key', h.idempotencyKey]);
    if (h.prefer !== undefined) out.push(['Prefer', h.prefer]);
    if (h.forwardedHost !== undefined) out.push(['X-Forwarded-Host', h.forwardedHost]);
    if (h.forwardedProto !== undefined) out.push(['X-Forwarded-Proto', h.forwardedProto]);
    if (h.forwardedFor !== undefined) out.push(['X-Forwarded-For', h.forwardedFor]);
    if (h.principal !== undefined) out.push(...h.principal);
    if (h.cors !== undefined) {
      out.push(['Origin', h.cors[0]]);
      if (h.cors[1] !== undefined) out.push(['Access-Control-Request-Method', h.cors[1]]);
    }
    if (h.traceparent !== undefined) out.push(['traceparent', h.traceparent]);
    if (h.accept !== undefined) out.push(['Accept', h.accept]);
    out.push(...(h.extra ?? []));
    return out;
  });

// ---------------------------------------------------------------------------------------------
// Bodies (described, materialized at send time, so that counterexamples stay printable)
// ---------------------------------------------------------------------------------------------

/** A request body, described. */
export type BodySpec =
  | { kind: 'none' }
  | { kind: 'text'; text: string; chunked: boolean }
  | { kind: 'bytes'; bytes: readonly number[]; chunked: boolean }
  | { kind: 'large'; bytes: number; fill: 'csv' | 'binary'; chunked: boolean };

const csvCell = fc.oneof(
  fc.constantFrom(
    '1',
    '-2.5',
    '1e3',
    'true',
    'NA',
    'null',
    '',
    ' ',
    '2024-01-31',
    '"q"',
    '"a,b"',
    '"line\nbreak"',
    '""""',
    '1,5',
    'é',
    '😀',
  ),
  asciiText(8).map((s) => s.replace(/[",\r\n]/g, '')),
);

/** A small CSV: well-formed, or with the classic defects (ragged rows, stray or unclosed quotes). */
export const csvArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.array(csvCell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
    fc.constantFrom('\n', '\r\n', '\r'),
    fc.constantFrom('none', 'bom', 'unclosed-quote', 'stray-quote', 'truncated', 'nul'),
  )
  .map(([rows, eol, defect]) => {
    let text = rows.map((r) => r.join(',')).join(eol) + eol;
    if (defect === 'bom') text = `\ufeff${text}`;
    if (defect === 'unclosed-quote') text += '"never closed,1';
    if (defect === 'stray-quote') text = text.replace(',', ',a"b');
    if (defect === 'truncated') text = `a,b${eol}"x,${eol}"half a quoted field`;
    if (defect === 'nul') text = text.replace(',', '\u0000,');
    return text;
  })
  .filter((s) => !looksLikeLeak(s));

/** Byte fragments that are not UTF-8 (lone continuation bytes, overlongs, surrogates, truncated sequences). */
const invalidUtf8Fragment = fc.constantFrom(
  [0xff],
  [0xfe, 0xff],
  [0xc3],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
);

export const bodyArb: fc.Arbitrary<BodySpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('text' as const), text: csvArb, chunked: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: anyText(200), chunked: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('text' as const),
      text: fc
        .jsonValue({ maxDepth: 3 })
        .map((v) => JSON.stringify(v) ?? 'null')
        .filter((s) => !looksLikeLeak(s)),
      chunked: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bytes' as const),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 300 }),
      chunked: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.oneof(
          invalidUtf8Fragment,
          asciiText(6).map((s) => [...Buffer.from(s, 'latin1')]),
        ),
        { minLength: 1, maxLength: 8 },
      )
      .chain((parts) =>
        fc.record({
          kind: fc.constant('bytes' as const),
          bytes: fc.constant([...Buffer.from('a,b\n'), ...parts.flat()]),
          chunked: fc.boolean(),
        }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('large' as const),
      bytes: fc.integer({ min: 200_001, max: 1_500_000 }),
      fill: fc.constantFrom('csv' as const, 'binary' as const),
      chunked: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('large' as const),
      bytes: fc.integer({ min: 150_000, max: 200_000 }),
      fill: fc.constant('csv' as const),
      chunked: fc.boolean(),
    }),
  },
);

/** The bytes of a body spec (deterministic: the same spec always gives the same bytes). */
export function bodyBytes(spec: BodySpec): Buffer | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'text':
      return Buffer.from(spec.text, 'utf8');
    case 'bytes':
      return Buffer.from(spec.bytes);
    case 'large': {
      if (spec.fill === 'csv') {
        const line = 'id,name,value\n';
        const row = '12345,abcdefgh,3.14159\n';
        return Buffer.from((line + row.repeat(Math.ceil(spec.bytes / row.length))).slice(0, spec.bytes), 'utf8');
      }
      const b = Buffer.alloc(spec.bytes);
      let x = 0x9e3779b9;
      for (let i = 0; i < b.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        b[i] = x & 0xff;
      }
      return b;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Whole requests
// ---------------------------------------------------------------------------------------------

/** One fuzzed request. `client` picks fetch or the raw node:http client (forced to raw when fetch can't send it). */
export interface FuzzRequest {
  client: 'fetch' | 'raw';
  method: string;
  /** Request target: path (and query) as sent. */
  target: string;
  headers: [string, string][];
  body: BodySpec;
}

export function requestArb(knownIds: readonly string[]): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      client: fc.constantFrom('fetch' as const, 'fetch' as const, 'raw' as const),
      method: methodArb,
      path: pathArb(knownIds),
      query: fc.option(queryArb, { nil: undefined, freq: 2 }),
      headers: headersArb,
      body: bodyArb,
    })
    .map(({ client, method, path, query, headers, body }) => ({
      client,
      method,
      target: query === undefined ? path : `${path}?${query}`,
      headers,
      // Node's HTTP parser answers a method it does not know with 400 and closes the connection
      // without reading the body, so a large upload would end in a reset instead of that 400.
      body: http.METHODS.includes(method) || body.kind !== 'large' ? body : { kind: 'none' as const },
    }));
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

/** What came back (or that nothing did). */
export interface FuzzResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
  via: 'fetch' | 'raw';
}

/** Header names fetch (undici) will not send or rejects. */
const fetchForbiddenHeaders = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/** True when fetch can send this request unchanged (method, body on GET/HEAD, header bytes, target shape). */
export function fetchCanSend(req: FuzzRequest): boolean {
  const m = req.method.toUpperCase();
  if ((fetchForbiddenMethods as readonly string[]).includes(m)) return false;
  if ((m === 'GET' || m === 'HEAD') && req.body.kind !== 'none') return false;
  if (!req.target.startsWith('/') || req.target.startsWith('//')) return false;
  // fetch resolves dot segments and re-encodes; send those raw to keep the exact target
  if (/(^|\/)(\.|\.\.|%2e%2e)(\/|$|\?)/i.test(req.target.split('?')[0] ?? '')) return false;
  return req.headers.every(([n, v]) => !fetchForbiddenHeaders.has(n.toLowerCase()) && !/^\s|\s$/.test(v));
}

/**
 * Sends a request with fetch (`redirect: 'manual'`) or, when asked or when fetch can't send it, with
 * node:http on a fresh connection. Rejects on a timeout or a connection error.
 */
export async function send(baseUrl: string, req: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  const body = bodyBytes(req.body);
  const chunked = req.body.kind !== 'none' && req.body.chunked;
  if (req.client === 'fetch' && fetchCanSend(req)) {
    const headers = new Headers();
    for (const [n, v] of req.headers) headers.append(n, v);
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    };
    if (body !== undefined) {
      if (chunked) {
        init.body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < body.length; i += 64 * 1024) controller.enqueue(new Uint8Array(body.subarray(i, i + 64 * 1024)));
            controller.close();
          },
        });
        init.duplex = 'half';
      } else {
        init.body = body;
      }
    }
    const res = await fetch(`${baseUrl}${req.target}`, init);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: [...res.headers], body: bytes, via: 'fetch' };
  }
  return rawRequest(
    baseUrl,
    { method: req.method, target: req.target, headers: req.headers, ...(body !== undefined ? { body } : {}), chunked },
    timeoutMs,
  );
}

/** A request sent byte for byte as given (own connection, no normalization). */
export interface RawRequest {
  method: string;
  target: string;
  headers: [string, string][];
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` instead of `Content-Length`. */
  chunked?: boolean;
}

/**
 * node:http client for what fetch refuses: CONNECT/TRACE/TRACK and token methods, bodies on GET/HEAD,
 * unnormalized targets (`..`, `//`, absolute-form), a `Host` of our choosing, raw header bytes.
 * Header values are latin1 strings (one char per byte). A connection closed without any answer
 * resolves with status 0 (the caller decides whether that is acceptable).
 */
export function rawRequest(baseUrl: string, r: RawRequest, timeoutMs: number): Promise<FuzzResponse> {
  const base = new URL(baseUrl);
  return new Promise<FuzzResponse>((resolve, reject) => {
    const hasHost = r.headers.some(([n]) => n.toLowerCase() === 'host');
    const req = http.request({
      host: base.hostname,
      port: base.port,
      method: r.method,
      path: r.target,
      agent: false,
      setHost: !hasHost,
    });
    const grouped = new Map<string, { name: string; values: string[] }>();
    for (const [n, v] of r.headers) {
      const g = grouped.get(n.toLowerCase()) ?? { name: n, values: [] };
      g.values.push(v);
      grouped.set(n.toLowerCase(), g);
    }
    for (const { name, values } of grouped.values()) req.setHeader(name, values.length === 1 ? values[0]! : values);
    if (r.body !== undefined && !r.chunked) req.setHeader('Content-Length', String(r.body.length));
    // node frames a body as chunked by itself only for methods that usually carry one
    if (r.body !== undefined && r.chunked) req.setHeader('Transfer-Encoding', 'chunked');
    let settled = false;
    const timer = setTimeout(() => {
      fail(new Error(`timeout after ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    // (no `instanceof Error` here: under jest, errors from node core come from another realm)
    const finish = (v: FuzzResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(e);
    };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        finish({ status: res.statusCode ?? 0, headers: pairsOf(res.rawHeaders), body: Buffer.concat(chunks), via: 'raw' }),
      );
      res.on('error', fail);
      res.on('aborted', () =>
        finish({ status: res.statusCode ?? 0, headers: pairsOf(res.rawHeaders), body: Buffer.concat(chunks), via: 'raw' }),
      );
    };
    req.on('response', onResponse);
    // CONNECT answers arrive as 'connect' (the socket is handed over)
    req.on('connect', (res: http.IncomingMessage, socket) => {
      socket.destroy();
      finish({ status: res.statusCode ?? 0, headers: pairsOf(res.rawHeaders), body: Buffer.alloc(0), via: 'raw' });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET' || /socket hang up/.test(e.message))
        finish({ status: 0, headers: [], body: Buffer.alloc(0), via: 'raw' });
      else fail(e);
    });
    if (r.body !== undefined) {
      // EPIPE/ECONNRESET while the server has already answered (e.g. 413 mid-upload) are fine
      req.on('socket', (s) => s.on('error', () => undefined));
      if (r.chunked) for (let i = 0; i < r.body.length; i += 64 * 1024) req.write(r.body.subarray(i, i + 64 * 1024));
      else req.write(r.body);
    }
    req.end();
  });
}

function pairsOf(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

/** A header of a response (first value), case-insensitive. */
export function headerOf(res: Pick<FuzzResponse, 'headers'>, name: string): string | undefined {
  return res.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

// ---------------------------------------------------------------------------------------------
// Raw queue messages
// ---------------------------------------------------------------------------------------------

/** Canonical base64, as the Storage Queues extension (and the local host) requires with `messageEncoding: base64`. */
export const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** One fuzzed queue message: its text as sent, and how it was made (for the report). */
export interface QueueFuzzMessage {
  kind: 'text' | 'base64-bytes' | 'base64-json' | 'base64-near-valid' | 'base64-deep-json' | 'large-text' | 'large-base64';
  text: string;
  /** The job id it names, when it names one (near-valid messages). */
  jobId?: string;
}

/**
 * Characters a queue message can carry through Azure Storage (XML 1.0 `Char`, minus CR/LF/TAB which
 * Azurite does not round-trip). Azure rejects other control characters when the message is put, and
 * Azurite accepts them but then fails every receive of a batch that contains one, so they are left out.
 */
const queueChar = fc
  .oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
  )
  .map((c) => String.fromCodePoint(c));

/** Random message text that is not canonical base64. */
export const nonBase64TextArb = fc
  .string({ unit: queueChar, minLength: 1, maxLength: 200 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0 && !strictBase64.test(s));

const b64 = (s: string | Uint8Array) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)).toString('base64');

/** A near-valid job message: the right shape with a wrong detail (id, type, version, extra keys). */
export const nearValidJobMessageArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    v: fc.oneof(
      { weight: 4, arbitrary: fc.constant<unknown>(1) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 2, '1', null, 1.5) },
    ),
    jobId: fc.oneof(
      { weight: 4, arbitrary: fc.uuid({ version: 4 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>('', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '../x', 42, null) },
      { weight: 1, arbitrary: fc.uuid({ version: [1, 7] }) },
    ),
    type: fc.oneof(
      { weight: 3, arbitrary: fc.constant<unknown>('csv-report') },
      { weight: 1, arbitrary: fc.oneof(asciiText(70), fc.constantFrom<unknown>('', '__proto__', 0)) },
    ),
    correlationId: fc.option(fc.oneof(asciiText(20), fc.constant('x'.repeat(200))), { nil: undefined }),
    extra: fc.option(
      fc.dictionary(fc.constantFrom('extra', '__proto__', 'input', 'attempt'), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 }),
      { nil: undefined },
    ),
  })
  .map(({ extra, correlationId, ...m }) => ({ ...m, ...(correlationId !== undefined ? { correlationId } : {}), ...(extra ?? {}) }));

/** Raw queue messages of every kind the brief names (not yet sized: see {@link queueMessagesArb}). */
export const queueMessagesArb: fc.Arbitrary<QueueFuzzMessage[]> = fc
  .tuple(
    fc.array(nonBase64TextArb, { minLength: 8, maxLength: 8 }),
    fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 8, maxLength: 8 }),
    fc.array(fc.jsonValue({ maxDepth: 4 }), { minLength: 8, maxLength: 8 }),
    fc.array(nearValidJobMessageArb, { minLength: 12, maxLength: 12 }),
    fc.tuple(
      fc.integer({ min: 30_000, max: 48_000 }),
      fc.integer({ min: 24_000, max: 36_000 }),
      fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      fc.integer({ min: 5_000, max: 12_000 }),
    ),
  )
  .map(([texts, bytes, jsons, near, [largeTextLength, largeBytesLength, seed, depth]]) => {
    const out: QueueFuzzMessage[] = [];
    for (const t of texts) out.push({ kind: 'text', text: t });
    for (const b of bytes) out.push({ kind: 'base64-bytes', text: b64(b) });
    for (const j of jsons) out.push({ kind: 'base64-json', text: b64(JSON.stringify(j) ?? 'null') });
    for (const m of near)
      out.push({ kind: 'base64-near-valid', text: b64(JSON.stringify(m)), ...(typeof m.jobId === 'string' ? { jobId: m.jobId } : {}) });
    // JSON nested deeper than a recursive parser's stack, and a job message whose type is deeply nested
    out.push({ kind: 'base64-deep-json', text: b64(`${'['.repeat(depth)}${']'.repeat(depth)}`) });
    out.push({
      kind: 'base64-deep-json',
      text: b64(
        `{"v":1,"jobId":"00000000-0000-4000-8000-000000000000","type":${'{"a":'.repeat(Math.floor(depth / 2))}1${'}'.repeat(Math.floor(depth / 2))}}`,
      ),
    });
    // ~48 KB: one not-base64 text, one base64 of random bytes (the 64 KiB limit applies to the encoded text)
    let x = seed | 1;
    const rnd = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const alphabet = 'abcdefghijklmnopqrstuvwxyz ,;:!?-_{}[]"é€';
    out.push({
      kind: 'large-text',
      text: `#${Array.from({ length: largeTextLength - 1 }, () => alphabet[rnd() % alphabet.length]).join('')}`.trim(),
    });
    out.push({ kind: 'large-base64', text: b64(Uint8Array.from({ length: largeBytesLength }, () => rnd() & 0xff)) });
    return out;
  });

/**
 * Polls a job's status URL (the `Location` of a 202) without following redirects while it answers 200
 * (the job unfinished), every 250 ms, each request bounded by `requestTimeoutMs`; resolves to the first
 * other answer (a 302 to the result once the job succeeded).
 * @throws Error when it still answers 200 after `timeoutMs`
 */
export function firstAnswerNot200(location: string, timeoutMs: number, requestTimeoutMs: number): Promise<Response> {
  return waitFor(
    `${location} to answer something other than 200`,
    async () => {
      const r = await fetch(location, { redirect: 'manual', signal: AbortSignal.timeout(requestTimeoutMs) });
      return r.status !== 200 && r;
    },
    timeoutMs,
    250,
  );
}
