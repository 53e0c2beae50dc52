"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.openApiDocument = openApiDocument;
const zod_1 = require("zod");
const zod_openapi_1 = require("zod-openapi");
const registry_1 = require("../core/processors/registry");
const jobResponses_1 = require("./jobResponses");
const statusOptions_1 = require("./statusOptions");
const urls_1 = require("./urls");
/** Problem details (RFC 9457) as the API answers them. */
const problemSchema = zod_1.z
    .object({
    type: zod_1.z.string(),
    title: zod_1.z.string(),
    status: zod_1.z.number().int(),
    detail: zod_1.z.string().optional(),
    instance: zod_1.z.string().optional(),
    errors: zod_1.z.array(zod_1.z.object({ path: zod_1.z.string(), message: zod_1.z.string() })).optional(),
})
    .catchall(zod_1.z.unknown())
    .meta({ id: 'Problem' });
const problem = (description) => ({ description, content: { 'application/problem+json': { schema: problemSchema } } });
const jobId = zod_1.z.uuid().meta({ description: 'Job id (UUID v4, 122 random bits)' });
const retryAfter = zod_1.z.string().regex(/^\d+$/).meta({ description: 'Seconds to wait before polling again (RFC 9110 §10.2.3)' });
const statusDoc = jobResponses_1.statusDocumentSchema.meta({ id: 'StatusDocument' });
const acceptedDoc = jobResponses_1.acceptedDocumentSchema.meta({ id: 'AcceptedDocument' });
const statusQuery = statusOptions_1.statusOptionsSchema;
const pendingHeaders = zod_1.z.object({ 'Retry-After': retryAfter });
const applied = zod_1.z
    .string()
    .optional()
    .meta({ description: '`wait=N`: the wait honoured (RFC 7240 §3), when the request had `Prefer: wait=N`' });
const replayed = zod_1.z.literal('true').optional().meta({ description: 'The original job of this Idempotency-Key, not a new one' });
const waitedHeaders = zod_1.z.object({ 'Preference-Applied': applied, 'Idempotent-Replayed': replayed });
function submitOperation(type) {
    const p = registry_1.processors.get(type);
    const query = p.optionsSchema.extend(statusQuery.shape);
    return {
        post: {
            operationId: `submit_${type.replace(/-/g, '_')}`,
            summary: `Submit a ${type} job`,
            description: p.description,
            tags: ['jobs'],
            requestParams: {
                query,
                header: zod_1.z.object({
                    'Idempotency-Key': zod_1.z
                        .string()
                        .min(1)
                        .max(255)
                        .optional()
                        .meta({ description: 'Same key + same request replays the original job; a different request gets 422' }),
                    Prefer: zod_1.z
                        .string()
                        .optional()
                        .meta({ description: '`wait=N` (RFC 7240): answer with the finished result when the job ends within N s (max 30)' }),
                }),
            },
            requestBody: {
                required: true,
                content: Object.fromEntries(p.mediaTypes.map((m) => [m, { schema: m === 'application/json' && p.inputSchema ? p.inputSchema : zod_1.z.string() }])),
            },
            responses: {
                '202': {
                    description: 'Accepted: poll `Location` (or `Operation-Location`, always 200) after `Retry-After` seconds',
                    headers: zod_1.z.object({
                        Location: zod_1.z.url(),
                        'Operation-Location': zod_1.z.url(),
                        'Retry-After': retryAfter,
                        'Preference-Applied': applied,
                        'Idempotent-Replayed': replayed,
                    }),
                    content: { 'application/json': { schema: acceptedDoc } },
                },
                '200': { description: 'With `Prefer: wait=N`, the finished job answered as the status URL would', headers: waitedHeaders },
                '302': {
                    description: 'With `Prefer: wait=N`, the finished job: redirect to the result SAS URL',
                    headers: waitedHeaders.extend({ Location: zod_1.z.url() }),
                },
                '303': {
                    description: 'With `Prefer: wait=N` and onComplete=seeOther: as 302',
                    headers: waitedHeaders.extend({ Location: zod_1.z.url() }),
                },
                '400': problem('Invalid options, header or body (field-level `errors`)'),
                '404': problem('Unknown job type'),
                '413': problem('Body larger than JOBS_MAX_INPUT_BYTES'),
                '415': problem('Media type not accepted by the processor'),
                '409': {
                    ...problem('The first request with this Idempotency-Key is still being processed (with Retry-After) or belongs to another caller; with `Prefer: wait=N`, the job was canceled'),
                    headers: zod_1.z.object({ 'Retry-After': retryAfter.optional() }),
                },
                '422': problem('Idempotency-Key reused with a different request; with `Prefer: wait=N`, the processor rejected the input'),
                '500': problem('With `Prefer: wait=N`, processing failed'),
                '503': { ...problem('Storage unavailable; retry after Retry-After'), headers: pendingHeaders },
            },
        },
    };
}
/**
 * The OpenAPI 3.1 document of the API, generated from the same zod schemas that validate requests
 * and shape responses (zod-openapi), with one submit operation per registered processor.
 */
function openApiDocument() {
    const base = `/${urls_1.routePrefix}`;
    const paths = {};
    for (const type of registry_1.processors.keys())
        paths[`${base}/jobs/${type}`] = submitOperation(type);
    paths[`${base}/jobs/{id}`] = {
        get: {
            operationId: 'getJobStatus',
            summary: 'Status monitor of a job',
            tags: ['jobs'],
            requestParams: { path: zod_1.z.object({ id: jobId }), query: statusQuery },
            responses: {
                '200': {
                    description: 'Pending (onPending=ok), or finished: document (onComplete=status) or result bytes (onComplete=stream)',
                    headers: zod_1.z.object({ 'Retry-After': retryAfter.optional() }),
                    content: { 'application/json': { schema: statusDoc } },
                },
                '202': {
                    description: 'Pending with onPending=accepted',
                    headers: zod_1.z.object({ Location: zod_1.z.url(), 'Retry-After': retryAfter }),
                    content: { 'application/json': { schema: statusDoc } },
                },
                '302': {
                    description: 'Succeeded (onComplete=redirect): Location is a short-lived read-only SAS URL of the result',
                    headers: zod_1.z.object({ Location: zod_1.z.url() }),
                },
                '303': { description: 'Succeeded (onComplete=seeOther): as 302', headers: zod_1.z.object({ Location: zod_1.z.url() }) },
                '400': problem('Invalid status option'),
                '404': problem('Unknown or expired job'),
                '409': problem('The job was canceled'),
                '422': problem('The processor rejected the input'),
                '500': problem('Processing failed'),
                '503': { ...problem('Storage unavailable'), headers: pendingHeaders },
            },
        },
        delete: {
            operationId: 'purgeJob',
            summary: 'Cancel if needed and delete everything stored for the job',
            tags: ['jobs'],
            requestParams: { path: zod_1.z.object({ id: jobId }) },
            responses: {
                '204': { description: 'Deleted' },
                '404': problem('Unknown job'),
                '503': { ...problem('Storage unavailable'), headers: pendingHeaders },
            },
        },
    };
    paths[`${base}/jobs/{id}/cancel`] = {
        post: {
            operationId: 'cancelJob',
            summary: 'Cancel a job',
            tags: ['jobs'],
            requestParams: { path: zod_1.z.object({ id: jobId }) },
            responses: {
                '202': {
                    description: 'Canceled, or cancel requested for a running job',
                    headers: zod_1.z.object({ Location: zod_1.z.url(), 'Retry-After': retryAfter }),
                    content: { 'application/json': { schema: statusDoc } },
                },
                '404': problem('Unknown job'),
                '409': problem('Already finished'),
                '503': { ...problem('Storage unavailable'), headers: pendingHeaders },
            },
        },
    };
    const page = (operationId, summary, media) => ({
        get: {
            operationId,
            summary,
            tags: ['ui'],
            responses: { '200': { description: summary, content: { [media]: { schema: zod_1.z.string() } } }, '404': problem('Any other path') },
        },
    });
    paths[`${base}/ui`] = page('getUiPage', 'The browser page (HTML)', 'text/html');
    paths[`${base}/ui/app.js`] = page('getUiScript', 'The page script (bundled typed client)', 'text/javascript');
    paths[`${base}/openapi.json`] = {
        get: {
            operationId: 'getOpenApi',
            summary: 'This document',
            tags: ['meta'],
            responses: { '200': { description: 'OpenAPI 3.1 document', content: { 'application/json': { schema: zod_1.z.object({}).loose() } } } },
        },
    };
    return (0, zod_openapi_1.createDocument)({
        openapi: '3.1.0',
        info: {
            title: 'Asynchronous Request-Reply jobs API',
            version: '1.0.0',
            description: 'Submit long-running jobs (202 Accepted), poll their status monitor, fetch results through short-lived SAS URLs. Reference: docs/api.md in the project repository.',
        },
        paths,
        // Result documents of the processors with a JSON result (fetched from the result URL, or as the
        // status monitor's body with onComplete=stream), keyed by their schema's meta id.
        components: {
            schemas: Object.fromEntries([...registry_1.processors.values()].flatMap((p) => {
                const id = p.resultSchema === undefined ? undefined : p.resultSchema.meta()?.id;
                return id === undefined ? [] : [[id, p.resultSchema]];
            })),
        },
    });
}
//# sourceMappingURL=openapi.js.map