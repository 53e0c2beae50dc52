"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.jobRecordSchema = exports.resultRefSchema = exports.problemSchema = exports.jobIdSchema = exports.terminalStatuses = exports.jobStatusSchema = void 0;
exports.isTerminal = isTerminal;
const zod_1 = require("zod");
/**
 * Lifecycle of a job (Azure REST API guidelines, long-running operations: `NotStarted`, `Running`,
 * `Succeeded`, `Failed`, `Canceled`).
 */
exports.jobStatusSchema = zod_1.z.enum(['NotStarted', 'Running', 'Succeeded', 'Failed', 'Canceled']);
/** Terminal states: nothing moves a job out of them. */
exports.terminalStatuses = new Set(['Succeeded', 'Failed', 'Canceled']);
/** True when `status` is Succeeded, Failed or Canceled. */
function isTerminal(status) {
    return exports.terminalStatuses.has(status);
}
/** Job ids: UUID v4 from `crypto.randomUUID()` (122 random bits, RFC 9562 §5.4). */
exports.jobIdSchema = zod_1.z.uuid({ version: 'v4' });
/** Problem details persisted with a Failed or Canceled job (RFC 9457). */
exports.problemSchema = zod_1.z
    .object({
    type: zod_1.z.string(),
    title: zod_1.z.string(),
    status: zod_1.z.number().int(),
    detail: zod_1.z.string().optional(),
})
    .catchall(zod_1.z.unknown());
/** Where the result of a Succeeded job is stored. */
exports.resultRefSchema = zod_1.z.object({
    /** Blob name inside the jobs container. */
    blobName: zod_1.z.string(),
    contentType: zod_1.z.string(),
    /** Size in bytes. */
    sizeBytes: zod_1.z.number().int().nonnegative(),
});
/**
 * The persisted job record (`<id>/status.json` in the jobs container). It is the single source of
 * truth for a job's state; its ETag guards every transition. All timestamps are ISO 8601 UTC.
 */
exports.jobRecordSchema = zod_1.z.object({
    id: exports.jobIdSchema,
    type: zod_1.z.string(),
    status: exports.jobStatusSchema,
    /** Processor options as submitted (query-string values, validated at submit and parsed again by the worker). */
    options: zod_1.z.record(zod_1.z.string(), zod_1.z.string()),
    input: zod_1.z.object({ contentType: zod_1.z.string(), sizeBytes: zod_1.z.number().int().nonnegative() }),
    createdDateTime: zod_1.z.iso.datetime(),
    lastUpdatedDateTime: zod_1.z.iso.datetime(),
    startedDateTime: zod_1.z.iso.datetime().optional(),
    completedDateTime: zod_1.z.iso.datetime().optional(),
    /** 0–100. */
    percentComplete: zod_1.z.number().min(0).max(100),
    /** Processor-defined counters, e.g. `{ bytesRead, rows }`. */
    progress: zod_1.z.record(zod_1.z.string(), zod_1.z.union([zod_1.z.number(), zod_1.z.string(), zod_1.z.boolean()])),
    /** Number of times a worker started the job (redeliveries included). */
    attempts: zod_1.z.number().int().nonnegative(),
    /** Set by a cancel request while the job runs; the worker then stops and marks it Canceled. */
    cancelRequested: zod_1.z.boolean().optional(),
    error: exports.problemSchema.optional(),
    /** Message of the last processing failure (kept for the poison handler's error). */
    lastError: zod_1.z.string().optional(),
    result: exports.resultRefSchema.optional(),
    /** Authenticated caller who submitted the job (App Service authentication principal id). */
    owner: zod_1.z.string().optional(),
    /** Blob of the `Idempotency-Key` record that created this job (deleted with the job). */
    idempotencyKeyBlob: zod_1.z.string().optional(),
    /** Correlation id (W3C trace id or the submit's invocation id) carried through the queue. */
    correlationId: zod_1.z.string().optional(),
    /**
     * Set on the Failed record that ends a submit which did not complete (its client got 503, or never
     * an answer): written with `If-None-Match: *` so that a late create of the real record fails.
     */
    abandoned: zod_1.z.literal(true).optional(),
    /**
     * The job's latest queue message as Put Message answered it: its id and first pop receipt. The
     * reconciler probes it (Update Message answers 404 MessageNotFound once it is gone, 400
     * PopReceiptMismatch while it exists but was released or dequeued since).
     */
    message: zod_1.z.object({ id: zod_1.z.string(), popReceipt: zod_1.z.string() }).optional(),
    /** Times the reconciler re-enqueued this job because its message was gone (see JobReconciler). */
    requeues: zod_1.z.number().int().nonnegative().optional(),
});
//# sourceMappingURL=model.js.map