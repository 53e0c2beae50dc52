"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.purgeJob = purgeJob;
const functions_1 = require("@azure/functions");
const caller_1 = require("../http/caller");
const jobResponses_1 = require("../http/jobResponses");
const logging_1 = require("../http/logging");
const services_1 = require("../services");
/** `DELETE /api/jobs/{id}`: cancels the job if needed, deletes everything stored for it, 204. */
async function purgeJob(request, context) {
    try {
        await (0, services_1.services)().jobs.purge(request.params.id ?? '', (0, caller_1.callerOf)(request));
        return { status: 204 };
    }
    catch (err) {
        (0, logging_1.logFailure)(context, 'Purge', err);
        return (0, jobResponses_1.errorResponse)(err);
    }
}
functions_1.app.http('purgeJob', {
    methods: ['DELETE'],
    route: 'jobs/{id}',
    authLevel: 'anonymous',
    handler: purgeJob,
});
//# sourceMappingURL=purgeJob.js.map