/**
 * The zod schemas of the API contract, and the types inferred from them: problem details, job ids,
 * statuses, status options, the status document and the submit's 202 body. The server validates and
 * shapes its answers with them, and `src/http/openapi.ts` generates the OpenAPI document from them
 * (zod-openapi; a schema with a `meta` id becomes a component). Browser code (src/client, src/ui)
 * imports only the *types* from here: a type-only import is erased, so zod is never bundled into the
 * page. Reference: docs/api.md.
 */
import { z } from 'zod';

import { defaultStatusOptions, maxIdempotencyKeyLength, type StatusOptions, statusOptionValues } from './http';
import { jobStatuses, runtimeStatusOf } from './jobStatus';

/**
 * Problem details for HTTP APIs (RFC 9457): every 4xx/5xx response body, and the `error` of a Failed
 * or Canceled job (persisted with the job, and in the status document).
 */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: 'URI reference of the problem type; `about:blank` when the status code says it all' }),
    title: z.string().meta({ description: "The status code's reason phrase" }),
    status: z.number().int().meta({ description: 'HTTP status code (RFC 9457 §3.1.3)' }),
    detail: z.string().optional(),
    instance: z.string().optional().meta({ description: 'The status URL of a finished job (or the page path)' }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'Field-level validation issues (400): `path` is dotted, e.g. `query.delimiter`' }),
  })
  .catchall(z.unknown())
  .meta({ id: 'Problem', description: 'Problem details (RFC 9457); extension members (§3.2) such as `maxBytes`, `row`, `attempts`' });
/** Problem details (RFC 9457), extension members included. */
export type ProblemDetails = z.infer<typeof problemSchema>;

/** Job ids: UUID v4 from `crypto.randomUUID()` (122 random bits, RFC 9562 §5.4). Any other string is an unknown job. */
export const jobIdSchema = z.uuid({ version: 'v4' }).meta({ description: 'Job id (UUID v4, 122 random bits)' });

/** The job status (see `jobStatuses`). */
export const jobStatusSchema = z.enum(jobStatuses);

/** Durable Functions' `runtimeStatus` of a job: the values of `runtimeStatusOf`, the only ones the API emits. */
export const runtimeStatusSchema = z.enum(runtimeStatusOf);

/** Status options (query of the status URL), defaults filled in; see `statusOptionValues`. */
export const statusOptionsSchema = z.object({
  onPending: z.enum(statusOptionValues.onPending).default(defaultStatusOptions.onPending),
  onComplete: z.enum(statusOptionValues.onComplete).default(defaultStatusOptions.onComplete),
}) satisfies z.ZodType<StatusOptions>;

/** The `Idempotency-Key` request header. */
export const idempotencyKeySchema = z.string().min(1).max(maxIdempotencyKeyLength);

/** Processor-defined progress counters, e.g. `{ bytesRead, rows }`. */
const progressSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

/**
 * The status document: what the status URL and the status monitor answer with
 * (`application/json`), and the body of a cancel's 202. Timestamps are ISO 8601 UTC.
 */
export const statusDocumentSchema = z
  .object({
    id: jobIdSchema,
    type: z.string().meta({ description: 'Job type (processor), e.g. `csv-report`' }),
    status: jobStatusSchema,
    percentComplete: z.number().min(0).max(100),
    progress: progressSchema,
    createdDateTime: z.iso.datetime(),
    lastUpdatedDateTime: z.iso.datetime().meta({ description: 'Last change of status or progress' }),
    /** Problem details when Failed or Canceled. */
    error: problemSchema.optional(),
    /** SAS URL of the result when Succeeded, in the status monitor form (`onComplete=status`). */
    resourceLocation: z.url().optional(),
    /** The status in Durable Functions' vocabulary. */
    runtimeStatus: runtimeStatusSchema,
    /** Durable Functions `customStatus`: the progress again. */
    customStatus: z.object({ percentComplete: z.number().min(0).max(100), progress: progressSchema }),
  })
  .meta({ id: 'StatusDocument' });
/** The status document. */
export type StatusDocument = z.infer<typeof statusDocumentSchema>;

/** The submit's 202 body: the status document plus Durable Functions' management URLs at top level. */
export const acceptedDocumentSchema = statusDocumentSchema
  .extend({
    statusQueryGetUri: z.url().meta({ description: 'The status URL (= `Location`)' }),
    terminatePostUri: z.url().meta({ description: '`POST` here cancels the job' }),
    purgeHistoryDeleteUri: z.url().meta({ description: '`DELETE` here purges the job' }),
  })
  .meta({ id: 'AcceptedDocument' });
/** The submit's 202 body. */
export type AcceptedDocument = z.infer<typeof acceptedDocumentSchema>;
