import { problem, type ProblemDetails } from '../problem';
import type { ProgressReport } from '../processors/processor';
import { isTerminal, type JobRecord, type JobStatus } from './model';

/**
 * The job state machine: pure functions from a record to its next version. Persisting is the job
 * store's business (each transition is written with the ETag it was computed from, so two writers can
 * never both win).
 *
 * ```
 * NotStarted ──start──▶ Running ──succeed──▶ Succeeded
 *     │                   │  └────fail─────▶ Failed
 *     ├──────fail─────────┼───────────────▶ Failed
 *     └──cancel──▶ Canceled ◀──cancel──┘
 * ```
 * Terminal states (Succeeded, Failed, Canceled) never change again.
 */

/** A transition that is not allowed from the job's current state. `current` is the state found. */
export class TransitionError extends Error {
  override readonly name = 'TransitionError';
  constructor(
    readonly current: JobStatus,
    readonly attempted: string,
  ) {
    super(`Cannot ${attempted} a job that is ${current}`);
  }
}

function assertFrom(job: JobRecord, attempted: string, allowed: JobStatus[]): void {
  if (!allowed.includes(job.status)) throw new TransitionError(job.status, attempted);
}

const stamp = (job: JobRecord, now: Date): JobRecord => ({ ...job, lastUpdatedDateTime: now.toISOString() });

/** NotStarted|Running → Running; counts the attempt (a redelivered message takes over a Running job). */
export function start(job: JobRecord, now: Date): JobRecord {
  assertFrom(job, 'start', ['NotStarted', 'Running']);
  return stamp({ ...job, status: 'Running', attempts: job.attempts + 1, startedDateTime: job.startedDateTime ?? now.toISOString() }, now);
}

/** Running → Running with new progress. `percentComplete` never goes down and stays below 100 until done. */
export function recordProgress(job: JobRecord, report: ProgressReport, now: Date): JobRecord {
  assertFrom(job, 'report progress for', ['Running']);
  const reported = report.percentComplete;
  const percent =
    reported === undefined || !Number.isFinite(reported) ? job.percentComplete : Math.min(99, Math.max(job.percentComplete, reported));
  return stamp({ ...job, percentComplete: percent, progress: report.progress ?? job.progress }, now);
}

/** Running → Succeeded with the stored result. */
export function succeed(job: JobRecord, result: NonNullable<JobRecord['result']>, now: Date): JobRecord {
  assertFrom(job, 'complete', ['Running']);
  if (job.cancelRequested) throw new TransitionError(job.status, 'complete a cancel-requested job');
  return stamp({ ...job, status: 'Succeeded', percentComplete: 100, result, completedDateTime: now.toISOString() }, now);
}

/** NotStarted|Running → Failed with the reason as problem details. */
export function fail(job: JobRecord, error: ProblemDetails, now: Date): JobRecord {
  assertFrom(job, 'fail', ['NotStarted', 'Running']);
  return stamp({ ...job, status: 'Failed', error, completedDateTime: now.toISOString() }, now);
}

/** The error a Canceled job carries (answered as 409 by the status URL). */
export function canceledProblem(): ProblemDetails {
  return problem(409, 'The job was canceled before it completed.');
}

/**
 * A cancel request: NotStarted → Canceled at once; Running → Running with `cancelRequested` (the
 * worker stops at its next check and calls {@link cancel}).
 * @throws TransitionError when the job has already finished (answered 409)
 */
export function requestCancel(job: JobRecord, now: Date): JobRecord {
  if (isTerminal(job.status)) throw new TransitionError(job.status, 'cancel');
  if (job.status === 'NotStarted') return cancel(job, now);
  return stamp({ ...job, cancelRequested: true }, now);
}

/** NotStarted|Running → Canceled. */
export function cancel(job: JobRecord, now: Date): JobRecord {
  assertFrom(job, 'cancel', ['NotStarted', 'Running']);
  return stamp({ ...job, status: 'Canceled', error: canceledProblem(), completedDateTime: now.toISOString() }, now);
}
