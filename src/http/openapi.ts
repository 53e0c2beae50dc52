import { z } from 'zod';
import { createDocument, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject } from 'zod-openapi';

import { fillRoute, headerNames as h, jobRoutes, routePrefix } from '../contract/http';
import { problemMediaType } from '../contract/problem';
import {
  acceptedDocumentSchema,
  idempotencyKeySchema,
  jobIdSchema,
  problemSchema,
  statusDocumentSchema,
  statusOptionsSchema,
} from '../contract/schemas';
import { type Processor } from '../core/processors/processor';
import { processors } from '../core/processors/registry';

const problem = (description: string) => ({ description, content: { [problemMediaType]: { schema: problemSchema } } });
const retryAfter = z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait before polling again (RFC 9110 §10.2.3)' });
const pendingHeaders = z.object({ [h.retryAfter]: retryAfter });
/** A 503: storage unavailable, `Retry-After` = JOBS_RETRY_AFTER_SECONDS. */
const unavailable = (description: string) => ({
  ...problem(`${description}; retry after Retry-After (JOBS_RETRY_AFTER_SECONDS)`),
  headers: pendingHeaders,
});
const applied = z
  .string()
  .optional()
  .meta({ description: '`wait=N`: the wait honoured (RFC 7240 §3), when the request had `Prefer: wait=N`' });
const replayed = z.literal('true').optional().meta({ description: 'The original job of this Idempotency-Key, not a new one' });
const waitedHeaders = z.object({ [h.preferenceApplied]: applied, [h.idempotentReplayed]: replayed });

/**
 * The content of a 200 that is either the status document or, with `onComplete=stream`, a finished
 * job's result bytes in their own media type: each processor's `resultMediaType`, with its
 * `resultSchema` when it has one.
 */
function documentOrResult(of: readonly Processor<unknown>[]): ZodOpenApiResponseObject['content'] {
  const content: Record<string, { schema: z.ZodType }> = {};
  const json: z.ZodType[] = [statusDocumentSchema];
  for (const p of of) {
    if (p.resultMediaType === 'application/json') json.push(p.resultSchema ?? z.unknown());
    else content[p.resultMediaType] = { schema: z.string().meta({ format: 'binary' }) };
  }
  return { 'application/json': { schema: json.length === 1 ? statusDocumentSchema : z.union(json) }, ...content };
}

function submitOperation(type: string) {
  const p = processors.get(type)!;
  const query = (p.optionsSchema as unknown as z.ZodObject).extend(statusOptionsSchema.shape);
  return {
    post: {
      operationId: `submit_${type.replace(/-/g, '_')}`,
      summary: `Submit a ${type} job`,
      description: p.description,
      tags: ['jobs'],
      requestParams: {
        query,
        header: z.object({
          [h.idempotencyKey]: idempotencyKeySchema
            .optional()
            .meta({ description: 'Same key + same request replays the original job; a different request gets 422' }),
          [h.prefer]: z
            .string()
            .optional()
            .meta({ description: '`wait=N` (RFC 7240): answer with the finished result when the job ends within N s (max 30)' }),
        }),
      },
      requestBody: {
        required: true,
        content: Object.fromEntries(
          p.mediaTypes.map((m) => [m, { schema: m === 'application/json' && p.inputSchema ? p.inputSchema : z.string() }]),
        ),
      },
      responses: {
        '202': {
          description: 'Accepted: poll `Location` (or `Operation-Location`, always 200) after `Retry-After` seconds',
          headers: z.object({
            [h.location]: z.url(),
            [h.operationLocation]: z.url(),
            [h.retryAfter]: retryAfter,
            [h.preferenceApplied]: applied,
            [h.idempotentReplayed]: replayed,
          }),
          content: { 'application/json': { schema: acceptedDocumentSchema } },
        },
        '200': {
          description:
            'With `Prefer: wait=N`, the finished job answered as the status URL would (onComplete=stream: the result; status: the document)',
          headers: waitedHeaders,
          content: documentOrResult([p]),
        },
        '302': {
          description: 'With `Prefer: wait=N`, the finished job: redirect to the result SAS URL',
          headers: waitedHeaders.extend({ [h.location]: z.url() }),
        },
        '303': {
          description: 'With `Prefer: wait=N` and onComplete=seeOther: as 302',
          headers: waitedHeaders.extend({ [h.location]: z.url() }),
        },
        '400': problem('Invalid options, header or body (field-level `errors`)'),
        '404': problem('Unknown job type'),
        '413': problem('Body larger than JOBS_MAX_INPUT_BYTES'),
        '415': problem('Media type not accepted by the processor'),
        '409': {
          ...problem(
            'The first request with this Idempotency-Key is still being processed (with Retry-After) or belongs to another caller; with `Prefer: wait=N`, the job was canceled',
          ),
          headers: z.object({ [h.retryAfter]: retryAfter.optional() }),
        },
        '422': problem('Idempotency-Key reused with a different request; with `Prefer: wait=N`, the processor rejected the input'),
        '500': problem('With `Prefer: wait=N`, processing failed'),
        '503': unavailable('Storage unavailable'),
      },
    },
  };
}

/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate requests
 * and shape responses (zod-openapi), with one submit operation per registered processor.
 */
export function openApiDocument(): ReturnType<typeof createDocument> {
  const base = `/${routePrefix}`;
  const paths: ZodOpenApiPathsObject = {};
  const path = (route: string) => `${base}/${route}`;
  const jobId = z.object({ id: jobIdSchema });
  for (const type of processors.keys()) paths[path(fillRoute(jobRoutes.submit, { type }))] = submitOperation(type);
  paths[path(jobRoutes.job)] = {
    get: {
      operationId: 'getJobStatus',
      summary: 'Status URL and status monitor (onComplete=status) of a job',
      tags: ['jobs'],
      requestParams: { path: jobId, query: statusOptionsSchema },
      responses: {
        '200': {
          description:
            'Pending (onPending=ok), or finished: document (onComplete=status) or result bytes in their media type (onComplete=stream)',
          headers: z.object({ [h.retryAfter]: retryAfter.optional() }),
          content: documentOrResult([...processors.values()]),
        },
        '202': {
          description: 'Pending with onPending=accepted',
          headers: z.object({ [h.location]: z.url(), [h.retryAfter]: retryAfter }),
          content: { 'application/json': { schema: statusDocumentSchema } },
        },
        '302': {
          description: 'Succeeded (onComplete=redirect): Location is a short-lived read-only SAS URL of the result',
          headers: z.object({ [h.location]: z.url() }),
        },
        '303': { description: 'Succeeded (onComplete=seeOther): as 302', headers: z.object({ [h.location]: z.url() }) },
        '400': problem('Invalid status option'),
        '404': problem('Unknown or expired job'),
        '409': problem('The job was canceled'),
        '422': problem('The processor rejected the input'),
        '500': problem('Processing failed'),
        '503': unavailable('Storage unavailable'),
      },
    },
    delete: {
      operationId: 'purgeJob',
      summary: 'Cancel if needed and delete everything stored for the job',
      tags: ['jobs'],
      requestParams: { path: jobId },
      responses: {
        '204': { description: 'Deleted' },
        '404': problem('Unknown job'),
        '503': unavailable('Storage unavailable'),
      },
    },
  };
  paths[path(jobRoutes.cancel)] = {
    post: {
      operationId: 'cancelJob',
      summary: 'Cancel a job',
      tags: ['jobs'],
      requestParams: { path: jobId },
      responses: {
        '202': {
          description: 'Canceled, or cancel requested for a running job',
          headers: z.object({ [h.location]: z.url(), [h.retryAfter]: retryAfter }),
          content: { 'application/json': { schema: statusDocumentSchema } },
        },
        '404': problem('Unknown job'),
        '409': problem('Already finished'),
        '503': unavailable('Storage unavailable'),
      },
    },
  };
  const page = (operationId: string, summary: string, media: string) => ({
    get: {
      operationId,
      summary,
      tags: ['ui'],
      responses: { '200': { description: summary, content: { [media]: { schema: z.string() } } }, '404': problem('Any other path') },
    },
  });
  paths[`${base}/ui`] = page('getUiPage', 'The browser page (HTML)', 'text/html');
  paths[`${base}/ui/app.js`] = page('getUiScript', 'The page script (bundled typed client)', 'text/javascript');
  paths[`${base}/openapi.json`] = {
    get: {
      operationId: 'getOpenApi',
      summary: 'This document',
      tags: ['meta'],
      responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: z.object({}).loose() } } } },
    },
  };
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Asynchronous Request-Reply jobs API',
      version: '1.0.0',
      description:
        'Submit long-running jobs (202 Accepted), poll their status monitor, fetch results through short-lived SAS URLs. Reference: docs/api.md in the project repository.',
    },
    paths,
  });
}
