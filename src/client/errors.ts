/**
 * Errors of the typed job client. No Node.js or Azure Functions imports: this file runs in browsers
 * and in Node.js 20+ alike.
 */

/**
 * Problem details for HTTP APIs (RFC 9457), as the job API sends them (`application/problem+json`)
 * and as a Failed or Canceled job carries them in its status document (`error`). The server's own
 * type: a type-only import, so nothing server-side is bundled into browser code.
 */
import type { ProblemDetails } from '../contract/problem';
export type { ProblemDetails };

/** Where a {@link JobProblemError} comes from. */
export interface JobProblemContext {
  /** Id of the job concerned, when one exists (undefined for a rejected submit). */
  jobId?: string;
  /** W3C trace id (32 lowercase hex digits) sent in the `traceparent` of the failing request. */
  traceId: string;
  /**
   * HTTP status of the response that reported the problem: equal to `problem.status` for an error
   * response; 200 when the problem is the `error` of a Failed or Canceled job's status document.
   */
  httpStatus?: number;
  /** `Retry-After` of the response, in milliseconds, when it had one (503, 429). */
  retryAfterMs?: number;
}

/**
 * An RFC 9457 problem reported by the job API: a rejected request (400, 404, 413, 415, 422, 503, …)
 * or a job that ended Failed (e.g. 422 malformed input, 500 processing failed).
 *
 * Shape: the problem's members (`type`, `title`, `status`, `detail`, `instance`, `errors`) copied
 * onto the error, the whole `problem` (with extension members), plus `jobId` and `traceId` for
 * correlation with the server's logs. `message` is `"<status> <title>: <detail>"`.
 */
export class JobProblemError extends Error {
  override readonly name: string = 'JobProblemError';
  /** Problem type URI (`about:blank` for plain HTTP semantics). */
  readonly type: string;
  readonly title: string;
  /** HTTP status code of the problem (RFC 9457 §3.1.3). */
  readonly status: number;
  readonly detail: string | undefined;
  readonly instance: string | undefined;
  /** Field-level issues of a 400, if any. */
  readonly errors: { path: string; message: string }[] | undefined;
  /** The full problem document, extension members included. */
  readonly problem: ProblemDetails;
  /** Id of the job concerned (undefined when the submit itself was rejected). */
  readonly jobId: string | undefined;
  /** W3C trace id (32 hex digits) of the request(s) that led to this error. */
  readonly traceId: string;
  /** HTTP status of the response that carried the problem (see {@link JobProblemContext.httpStatus}). */
  readonly httpStatus: number | undefined;
  /** `Retry-After` of that response in milliseconds, if any. */
  readonly retryAfterMs: number | undefined;

  constructor(problem: ProblemDetails, context: JobProblemContext) {
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

/**
 * The job ended Canceled (by a cancel request from anyone, e.g. another client or `DELETE`) while
 * `wait()` was waiting for it. `status` is 409, as the API's status URL reports a canceled job.
 * A `wait()` aborted through its own `signal` rejects with an `AbortError` instead.
 */
export class JobCanceledError extends JobProblemError {
  override readonly name: string = 'JobCanceledError';
}

/**
 * An `AbortError` `DOMException`, as `fetch` throws when its signal aborts. When `reason` is already
 * an `Error` (e.g. the `TimeoutError` of `AbortSignal.timeout()`), that error is returned unchanged.
 */
export function abortError(reason?: unknown): Error {
  if (reason instanceof Error) return reason;
  return new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted.', 'AbortError');
}

/** True for the errors an aborted signal produces (`AbortError`, and `TimeoutError` of `AbortSignal.timeout()`). */
export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}
