"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.reconcileJobs = reconcileJobs;
const functions_1 = require("@azure/functions");
const services_1 = require("../services");
/**
 * Timer trigger (every 30 s): ends jobs that no message or worker will move any more (see
 * `JobReconciler`): re-enqueues stuck ones, fails them after 3 re-enqueues, and ends submits that
 * never completed. A pass reads only the `active/` index of unfinished jobs. The timer trigger runs
 * one instance at a time across the app (singleton lock), and every write is conditional anyway.
 */
async function reconcileJobs(_timer, context) {
    const s = (0, services_1.services)();
    await s.ready();
    const r = await s.reconciler.run();
    if (r.requeued.length + r.failed.length + r.abandoned.length > 0) {
        context.warn(`Reconciler: checked ${r.checked}; re-enqueued ${JSON.stringify(r.requeued)}; failed ${JSON.stringify(r.failed)}; abandoned ${JSON.stringify(r.abandoned)}; cleared ${r.cleared}.`);
    }
}
functions_1.app.timer('reconcileJobs', {
    schedule: '*/30 * * * * *',
    handler: reconcileJobs,
});
//# sourceMappingURL=reconcileJobs.js.map