/**
 * The typed client of the job API, for browsers and Node.js 20+ (web platform APIs only). See
 * {@link createJobClient}.
 */
export { abortError, isAbortError, JobCanceledError, type JobProblemContext, JobProblemError, type ProblemDetails } from './errors';
export {
  type AcceptedJobDocument,
  createJobClient,
  type JobBody,
  type JobClient,
  type JobClientOptions,
  type JobHandle,
  type JobOptionValue,
  type JobStatus,
  type JobStatusDocument,
  type JsonValue,
  type RequestOptions,
  type ResultFormat,
  type SubmitOptions,
  terminalJobStatuses,
  type WaitOptions,
} from './jobClient';
export { backoffDelayMs, type BackoffOptions, parseHttpDate, parseRetryAfter, sleep } from './retry';
export { isTraceId, newSpanId, newTraceId, traceparent, traceparentPattern } from './traceContext';
