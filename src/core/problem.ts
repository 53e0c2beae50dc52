import { type ProblemDetails, statusTitles } from '../contract/problem';

export { type ProblemDetails, problemMediaType, statusTitles } from '../contract/problem';

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

/**
 * The 503 of a storage outage or throttling: the one mapping of a transient storage error (see
 * `isTransientStorageError`) to a problem, with `Retry-After: retryAfterSeconds` (the app passes
 * `JOBS_RETRY_AFTER_SECONDS`, whole seconds, RFC 9110 §10.2.3). `cause` is kept for the log only;
 * `detail` says what happened (default: storage refused or failed the call).
 */
export function storageUnavailable(
  cause: unknown,
  retryAfterSeconds: number,
  detail = 'Storage is temporarily unavailable; retry later.',
): ProblemError {
  return new ProblemError(503, detail, {}, { 'Retry-After': String(retryAfterSeconds) }, cause);
}

/**
 * The 413 of a request body over the size limit (checked on `Content-Length` and while streaming),
 * with the limit in bytes as the `maxBytes` extension member.
 */
export function contentTooLarge(maxBytes: number): ProblemError {
  return new ProblemError(413, `The request body exceeds the limit of ${maxBytes} bytes.`, { maxBytes });
}
