import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { CoreApi, Registration, RpcHttpData, RpcTypedData } from './coreApi';
import { compareRoutes, type CompiledRoute, compileRoute, matchRoute } from './routes';
import type { LocalHostSettings } from './settings';

interface HttpFunction {
  reg: Registration;
  route: CompiledRoute;
  methods: Set<string>;
}

/** Options of the local HTTP server. */
export interface HttpHostOptions {
  core: CoreApi;
  /** `HttpUri` capability of the programming model: set when the app enabled HTTP streams. */
  httpUri?: string;
  routePrefix: string;
  /** Port to listen on (0 = any free port). */
  port: number;
  host?: string;
  cors: Pick<LocalHostSettings, 'CORS' | 'CORSCredentials'>;
  log: (message: string) => void;
  /** Bounds of the request-body drain after an early answer (default {@link requestDrainLimits}). */
  drain?: DrainLimits;
}

/** Bounds of the drain of a request body that is still arriving when its answer is ready. */
export interface DrainLimits {
  /** Longest wait for the rest of the body, in ms, counted from the answer. */
  timeoutMs: number;
  /** Most bytes read and discarded after the answer. */
  maxBytes: number;
}

/**
 * Kestrel, which fronts the Functions host, answers a request it does not read (404, 413...) and
 * then drains its body so the client, still uploading, reads the answer instead of a reset
 * (ASP.NET Core docs, "Request draining with ASP.NET Core Kestrel web server": a fixed 5-second
 * timeout; RFC 9112 §9.6 explains the reset a server closing on unread data causes). It never reads
 * more than the request size limit, which the Functions host sets to 100 MB (Azure Functions HTTP
 * trigger docs, "Limits": 104,857,600 bytes).
 *
 * Arithmetic: the drain ends after 5 s or 100 MiB, whichever comes first, so a connection is held
 * at most 5 s past its answer. On loopback (~1 GB/s) the byte cap ends it first (~0.1 s); a client on
 * a 100 Mbit/s link (12.5 MB/s) sends ~62 MB in 5 s, so the time cap ends it first. Nothing is
 * kept: each chunk (one socket read, at most 64 KiB) is discarded as it arrives. A 1 MB fuzz body on
 * loopback drains in a few ms.
 */
export const requestDrainLimits: DrainLimits = { timeoutMs: 5_000, maxBytes: 104_857_600 };

/** A running local HTTP server. */
export interface HttpHost {
  port: number;
  routes: { name: string; methods: string[]; route: string }[];
  close(): Promise<void>;
}

/** Request headers as one string per name (repeated headers joined with ", "). */
function flatHeaders(req: http.IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * CORS the way `func start` applies local.settings.json `Host.CORS`: allowed origins get
 * `Access-Control-Allow-Origin`, and preflight requests (`OPTIONS` with
 * `Access-Control-Request-Method`) get the preflight headers, to be answered 204 without invoking a
 * function.
 * @returns true when the request is a preflight (its headers set; the caller answers it)
 */
function applyCors(req: http.IncomingMessage, res: http.ServerResponse, cors: HttpHostOptions['cors']): boolean {
  const origin = req.headers.origin;
  if (!origin || !cors.CORS) return false;
  const allowed = cors.CORS.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const any = allowed.includes('*');
  if (!any && !allowed.includes(origin)) return false;
  res.setHeader('Access-Control-Allow-Origin', any && !cors.CORSCredentials ? '*' : origin);
  if (!any || cors.CORSCredentials) res.setHeader('Vary', 'Origin');
  if (cors.CORSCredentials) res.setHeader('Access-Control-Allow-Credentials', 'true');
  const requestedMethod = req.headers['access-control-request-method'];
  if (req.method === 'OPTIONS' && requestedMethod) {
    res.setHeader('Access-Control-Allow-Methods', requestedMethod);
    const requestedHeaders = req.headers['access-control-request-headers'];
    if (requestedHeaders) res.setHeader('Access-Control-Allow-Headers', requestedHeaders);
    res.setHeader('Access-Control-Max-Age', '600');
    return true;
  }
  return false;
}

/**
 * Serves the app's HTTP triggers: route templates under the route prefix, methods, and invocation
 * through the registered programming model. With HTTP streams on (`HttpUri`), the request is
 * forwarded to the library's proxy with `x-ms-invocation-id`, as the Functions host does, and the
 * library writes the response; otherwise the request travels as RPC `http` typed data.
 * A function that throws yields an empty 500, like the host.
 */
export async function startHttpHost(opts: HttpHostOptions): Promise<HttpHost> {
  const functions: HttpFunction[] = [];
  for (const reg of opts.core.registrations.values()) {
    if (reg.trigger.type?.toLowerCase() !== 'httptrigger') continue;
    const template = typeof reg.trigger.route === 'string' ? reg.trigger.route : reg.metadata.name;
    const methods = ((reg.trigger.methods as string[] | undefined) ?? ['GET', 'POST']).map((m) => m.toUpperCase());
    functions.push({ reg, route: compileRoute(template), methods: new Set(methods) });
  }
  functions.sort((a, b) => compareRoutes(a.route, b.route));
  const prefix = opts.routePrefix ? `/${opts.routePrefix}` : '';

  const drain = opts.drain ?? requestDrainLimits;
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, status: number) => answerEarly(req, res, status, drain);

  // Connections for bodyless requests to the library's HTTP proxy. The proxy is a plain
  // `http.createServer()`, which closes a connection idle for `keepAliveTimeout` = 5 s (Node's
  // default); an idle pooled connection is closed here after 4 s, so a request never goes out on a
  // connection the proxy is closing (its idle clock starts when it sends the answer, before ours).
  const pooled = new http.Agent({ keepAlive: true, timeout: pooledIdleMs });
  const server = http.createServer((req, res) => {
    void handle(req, res).catch(async (err: unknown) => {
      opts.log(`HTTP host error: ${(err as Error)?.message ?? String(err)}`);
      if (!res.headersSent) await answer(req, res, 500);
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Only origin-form targets (RFC 9112 §3.2.1) and a well-formed Host are served, as the host does.
    const host = req.headers.host ?? '';
    if (!(req.url ?? '').startsWith('/') || (req.url ?? '').startsWith('//') || !validHost(host)) {
      await answer(req, res, 400);
      return;
    }
    if (applyCors(req, res, opts.cors)) {
      await answer(req, res, 204);
      return;
    }
    const url = new URL(req.url ?? '/', `http://${host}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    if (prefix && path !== prefix && !path.startsWith(`${prefix}/`)) {
      await answer(req, res, 404);
      return;
    }
    const rest = path.slice(prefix.length);
    let target: { fn: HttpFunction; params: Record<string, string> } | undefined;
    for (const fn of functions) {
      if (!fn.methods.has(method)) continue;
      const params = matchRoute(fn.route, rest);
      if (params) {
        target = { fn, params };
        break;
      }
    }
    if (!target) {
      await answer(req, res, 404);
      return;
    }
    if (opts.httpUri) await invokeStreaming(target.fn, target.params, req, res, url);
    else await invokeBuffered(target.fn, target.params, req, res, url);
  }

  function metadataFor(req: http.IncomingMessage, params: Record<string, string>, url: URL): Record<string, RpcTypedData> {
    const md: Record<string, RpcTypedData> = {
      Headers: { json: JSON.stringify(flatHeaders(req)) },
      Query: { json: JSON.stringify(Object.fromEntries(url.searchParams)) },
    };
    for (const [k, v] of Object.entries(params)) md[k] = { string: v };
    return md;
  }

  async function invokeStreaming(
    fn: HttpFunction,
    params: Record<string, string>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) {
    const invocationId = crypto.randomUUID();
    const core = opts.core;
    // Forward to the library's HTTP proxy as the Functions host does: same path and query (never the
    // client's authority), its headers minus hop-by-hop ones, plus x-ms-invocation-id so that the
    // library pairs the request with this invocation. Only POST, PUT and PATCH bodies are forwarded;
    // others (RFC 9110: no defined semantics for GET, HEAD, DELETE or OPTIONS content) are drained.
    // A request with a body gets a connection of its own, destroyed after the answer: a body the
    // function did not read must not be left on a pooled connection for the next request. Bodyless
    // requests reuse pooled keep-alive connections, as the host's forwarder does (saves a TCP
    // connect and the library's per-connection set-up on each poll).
    const bodyless = !['POST', 'PUT', 'PATCH'].includes(req.method ?? '');
    const proxyReq = http.request(new URL(`${url.pathname}${url.search}`, opts.httpUri), {
      method: req.method,
      agent: bodyless ? pooled : false,
      headers: {
        // (A bodyless request forwards no Content-Length: the body it announced is drained here, and
        // a length with no bytes after it would leave the pooled connection waiting for them.)
        ...endToEndHeaders(req.headers, bodyless ? ['content-length'] : []),
        // Keep-alive so the proxy does not close while an unread body is still arriving.
        connection: 'keep-alive',
        'x-ms-invocation-id': invocationId,
        'x-forwarded-host': url.host,
        'x-forwarded-proto': 'http',
      },
    });
    // The head leaves now, not with the first body chunk: a function may answer (404, 413...) without
    // waiting for a body, and a client may wait for that answer before sending one. (A bodyless
    // request's head leaves with its end, below, in one write.)
    if (!bodyless) proxyReq.flushHeaders();
    const proxied = new Promise<http.IncomingMessage>((resolve, reject) => {
      proxyReq.on('response', resolve);
      proxyReq.on('error', reject);
    });
    proxied.catch(() => undefined);
    // A bodyless request's own body, if any, is drained here, not forwarded: a body nobody reads makes
    // the library's proxy reset the connection before the answer is read back.
    if (bodyless) {
      req.resume();
      proxyReq.end();
    } else {
      req.pipe(proxyReq);
    }
    req.on('aborted', () => proxyReq.destroy());
    const fail = async (err: unknown) => {
      proxyReq.destroy();
      req.unpipe(proxyReq);
      core.logSink(
        'error',
        'system',
        `Executed '${fn.reg.metadata.name}' (Failed): ${(err as Error)?.stack ?? String(err)}`,
        fn.reg.metadata.name,
      );
      if (!res.headersSent) await answer(req, res, 500);
    };
    const invoked = core.invokeWithId(
      fn.reg,
      invocationId,
      [{ name: fn.reg.triggerName, data: {} }],
      metadataFor(req, params, url),
      traceParentOf(req),
    );
    let proxyRes: http.IncomingMessage;
    try {
      // A proxy connection error must not leave the invocation (waiting for its request) hanging.
      await Promise.race([invoked, proxied.then(() => new Promise(() => undefined))]);
      proxyRes = await proxied;
    } catch (err) {
      await fail(err);
      return;
    }
    const headers = { ...proxyRes.headers };
    for (const h of [...hopByHop, 'x-ms-invocation-id']) delete headers[h];
    res.writeHead(proxyRes.statusCode ?? 500, headers);
    // The answer is copied as it comes, but ended only once the request body is in (or a drain bound
    // is hit): a function may answer (413, 415...) before reading the body the client still sends.
    proxyRes.pipe(res, { end: false });
    const copied = await new Promise<boolean>((resolve) => {
      proxyRes.once('end', () => resolve(true));
      proxyRes.once('error', () => resolve(false));
      res.once('close', () => resolve(false));
    });
    // A bodyless request's connection, fully read, goes back to the pool; any other is closed.
    if (!bodyless || !copied) proxyReq.destroy();
    req.unpipe(proxyReq);
    if (copied) await endAfterDrain(req, res, drain);
    else {
      res.destroy();
      req.resume();
    }
  }

  async function invokeBuffered(
    fn: HttpFunction,
    params: Record<string, string>,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const httpData: RpcHttpData = {
      method: req.method ?? 'GET',
      url: url.toString(),
      headers: flatHeaders(req),
      query: Object.fromEntries(url.searchParams),
      params,
      body: body.length ? { bytes: body } : null,
    };
    let response;
    try {
      response = await opts.core.invokeWithId(
        fn.reg,
        crypto.randomUUID(),
        [{ name: fn.reg.triggerName, data: { http: httpData } }],
        metadataFor(req, params, url),
        traceParentOf(req),
      );
    } catch (err) {
      opts.core.logSink(
        'error',
        'system',
        `Executed '${fn.reg.metadata.name}' (Failed): ${(err as Error)?.stack ?? String(err)}`,
        fn.reg.metadata.name,
      );
      res.writeHead(500).end();
      return;
    }
    const out = response.returnValue?.http ?? response.outputData?.find((o) => o.data?.http)?.data?.http;
    if (!out) {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(Number(out.statusCode ?? 200), out.headers ?? {});
    const b = out.body;
    res.end(b?.bytes ? Buffer.from(b.bytes) : (b?.string ?? undefined));
  }

  // Generous keep-alive, like the Functions host's Kestrel (120 s), so that clients reusing idle
  // connections do not race the server closing them.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    routes: functions.map((f) => ({ name: f.reg.metadata.name, methods: [...f.methods], route: `${prefix}/${f.route.template}` })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        pooled.destroy();
      }),
  };
}

/**
 * Answers `status` with an empty body before (or without) reading the request body, then ends the
 * response once the rest of the body has been read and discarded, within `limits` (see
 * {@link requestDrainLimits}), so that a client still sending reads the answer rather than EPIPE or
 * ECONNRESET. The status line and headers leave at once.
 */
async function answerEarly(req: http.IncomingMessage, res: http.ServerResponse, status: number, limits: DrainLimits): Promise<void> {
  // 204 and 304 carry no Content-Length (RFC 9110 §8.6); other empty answers say 0 so the client knows
  // the answer is complete before the connection ends.
  res.writeHead(status, status === 204 || status === 304 ? {} : { 'content-length': '0' });
  if (!req.complete) res.flushHeaders();
  await endAfterDrain(req, res, limits);
}

/**
 * Reads and discards what is left of the request body (at most `limits.maxBytes`, for at most
 * `limits.timeoutMs`), then ends `res`. When a bound cuts the body short the connection is closed
 * once the answer is written: it cannot carry another request. Resolves when the response is ended.
 */
async function endAfterDrain(req: http.IncomingMessage, res: http.ServerResponse, limits: DrainLimits): Promise<void> {
  const drained = await new Promise<boolean>((resolve) => {
    if (req.readableEnded) return resolve(true);
    let bytes = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      req.off('data', count).off('end', ended).off('close', closed);
      if (!ok) req.pause();
      resolve(ok);
    };
    const count = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) done(false);
    };
    const ended = () => done(true);
    const closed = () => done(req.readableEnded);
    const timer = setTimeout(() => done(false), limits.timeoutMs);
    req.on('data', count).once('end', ended).once('close', closed);
    req.resume();
  });
  if (drained) res.end();
  else res.end(() => req.socket.destroy());
}

/** Idle time after which a pooled connection to the library's HTTP proxy is closed, in ms: 1 s under Node's 5 s `keepAliveTimeout`. */
const pooledIdleMs = 4_000;

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are never forwarded. */
const hopByHop = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'expect',
];

/** Request headers minus hop-by-hop ones, those the `Connection` header names and `drop` (lower case). */
function endToEndHeaders(headers: http.IncomingHttpHeaders, drop: string[] = []): http.OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
    .concat(drop);
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !hopByHop.includes(k) && !named.includes(k)) out[k] = v;
  return out;
}

/** `host[:port]` with a port in range and no user info (RFC 9110 §7.2). */
function validHost(host: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(host);
  return m !== null && (m[2] === undefined || Number(m[2]) <= 65535);
}

/** The caller's W3C `traceparent`, when well-formed. */
function traceParentOf(req: http.IncomingMessage): string | undefined {
  const tp = req.headers.traceparent;
  return typeof tp === 'string' && /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(tp) ? tp : undefined;
}
