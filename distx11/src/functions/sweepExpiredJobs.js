"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sweepExpiredJobs = sweepExpiredJobs;
const functions_1 = require("@azure/functions");
const services_1 = require("../services");
/**
 * Timer trigger (every 15 minutes): deletes jobs older than `JOBS_RETENTION_DAYS`. Locally this is the
 * retention mechanism; in Azure the storage lifecycle management rule deletes old blobs, and
 * `infra/` disables this function with `AzureWebJobs.sweepExpiredJobs.Disabled`.
 */
async function sweepExpiredJobs(_timer, context) {
    const removed = await (0, services_1.services)().jobs.sweepExpired();
    if (removed.length > 0)
        context.info(`Removed ${removed.length} expired job(s).`);
}
functions_1.app.timer('sweepExpiredJobs', {
    schedule: '0 */15 * * * *',
    handler: sweepExpiredJobs,
});
//# sourceMappingURL=sweepExpiredJobs.js.map