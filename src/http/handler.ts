import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';

import type { AppConfig } from '../core/config';
import { ProblemError } from '../core/problem';
import { describeError } from '../core/storage';
import { errorResponse, internalErrorResponse } from './jobResponses';

/** An HTTP-triggered function's handler (Azure Functions Node.js v4 programming model). */
export type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

/**
 * Logs a failed request: unexpected errors at error level, deliberate 5xx problems (e.g. 503 while
 * storage is down) at warning level with their cause, client errors (4xx) not at all. Only
 * {@link describeError}'s one line is logged: never request headers or connection strings.
 */
export function logFailure(context: InvocationContext, what: string, err: unknown): void {
  if (!(err instanceof ProblemError)) context.error(`${what} failed: ${describeError(err)}`);
  else if (err.problem.status >= 500) context.warn(`${what} answered ${err.problem.status}: ${describeError(err.cause ?? err)}`);
}

/**
 * The one error boundary of the HTTP functions: runs `handler`, and answers whatever it throws as
 * problem details (`errorResponse`: a `ProblemError` as itself, a transient storage error as 503 with
 * `Retry-After: JOBS_RETRY_AFTER_SECONDS`, anything else as a generic 500), after logging it with
 * {@link logFailure}.
 * @param what the operation, for the log (`Submit`, `Status`, ...)
 */
export function withProblemResponses(what: string, config: Pick<AppConfig, 'retryAfterSeconds'>, handler: HttpHandler): HttpHandler {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (err) {
      logFailure(context, what, err);
      return errorResponse(err, config.retryAfterSeconds);
    }
  };
}

/**
 * The registered form of an HTTP handler: built by `build` on the first request (so loading the
 * function file reads no setting), then reused. A failed build (e.g. a `ConfigurationError`) is
 * logged and answered as a generic 500 problem, and tried again on the next request.
 */
export function lazyHttpHandler(what: string, build: () => HttpHandler): HttpHandler {
  let handler: HttpHandler | undefined;
  return (request, context) => {
    try {
      handler ??= build();
    } catch (err) {
      logFailure(context, what, err);
      return Promise.resolve(internalErrorResponse());
    }
    return handler(request, context);
  };
}
