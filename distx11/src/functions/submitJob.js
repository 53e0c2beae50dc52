"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.submitJob = submitJob;
const node_stream_1 = require("node:stream");
const functions_1 = require("@azure/functions");
const jobService_1 = require("../core/jobs/jobService");
const model_1 = require("../core/jobs/model");
const problem_1 = require("../core/problem");
const storage_1 = require("../core/storage");
const caller_1 = require("../http/caller");
const jobResponses_1 = require("../http/jobResponses");
const logging_1 = require("../http/logging");
const prefer_1 = require("../http/prefer");
const statusOptions_1 = require("../http/statusOptions");
const urls_1 = require("../http/urls");
const services_1 = require("../services");
/**
 * `POST /api/jobs/{type}`: validates the request, streams the body to Blob storage (claim check),
 * enqueues the job and answers 202 Accepted with `Location`, `Operation-Location` and `Retry-After`.
 * `Idempotency-Key` replays the original job; `Prefer: wait=N` (RFC 7240) answers with the finished
 * result when the job ends within N seconds. Errors are problem details: 400, 404, 413, 415, 422, 503.
 */
async function submitJob(request, context) {
    try {
        const s = (0, services_1.services)();
        const { status, rest } = (0, statusOptions_1.splitQuery)(request.query);
        const statusOptions = statusOptions_1.statusOptionsSchema.safeParse(status);
        if (!statusOptions.success) {
            throw new problem_1.ProblemError(400, 'Invalid status options.', { errors: (0, jobService_1.fieldErrors)(statusOptions.error, 'query') });
        }
        const length = request.headers.get('content-length');
        const key = request.headers.get('idempotency-key');
        const caller = (0, caller_1.callerOf)(request);
        const body = request.body ? node_stream_1.Readable.fromWeb(request.body) : node_stream_1.Readable.from([]);
        await s.ready();
        const submitted = await s.jobs.submit({
            type: request.params.type ?? '',
            options: rest,
            statusOptions: status,
            contentType: request.headers.get('content-type') ?? undefined,
            ...(length !== null && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
            body,
            correlationId: context.traceContext?.traceParent ?? context.invocationId,
            ...(key !== null ? { idempotencyKey: key } : {}),
            ...(caller ? { caller } : {}),
        });
        let job = submitted.job;
        const urls = (0, urls_1.jobUrls)((0, urls_1.publicOrigin)(request, s.config), job.id, statusOptions.data);
        context.info(`${submitted.replayed ? 'Replayed' : 'Accepted'} job ${job.id} (${job.type}, ${job.input.sizeBytes} bytes).`);
        const wait = (0, prefer_1.preferredWaitSeconds)(request.headers.get('prefer'));
        const extra = submitted.replayed ? { 'Idempotent-Replayed': 'true' } : {};
        if (wait !== undefined) {
            // The job exists from here on: a failure while waiting (a status read, the result URL) must not
            // turn into an error the client could take for "nothing was created". It answers the normal
            // 202 for the job, with its last known state.
            try {
                const deadline = Date.now() + wait * 1000;
                while (!(0, model_1.isTerminal)(job.status) && Date.now() < deadline) {
                    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))));
                    job = (await s.jobs.get(job.id, caller)).job;
                }
                extra['Preference-Applied'] = `wait=${wait}`;
                if ((0, model_1.isTerminal)(job.status)) {
                    const done = await (0, jobResponses_1.statusResponse)(job, statusOptions.data, urls, 0, s.results);
                    return { ...done, headers: { ...done.headers, ...extra } };
                }
            }
            catch (err) {
                context.warn(`Prefer: wait for job ${job.id} stopped by ${(0, storage_1.describeError)(err instanceof problem_1.ProblemError ? (err.cause ?? err) : err)}; answering 202.`);
                delete extra['Preference-Applied'];
            }
        }
        const accepted = (0, jobResponses_1.acceptedResponse)(job, urls, (0, jobResponses_1.retryAfterSeconds)(job, new Date(), s.config));
        return { ...accepted, headers: { ...accepted.headers, ...extra } };
    }
    catch (err) {
        (0, logging_1.logFailure)(context, 'Submit', err);
        return (0, jobResponses_1.errorResponse)(err);
    }
}
functions_1.app.http('submitJob', {
    methods: ['POST'],
    route: 'jobs/{type}',
    authLevel: 'anonymous',
    handler: submitJob,
});
//# sourceMappingURL=submitJob.js.map