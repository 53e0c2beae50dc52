import type { AppConfig } from '../config';

/**
 * The time bounds the submit, the worker, the Idempotency-Key logic and the reconciler rely on, all
 * derived from one setting, `JOBS_SUBMIT_DEADLINE_MS` (D).
 *
 * - The submit's storage work once its body is read (a body over 4 MiB: once it is stored) — key
 *   claim, input, job message, active marker, record create — runs under one AbortSignal that fires
 *   after D: every storage call of it is aborted then, whatever the SDK's own retries and per-try
 *   timeouts would allow.
 * - Compensation (marking the record Failed, taking back the message, the input and the key claim)
 *   runs under a second AbortSignal of C = D.
 * - So a submit's storage work ends within D + C after it started, on the submitting instance's clock.
 *
 * Windows that lean on that bound (each only for liveness: correctness rests on conditional writes,
 * see README "Guarantees"):
 * - the job message is sent invisible for V = D + C + margin (a duration counted by the queue service
 *   itself, so no clock skew is involved): before it can be delivered, its submit has either made it
 *   visible (record created) or given up and compensated. A record create that the network still
 *   delivers later loses against the Failed record the worker then writes with `If-None-Match: *`.
 * - an Idempotency-Key claim whose job record is missing is "in flight" for A = D + C + skew margin
 *   after its `createdDateTime` (claim written on another instance's clock, read on ours: 5 s of clock
 *   skew allowed); after A the claim's job is marked Failed (abandoned) with `If-None-Match: *` before
 *   the key is taken over, so the first request's job can never come into existence afterwards.
 *
 * With the default D = 10 s: C = 10 s, V = 25 s, A = 25 s. With D = 2 s (tests): V = A = 9 s.
 */
export interface SubmitBounds {
  /** D: deadline of the submit's storage work, ms. */
  deadlineMs: number;
  /** C: deadline of its compensation, ms. */
  compensationMs: number;
  /** V: initial invisibility of the job message, whole seconds (≥ (D + C) / 1000 + margin). */
  messageInvisibleSeconds: number;
  /** A: age after which an Idempotency-Key claim without a record is abandoned, ms. */
  claimAbandonedAfterMs: number;
}

/** Margin for queue timing granularity (visibility is in whole seconds) and scheduling delays, ms. */
export const queueMarginMs = 5_000;
/** Largest clock difference assumed between two app instances, ms (Azure hosts are NTP-synced to well under 1 s). */
export const clockSkewMarginMs = 5_000;

/** Derives the bounds from the configuration (see the arithmetic above). */
export function submitBounds(config: Pick<AppConfig, 'submitDeadlineMs'>): SubmitBounds {
  const deadlineMs = config.submitDeadlineMs;
  const compensationMs = deadlineMs;
  return {
    deadlineMs,
    compensationMs,
    messageInvisibleSeconds: Math.ceil((deadlineMs + compensationMs + queueMarginMs) / 1000),
    claimAbandonedAfterMs: deadlineMs + compensationMs + clockSkewMarginMs,
  };
}

/** Re-enqueues the reconciler tries for a stuck job before failing it. */
export const maxRequeues = 3;
