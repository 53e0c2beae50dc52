"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.exposedHeaders = exports.acceptedDocumentSchema = exports.statusDocumentSchema = exports.runtimeStatusOf = exports.OrchestrationRuntimeStatus = void 0;
exports.toStatusDocument = toStatusDocument;
exports.retryAfterSeconds = retryAfterSeconds;
exports.problemResponse = problemResponse;
exports.errorResponse = errorResponse;
exports.statusAcceptedResponse = statusAcceptedResponse;
exports.acceptedResponse = acceptedResponse;
exports.statusResponse = statusResponse;
const node_stream_1 = require("node:stream");
const zod_1 = require("zod");
const model_1 = require("../core/jobs/model");
const problem_1 = require("../core/problem");
const storage_1 = require("../core/storage");
/**
 * Durable Functions' `OrchestrationRuntimeStatus` enum, loaded from the one module of the
 * `durable-functions` package that defines it. The package's entry point would load its whole client
 * (axios, moment, lodash...: about 430 of the app's modules) at every cold start for this enum; the
 * package has no `exports` map, so the file is reachable, and test/unit/durableVocabulary.test.ts
 * checks that it is the very enum the package exports.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a deep require of the one module that defines the enum (see above); an import would load the package's entry point
const durableStatusModule = require('durable-functions/lib/src/orchestrations/OrchestrationRuntimeStatus');
exports.OrchestrationRuntimeStatus = durableStatusModule.OrchestrationRuntimeStatus;
/**
 * Durable Functions' `runtimeStatus` for each job status, taken from the `durable-functions`
 * package's `OrchestrationRuntimeStatus` so the vocabulary cannot drift.
 */
exports.runtimeStatusOf = {
    NotStarted: exports.OrchestrationRuntimeStatus.Pending,
    Running: exports.OrchestrationRuntimeStatus.Running,
    Succeeded: exports.OrchestrationRuntimeStatus.Completed,
    Failed: exports.OrchestrationRuntimeStatus.Failed,
    Canceled: exports.OrchestrationRuntimeStatus.Terminated,
};
/** The status document: what `GET /api/jobs/{id}` answers with (JSON). */
exports.statusDocumentSchema = zod_1.z.object({
    id: zod_1.z.string(),
    type: zod_1.z.string(),
    status: model_1.jobStatusSchema,
    /** 0–100. */
    percentComplete: zod_1.z.number(),
    progress: zod_1.z.record(zod_1.z.string(), zod_1.z.union([zod_1.z.number(), zod_1.z.string(), zod_1.z.boolean()])),
    createdDateTime: zod_1.z.string(),
    lastUpdatedDateTime: zod_1.z.string(),
    /** Problem details (RFC 9457) when Failed or Canceled. */
    error: model_1.problemSchema.optional(),
    /** SAS URL of the result when Succeeded and asked for (`onComplete=status`). */
    resourceLocation: zod_1.z.string().optional(),
    /** Durable Functions vocabulary: Pending | Running | Completed | Failed | Terminated. */
    runtimeStatus: zod_1.z.enum(exports.OrchestrationRuntimeStatus),
    /** Durable Functions `customStatus`: the progress. */
    customStatus: zod_1.z.object({ percentComplete: zod_1.z.number(), progress: zod_1.z.record(zod_1.z.string(), zod_1.z.unknown()) }),
});
/** The 202 body: status document plus the Durable-style management payload at top level. */
exports.acceptedDocumentSchema = exports.statusDocumentSchema.extend({
    statusQueryGetUri: zod_1.z.string(),
    terminatePostUri: zod_1.z.string(),
    purgeHistoryDeleteUri: zod_1.z.string(),
});
/** Builds the status document of a job. */
function toStatusDocument(job, resourceLocation) {
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
        runtimeStatus: exports.runtimeStatusOf[job.status],
        customStatus: { percentComplete: job.percentComplete, progress: job.progress },
    };
}
/** Headers a browser must be allowed to read cross-origin (CORS `Access-Control-Expose-Headers`). */
exports.exposedHeaders = 'Location, Operation-Location, Retry-After, Preference-Applied';
const common = { 'Cache-Control': 'no-store', 'Access-Control-Expose-Headers': exports.exposedHeaders };
/**
 * `Retry-After` for a pending job, in whole seconds (RFC 9110 §10.2.3), within
 * [`JOBS_RETRY_AFTER_SECONDS`, `JOBS_MAX_RETRY_AFTER_SECONDS`]. A Running job that reports
 * `percentComplete` is polled at about half its estimated remaining time (elapsed × (100 − p) / p).
 */
function retryAfterSeconds(job, now, config) {
    const min = config.retryAfterSeconds;
    const max = config.maxRetryAfterSeconds;
    const p = job.percentComplete;
    if (job.status !== 'Running' || !job.startedDateTime || p <= 0 || p >= 100)
        return min;
    const elapsedS = Math.max(0, (now.getTime() - Date.parse(job.startedDateTime)) / 1000);
    const remainingS = (elapsedS * (100 - p)) / p;
    return Math.min(max, Math.max(min, Math.ceil(remainingS / 2)));
}
/** A problem details response (RFC 9457), with `Content-Type: application/problem+json`. */
function problemResponse(p, headers = {}) {
    return { status: p.status, headers: { ...common, ...headers, 'Content-Type': problem_1.problemMediaType }, body: JSON.stringify(p) };
}
/**
 * Maps any error to a response: a {@link ProblemError} to its problem, a storage outage or
 * throttling to 503 + `Retry-After`, anything else to a generic 500 problem (no message, no stack
 * trace: those go to the log only).
 */
function errorResponse(err, retryAfter = 2) {
    if (err instanceof problem_1.ProblemError)
        return problemResponse(err.problem, err.headers);
    if ((0, storage_1.isTransientStorageError)(err)) {
        return problemResponse({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Storage is temporarily unavailable; retry later.' }, { 'Retry-After': String(retryAfter) });
    }
    return problemResponse({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.' });
}
/** 202 with `Location` (the status URL), `Retry-After` and the status document: a pending job under `onPending=accepted`, and the answer to a cancel request. */
function statusAcceptedResponse(job, urls, retryAfter) {
    return {
        status: 202,
        headers: { ...common, Location: urls.status, 'Retry-After': String(retryAfter), 'Content-Type': 'application/json' },
        jsonBody: toStatusDocument(job),
    };
}
/** 202 Accepted for a new job: {@link statusAcceptedResponse} plus `Operation-Location` and the Durable-style management payload. */
function acceptedResponse(job, urls, retryAfter) {
    const base = statusAcceptedResponse(job, urls, retryAfter);
    return {
        ...base,
        headers: { ...base.headers, 'Operation-Location': urls.monitor },
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
async function statusResponse(job, options, urls, retryAfter, results) {
    const json = { ...common, 'Content-Type': 'application/json' };
    switch (job.status) {
        case 'NotStarted':
        case 'Running': {
            if (options.onPending === 'accepted')
                return statusAcceptedResponse(job, urls, retryAfter);
            return { status: 200, headers: { ...json, 'Retry-After': String(retryAfter) }, jsonBody: toStatusDocument(job) };
        }
        case 'Succeeded':
            return succeededResponse(job, options, results);
        case 'Failed':
        case 'Canceled': {
            if (options.onComplete === 'status')
                return { status: 200, headers: json, jsonBody: toStatusDocument(job) };
            const error = job.error ?? { type: 'about:blank', title: 'Internal Server Error', status: 500 };
            return problemResponse({ ...error, instance: urls.status });
        }
    }
}
async function succeededResponse(job, options, results) {
    const result = job.result;
    if (!result)
        throw new Error(`Job ${job.id} is Succeeded without a result`);
    switch (options.onComplete) {
        case 'redirect':
        case 'seeOther':
            return { status: options.onComplete === 'redirect' ? 302 : 303, headers: { ...common, Location: await results.url(result) } };
        case 'stream':
            return {
                status: 200,
                headers: { ...common, 'Content-Type': result.contentType, 'Content-Length': String(result.sizeBytes) },
                body: node_stream_1.Readable.toWeb(await results.open(result)),
            };
        case 'status':
            return {
                status: 200,
                headers: { ...common, 'Content-Type': 'application/json' },
                jsonBody: toStatusDocument(job, await results.url(result)),
            };
    }
}
//# sourceMappingURL=jobResponses.js.map