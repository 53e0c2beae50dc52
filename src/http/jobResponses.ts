import { Readable } from 'node:stream';

import type { HttpResponseInit } from '@azure/functions';

import { exposedHeaders, headerNames, type JobUrls, type StatusOptions } from '../contract/http';
import { runtimeStatusOf } from '../contract/jobStatus';
import type { AcceptedDocument, ProblemDetails, StatusDocument } from '../contract/schemas';
import type { AppConfig } from '../core/config';
import type { JobRecord } from '../core/jobs/model';
import { ProblemError, problemMediaType, storageUnavailable } from '../core/problem';
import { isTransientStorageError } from '../core/storage';

/** Builds the status document of a job (the contract's `statusDocumentSchema`): its public fields only. */
export function toStatusDocument(job: JobRecord, resourceLocation?: string): StatusDocument {
  return {
    id: job.id,
    type: job.type,
    status: job.status,
    percentComplete: job.percentComplete,
    progress: job.progress,
    createdDateTime: job.createdDateTime,
    lastUpdatedDateTime: job.lastUpdatedDateTime,
    ...(job.error ? { error: job.error } : {}),
    ...(resourceLocation ? { resourceLocation } : {}),
    runtimeStatus: runtimeStatusOf[job.status],
    customStatus: { percentComplete: job.percentComplete, progress: job.progress },
  };
}

/** Headers of every job response: no caching (status answers change), and the headers a browser may read cross-origin. */
const common = { 'Cache-Control': 'no-store', 'Access-Control-Expose-Headers': exposedHeaders.join(', ') };

/**
 * `Retry-After` for a pending job, in whole seconds (RFC 9110 §10.2.3), within
 * [`JOBS_RETRY_AFTER_SECONDS`, `JOBS_MAX_RETRY_AFTER_SECONDS`]. A Running job that reports
 * `percentComplete` is polled at about half its estimated remaining time (elapsed × (100 − p) / p).
 */
export function retryAfterSeconds(
  job: JobRecord,
  now: Date,
  config: Pick<AppConfig, 'retryAfterSeconds' | 'maxRetryAfterSeconds'>,
): number {
  const min = config.retryAfterSeconds;
  const max = config.maxRetryAfterSeconds;
  const p = job.percentComplete;
  if (job.status !== 'Running' || !job.startedDateTime || p <= 0 || p >= 100) return min;
  const elapsedS = Math.max(0, (now.getTime() - Date.parse(job.startedDateTime)) / 1000);
  const remainingS = (elapsedS * (100 - p)) / p;
  return Math.min(max, Math.max(min, Math.ceil(remainingS / 2)));
}

/** How the status function reaches a Succeeded job's result. */
export interface ResultAccess {
  /** A short-lived read-only SAS URL of the result. */
  url(result: NonNullable<JobRecord['result']>): Promise<string>;
  /** The result bytes as a stream. */
  open(result: NonNullable<JobRecord['result']>): Promise<Readable>;
}

/** A problem details response (RFC 9457), with `Content-Type: application/problem+json`. */
export function problemResponse(p: ProblemDetails, headers: Record<string, string> = {}): HttpResponseInit {
  return { status: p.status, headers: { ...common, ...headers, 'Content-Type': problemMediaType }, body: JSON.stringify(p) };
}

/** The generic 500 problem of an unexpected error: no message, no stack trace (those go to the log only). */
export function internalErrorResponse(): HttpResponseInit {
  return problemResponse({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.' });
}

/**
 * Maps any error to a response: a {@link ProblemError} to its problem (and headers), a storage outage
 * or throttling to {@link storageUnavailable}'s 503 with `Retry-After: retryAfterSeconds`, anything
 * else to {@link internalErrorResponse}.
 * @param retryAfterSeconds `JOBS_RETRY_AFTER_SECONDS`, the app's one `Retry-After` for a 503
 */
export function errorResponse(err: unknown, retryAfterSeconds: number): HttpResponseInit {
  const known = isTransientStorageError(err) ? storageUnavailable(err, retryAfterSeconds) : err;
  if (known instanceof ProblemError) return problemResponse(known.problem, known.headers);
  return internalErrorResponse();
}

/** 202 with `Location` (the status URL), `Retry-After` and the status document: a pending job under `onPending=accepted`, and the answer to a cancel request. */
export function statusAcceptedResponse(job: JobRecord, urls: JobUrls, retryAfter: number): HttpResponseInit {
  return {
    status: 202,
    headers: {
      ...common,
      [headerNames.location]: urls.status,
      [headerNames.retryAfter]: String(retryAfter),
      'Content-Type': 'application/json',
    },
    jsonBody: toStatusDocument(job),
  };
}

/** 202 Accepted for a new job: {@link statusAcceptedResponse} plus `Operation-Location` and the Durable-style management payload. */
export function acceptedResponse(job: JobRecord, urls: JobUrls, retryAfter: number): HttpResponseInit {
  const base = statusAcceptedResponse(job, urls, retryAfter);
  const body: AcceptedDocument = {
    ...toStatusDocument(job),
    statusQueryGetUri: urls.status,
    terminatePostUri: urls.cancel,
    purgeHistoryDeleteUri: urls.purge,
  };
  return {
    ...base,
    headers: { ...(base.headers as Record<string, string>), [headerNames.operationLocation]: urls.monitor },
    jsonBody: body,
  };
}

/**
 * The status URL's answer for a job, per docs/api.md (`GET /api/jobs/{id}`):
 * - pending: `onPending=ok` 200 / `accepted` 202 + `Location`, both with `Retry-After` and the document;
 * - Succeeded: `redirect` 302 / `seeOther` 303 to a SAS URL, `stream` 200 with the bytes,
 *   `status` 200 with `resourceLocation`;
 * - Failed or Canceled: `status` 200 with the document, otherwise the persisted problem
 *   (422 input rejected, 500 processing failed, 409 canceled).
 */
export async function statusResponse(
  job: JobRecord,
  options: StatusOptions,
  urls: JobUrls,
  retryAfter: number,
  results: ResultAccess,
): Promise<HttpResponseInit> {
  const json = { ...common, 'Content-Type': 'application/json' };
  switch (job.status) {
    case 'NotStarted':
    case 'Running': {
      if (options.onPending === 'accepted') return statusAcceptedResponse(job, urls, retryAfter);
      return { status: 200, headers: { ...json, [headerNames.retryAfter]: String(retryAfter) }, jsonBody: toStatusDocument(job) };
    }
    case 'Succeeded':
      return succeededResponse(job, options, results);
    case 'Failed':
    case 'Canceled': {
      if (options.onComplete === 'status') return { status: 200, headers: json, jsonBody: toStatusDocument(job) };
      const error = job.error ?? { type: 'about:blank', title: 'Internal Server Error', status: 500 };
      return problemResponse({ ...error, instance: urls.status });
    }
  }
}

async function succeededResponse(job: JobRecord, options: StatusOptions, results: ResultAccess): Promise<HttpResponseInit> {
  const result = job.result;
  if (!result) throw new Error(`Job ${job.id} is Succeeded without a result`);
  switch (options.onComplete) {
    case 'redirect':
    case 'seeOther':
      return {
        status: options.onComplete === 'redirect' ? 302 : 303,
        headers: { ...common, [headerNames.location]: await results.url(result) },
      };
    case 'stream':
      return {
        status: 200,
        headers: { ...common, 'Content-Type': result.contentType, 'Content-Length': String(result.sizeBytes) },
        body: Readable.toWeb(await results.open(result)) as ReadableStream<Uint8Array>,
      };
    case 'status':
      return {
        status: 200,
        headers: { ...common, 'Content-Type': 'application/json' },
        jsonBody: toStatusDocument(job, await results.url(result)),
      };
  }
}
