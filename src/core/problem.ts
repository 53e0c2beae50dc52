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
