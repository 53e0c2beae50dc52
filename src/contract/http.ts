/**
 * The HTTP shapes of the API contract, as plain values: routes and job URLs, status options, header
 * names. No zod and no Node.js import (see `./jobStatus`); the server (src/http, src/functions), the
 * typed client (src/client) and the OpenAPI document all build their URLs and headers from here.
 * Reference: docs/api.md.
 */

/** Default route prefix of a Functions app (`extensions.http.routePrefix` of host.json; a consistency test keeps them equal). */
export const routePrefix = 'api';

/**
 * Route templates of the job API below the route prefix (Azure Functions `route` syntax, also the
 * OpenAPI path templates).
 */
export const jobRoutes = {
  /** `POST`: submit a job of `type`. */
  submit: 'jobs/{type}',
  /** `GET`: the status URL (and, with `?onComplete=status`, the status monitor); `DELETE`: purge. */
  job: 'jobs/{id}',
  /** `POST`: cancel. */
  cancel: 'jobs/{id}/cancel',
} as const;

/** A route template with its `{name}` parameters replaced by their URL-encoded values. */
export function fillRoute(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}

/**
 * Query options of the status URL (docs/api.md, "GET /api/jobs/{id}"), chosen on the submit and
 * echoed into `Location`:
 * - `onPending`: `ok` (default) 200 + status document + `Retry-After` while pending; `accepted` 202 +
 *   `Location` (itself) + `Retry-After`, for the Logic Apps / Durable `callHttp` polling pattern;
 * - `onComplete`: `redirect` (default) 302 / `seeOther` 303 to the result's SAS URL; `stream` 200 with
 *   the result bytes; `status` 200 status document with `resourceLocation` (the status monitor).
 */
export const statusOptionValues = {
  onPending: ['ok', 'accepted'],
  onComplete: ['redirect', 'seeOther', 'stream', 'status'],
} as const;

/** Chosen status options. */
export interface StatusOptions {
  onPending: (typeof statusOptionValues.onPending)[number];
  onComplete: (typeof statusOptionValues.onComplete)[number];
}

/** The options of a status URL without query. */
export const defaultStatusOptions: Readonly<StatusOptions> = { onPending: 'ok', onComplete: 'redirect' };

/** Query keys reserved for status options; every other submit query key is a processor option. */
export const statusOptionKeys = Object.keys(statusOptionValues) as (keyof StatusOptions)[];

/** The query of the status monitor: the status URL that always answers 200 with the status document. */
export const monitorOptions = { onComplete: 'status' } as const satisfies Partial<StatusOptions>;

/**
 * The absolute URLs of one job. The submit's 202 gives them as `Location` (status), `Operation-Location`
 * (monitor) and the body's Durable-style `statusQueryGetUri`, `terminatePostUri`, `purgeHistoryDeleteUri`.
 */
export interface JobUrls {
  /** Status URL carrying the caller's status options (the `Location` of the 202). */
  status: string;
  /** The status monitor: the status URL with `?onComplete=status`, always 200 (`Operation-Location`). */
  monitor: string;
  /** `POST` here cancels the job (Durable `terminatePostUri`). */
  cancel: string;
  /** `DELETE` here purges the job (Durable `purgeHistoryDeleteUri`). */
  purge: string;
}

/**
 * The URLs of job `id`.
 * @param apiBase `<origin>[/<path>]/<routePrefix>`, no trailing slash
 * @param options status options for the status URL; those equal to {@link defaultStatusOptions} are left
 *   out of its query
 */
export function jobUrls(apiBase: string, id: string, options: Partial<StatusOptions> = {}): JobUrls {
  const base = `${apiBase}/${fillRoute(jobRoutes.job, { id })}`;
  const query = new URLSearchParams();
  for (const key of statusOptionKeys) {
    const value = options[key];
    if (value !== undefined && value !== defaultStatusOptions[key]) query.set(key, value);
  }
  const q = query.toString();
  return {
    status: q ? `${base}?${q}` : base,
    monitor: `${base}?${new URLSearchParams(monitorOptions).toString()}`,
    cancel: `${apiBase}/${fillRoute(jobRoutes.cancel, { id })}`,
    purge: base,
  };
}

/** The submit URL of job type `type` (without query). */
export function submitUrl(apiBase: string, type: string): string {
  return `${apiBase}/${fillRoute(jobRoutes.submit, { type })}`;
}

/** Names of the headers the API reads or sends beyond the standard ones, as docs/api.md spells them. */
export const headerNames = {
  location: 'Location',
  /** The status monitor URL (Azure REST API guidelines, long-running operations). */
  operationLocation: 'Operation-Location',
  /** Whole seconds before the next poll (RFC 9110 §10.2.3). */
  retryAfter: 'Retry-After',
  /** `wait=N` (RFC 7240 §4.3). */
  prefer: 'Prefer',
  /** The preference honoured (RFC 7240 §3). */
  preferenceApplied: 'Preference-Applied',
  /** draft-ietf-httpapi-idempotency-key-header. */
  idempotencyKey: 'Idempotency-Key',
  /** `true` when a submit replays the original job of its `Idempotency-Key`. */
  idempotentReplayed: 'Idempotent-Replayed',
  /** W3C Trace Context. */
  traceparent: 'traceparent',
} as const;

/**
 * The response headers a browser page on another origin must be able to read (CORS
 * `Access-Control-Expose-Headers`; https://fetch.spec.whatwg.org/#http-access-control-expose-headers):
 * the CORS default exposes none of them.
 */
export const exposedHeaders: readonly string[] = [
  headerNames.location,
  headerNames.operationLocation,
  headerNames.retryAfter,
  headerNames.preferenceApplied,
  headerNames.idempotentReplayed,
];

/** Longest accepted `Idempotency-Key`, in characters (draft-ietf-httpapi-idempotency-key-header). */
export const maxIdempotencyKeyLength = 255;

/**
 * A `traceparent` header of version 00 (W3C Trace Context §3.2,
 * https://www.w3.org/TR/trace-context/#traceparent-header): `00-<trace-id: 32 hex>-<parent-id: 16
 * hex>-<flags: 2 hex>`, lowercase; groups 1–3 capture the three fields. An all-zero trace id or
 * parent id is invalid (§3.2.2.3, §3.2.2.4) though it matches.
 */
export const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
