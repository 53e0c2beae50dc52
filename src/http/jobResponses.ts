import { Readable } from 'node:stream';

import type { HttpResponseInit } from '@azure/functions';
import type { OrchestrationRuntimeStatus as DurableRuntimeStatus } from 'durable-functions';
import { z } from 'zod';

import type { AppConfig } from '../core/config';
import { type JobRecord, type JobStatus, jobStatusSchema, problemSchema } from '../core/jobs/model';
import { type ProblemDetails, ProblemError, problemMediaType } from '../core/problem';
import { isTransientStorageError } from '../core/storage';
import type { StatusOptions } from './statusOptions';
import type { JobUrls } from './urls';

/**
 * Durable Functions' `OrchestrationRuntimeStatus` enum, loaded from the one module of the
 * `durable-functions` package that defines it. The package's entry point would load its whole client
 * (axios, moment, lodash...: about 430 of the app's modules) at every cold start for this enum; the
 * package has no `exports` map, so the file is reachable, and test/unit/durableVocabulary.test.ts
 * checks that it is the very enum the package exports.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a deep require of the one module that defines the enum (see above); an import would load the package's entry point
const durableStatusModule = require('durable-functions/lib/src/orchestrations/OrchestrationRuntimeStatus') as {
  OrchestrationRuntimeStatus: typeof import('durable-functions').OrchestrationRuntimeStatus;
};
export const OrchestrationRuntimeStatus = durableStatusModule.OrchestrationRuntimeStatus;
/** A value of {@link OrchestrationRuntimeStatus}. */
export type OrchestrationRuntimeStatus = DurableRuntimeStatus;

/**
 * Durable Functions' `runtimeStatus` for each job status, taken from the `durable-functions`
 * package's `OrchestrationRuntimeStatus` so the vocabulary cannot drift.
 */
export const runtimeStatusOf: Record<JobStatus, OrchestrationRuntimeStatus> = {
  NotStarted: OrchestrationRuntimeStatus.Pending,
  Running: OrchestrationRuntimeStatus.Running,
  Succeeded: OrchestrationRuntimeStatus.Completed,
  Failed: OrchestrationRuntimeStatus.Failed,
  Canceled: OrchestrationRuntimeStatus.Terminated,
};

/** The status document: what `GET /api/jobs/{id}` answers with (JSON). */
export const statusDocumentSchema = z.object({
  id: z.string(),
  type: z.string(),
  status: jobStatusSchema,
  /** 0–100. */
  percentComplete: z.number(),
  progress: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  createdDateTime: z.string(),
  lastUpdatedDateTime: z.string(),
  /** Problem details (RFC 9457) when Failed or Canceled. */
  error: problemSchema.optional(),
  /** SAS URL of the result when Succeeded and asked for (`onComplete=status`). */
  resourceLocation: z.string().optional(),
  /** Durable Functions vocabulary: Pending | Running | Completed | Failed | Terminated. */
  runtimeStatus: z.enum(OrchestrationRuntimeStatus),
  /** Durable Functions `customStatus`: the progress. */
  customStatus: z.object({ percentComplete: z.number(), progress: z.record(z.string(), z.unknown()) }),
});
export type StatusDocument = z.infer<typeof statusDocumentSchema>;

/** The 202 body: status document plus the Durable-style management payload at top level. */
export const acceptedDocumentSchema = statusDocumentSchema.extend({
  statusQueryGetUri: z.string(),
  terminatePostUri: z.string(),
  purgeHistoryDeleteUri: z.string(),
});

/** Builds the status document of a job. */
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

/** Headers a browser must be allowed to read cross-origin (CORS `Access-Control-Expose-Headers`). */
export const exposedHeaders = 'Location, Operation-Location, Retry-After, Preference-Applied';

const common = { 'Cache-Control': 'no-store', 'Access-Control-Expose-Headers': exposedHeaders };

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

/**
 * Maps any error to a response: a {@link ProblemError} to its problem, a storage outage or
 * throttling to 503 + `Retry-After`, anything else to a generic 500 problem (no message, no stack
 * trace: those go to the log only).
 */
export function errorResponse(err: unknown, retryAfter = 2): HttpResponseInit {
  if (err instanceof ProblemError) return problemResponse(err.problem, err.headers);
  if (isTransientStorageError(err)) {
    return problemResponse(
      { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Storage is temporarily unavailable; retry later.' },
      { 'Retry-After': String(retryAfter) },
    );
  }
  return problemResponse({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.' });
}

/** 202 with `Location` (the status URL), `Retry-After` and the status document: a pending job under `onPending=accepted`, and the answer to a cancel request. */
export function statusAcceptedResponse(job: JobRecord, urls: JobUrls, retryAfter: number): HttpResponseInit {
  return {
    status: 202,
    headers: { ...common, Location: urls.status, 'Retry-After': String(retryAfter), 'Content-Type': 'application/json' },
    jsonBody: toStatusDocument(job),
  };
}

/** 202 Accepted for a new job: {@link statusAcceptedResponse} plus `Operation-Location` and the Durable-style management payload. */
export function acceptedResponse(job: JobRecord, urls: JobUrls, retryAfter: number): HttpResponseInit {
  const base = statusAcceptedResponse(job, urls, retryAfter);
  return {
    ...base,
    headers: { ...(base.headers as Record<string, string>), 'Operation-Location': urls.monitor },
    jsonBody: {
      ...toStatusDocument(job),
      statusQueryGetUri: urls.status,
      terminatePostUri: urls.cancel,
      purgeHistoryDeleteUri: urls.purge,
    },
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
      return { status: 200, headers: { ...json, 'Retry-After': String(retryAfter) }, jsonBody: toStatusDocument(job) };
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
      return { status: options.onComplete === 'redirect' ? 302 : 303, headers: { ...common, Location: await results.url(result) } };
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
