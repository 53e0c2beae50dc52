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
import {
  headerNames,
  jobUrls,
  maxIdempotencyKeyLength,
  monitorOptions,
  routePrefix as defaultRoutePrefix,
  statusOptionKeys,
  type StatusOptions,
  submitUrl,
} from '../contract/http';
import { isTerminal, jobStatuses } from '../contract/jobStatus';
import { statusTitles } from '../contract/problem';
import type { AcceptedDocument, StatusDocument } from '../contract/schemas';
import { abortError, isAbortError, JobCanceledError, JobProblemError, type ProblemDetails } from './errors';
import { backoffDelayMs, type BackoffOptions, parseRetryAfter, sleep } from './retry';
import { isTraceId, newTraceId, traceparent } from './traceContext';

/** A JSON value (a JSON request body). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A request body:
 * - `string`: sent as is (UTF-8), default content type `text/plain;charset=UTF-8`;
 * - `Blob` / `File`: sent from its source (a file picked in a browser, `fs.openAsBlob()` in Node.js: streamed
 *   from disk, with `Content-Length`), default content type the blob's `type`;
 * - `ArrayBuffer`, typed arrays: default `application/octet-stream`;
 * - `ReadableStream<Uint8Array>`: streamed (chunked, no `Content-Length`), default `application/octet-stream`;
 * - `URLSearchParams`: `application/x-www-form-urlencoded`;
 * - any other JSON value (object, array, number, boolean, null): serialized, `application/json`.
 */
export type JobBody = string | Blob | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | URLSearchParams | JsonValue;

/** A processor option value (sent in the query string as its `String()` form). */
export type JobOptionValue = string | number | boolean;

/** Options of {@link createJobClient}. */
export interface JobClientOptions {
  /**
   * Root URL of the app, e.g. `http://localhost:7071` or `https://jobs.example.com/gateway`; the job API is
   * at `<baseUrl>/<routePrefix>/jobs`. A trailing slash is ignored.
   */
  baseUrl: string | URL;
  /** `fetch` implementation (default: the global `fetch`), e.g. to add retries, logging or a test double. */
  fetch?: typeof fetch;
  /**
   * Extra headers sent with every request to the job API (e.g. `Authorization`, `x-functions-key`). They
   * are **not** sent to the result's SAS URL (storage), which needs no credentials.
   */
  headers?: Record<string, string>;
  /** Route prefix of the Functions app (host.json `extensions.http.routePrefix`, default `api`). */
  routePrefix?: string;
  /** Backoff on 429/502/503/504 and network errors while waiting (defaults: 500 ms base, 30 000 ms cap). */
  backoff?: BackoffOptions;
  /** Poll interval in **ms** when a pending status answer has no usable `Retry-After` (default 2000). */
  defaultPollIntervalMs?: number;
  /** Upper bound in **ms** of any wait between polls, `Retry-After` included (default 60 000). */
  maxPollIntervalMs?: number;
  /** Transient failures in a row (429/502/503/504, network errors) `wait()` tolerates before it throws (default 6). */
  maxRetries?: number;
  /** Time in **ms** allowed for the cancel request `wait()` sends when its signal aborts (default 10 000). */
  cancelTimeoutMs?: number;
}

/** Options of {@link JobClient.submit}. */
export interface SubmitOptions {
  /**
   * Processor options, sent in the query string (e.g. `{ delimiter: ';', header: false }` for `csv-report`).
   * `undefined` values are left out.
   * @throws TypeError (from `submit`) for the reserved status-option keys `onPending` and `onComplete`
   */
  options?: Record<string, JobOptionValue | undefined>;
  /** `Content-Type` of the body (e.g. `text/csv`); default inferred from the body (see {@link JobBody}). */
  contentType?: string;
  /**
   * `Idempotency-Key` (1–255 visible ASCII characters): submitting again with the same key and the same
   * request returns the original job instead of creating a second one.
   */
  idempotencyKey?: string;
  /** Aborts the submit request (the job may or may not have been created). */
  signal?: AbortSignal;
  /** Trace id (32 lowercase hex digits) to join an existing trace; default a new random one. */
  traceId?: string;
  /**
   * Extra headers for this request only. Not `Prefer: wait=N`: the client expects the 202 job document
   * (use `wait()` instead).
   */
  headers?: Record<string, string>;
}

/** Options of a single request of a {@link JobHandle}. */
export interface RequestOptions {
  /** Aborts the request (rejects with an `AbortError`). */
  signal?: AbortSignal;
}

/**
 * How `wait()` reads the result: `json` (parsed), `text`, `blob`, `arrayBuffer`; `auto` (default) = `json`
 * for JSON media types (`application/json`, `*+json`), `text` for `text/*`, else `blob`.
 */
export type ResultFormat = 'auto' | 'json' | 'text' | 'blob' | 'arrayBuffer';

/** Options of {@link JobHandle.wait}. */
export interface WaitOptions {
  /**
   * Called with each status document read (one per poll, in order), the terminal one included.
   * If it throws, `wait()` rejects with that error (and the job keeps running).
   */
  onProgress?: (status: StatusDocument) => void;
  /**
   * Aborting it stops waiting: the job is canceled server-side (a `POST` to its cancel URL, errors
   * ignored; skip with `cancelOnAbort: false`) and `wait()` rejects with the signal's reason (an
   * `AbortError` `DOMException` for a plain `abort()`, a `TimeoutError` for `AbortSignal.timeout()`).
   */
  signal?: AbortSignal;
  /** Whether aborting `signal` cancels the job server-side (default true). */
  cancelOnAbort?: boolean;
  /** How to read the result (default `auto`). */
  as?: ResultFormat;
}

/** A submitted job. */
export interface JobHandle {
  /** Job id (a UUID). */
  readonly id: string;
  /** Job type, e.g. `csv-report` (empty for a handle made by {@link JobClient.job} until a status is read). */
  readonly type: string;
  /** Trace id (32 hex digits) shared by all requests of this handle (in their `traceparent`). */
  readonly traceId: string;
  /** The status URL (`Location` of the 202): 302 to the result when done. */
  readonly statusUrl: string;
  /** The status monitor URL (`Operation-Location`): always 200 with the status document. */
  readonly monitorUrl: string;
  /** The cancel URL (`terminatePostUri`). */
  readonly cancelUrl: string;
  /** The purge URL (`purgeHistoryDeleteUri`). */
  readonly purgeUrl: string;
  /** The 202 body of the submit (undefined for a handle made by {@link JobClient.job}). */
  readonly accepted: AcceptedDocument | undefined;
  /** The latest status document read by `status()`, `wait()` or `cancel()` (or the 202 body). */
  readonly lastStatus: StatusDocument | undefined;
  /** SAS URL of the result once a status document said `Succeeded` (short-lived: about 10 minutes). */
  readonly resultUrl: string | undefined;

  /**
   * Reads the status document once (`GET` on the monitor URL, `?onComplete=status`).
   * @throws JobProblemError when the API answers with a problem (404 unknown or expired job, 503, …)
   * @throws TypeError on a network error; an `AbortError` when `signal` aborts
   */
  status(options?: RequestOptions): Promise<StatusDocument>;

  /**
   * Polls the monitor URL until the job is terminal, honouring `Retry-After` (integer seconds or an
   * HTTP-date; first poll after the 202's `Retry-After`) and backing off (exponential with jitter,
   * capped) on 429/502/503/504 and network errors. When the job succeeds, fetches the result from its SAS
   * URL (`resourceLocation`) itself, so it works whether or not the runtime follows cross-origin
   * redirects; if storage cannot be reached (e.g. no CORS rule for the page's origin) or the URL has
   * expired, it reads the result through the API instead (`?onComplete=stream`).
   * @returns the result, read as `options.as` says (parsed JSON by default for JSON results)
   * @throws JobProblemError the job Failed (its `error`, e.g. status 422 for malformed input, with
   *   `jobId` and `traceId`), or the API answered with a problem (e.g. 404), or transient failures
   *   exceeded `maxRetries`
   * @throws JobCanceledError (status 409) the job was canceled by someone else
   * @throws the signal's reason (an `AbortError` by default) when `options.signal` aborts, after
   *   canceling the job
   * @throws TypeError on persistent network errors
   */
  wait<T = unknown>(options?: WaitOptions): Promise<T>;

  /**
   * Cancels the job (`POST` to the cancel URL). A NotStarted job is Canceled at once; a Running one
   * stops at the processor's next check (about a second), then reads Canceled.
   * @returns the status document after the request (202)
   * @throws JobProblemError 409 when the job has already finished, 404 when it is unknown
   */
  cancel(options?: RequestOptions): Promise<StatusDocument>;

  /**
   * Deletes the job and everything stored for it (`DELETE` on the purge URL), canceling it first if
   * needed; later reads answer 404.
   * @throws JobProblemError 404 when the job is unknown
   */
  purge(options?: RequestOptions): Promise<void>;
}

/** A client of one job API. */
export interface JobClient {
  /** The normalized base URL (no trailing slash). */
  readonly baseUrl: string;
  /**
   * Submits a job: `POST <baseUrl>/<routePrefix>/jobs/<type>?<options>` with `body`.
   * No retry: a 503 rejects (its `retryAfterMs` says when to try again; pass an `idempotencyKey` to make
   * retrying safe).
   * @param type job type (processor name), e.g. `csv-report`
   * @returns a handle on the accepted job (202)
   * @throws JobProblemError 400 invalid options or body (`errors` lists the fields), 404 unknown type,
   *   413 body too large, 415 wrong media type, 422 idempotency key reused, 503 storage unavailable
   * @throws TypeError for an invalid `type`, a reserved option key, an invalid idempotency key or trace
   *   id, or a network error; an `AbortError` when `options.signal` aborts
   */
  submit(type: string, body: JobBody, options?: SubmitOptions): Promise<JobHandle>;
  /**
   * A handle on an existing job, from its id (URLs built from `baseUrl`); makes no request.
   * @param options.traceId trace id for its requests (default a new random one)
   * @throws TypeError for an empty id or an invalid trace id
   */
  job(id: string, options?: { traceId?: string }): JobHandle;
}

/** The non-terminal statuses, lowercased: a status is compared case-insensitively, as Azure SDK pollers do. */
const pendingStatuses = new Set(jobStatuses.filter((s) => !isTerminal(s)).map((s) => s.toLowerCase()));
const transientStatuses = new Set([429, 502, 503, 504]);
const acceptJson = 'application/json, application/problem+json';

function isJsonMediaType(contentType: string | null): boolean {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return essence === 'application/json' || essence.endsWith('+json');
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return typeof body === 'object' && body !== null && typeof (body as { getReader?: unknown }).getReader === 'function';
}

/** Encodes a {@link JobBody}: the fetch body and its default content type. */
function encodeBody(body: JobBody): { body: unknown; contentType: string; stream: boolean } {
  if (typeof body === 'string') return { body, contentType: 'text/plain;charset=UTF-8', stream: false };
  if (typeof Blob !== 'undefined' && body instanceof Blob)
    return { body, contentType: body.type || 'application/octet-stream', stream: false };
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return { body, contentType: 'application/octet-stream', stream: false };
  if (isReadableStream(body)) return { body, contentType: 'application/octet-stream', stream: true };
  if (body instanceof URLSearchParams) return { body, contentType: 'application/x-www-form-urlencoded;charset=UTF-8', stream: false };
  return { body: JSON.stringify(body), contentType: 'application/json', stream: false };
}

function asStatusDocument(value: unknown): StatusDocument | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || typeof v.status !== 'string') return undefined;
  return {
    ...(v as object),
    percentComplete: typeof v.percentComplete === 'number' ? v.percentComplete : 0,
    progress: typeof v.progress === 'object' && v.progress !== null ? (v.progress as StatusDocument['progress']) : {},
  } as StatusDocument;
}

function isProblemLike(value: unknown): value is Partial<ProblemDetails> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Internal state shared by a client and its handles. */
interface ClientCore {
  fetch: typeof fetch;
  headers: Record<string, string>;
  apiBase: string;
  backoff: BackoffOptions;
  defaultPollIntervalMs: number;
  maxPollIntervalMs: number;
  maxRetries: number;
  cancelTimeoutMs: number;
}

/** Sends one request with the client's headers and a fresh `traceparent` of `traceId`. */
function send(
  core: ClientCore,
  url: string | URL,
  traceId: string,
  init: RequestInit & { duplex?: 'half' } = {},
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const headers = { accept: acceptJson, ...lower(core.headers), ...lower(extraHeaders), traceparent: traceparent(traceId) };
  return core.fetch(url, { ...init, headers });
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Reads an error response as a {@link JobProblemError} (synthesizing a problem when the body is none). */
async function problemFrom(res: Response, context: { jobId?: string; traceId: string; what: string }): Promise<JobProblemError> {
  let body: unknown;
  const text = await res.text().catch(() => '');
  if (isJsonMediaType(res.headers.get('content-type'))) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  const title = statusTitles[res.status] ?? (res.statusText || 'Error');
  const problem: ProblemDetails = isProblemLike(body)
    ? { type: 'about:blank', title, status: res.status, ...body }
    : { type: 'about:blank', title, status: res.status, detail: `${context.what} answered ${res.status} ${title}.` };
  if (typeof problem.status !== 'number') problem.status = res.status;
  const retryAfterMs = parseRetryAfter(res.headers.get(headerNames.retryAfter), Date.now(), res.headers.get('date'));
  return new JobProblemError(problem, {
    ...(context.jobId !== undefined ? { jobId: context.jobId } : {}),
    traceId: context.traceId,
    httpStatus: res.status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

async function readResult(res: Response, as: ResultFormat): Promise<unknown> {
  const format =
    as === 'auto'
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

class Handle implements JobHandle {
  lastStatus: StatusDocument | undefined;
  private initialDelayMs: number;

  constructor(
    private readonly core: ClientCore,
    readonly id: string,
    private readonly submittedType: string,
    readonly traceId: string,
    readonly statusUrl: string,
    readonly monitorUrl: string,
    readonly cancelUrl: string,
    readonly purgeUrl: string,
    readonly accepted: AcceptedDocument | undefined,
    initialDelayMs = 0,
  ) {
    this.lastStatus = accepted;
    this.initialDelayMs = initialDelayMs;
  }

  get type(): string {
    return this.lastStatus?.type ?? this.submittedType;
  }

  get resultUrl(): string | undefined {
    return this.lastStatus?.status === 'Succeeded' ? this.lastStatus.resourceLocation : undefined;
  }

  private problem(res: Response, what: string): Promise<JobProblemError> {
    return problemFrom(res, { jobId: this.id, traceId: this.traceId, what });
  }

  private async readStatus(res: Response, what: string): Promise<StatusDocument> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    const doc = asStatusDocument(body);
    if (!doc) {
      throw new JobProblemError(
        { type: 'about:blank', title: 'Bad Gateway', status: 502, detail: `${what} answered ${res.status} without a status document.` },
        { jobId: this.id, traceId: this.traceId, httpStatus: res.status },
      );
    }
    this.lastStatus = doc;
    return doc;
  }

  async status(options: RequestOptions = {}): Promise<StatusDocument> {
    const res = await send(this.core, this.monitorUrl, this.traceId, {
      method: 'GET',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (res.status !== 200) throw await this.problem(res, `GET ${this.monitorUrl}`);
    return this.readStatus(res, `GET ${this.monitorUrl}`);
  }

  async cancel(options: RequestOptions = {}): Promise<StatusDocument> {
    const res = await send(this.core, this.cancelUrl, this.traceId, {
      method: 'POST',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!res.ok) throw await this.problem(res, `POST ${this.cancelUrl}`);
    return this.readStatus(res, `POST ${this.cancelUrl}`);
  }

  async purge(options: RequestOptions = {}): Promise<void> {
    const res = await send(this.core, this.purgeUrl, this.traceId, {
      method: 'DELETE',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!res.ok) throw await this.problem(res, `DELETE ${this.purgeUrl}`);
    await res.body?.cancel();
    this.lastStatus = undefined;
  }

  async wait<T = unknown>(options: WaitOptions = {}): Promise<T> {
    const { signal } = options;
    try {
      if (signal?.aborted) throw abortError(signal.reason);
      return (await this.poll(options)) as T;
    } catch (err) {
      if (!signal?.aborted) throw err;
      if (options.cancelOnAbort !== false) {
        await this.cancel({ signal: AbortSignal.timeout(this.core.cancelTimeoutMs) }).catch(() => undefined);
      }
      throw abortError(signal.reason);
    }
  }

  private async poll(options: WaitOptions): Promise<unknown> {
    const { signal } = options;
    const what = `GET ${this.monitorUrl}`;
    let failures = 0;
    let delayMs = this.initialDelayMs;
    for (;;) {
      if (delayMs > 0) await sleep(Math.min(delayMs, this.core.maxPollIntervalMs), signal);
      let res: Response;
      try {
        res = await send(this.core, this.monitorUrl, this.traceId, { method: 'GET', ...(signal ? { signal } : {}) });
      } catch (err) {
        if (isAbortError(err) || signal?.aborted || failures >= this.core.maxRetries) throw err;
        delayMs = backoffDelayMs(failures++, this.core.backoff);
        continue;
      }
      const retryAfterMs = parseRetryAfter(res.headers.get(headerNames.retryAfter), Date.now(), res.headers.get('date'));
      if (transientStatuses.has(res.status)) {
        if (failures >= this.core.maxRetries) throw await this.problem(res, what);
        await res.body?.cancel();
        const backoff = backoffDelayMs(failures++, this.core.backoff);
        // Never sooner than the server asked (Retry-After), never sooner than the backoff.
        delayMs = Math.max(retryAfterMs ?? 0, backoff);
        continue;
      }
      if (res.status !== 200) throw await this.problem(res, what);
      failures = 0;
      const doc = await this.readStatus(res, what);
      options.onProgress?.(doc);
      const status = doc.status.toLowerCase();
      if (pendingStatuses.has(status)) {
        delayMs = retryAfterMs ?? this.core.defaultPollIntervalMs;
        continue;
      }
      const context = { jobId: this.id, traceId: this.traceId, httpStatus: res.status };
      if (status === 'succeeded') return this.fetchResult(doc, options);
      if (status === 'canceled') {
        throw new JobCanceledError(
          doc.error ?? { type: 'about:blank', title: 'Conflict', status: 409, detail: 'The job was canceled.' },
          context,
        );
      }
      throw new JobProblemError(
        doc.error ?? { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: `The job ended ${doc.status}.` },
        context,
      );
    }
  }

  /** The result of a Succeeded job: from its SAS URL, else through the API (`onComplete=stream`). */
  private async fetchResult(doc: StatusDocument, options: WaitOptions): Promise<unknown> {
    const { signal } = options;
    const as = options.as ?? 'auto';
    if (doc.resourceLocation) {
      try {
        // Only the traceparent: the client's own headers (credentials) are not for storage.
        const res = await this.core.fetch(doc.resourceLocation, {
          headers: { traceparent: traceparent(this.traceId) },
          ...(signal ? { signal } : {}),
        });
        if (res.ok) return await readResult(res, as);
        await res.body?.cancel();
      } catch (err) {
        if (isAbortError(err) || signal?.aborted) throw err;
        // Storage unreachable from here (network, CORS): fall back to the API.
      }
    }
    const url = new URL(this.monitorUrl);
    url.searchParams.set('onComplete', 'stream' satisfies StatusOptions['onComplete']);
    const res = await send(this.core, url, this.traceId, { method: 'GET', ...(signal ? { signal } : {}) }, { accept: '*/*' });
    if (!res.ok) throw await this.problem(res, `GET ${url.href}`);
    return readResult(res, as);
  }
}

/**
 * Creates a client of the job API at `options.baseUrl`.
 * @throws TypeError when `baseUrl` is not an absolute http(s) URL, or no `fetch` is available
 */
export function createJobClient(options: JobClientOptions): JobClient {
  const root = new URL(String(options.baseUrl));
  if (root.protocol !== 'http:' && root.protocol !== 'https:') throw new TypeError(`baseUrl must be an http(s) URL, not '${root.href}'.`);
  const baseUrl = `${root.origin}${root.pathname.replace(/\/+$/, '')}`;
  const prefix = (options.routePrefix ?? defaultRoutePrefix).replace(/^\/+|\/+$/g, '');
  const fetchImpl = options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
  if (!fetchImpl) throw new TypeError('No fetch implementation: pass options.fetch.');
  const core: ClientCore = {
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

  const checkedTraceId = (traceId: string | undefined): string => {
    if (traceId === undefined) return newTraceId();
    if (!isTraceId(traceId)) throw new TypeError(`Invalid trace id '${traceId}': expected 32 lowercase hex digits, not all zeros.`);
    return traceId;
  };

  return {
    baseUrl,

    async submit(type: string, body: JobBody, submitOptions: SubmitOptions = {}): Promise<JobHandle> {
      if (!/^[A-Za-z0-9._~-]+$/.test(type)) throw new TypeError(`Invalid job type '${type}'.`);
      const url = new URL(submitUrl(core.apiBase, type));
      for (const [key, value] of Object.entries(submitOptions.options ?? {})) {
        if (value === undefined) continue;
        if ((statusOptionKeys as string[]).includes(key))
          throw new TypeError(`'${key}' is a status option, not a processor option; the client chooses it.`);
        url.searchParams.set(key, String(value));
      }
      const key = submitOptions.idempotencyKey;
      if (key !== undefined && !(/^[\x21-\x7e]+$/.test(key) && key.length <= maxIdempotencyKeyLength))
        throw new TypeError(`idempotencyKey must be 1–${maxIdempotencyKeyLength} visible ASCII characters.`);
      const traceId = checkedTraceId(submitOptions.traceId);
      const encoded = encodeBody(body);
      const headers: Record<string, string> = {
        ...(submitOptions.headers ?? {}),
        'content-type': submitOptions.contentType ?? encoded.contentType,
        ...(key !== undefined ? { [headerNames.idempotencyKey.toLowerCase()]: key } : {}),
      };
      const init = {
        method: 'POST',
        body: encoded.body as RequestInit['body'],
        ...(encoded.stream ? { duplex: 'half' as const } : {}),
        ...(submitOptions.signal ? { signal: submitOptions.signal } : {}),
      };
      const res = await send(core, url, traceId, init, headers);
      if (!res.ok) throw await problemFrom(res, { traceId, what: `POST ${url.href}` });
      let accepted: AcceptedDocument | undefined;
      try {
        const doc = asStatusDocument(await res.json());
        if (doc) accepted = doc as AcceptedDocument;
      } catch {
        accepted = undefined;
      }
      if (!accepted) {
        throw new JobProblemError(
          {
            type: 'about:blank',
            title: 'Bad Gateway',
            status: 502,
            detail: `POST ${url.href} answered ${res.status} without a job document.`,
          },
          { traceId, httpStatus: res.status },
        );
      }
      const resolve = (u: string | null | undefined): string | undefined => (u ? new URL(u, res.url || url.href).href : undefined);
      const fallback = jobUrls(core.apiBase, accepted.id);
      const statusUrl = resolve(accepted.statusQueryGetUri) ?? resolve(res.headers.get(headerNames.location)) ?? fallback.status;
      let monitorUrl = resolve(res.headers.get(headerNames.operationLocation));
      if (!monitorUrl) {
        const m = new URL(statusUrl);
        for (const [k, v] of Object.entries(monitorOptions)) m.searchParams.set(k, v);
        monitorUrl = m.href;
      }
      const retryAfterMs = parseRetryAfter(res.headers.get(headerNames.retryAfter), Date.now(), res.headers.get('date'));
      return new Handle(
        core,
        accepted.id,
        accepted.type ?? type,
        traceId,
        statusUrl,
        monitorUrl,
        resolve(accepted.terminatePostUri) ?? fallback.cancel,
        resolve(accepted.purgeHistoryDeleteUri) ?? fallback.purge,
        accepted,
        retryAfterMs ?? 0,
      );
    },

    job(id: string, jobOptions: { traceId?: string } = {}): JobHandle {
      if (!id) throw new TypeError('A job id is required.');
      const urls = jobUrls(core.apiBase, id);
      return new Handle(core, id, '', checkedTraceId(jobOptions.traceId), urls.status, urls.monitor, urls.cancel, urls.purge, undefined);
    },
  };
}
