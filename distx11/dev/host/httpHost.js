"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.startHttpHost = startHttpHost;
const node_http_1 = __importDefault(require("node:http"));
const routes_1 = require("./routes");
/** Request headers as one string per name (repeated headers joined with ", "). */
function flatHeaders(req) {
    const out = {};
    for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined)
            out[k] = Array.isArray(v) ? v.join(', ') : v;
    return out;
}
/**
 * CORS the way `func start` applies local.settings.json `Host.CORS`: allowed origins get
 * `Access-Control-Allow-Origin`, and preflight requests (`OPTIONS` with
 * `Access-Control-Request-Method`) are answered 204 without invoking a function.
 * @returns true when the request was a preflight and has been answered
 */
function applyCors(req, res, cors) {
    const origin = req.headers.origin;
    if (!origin || !cors.CORS)
        return false;
    const allowed = cors.CORS.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const any = allowed.includes('*');
    if (!any && !allowed.includes(origin))
        return false;
    res.setHeader('Access-Control-Allow-Origin', any && !cors.CORSCredentials ? '*' : origin);
    if (!any || cors.CORSCredentials)
        res.setHeader('Vary', 'Origin');
    if (cors.CORSCredentials)
        res.setHeader('Access-Control-Allow-Credentials', 'true');
    const requestedMethod = req.headers['access-control-request-method'];
    if (req.method === 'OPTIONS' && requestedMethod) {
        res.setHeader('Access-Control-Allow-Methods', requestedMethod);
        const requestedHeaders = req.headers['access-control-request-headers'];
        if (requestedHeaders)
            res.setHeader('Access-Control-Allow-Headers', requestedHeaders);
        res.setHeader('Access-Control-Max-Age', '600');
        res.writeHead(204).end();
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
async function startHttpHost(opts) {
    const functions = [];
    for (const reg of opts.core.registrations.values()) {
        if (reg.trigger.type?.toLowerCase() !== 'httptrigger')
            continue;
        const template = typeof reg.trigger.route === 'string' ? reg.trigger.route : reg.metadata.name;
        const methods = (reg.trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase());
        functions.push({ reg, route: (0, routes_1.compileRoute)(template), methods: new Set(methods) });
    }
    functions.sort((a, b) => (0, routes_1.compareRoutes)(a.route, b.route));
    const prefix = opts.routePrefix ? `/${opts.routePrefix}` : '';
    const server = node_http_1.default.createServer((req, res) => {
        void handle(req, res).catch((err) => {
            opts.log(`HTTP host error: ${err?.message ?? String(err)}`);
            if (!res.headersSent)
                res.writeHead(500).end();
            else
                res.destroy();
        });
    });
    async function handle(req, res) {
        // Only origin-form targets (RFC 9112 §3.2.1) and a well-formed Host are served, as the host does.
        const host = req.headers.host ?? '';
        if (!(req.url ?? '').startsWith('/') || (req.url ?? '').startsWith('//') || !validHost(host)) {
            req.resume();
            res.writeHead(400).end();
            return;
        }
        if (applyCors(req, res, opts.cors))
            return;
        const url = new URL(req.url ?? '/', `http://${host}`);
        const method = (req.method ?? 'GET').toUpperCase();
        const path = url.pathname;
        if (prefix && path !== prefix && !path.startsWith(`${prefix}/`)) {
            res.writeHead(404).end();
            return;
        }
        const rest = path.slice(prefix.length);
        let target;
        for (const fn of functions) {
            if (!fn.methods.has(method))
                continue;
            const params = (0, routes_1.matchRoute)(fn.route, rest);
            if (params) {
                target = { fn, params };
                break;
            }
        }
        if (!target) {
            req.resume();
            res.writeHead(404).end();
            return;
        }
        if (opts.httpUri)
            await invokeStreaming(target.fn, target.params, req, res, url);
        else
            await invokeBuffered(target.fn, target.params, req, res, url);
    }
    function metadataFor(req, params, url) {
        const md = {
            Headers: { json: JSON.stringify(flatHeaders(req)) },
            Query: { json: JSON.stringify(Object.fromEntries(url.searchParams)) },
        };
        for (const [k, v] of Object.entries(params))
            md[k] = { string: v };
        return md;
    }
    async function invokeStreaming(fn, params, req, res, url) {
        const invocationId = crypto.randomUUID();
        const core = opts.core;
        // Forward to the library's HTTP proxy as the Functions host does: same path and query (never the
        // client's authority), its headers minus hop-by-hop ones, plus x-ms-invocation-id so that the
        // library pairs the request with this invocation. One connection per request: a body the
        // function did not read must not be left on a pooled connection for the next request.
        const proxyReq = node_http_1.default.request(new URL(`${url.pathname}${url.search}`, opts.httpUri), {
            method: req.method,
            agent: false,
            headers: {
                ...endToEndHeaders(req.headers),
                // Keep-alive so the proxy does not close while an unread body is still arriving; this
                // connection is never reused (agent: false) and is destroyed after the response.
                connection: 'keep-alive',
                'x-ms-invocation-id': invocationId,
                'x-forwarded-host': url.host,
                'x-forwarded-proto': 'http',
            },
        });
        const proxied = new Promise((resolve, reject) => {
            proxyReq.on('response', resolve);
            proxyReq.on('error', reject);
        });
        proxied.catch(() => undefined);
        // Only POST, PUT and PATCH bodies are forwarded; others (RFC 9110: no defined semantics for GET,
        // HEAD, DELETE or OPTIONS content) are drained. A body nobody reads makes the library's proxy
        // reset the connection before the answer is read back.
        const bodyless = !['POST', 'PUT', 'PATCH'].includes(req.method ?? '');
        if (bodyless) {
            req.resume();
            proxyReq.end();
        }
        else {
            req.pipe(proxyReq);
        }
        req.on('aborted', () => proxyReq.destroy());
        const fail = (err) => {
            proxyReq.destroy();
            core.logSink('error', 'system', `Executed '${fn.reg.metadata.name}' (Failed): ${err?.stack ?? String(err)}`, fn.reg.metadata.name);
            if (!res.headersSent)
                res.writeHead(500).end();
        };
        const invoked = core.invokeWithId(fn.reg, invocationId, [{ name: fn.reg.triggerName, data: {} }], metadataFor(req, params, url), traceParentOf(req));
        let proxyRes;
        try {
            // A proxy connection error must not leave the invocation (waiting for its request) hanging.
            await Promise.race([invoked, proxied.then(() => new Promise(() => undefined))]);
            proxyRes = await proxied;
        }
        catch (err) {
            fail(err);
            return;
        }
        const headers = { ...proxyRes.headers };
        for (const h of [...hopByHop, 'x-ms-invocation-id'])
            delete headers[h];
        res.writeHead(proxyRes.statusCode ?? 500, headers);
        proxyRes.pipe(res);
        await new Promise((resolve) => res.on('close', resolve));
        proxyReq.destroy();
        if (!req.complete) {
            // The function answered without reading the whole body: drain it so the client connection stays usable.
            req.unpipe(proxyReq);
            req.resume();
        }
    }
    async function invokeBuffered(fn, params, req, res, url) {
        const chunks = [];
        for await (const c of req)
            chunks.push(c);
        const body = Buffer.concat(chunks);
        const httpData = {
            method: req.method ?? 'GET',
            url: url.toString(),
            headers: flatHeaders(req),
            query: Object.fromEntries(url.searchParams),
            params,
            body: body.length ? { bytes: body } : null,
        };
        let response;
        try {
            response = await opts.core.invokeWithId(fn.reg, crypto.randomUUID(), [{ name: fn.reg.triggerName, data: { http: httpData } }], metadataFor(req, params, url), traceParentOf(req));
        }
        catch (err) {
            opts.core.logSink('error', 'system', `Executed '${fn.reg.metadata.name}' (Failed): ${err?.stack ?? String(err)}`, fn.reg.metadata.name);
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
    await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
    });
    const port = server.address().port;
    return {
        port,
        routes: functions.map((f) => ({ name: f.reg.metadata.name, methods: [...f.methods], route: `${prefix}/${f.route.template}` })),
        close: () => new Promise((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        }),
    };
}
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
/** Request headers minus hop-by-hop ones and those the `Connection` header names. */
function endToEndHeaders(headers) {
    const named = String(headers.connection ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
    const out = {};
    for (const [k, v] of Object.entries(headers))
        if (v !== undefined && !hopByHop.includes(k) && !named.includes(k))
            out[k] = v;
    return out;
}
/** `host[:port]` with a port in range and no user info (RFC 9110 §7.2). */
function validHost(host) {
    const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)(?::(\d{1,5}))?$/.exec(host);
    return m !== null && (m[2] === undefined || Number(m[2]) <= 65535);
}
/** The caller's W3C `traceparent`, when well-formed. */
function traceParentOf(req) {
    const tp = req.headers.traceparent;
    return typeof tp === 'string' && /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(tp) ? tp : undefined;
}
//# sourceMappingURL=httpHost.js.map