import { z } from 'zod';

import { isTerminal, type JobStatus, terminalJobStatuses } from '../../contract/jobStatus';
import { jobIdSchema, jobStatusSchema, problemSchema } from '../../contract/schemas';

// The job status, job id and problem details are the API contract's (src/contract); the record adds
// what only the server keeps.
export { isTerminal, jobIdSchema, type JobStatus, jobStatusSchema, problemSchema };

/** Terminal states: nothing moves a job out of them. */
export const terminalStatuses: ReadonlySet<JobStatus> = new Set(terminalJobStatuses);

/** Where the result of a Succeeded job is stored. */
export const resultRefSchema = z.object({
  /** Blob name inside the jobs container. */
  blobName: z.string(),
  contentType: z.string(),
  /** Size in bytes. */
  sizeBytes: z.number().int().nonnegative(),
});

/**
 * The persisted job record (`<id>/status.json` in the jobs container). It is the single source of
 * truth for a job's state; its ETag guards every transition. All timestamps are ISO 8601 UTC.
 */
export const jobRecordSchema = z.object({
  id: jobIdSchema,
  type: z.string(),
  status: jobStatusSchema,
  /** Processor options as submitted (query-string values, validated at submit and parsed again by the worker). */
  options: z.record(z.string(), z.string()),
  input: z.object({ contentType: z.string(), sizeBytes: z.number().int().nonnegative() }),
  createdDateTime: z.iso.datetime(),
  lastUpdatedDateTime: z.iso.datetime(),
  startedDateTime: z.iso.datetime().optional(),
  completedDateTime: z.iso.datetime().optional(),
  /** 0–100. */
  percentComplete: z.number().min(0).max(100),
  /** Processor-defined counters, e.g. `{ bytesRead, rows }`. */
  progress: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  /** Number of times a worker started the job (redeliveries included). */
  attempts: z.number().int().nonnegative(),
  /** Set by a cancel request while the job runs; the worker then stops and marks it Canceled. */
  cancelRequested: z.boolean().optional(),
  error: problemSchema.optional(),
  /** Message of the last processing failure (kept for the poison handler's error). */
  lastError: z.string().optional(),
  result: resultRefSchema.optional(),
  /** Authenticated caller who submitted the job (App Service authentication principal id). */
  owner: z.string().optional(),
  /** Blob of the `Idempotency-Key` record that created this job (deleted with the job). */
  idempotencyKeyBlob: z.string().optional(),
  /** Correlation id (W3C trace id or the submit's invocation id) carried through the queue. */
  correlationId: z.string().optional(),
  /**
   * Set on the Failed record that ends a submit which did not complete (its client got 503, or never
   * an answer): written with `If-None-Match: *` so that a late create of the real record fails.
   */
  abandoned: z.literal(true).optional(),
  /**
   * The job's latest queue message as Put Message answered it: its id and first pop receipt. The
   * reconciler probes it (Update Message answers 404 MessageNotFound once it is gone, 400
   * PopReceiptMismatch while it exists but was released or dequeued since).
   */
  message: z.object({ id: z.string(), popReceipt: z.string() }).optional(),
  /** Times the reconciler re-enqueued this job because its message was gone (see JobReconciler). */
  requeues: z.number().int().nonnegative().optional(),
});

/** A persisted job. */
export type JobRecord = z.infer<typeof jobRecordSchema>;

/** A job record together with the ETag it was read or written with. */
export interface VersionedJob {
  job: JobRecord;
  etag: string;
}
