/**
 * The typed client of the job API, for browsers and Node.js 20+ (web platform APIs only). See
 * {@link createJobClient}.
 */
export { type JobStatus, jobStatuses, type RuntimeStatus, terminalJobStatuses } from '../contract/jobStatus';
export type { AcceptedDocument as AcceptedJobDocument, StatusDocument as JobStatusDocument } from '../contract/schemas';
export { abortError, isAbortError, JobCanceledError, type JobProblemContext, JobProblemError, type ProblemDetails } from './errors';
export {
  createJobClient,
  type JobBody,
  type JobClient,
  type JobClientOptions,
  type JobHandle,
  type JobOptionValue,
  type JsonValue,
  type RequestOptions,
  type ResultFormat,
  type SubmitOptions,
  type WaitOptions,
} from './jobClient';
export { backoffDelayMs, type BackoffOptions, parseHttpDate, parseRetryAfter, sleep } from './retry';
export { isTraceId, newSpanId, newTraceId, traceparent, traceparentPattern } from './traceContext';
