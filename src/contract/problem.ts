/**
 * The problem details part of the API contract, as plain values (no zod, no Node.js import), so the
 * typed client (src/client) and the page (src/ui) import them as the server core does. The schema is
 * `problemSchema` in `./schemas`.
 */

/** Problem details (RFC 9457): the type inferred from `problemSchema` (./schemas). */
export type { ProblemDetails } from './schemas';

/** Media type of problem details (RFC 9457 §3). */
export const problemMediaType = 'application/problem+json';

/** Reason phrases of the status codes the API and its clients meet (RFC 9110 §15), used as problem titles. */
export const statusTitles: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
