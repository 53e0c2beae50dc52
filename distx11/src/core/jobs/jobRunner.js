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
exports.JobRunner = void 0;
const problem_1 = require("../problem");
const processor_1 = require("../processors/processor");
const registry_1 = require("../processors/registry");
const model_1 = require("./model");
const machine = __importStar(require("./stateMachine"));
/** Signals that the job record vanished (purged) or left Running while the processor ran. */
class JobGone extends Error {
}
/**
 * Runs a job for one queue message. Idempotent under at-least-once delivery:
 * - a message for a finished or deleted job is acknowledged without doing anything;
 * - each attempt writes its result under its own blob name and only the attempt whose conditional
 *   Running → Succeeded write wins is referenced; a losing attempt deletes its blob;
 * - a finished job never moves backwards (terminal states are final in the state machine).
 *
 * Cancellation: the runner re-reads the record at least every `JOBS_PROGRESS_INTERVAL_MS` (with each
 * progress write, or on its own when the processor is quiet) and aborts the processor's AbortSignal
 * when cancel was requested or the job was deleted. The job is Canceled within about one interval
 * plus the processor's own reaction time.
 *
 * @throws the processor's error when processing failed for a reason other than its input: the queue
 *   retries the message and, after `maxDequeueCount` attempts, moves it to the poison queue.
 */
class JobRunner {
    store;
    config;
    now;
    constructor(store, config, now = () => new Date()) {
        this.store = store;
        this.config = config;
        this.now = now;
    }
    async run(message, log) {
        const id = message.jobId;
        const found = await this.findRecord(message);
        if (found === 'abandoned') {
            log.warn(`Job ${id}: its submit did not complete; recorded as Failed (abandoned).`);
            if (message.enqueuedAt)
                await this.store.clearActive({ id, createdDateTime: message.enqueuedAt }).catch(() => undefined);
            return 'failed';
        }
        if (!found) {
            log.info(`Job ${id}: not found (purged, or its submit was taken back); nothing to do.`);
            return 'skipped';
        }
        const outcome = await this.runFound(found, log);
        if (outcome !== 'skipped' || (0, model_1.isTerminal)(found.job.status)) {
            // The job has finished: its active marker (the reconciler's index) goes.
            await this.store.clearActive(found.job).catch(() => undefined);
        }
        return outcome;
    }
    async runFound(found, log) {
        const id = found.job.id;
        if ((0, model_1.isTerminal)(found.job.status)) {
            // A redelivery after a finished run: also remove results of attempts that died before recording theirs.
            await this.store.deleteResultsExcept(id, found.job.result?.blobName);
            log.info(`Job ${id}: already ${found.job.status}; nothing to do.`);
            return 'skipped';
        }
        if (found.job.cancelRequested)
            return this.finishCanceled(id);
        let started;
        try {
            const res = await this.store.update(id, (job) => machine.start(job, this.now()));
            if (!res)
                return 'skipped';
            started = res.job;
        }
        catch (err) {
            if (err instanceof machine.TransitionError)
                return 'skipped';
            throw err;
        }
        const processor = (0, registry_1.getProcessor)(started.type);
        if (!processor)
            return this.finishFailed(id, (0, problem_1.problem)(500, `No processor is registered for job type '${started.type}'.`));
        const options = processor.optionsSchema.safeParse(started.options);
        if (!options.success)
            return this.finishFailed(id, (0, problem_1.problem)(422, `Invalid job options: ${options.error.message}`));
        const abort = new AbortController();
        const monitor = this.monitor(id, abort);
        try {
            const result = await processor.run({
                jobId: id,
                options: options.data,
                input: {
                    contentType: started.input.contentType,
                    sizeBytes: started.input.sizeBytes,
                    open: (signal) => this.store.openInput(id, signal),
                },
                signal: abort.signal,
                reportProgress: (report) => monitor.report(report),
            });
            await monitor.stop();
            if (abort.signal.aborted)
                return this.finishCanceled(id);
            const ref = await this.store.writeResult(id, started.attempts, result.body, result.contentType);
            try {
                const done = await this.store.update(id, (job) => machine.succeed(job, ref, this.now()));
                if (!done)
                    throw new JobGone();
                await this.store.deleteResultsExcept(id, ref.blobName).catch(() => undefined);
                log.info(`Job ${id} succeeded (attempt ${started.attempts}, ${ref.sizeBytes} bytes).`);
                return 'succeeded';
            }
            catch (err) {
                await this.store.deleteBlob(ref.blobName);
                if (err instanceof JobGone)
                    return 'skipped';
                if (err instanceof machine.TransitionError) {
                    if (err.current === 'Running')
                        return this.finishCanceled(id);
                    return 'skipped';
                }
                throw err;
            }
        }
        catch (err) {
            await monitor.stop();
            if (err instanceof processor_1.ProcessorAbortedError || abort.signal.aborted)
                return this.finishCanceled(id);
            if (err instanceof processor_1.ProcessorInputError) {
                return this.finishFailed(id, (0, problem_1.problem)(422, err.message, { ...err.location }));
            }
            await this.recordFailure(id, err);
            throw err;
        }
    }
    /**
     * Reads the job of a message. A message is deliverable only after its submit created the record
     * (and released the message) or gave up: it is sent invisible for longer than the submit's bounded
     * work (bounds.ts). So a missing record means:
     * - no input either: the job was purged (the record is deleted last) or its submit took everything
     *   back; nothing to do;
     * - input still there: the submit did not complete and could not clean up (storage failed under
     *   it). The job is ended with an abandoned (Failed) record written with `If-None-Match: *`, so that
     *   a create of the real record still on its way can never succeed (no live orphan, no job behind a
     *   503).
     * @returns the job, `abandoned`, or undefined when there is nothing to do
     */
    async findRecord(message) {
        const found = await this.store.get(message.jobId);
        if (found)
            return found;
        if (!(await this.store.inputExists(message.jobId)))
            return undefined;
        const settled = await this.store.abandon(message.jobId, message.type, 'the submit did not complete', this.now());
        return settled === 'ended' ? 'abandoned' : settled;
    }
    /** Keeps the last processing error on the record (best effort) for the poison handler. */
    async recordFailure(id, err) {
        const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 500);
        await this.store
            .update(id, (job) => (job.status === 'Running' ? { ...job, lastError: message, lastUpdatedDateTime: this.now().toISOString() } : job))
            .catch(() => undefined);
    }
    /**
     * Fails a job whose message was moved to the poison queue (called by the poison-queue function).
     * Idempotent; a job that already finished is left alone.
     */
    async failPoisoned(id, type = 'unknown') {
        const found = await this.store.get(id);
        if (!found) {
            // As in run(): a submit that did not complete is ended, so that its record can never appear.
            if (!(await this.store.inputExists(id)))
                return 'skipped';
            return (await this.store.abandon(id, type, 'the submit did not complete', this.now())) === 'ended'
                ? 'failed'
                : this.failPoisoned(id, type);
        }
        if ((0, model_1.isTerminal)(found.job.status)) {
            await this.store.clearActive(found.job).catch(() => undefined);
            return 'skipped';
        }
        await this.store.clearActive(found.job).catch(() => undefined);
        const { attempts, lastError } = found.job;
        return this.finishFailed(id, (0, problem_1.problem)(500, `Processing failed after ${attempts} attempt(s)${lastError ? `: ${lastError}` : ''}.`, {
            attempts,
            ...(lastError ? { lastError } : {}),
        }));
    }
    /** Marks a job Canceled (idempotent: a job already finished or deleted is left alone). */
    async finishCanceled(id) {
        try {
            await this.store.update(id, (job) => machine.cancel(job, this.now()));
        }
        catch (err) {
            if (!(err instanceof machine.TransitionError))
                throw err;
        }
        return 'canceled';
    }
    /** Marks a job Failed with `error` (idempotent like {@link finishCanceled}). */
    async finishFailed(id, error) {
        try {
            await this.store.update(id, (job) => machine.fail(job, error, this.now()));
        }
        catch (err) {
            if (!(err instanceof machine.TransitionError))
                throw err;
        }
        return 'failed';
    }
    /**
     * Writes progress at most once per interval and, on the same beat, notices cancel requests and
     * deletions. Writes are serialized; the latest report wins.
     */
    monitor(id, abort) {
        let pending;
        let busy = Promise.resolve();
        const tick = () => {
            const report = pending;
            pending = undefined;
            busy = busy.then(async () => {
                if (abort.signal.aborted)
                    return;
                try {
                    let res = report
                        ? await this.store.update(id, (job) => {
                            if (job.cancelRequested || job.status !== 'Running')
                                throw new JobGone();
                            return machine.recordProgress(job, report, this.now());
                        })
                        : await this.store.get(id);
                    // Heartbeat: a quiet processor still moves lastUpdatedDateTime at least every quarter of
                    // JOBS_STUCK_AFTER_SECONDS, so the reconciler never takes a live job for a stuck one.
                    const stuckAfterMs = this.config.stuckAfterMs;
                    if (!report &&
                        res &&
                        stuckAfterMs &&
                        res.job.status === 'Running' &&
                        !res.job.cancelRequested &&
                        this.now().getTime() - Date.parse(res.job.lastUpdatedDateTime) > stuckAfterMs / 4) {
                        res = await this.store.update(id, (job) => {
                            if (job.cancelRequested || job.status !== 'Running')
                                throw new JobGone();
                            return machine.recordProgress(job, {}, this.now());
                        });
                    }
                    if (!res || res.job.cancelRequested || res.job.status !== 'Running')
                        abort.abort();
                }
                catch (err) {
                    if (err instanceof JobGone || err instanceof machine.TransitionError)
                        abort.abort();
                    // Storage hiccups while reporting progress are not fatal: the next beat tries again.
                }
            });
        };
        const timer = setInterval(tick, this.config.progressIntervalMs);
        timer.unref();
        return {
            report(r) {
                pending = r;
            },
            async stop() {
                clearInterval(timer);
                await busy;
            },
        };
    }
}
exports.JobRunner = JobRunner;
//# sourceMappingURL=jobRunner.js.map