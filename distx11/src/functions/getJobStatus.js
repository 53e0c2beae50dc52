"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.getJobStatus = getJobStatus;
const functions_1 = require("@azure/functions");
const jobService_1 = require("../core/jobs/jobService");
const problem_1 = require("../core/problem");
const caller_1 = require("../http/caller");
const jobResponses_1 = require("../http/jobResponses");
const logging_1 = require("../http/logging");
const statusOptions_1 = require("../http/statusOptions");
const urls_1 = require("../http/urls");
const services_1 = require("../services");
/**
 * `GET /api/jobs/{id}`: the status monitor. One blob read per poll; answers per `onPending` /
 * `onComplete` (see `statusResponse`): progress with `Retry-After` while pending, a redirect to a
 * read-only SAS URL (or the result, or the document) when Succeeded, the persisted problem when
 * Failed or Canceled, 404 for an unknown id.
 */
async function getJobStatus(request, context) {
    try {
        const s = (0, services_1.services)();
        const options = statusOptions_1.statusOptionsSchema.safeParse(Object.fromEntries(request.query));
        if (!options.success)
            throw new problem_1.ProblemError(400, 'Invalid status options.', { errors: (0, jobService_1.fieldErrors)(options.error, 'query') });
        const { job } = await s.jobs.get(request.params.id ?? '', (0, caller_1.callerOf)(request));
        const urls = (0, urls_1.jobUrls)((0, urls_1.publicOrigin)(request, s.config), job.id, options.data);
        return await (0, jobResponses_1.statusResponse)(job, options.data, urls, (0, jobResponses_1.retryAfterSeconds)(job, new Date(), s.config), s.results);
    }
    catch (err) {
        (0, logging_1.logFailure)(context, 'Status', err);
        return (0, jobResponses_1.errorResponse)(err);
    }
}
functions_1.app.http('getJobStatus', {
    methods: ['GET'],
    route: 'jobs/{id}',
    authLevel: 'anonymous',
    handler: getJobStatus,
});
//# sourceMappingURL=getJobStatus.js.map