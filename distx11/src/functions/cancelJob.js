"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.cancelJob = cancelJob;
const functions_1 = require("@azure/functions");
const caller_1 = require("../http/caller");
const jobResponses_1 = require("../http/jobResponses");
const logging_1 = require("../http/logging");
const statusOptions_1 = require("../http/statusOptions");
const urls_1 = require("../http/urls");
const services_1 = require("../services");
/**
 * `POST /api/jobs/{id}/cancel`: 202 + status document. A NotStarted job is Canceled at once; a
 * Running one is signalled and ends Canceled at the processor's next check. 409 when finished.
 */
async function cancelJob(request, context) {
    try {
        const s = (0, services_1.services)();
        const { job } = await s.jobs.cancel(request.params.id ?? '', (0, caller_1.callerOf)(request));
        const urls = (0, urls_1.jobUrls)((0, urls_1.publicOrigin)(request, s.config), job.id, statusOptions_1.defaultStatusOptions);
        return (0, jobResponses_1.statusAcceptedResponse)(job, urls, s.config.retryAfterSeconds);
    }
    catch (err) {
        (0, logging_1.logFailure)(context, 'Cancel', err);
        return (0, jobResponses_1.errorResponse)(err);
    }
}
functions_1.app.http('cancelJob', {
    methods: ['POST'],
    route: 'jobs/{id}/cancel',
    authLevel: 'anonymous',
    handler: cancelJob,
});
//# sourceMappingURL=cancelJob.js.map