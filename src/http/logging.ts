import type { InvocationContext } from '@azure/functions';

import { ProblemError } from '../core/problem';
import { describeError } from '../core/storage';

/**
 * Logs a failed request: unexpected errors at error level, deliberate 5xx problems (e.g. 503 while
 * storage is down) at warning level with their cause, client errors (4xx) not at all. Only
 * {@link describeError}'s one line is logged: never request headers or connection strings.
 */
export function logFailure(context: InvocationContext, what: string, err: unknown): void {
  if (!(err instanceof ProblemError)) context.error(`${what} failed: ${describeError(err)}`);
  else if (err.problem.status >= 500) context.warn(`${what} answered ${err.problem.status}: ${describeError(err.cause ?? err)}`);
}
