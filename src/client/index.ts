/**
 * The typed client of the job API, for browsers and Node.js 20+ (web platform APIs only). See
 * {@link createJobClient}.
 */
export {
  createJobClient,
  terminalJobStatuses,
  type AcceptedJobDocument,
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
  type WaitOptions,
} from './jobClient';
export { abortError, isAbortError, JobCanceledError, JobProblemError, type JobProblemContext, type ProblemDetails } from './errors';
export { backoffDelayMs, parseHttpDate, parseRetryAfter, sleep, type BackoffOptions } from './retry';
export { isTraceId, newSpanId, newTraceId, traceparent, traceparentPattern } from './traceContext';
