import type { AppConfig } from '../config';

/**
 * The time bounds the submit, the worker, the Idempotency-Key logic and the reconciler rely on, all
 * derived from one setting, `JOBS_SUBMIT_DEADLINE_MS` (D).
 *
 * - The submit's storage work once its body is read (a body over 4 MiB: once it is stored) — key
 *   claim, input, job message, record create — runs under one AbortSignal that fires after D: every
 *   storage call of it is aborted then, whatever the SDK's own retries and per-try timeouts would
 *   allow.
 * - Compensation (ending the job's id with a Failed record, taking back the message, the input and
 *   the key claim) runs under a second AbortSignal of C = D.
 * - So a submit's storage work ends within D + C after its record's `createdDateTime`, on the
 *   submitting instance's clock.
 *
 * Windows that lean on that bound (each only for liveness: correctness rests on conditional writes,
 * see README "Guarantees"), both A = D + C + clock skew margin after the job's `createdDateTime`
 * (written on the submitting instance's clock, compared on another's):
 * - the job message is sent (visible) before the record is created, so a worker may get it first:
 *   a worker that finds no record waits for it until A (JobRunner). After A the submit has either
 *   created the record or given up, so the worker ends the id with an abandoned record written with
 *   `If-None-Match: *`: a create still on its way then fails, and its submit answers 503.
 * - an Idempotency-Key claim whose job record is missing is "in flight" until A; after A the claim's
 *   job is marked Failed (abandoned) with `If-None-Match: *` before the key is taken over, so the
 *   first request's job can never come into existence afterwards.
 *
 * With the default D = 10 s: C = 10 s, A = 25 s. With D = 2 s (tests): A = 9 s.
 */
export interface SubmitBounds {
  /** D: deadline of the submit's storage work, ms. */
  deadlineMs: number;
  /** C: deadline of its compensation, ms. */
  compensationMs: number;
  /**
   * A: age (after the job's `createdDateTime`) by which its submit's storage work has ended on any
   * instance's clock, ms. A record still missing then will only ever be created if nobody ends the id.
   */
  settledAfterMs: number;
}

/** Largest clock difference assumed between two app instances, ms (Azure hosts are NTP-synced to well under 1 s). */
export const clockSkewMarginMs = 5_000;

/** Derives the bounds from the configuration (see the arithmetic above). */
export function submitBounds(config: Pick<AppConfig, 'submitDeadlineMs'>): SubmitBounds {
  const deadlineMs = config.submitDeadlineMs;
  const compensationMs = deadlineMs;
  return { deadlineMs, compensationMs, settledAfterMs: deadlineMs + compensationMs + clockSkewMarginMs };
}

/** Re-enqueues the reconciler tries for a stuck job before failing it. */
export const maxRequeues = 3;
