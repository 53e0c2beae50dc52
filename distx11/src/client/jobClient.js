"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.terminalJobStatuses = void 0;
exports.createJobClient = createJobClient;
/**
 * Typed client of the job API (see docs/api.md): submit a job, follow its progress, get its result,
 * cancel it. Runs in browsers and in Node.js 20+: it only uses web platform globals (`fetch`,
 * `URL`, `AbortSignal`, `crypto.getRandomValues`, `DOMException`), no Node.js module and nothing from
 * Azure Functions.
 *
 * ```ts
 * const client = createJobClient({ baseUrl: 'http://localhost:7071' });
 * const job = await client.submit('csv-report', csvText, { contentType: 'text/csv', options: { delimiter: ';' } });
 * const report = await job.wait({ onProgress: (s) => console.log(s.status, s.percentComplete) });
 * ```
 */
const problem_1 = require("../contract/problem");
const errors_1 = require("./errors");
const retry_1 = require("./retry");
const traceContext_1 = require("./traceContext");
/** The terminal statuses: a job in one of them never changes again. */
exports.terminalJobStatuses = ['Succeeded', 'Failed', 'Canceled'];
const pendingStatuses = new Set(['notstarted', 'running']);
const transientStatuses = new Set([429, 502, 503, 504]);
const acceptJson = 'application/json, application/problem+json';
function isJsonMediaType(contentType) {
    const essence = (contentType ?? '').split(';')[0].trim().toLowerCase();
    return essence === 'application/json' || essence.endsWith('+json');
}
function isReadableStream(body) {
    return typeof body === 'object' && body !== null && typeof body.getReader === 'function';
}
/** Encodes a {@link JobBody}: the fetch body and its default content type. */
function encodeBody(body) {
    if (typeof body === 'string')
        return { body, contentType: 'text/plain;charset=UTF-8', stream: false };
    if (typeof Blob !== 'undefined' && body instanceof Blob)
        return { body, contentType: body.type || 'application/octet-stream', stream: false };
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body))
        return { body, contentType: 'application/octet-stream', stream: false };
    if (isReadableStream(body))
        return { body, contentType: 'application/octet-stream', stream: true };
    if (body instanceof URLSearchParams)
        return { body, contentType: 'application/x-www-form-urlencoded;charset=UTF-8', stream: false };
    return { body: JSON.stringify(body), contentType: 'application/json', stream: false };
}
function asStatusDocument(value) {
    if (typeof value !== 'object' || value === null)
        return undefined;
    const v = value;
    if (typeof v.id !== 'string' || typeof v.status !== 'string')
        return undefined;
    return {
        ...v,
        percentComplete: typeof v.percentComplete === 'number' ? v.percentComplete : 0,
        progress: typeof v.progress === 'object' && v.progress !== null ? v.progress : {},
    };
}
function isProblemLike(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** Sends one request with the client's headers and a fresh `traceparent` of `traceId`. */
function send(core, url, traceId, init = {}, extraHeaders = {}) {
    const headers = { accept: acceptJson, ...lower(core.headers), ...lower(extraHeaders), traceparent: (0, traceContext_1.traceparent)(traceId) };
    return core.fetch(url, { ...init, headers });
}
function lower(headers) {
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
/** Reads an error response as a {@link JobProblemError} (synthesizing a problem when the body is none). */
async function problemFrom(res, context) {
    let body;
    const text = await res.text().catch(() => '');
    if (isJsonMediaType(res.headers.get('content-type'))) {
        try {
            body = JSON.parse(text);
        }
        catch {
            body = undefined;
        }
    }
    const title = problem_1.statusTitles[res.status] ?? (res.statusText || 'Error');
    const problem = isProblemLike(body)
        ? { type: 'about:blank', title, status: res.status, ...body }
        : { type: 'about:blank', title, status: res.status, detail: `${context.what} answered ${res.status} ${title}.` };
    if (typeof problem.status !== 'number')
        problem.status = res.status;
    const retryAfterMs = (0, retry_1.parseRetryAfter)(res.headers.get('retry-after'), Date.now(), res.headers.get('date'));
    return new errors_1.JobProblemError(problem, {
        ...(context.jobId !== undefined ? { jobId: context.jobId } : {}),
        traceId: context.traceId,
        httpStatus: res.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
}
async function readResult(res, as) {
    const format = as === 'auto'
        ? isJsonMediaType(res.headers.get('content-type'))
            ? 'json'
            : /^text\//i.test(res.headers.get('content-type') ?? '')
                ? 'text'
                : 'blob'
        : as;
    switch (format) {
        case 'json':
            return res.json();
        case 'text':
            return res.text();
        case 'blob':
            return res.blob();
        default:
            return res.arrayBuffer();
    }
}
class Handle {
    core;
    id;
    submittedType;
    traceId;
    statusUrl;
    monitorUrl;
    cancelUrl;
    purgeUrl;
    accepted;
    lastStatus;
    initialDelayMs;
    constructor(core, id, submittedType, traceId, statusUrl, monitorUrl, cancelUrl, purgeUrl, accepted, initialDelayMs = 0) {
        this.core = core;
        this.id = id;
        this.submittedType = submittedType;
        this.traceId = traceId;
        this.statusUrl = statusUrl;
        this.monitorUrl = monitorUrl;
        this.cancelUrl = cancelUrl;
        this.purgeUrl = purgeUrl;
        this.accepted = accepted;
        this.lastStatus = accepted;
        this.initialDelayMs = initialDelayMs;
    }
    get type() {
        return this.lastStatus?.type ?? this.submittedType;
    }
    get resultUrl() {
        return this.lastStatus?.status === 'Succeeded' ? this.lastStatus.resourceLocation : undefined;
    }
    problem(res, what) {
        return problemFrom(res, { jobId: this.id, traceId: this.traceId, what });
    }
    async readStatus(res, what) {
        let body;
        try {
            body = await res.json();
        }
        catch {
            body = undefined;
        }
        const doc = asStatusDocument(body);
        if (!doc) {
            throw new errors_1.JobProblemError({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: `${what} answered ${res.status} without a status document.` }, { jobId: this.id, traceId: this.traceId, httpStatus: res.status });
        }
        this.lastStatus = doc;
        return doc;
    }
    async status(options = {}) {
        const res = await send(this.core, this.monitorUrl, this.traceId, {
            method: 'GET',
            ...(options.signal ? { signal: options.signal } : {}),
        });
        if (res.status !== 200)
            throw await this.problem(res, `GET ${this.monitorUrl}`);
        return this.readStatus(res, `GET ${this.monitorUrl}`);
    }
    async cancel(options = {}) {
        const res = await send(this.core, this.cancelUrl, this.traceId, {
            method: 'POST',
            ...(options.signal ? { signal: options.signal } : {}),
        });
        if (!res.ok)
            throw await this.problem(res, `POST ${this.cancelUrl}`);
        return this.readStatus(res, `POST ${this.cancelUrl}`);
    }
    async purge(options = {}) {
        const res = await send(this.core, this.purgeUrl, this.traceId, {
            method: 'DELETE',
            ...(options.signal ? { signal: options.signal } : {}),
        });
        if (!res.ok)
            throw await this.problem(res, `DELETE ${this.purgeUrl}`);
        await res.body?.cancel();
        this.lastStatus = undefined;
    }
    async wait(options = {}) {
        const { signal } = options;
        try {
            if (signal?.aborted)
                throw (0, errors_1.abortError)(signal.reason);
            return (await this.poll(options));
        }
        catch (err) {
            if (!signal?.aborted)
                throw err;
            if (options.cancelOnAbort !== false) {
                await this.cancel({ signal: AbortSignal.timeout(this.core.cancelTimeoutMs) }).catch(() => undefined);
            }
            throw (0, errors_1.abortError)(signal.reason);
        }
    }
    async poll(options) {
        const { signal } = options;
        const what = `GET ${this.monitorUrl}`;
        let failures = 0;
        let delayMs = this.initialDelayMs;
        for (;;) {
            if (delayMs > 0)
                await (0, retry_1.sleep)(Math.min(delayMs, this.core.maxPollIntervalMs), signal);
            let res;
            try {
                res = await send(this.core, this.monitorUrl, this.traceId, { method: 'GET', ...(signal ? { signal } : {}) });
            }
            catch (err) {
                if ((0, errors_1.isAbortError)(err) || signal?.aborted || failures >= this.core.maxRetries)
                    throw err;
                delayMs = (0, retry_1.backoffDelayMs)(failures++, this.core.backoff);
                continue;
            }
            const retryAfterMs = (0, retry_1.parseRetryAfter)(res.headers.get('retry-after'), Date.now(), res.headers.get('date'));
            if (transientStatuses.has(res.status)) {
                if (failures >= this.core.maxRetries)
                    throw await this.problem(res, what);
                await res.body?.cancel();
                const backoff = (0, retry_1.backoffDelayMs)(failures++, this.core.backoff);
                // Never sooner than the server asked (Retry-After), never sooner than the backoff.
                delayMs = Math.max(retryAfterMs ?? 0, backoff);
                continue;
            }
            if (res.status !== 200)
                throw await this.problem(res, what);
            failures = 0;
            const doc = await this.readStatus(res, what);
            options.onProgress?.(doc);
            const status = doc.status.toLowerCase();
            if (pendingStatuses.has(status)) {
                delayMs = retryAfterMs ?? this.core.defaultPollIntervalMs;
                continue;
            }
            const context = { jobId: this.id, traceId: this.traceId, httpStatus: res.status };
            if (status === 'succeeded')
                return this.fetchResult(doc, options);
            if (status === 'canceled') {
                throw new errors_1.JobCanceledError(doc.error ?? { type: 'about:blank', title: 'Conflict', status: 409, detail: 'The job was canceled.' }, context);
            }
            throw new errors_1.JobProblemError(doc.error ?? { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `The job ended ${doc.status}.` }, context);
        }
    }
    /** The result of a Succeeded job: from its SAS URL, else through the API (`onComplete=stream`). */
    async fetchResult(doc, options) {
        const { signal } = options;
        const as = options.as ?? 'auto';
        if (doc.resourceLocation) {
            try {
                // Only the traceparent: the client's own headers (credentials) are not for storage.
                const res = await this.core.fetch(doc.resourceLocation, {
                    headers: { traceparent: (0, traceContext_1.traceparent)(this.traceId) },
                    ...(signal ? { signal } : {}),
                });
                if (res.ok)
                    return await readResult(res, as);
                await res.body?.cancel();
            }
            catch (err) {
                if ((0, errors_1.isAbortError)(err) || signal?.aborted)
                    throw err;
                // Storage unreachable from here (network, CORS): fall back to the API.
            }
        }
        const url = new URL(this.monitorUrl);
        url.searchParams.set('onComplete', 'stream');
        const res = await send(this.core, url, this.traceId, { method: 'GET', ...(signal ? { signal } : {}) }, { accept: '*/*' });
        if (!res.ok)
            throw await this.problem(res, `GET ${url.href}`);
        return readResult(res, as);
    }
}
/**
 * Creates a client of the job API at `options.baseUrl`.
 * @throws TypeError when `baseUrl` is not an absolute http(s) URL, or no `fetch` is available
 */
function createJobClient(options) {
    const root = new URL(String(options.baseUrl));
    if (root.protocol !== 'http:' && root.protocol !== 'https:')
        throw new TypeError(`baseUrl must be an http(s) URL, not '${root.href}'.`);
    const baseUrl = `${root.origin}${root.pathname.replace(/\/+$/, '')}`;
    const prefix = (options.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
    const fetchImpl = options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
    if (!fetchImpl)
        throw new TypeError('No fetch implementation: pass options.fetch.');
    const core = {
        // Called without a receiver: a browser's fetch throws "Illegal invocation" on any other `this`.
        fetch: (input, init) => fetchImpl(input, init),
        headers: options.headers ?? {},
        apiBase: `${baseUrl}${prefix ? `/${prefix}` : ''}`,
        backoff: options.backoff ?? {},
        defaultPollIntervalMs: options.defaultPollIntervalMs ?? 2000,
        maxPollIntervalMs: options.maxPollIntervalMs ?? 60_000,
        maxRetries: options.maxRetries ?? 6,
        cancelTimeoutMs: options.cancelTimeoutMs ?? 10_000,
    };
    const checkedTraceId = (traceId) => {
        if (traceId === undefined)
            return (0, traceContext_1.newTraceId)();
        if (!(0, traceContext_1.isTraceId)(traceId))
            throw new TypeError(`Invalid trace id '${traceId}': expected 32 lowercase hex digits, not all zeros.`);
        return traceId;
    };
    const jobUrlsOf = (id) => {
        const base = `${core.apiBase}/jobs/${encodeURIComponent(id)}`;
        return { status: base, monitor: `${base}?onComplete=status`, cancel: `${base}/cancel`, purge: base };
    };
    return {
        baseUrl,
        async submit(type, body, submitOptions = {}) {
            if (!/^[A-Za-z0-9._~-]+$/.test(type))
                throw new TypeError(`Invalid job type '${type}'.`);
            const url = new URL(`${core.apiBase}/jobs/${type}`);
            for (const [key, value] of Object.entries(submitOptions.options ?? {})) {
                if (value === undefined)
                    continue;
                if (key === 'onPending' || key === 'onComplete')
                    throw new TypeError(`'${key}' is a status option, not a processor option; the client chooses it.`);
                url.searchParams.set(key, String(value));
            }
            const key = submitOptions.idempotencyKey;
            if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key))
                throw new TypeError('idempotencyKey must be 1–255 visible ASCII characters.');
            const traceId = checkedTraceId(submitOptions.traceId);
            const encoded = encodeBody(body);
            const headers = {
                ...(submitOptions.headers ?? {}),
                'content-type': submitOptions.contentType ?? encoded.contentType,
                ...(key !== undefined ? { 'idempotency-key': key } : {}),
            };
            const init = {
                method: 'POST',
                body: encoded.body,
                ...(encoded.stream ? { duplex: 'half' } : {}),
                ...(submitOptions.signal ? { signal: submitOptions.signal } : {}),
            };
            const res = await send(core, url, traceId, init, headers);
            if (!res.ok)
                throw await problemFrom(res, { traceId, what: `POST ${url.href}` });
            let accepted;
            try {
                const doc = asStatusDocument(await res.json());
                if (doc)
                    accepted = doc;
            }
            catch {
                accepted = undefined;
            }
            if (!accepted) {
                throw new errors_1.JobProblemError({
                    type: 'about:blank',
                    title: 'Bad Gateway',
                    status: 502,
                    detail: `POST ${url.href} answered ${res.status} without a job document.`,
                }, { traceId, httpStatus: res.status });
            }
            const resolve = (u) => (u ? new URL(u, res.url || url.href).href : undefined);
            const fallback = jobUrlsOf(accepted.id);
            const statusUrl = resolve(accepted.statusQueryGetUri) ?? resolve(res.headers.get('location')) ?? fallback.status;
            let monitorUrl = resolve(res.headers.get('operation-location'));
            if (!monitorUrl) {
                const m = new URL(statusUrl);
                m.searchParams.set('onComplete', 'status');
                monitorUrl = m.href;
            }
            const retryAfterMs = (0, retry_1.parseRetryAfter)(res.headers.get('retry-after'), Date.now(), res.headers.get('date'));
            return new Handle(core, accepted.id, accepted.type ?? type, traceId, statusUrl, monitorUrl, resolve(accepted.terminatePostUri) ?? fallback.cancel, resolve(accepted.purgeHistoryDeleteUri) ?? fallback.purge, accepted, retryAfterMs ?? 0);
        },
        job(id, jobOptions = {}) {
            if (!id)
                throw new TypeError('A job id is required.');
            const urls = jobUrlsOf(id);
            return new Handle(core, id, '', checkedTraceId(jobOptions.traceId), urls.status, urls.monitor, urls.cancel, urls.purge, undefined);
        },
    };
}
//# sourceMappingURL=jobClient.js.map