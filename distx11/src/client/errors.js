"use strict";
/**
 * Errors of the typed job client. No Node.js or Azure Functions imports: this file runs in browsers
 * and in Node.js 20+ alike.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.JobCanceledError = exports.JobProblemError = void 0;
exports.abortError = abortError;
exports.isAbortError = isAbortError;
/**
 * An RFC 9457 problem reported by the job API: a rejected request (400, 404, 413, 415, 422, 503, …)
 * or a job that ended Failed (e.g. 422 malformed input, 500 processing failed).
 *
 * Shape: the problem's members (`type`, `title`, `status`, `detail`, `instance`, `errors`) copied
 * onto the error, the whole `problem` (with extension members), plus `jobId` and `traceId` for
 * correlation with the server's logs. `message` is `"<status> <title>: <detail>"`.
 */
class JobProblemError extends Error {
    name = 'JobProblemError';
    /** Problem type URI (`about:blank` for plain HTTP semantics). */
    type;
    title;
    /** HTTP status code of the problem (RFC 9457 §3.1.3). */
    status;
    detail;
    instance;
    /** Field-level issues of a 400, if any. */
    errors;
    /** The full problem document, extension members included. */
    problem;
    /** Id of the job concerned (undefined when the submit itself was rejected). */
    jobId;
    /** W3C trace id (32 hex digits) of the request(s) that led to this error. */
    traceId;
    /** HTTP status of the response that carried the problem (see {@link JobProblemContext.httpStatus}). */
    httpStatus;
    /** `Retry-After` of that response in milliseconds, if any. */
    retryAfterMs;
    constructor(problem, context) {
        super(`${problem.status} ${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
        this.problem = problem;
        this.type = problem.type;
        this.title = problem.title;
        this.status = problem.status;
        this.detail = problem.detail;
        this.instance = problem.instance;
        this.errors = problem.errors;
        this.jobId = context.jobId;
        this.traceId = context.traceId;
        this.httpStatus = context.httpStatus;
        this.retryAfterMs = context.retryAfterMs;
    }
}
exports.JobProblemError = JobProblemError;
/**
 * The job ended Canceled (by a cancel request from anyone, e.g. another client or `DELETE`) while
 * `wait()` was waiting for it. `status` is 409, as the API's status URL reports a canceled job.
 * A `wait()` aborted through its own `signal` rejects with an `AbortError` instead.
 */
class JobCanceledError extends JobProblemError {
    name = 'JobCanceledError';
}
exports.JobCanceledError = JobCanceledError;
/**
 * An `AbortError` `DOMException`, as `fetch` throws when its signal aborts. When `reason` is already
 * an `Error` (e.g. the `TimeoutError` of `AbortSignal.timeout()`), that error is returned unchanged.
 */
function abortError(reason) {
    if (reason instanceof Error)
        return reason;
    return new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted.', 'AbortError');
}
/** True for the errors an aborted signal produces (`AbortError`, and `TimeoutError` of `AbortSignal.timeout()`). */
function isAbortError(err) {
    return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
//# sourceMappingURL=errors.js.map