/**
 * The problem details part of the API contract, browser-safe: no Node.js or server import, so the
 * typed client (src/client) and the page (src/ui) import it as the server core does.
 */

/**
 * Problem details for HTTP APIs (RFC 9457). The one error shape of the API: every 4xx/5xx response
 * body, and the `error` of a Failed or Canceled job.
 */
export interface ProblemDetails {
  /** URI reference identifying the problem type; `about:blank` when the status code says it all. */
  type: string;
  title: string;
  /** HTTP status code (RFC 9457 §3.1.3). */
  status: number;
  detail?: string;
  instance?: string;
  /** Field-level validation issues (400): `path` is a dotted location such as `query.delimiter`. */
  errors?: { path: string; message: string }[];
  /** Extension members (RFC 9457 §3.2), e.g. `row`, `column`, `attempts`. */
  [extension: string]: unknown;
}

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
