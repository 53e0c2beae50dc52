"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TransitionError = void 0;
exports.start = start;
exports.recordProgress = recordProgress;
exports.succeed = succeed;
exports.fail = fail;
exports.canceledProblem = canceledProblem;
exports.requestCancel = requestCancel;
exports.cancel = cancel;
const problem_1 = require("../problem");
const model_1 = require("./model");
/**
 * The job state machine: pure functions from a record to its next version. Persisting is the job
 * store's business (each transition is written with the ETag it was computed from, so two writers can
 * never both win).
 *
 * ```
 * NotStarted ──start──▶ Running ──succeed──▶ Succeeded
 *     │                   │  └────fail─────▶ Failed
 *     ├──────fail─────────┼───────────────▶ Failed
 *     └──cancel──▶ Canceled ◀──cancel──┘
 * ```
 * Terminal states (Succeeded, Failed, Canceled) never change again.
 */
/** A transition that is not allowed from the job's current state. `current` is the state found. */
class TransitionError extends Error {
    current;
    attempted;
    name = 'TransitionError';
    constructor(current, attempted) {
        super(`Cannot ${attempted} a job that is ${current}`);
        this.current = current;
        this.attempted = attempted;
    }
}
exports.TransitionError = TransitionError;
function assertFrom(job, attempted, allowed) {
    if (!allowed.includes(job.status))
        throw new TransitionError(job.status, attempted);
}
const stamp = (job, now) => ({ ...job, lastUpdatedDateTime: now.toISOString() });
/** NotStarted|Running → Running; counts the attempt (a redelivered message takes over a Running job). */
function start(job, now) {
    assertFrom(job, 'start', ['NotStarted', 'Running']);
    return stamp({ ...job, status: 'Running', attempts: job.attempts + 1, startedDateTime: job.startedDateTime ?? now.toISOString() }, now);
}
/** Running → Running with new progress. `percentComplete` never goes down and stays below 100 until done. */
function recordProgress(job, report, now) {
    assertFrom(job, 'report progress for', ['Running']);
    const reported = report.percentComplete;
    const percent = reported === undefined || !Number.isFinite(reported) ? job.percentComplete : Math.min(99, Math.max(job.percentComplete, reported));
    return stamp({ ...job, percentComplete: percent, progress: report.progress ?? job.progress }, now);
}
/** Running → Succeeded with the stored result. */
function succeed(job, result, now) {
    assertFrom(job, 'complete', ['Running']);
    if (job.cancelRequested)
        throw new TransitionError(job.status, 'complete a cancel-requested job');
    return stamp({ ...job, status: 'Succeeded', percentComplete: 100, result, completedDateTime: now.toISOString() }, now);
}
/** NotStarted|Running → Failed with the reason as problem details. */
function fail(job, error, now) {
    assertFrom(job, 'fail', ['NotStarted', 'Running']);
    return stamp({ ...job, status: 'Failed', error, completedDateTime: now.toISOString() }, now);
}
/** The error a Canceled job carries (answered as 409 by the status URL). */
function canceledProblem() {
    return (0, problem_1.problem)(409, 'The job was canceled before it completed.');
}
/**
 * A cancel request: NotStarted → Canceled at once; Running → Running with `cancelRequested` (the
 * worker stops at its next check and calls {@link cancel}).
 * @throws TransitionError when the job has already finished (answered 409)
 */
function requestCancel(job, now) {
    if ((0, model_1.isTerminal)(job.status))
        throw new TransitionError(job.status, 'cancel');
    if (job.status === 'NotStarted')
        return cancel(job, now);
    return stamp({ ...job, cancelRequested: true }, now);
}
/** NotStarted|Running → Canceled. */
function cancel(job, now) {
    assertFrom(job, 'cancel', ['NotStarted', 'Running']);
    return stamp({ ...job, status: 'Canceled', error: canceledProblem(), completedDateTime: now.toISOString() }, now);
}
//# sourceMappingURL=stateMachine.js.map