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

/**
 * An error that maps to one problem details response. Throw it from the core; the HTTP layer turns it
 * into `application/problem+json` with `status`.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly problem: ProblemDetails;
  /** Extra response headers (e.g. `Retry-After` on 503). */
  readonly headers: Record<string, string>;
  /**
   * @param cause the underlying error (logged, never sent to the client)
   */
  constructor(status: number, detail: string, extra: Partial<ProblemDetails> = {}, headers: Record<string, string> = {}, cause?: unknown) {
    super(detail, cause === undefined ? undefined : { cause });
    this.problem = { type: 'about:blank', title: statusTitles[status] ?? 'Error', status, detail, ...extra };
    this.headers = headers;
  }
}

/** Builds a problem details object with the standard title for `status`. */
export function problem(status: number, detail: string, extra: Partial<ProblemDetails> = {}): ProblemDetails {
  return new ProblemError(status, detail, extra).problem;
}
