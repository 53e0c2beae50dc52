"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.JobReconciler = void 0;
const problem_1 = require("../problem");
const bounds_1 = require("./bounds");
const jobStore_1 = require("./jobStore");
const model_1 = require("./model");
const machine = __importStar(require("./stateMachine"));
/**
 * Finds jobs that no message or worker will move any more and ends them, so no live orphan survives.
 * Knows nothing of Azure Functions (the timer function `reconcileJobs` calls {@link run}).
 *
 * Index: every submit writes a zero-byte marker `active/YYYYMMDDHH/<id>` (hour of creation) before
 * its record; workers delete it when the job finishes. A pass lists `active/` by hierarchy, then only
 * the partitions at least `JOBS_STUCK_AFTER_SECONDS` old, so its cost grows with the number of
 * unfinished (or recently finished) jobs, not with the millions a container may hold.
 *
 * For each marker older than the stuck threshold S:
 * - record finished (or gone together with its input: purged) → marker removed;
 * - no record but the input is there (the submit neither completed nor cleaned up) → an abandoned
 *   (Failed) record is written with `If-None-Match: *`, so a late create can never succeed;
 * - NotStarted or Running and `lastUpdatedDateTime` older than S → its message (recorded on the
 *   job) is probed with Update Message: still there (waiting in a long queue, or coming back after a
 *   dead worker's lease) → nothing to do; gone (expired, deleted, its poison handling failed) → a new
 *   message is sent and recorded, and `requeues` counted; once {@link maxRequeues} re-enqueues were
 *   lost too, the job is Failed with the reason. A duplicate message is harmless: the worker is
 *   idempotent and only one attempt's Succeeded write can win. Live workers write a heartbeat at
 *   least every S / 4 (JobRunner), so a running job is probed only when its worker is gone.
 */
class JobReconciler {
    store;
    queue;
    config;
    now;
    constructor(store, queue, config, now = () => new Date()) {
        this.store = store;
        this.queue = queue;
        this.config = config;
        this.now = now;
    }
    /** One pass over the index (see the class comment). Errors on one job are left for the next pass. */
    async run() {
        const report = { checked: 0, requeued: [], failed: [], abandoned: [], cleared: 0 };
        const now = this.now();
        const stuckBefore = now.getTime() - this.config.stuckAfterMs;
        const until = (0, jobStore_1.activePartition)(new Date(stuckBefore).toISOString());
        for await (const marker of this.store.activeMarkers(until)) {
            if (marker.createdOn.getTime() > stuckBefore)
                continue;
            report.checked++;
            try {
                await this.reconcile(marker, stuckBefore, report);
            }
            catch {
                // Storage failed for this job: the next pass tries again.
            }
        }
        return report;
    }
    async reconcile(marker, stuckBefore, report) {
        const { id, partition } = marker;
        const found = await this.store.get(id);
        if (!found) {
            if (await this.store.inputExists(id)) {
                const settled = await this.store.abandon(id, 'unknown', 'the submit did not complete (reconciler)', this.now());
                if (settled !== 'ended')
                    return; // the record appeared: judged on the next pass
                report.abandoned.push(id);
            }
            else
                report.cleared++;
            await this.store.deleteActiveMarker(partition, id);
            return;
        }
        const job = found.job;
        if ((0, model_1.isTerminal)(job.status)) {
            await this.store.deleteActiveMarker(partition, id);
            report.cleared++;
            return;
        }
        if (Date.parse(job.lastUpdatedDateTime) > stuckBefore)
            return;
        // A job waiting in a long queue, or whose worker died (its message comes back after the lease),
        // still has its message: nothing to do. Only a job whose message is gone is re-enqueued.
        if (job.message && (await this.queue.exists({ messageId: job.message.id, popReceipt: job.message.popReceipt })))
            return;
        const requeues = job.requeues ?? 0;
        if (requeues >= bounds_1.maxRequeues) {
            const reason = `The job's queue message was lost ${requeues + 1} time(s); it was re-enqueued ${requeues} time(s).`;
            try {
                await this.store.update(id, (j) => machine.fail(j, (0, problem_1.problem)(500, reason, { requeues, ...(j.lastError ? { lastError: j.lastError } : {}) }), this.now()));
            }
            catch (err) {
                if (!(err instanceof machine.TransitionError))
                    throw err;
            }
            await this.store.deleteActiveMarker(partition, id);
            report.failed.push(id);
            return;
        }
        // Send, then record the new message (conditional on the ETag read): if the record write fails,
        // the next pass finds the old message gone and sends again; duplicates are harmless.
        const sent = await this.queue.send({
            v: 1,
            jobId: id,
            type: job.type,
            ...(job.correlationId ? { correlationId: job.correlationId } : {}),
        });
        try {
            await this.store.update(id, (j) => {
                if ((0, model_1.isTerminal)(j.status))
                    throw new machine.TransitionError(j.status, 'requeue');
                return {
                    ...j,
                    requeues: (j.requeues ?? 0) + 1,
                    message: { id: sent.messageId, popReceipt: sent.popReceipt },
                    lastUpdatedDateTime: this.now().toISOString(),
                };
            });
        }
        catch (err) {
            if (!(err instanceof machine.TransitionError))
                throw err;
        }
        report.requeued.push(id);
    }
}
exports.JobReconciler = JobReconciler;
//# sourceMappingURL=jobReconciler.js.map