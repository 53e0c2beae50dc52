import { setTimeout as sleep } from 'node:timers/promises';

import type { AppConfig } from '../config';
import { problem, type ProblemDetails } from '../problem';
import { ProcessorAbortedError, ProcessorInputError, type ProgressReport } from '../processors/processor';
import { getProcessor } from '../processors/registry';
import { submitBounds } from './bounds';
import type { JobStore } from './jobStore';
import type { JobMessage } from './messageCodec';
import { isTerminal, type JobRecord, type VersionedJob } from './model';
import * as machine from './stateMachine';

/**
 * Delays between reads of a record that is not there yet (its submit's create is on its way), ms:
 * 50, 100, 200, 400, 800, then every 1,000 until A (bounds.ts). A create normally lands one storage
 * round trip after the message is sent, so the first read or two find it.
 */
export const recordWaitDelaysMs = [50, 100, 200, 400, 800, 1_000] as const;

/**
 * Floor of the deadline D of each storage call of a running job's progress beats, ms: with a short
 * interval, 2·I alone would abort calls of a storage that is merely slow (a record read or write is
 * one round trip, normally well under 100 ms).
 */
export const progressBeatDeadlineFloorMs = 1_000;

/**
 * Bounds of a running job's progress beats for the interval I = `JOBS_PROGRESS_INTERVAL_MS` (ms):
 * - `deadlineMs`: D = max(2·I, {@link progressBeatDeadlineFloorMs}), the deadline of each storage
 *   call of a beat (a progress write, a check read, a heartbeat write); no call holds up its lane
 *   longer. (I = 1,000: D = 2,000; I = 100: D = 1,000.)
 * - `cancelNoticedWithinMs`: N = I + 2·D, the time by which a cancel request (or a deletion) that
 *   lands at t aborts the processor, as long as storage answers a record read within D:
 *   - a call in flight at t started before t and ends by t + D (its deadline); a call started
 *     after t reads the record after t (a progress write reads before it writes; a heartbeat too);
 *   - beats come every I, so by t + D + I such a call has started (a beat found a lane free, or the
 *     busy lane's call started after t);
 *   - that call sees the cancel within its deadline: t + D + I + D = t + N.
 *   (I = 1,000: N = 5,000; I = 100: N = 2,100.) The job then reads Canceled after the processor's
 *   reaction time and one record write.
 */
export function progressBeatBounds(intervalMs: number): { deadlineMs: number; cancelNoticedWithinMs: number } {
  const deadlineMs = Math.max(2 * intervalMs, progressBeatDeadlineFloorMs);
  return { deadlineMs, cancelNoticedWithinMs: intervalMs + 2 * deadlineMs };
}

/** What one delivery of a job message led to. `skipped`: nothing to do (duplicate, finished or purged job). */
export type RunOutcome = 'succeeded' | 'failed' | 'canceled' | 'skipped';

/** Minimal logger (the Functions `InvocationContext` fits). */
export interface RunLog {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

/** Signals that the job record vanished (purged) or left Running while the processor ran. */
class JobGone extends Error {}

/**
 * Runs a job for one queue message. Idempotent under at-least-once delivery:
 * - a message for a finished or deleted job is acknowledged without doing anything;
 * - each attempt writes its result under its own blob name and only the attempt whose conditional
 *   Running → Succeeded write wins is referenced; a losing attempt deletes its blob;
 * - a finished job never moves backwards (terminal states are final in the state machine).
 *
 * Cancellation: the runner re-reads the record on each beat of `JOBS_PROGRESS_INTERVAL_MS` (I) (with
 * a progress write, or on its own when the processor is quiet or a write is still on its way) and
 * aborts the processor's AbortSignal when cancel was requested or the job was deleted. Progress
 * writes and checks run in separate lanes and each storage call has a deadline D = max(2·I, 1 s), so
 * a hanging write does not hold the check up: a cancel is noticed within N = I + 2·D (5 s at the
 * default I = 1 s; {@link progressBeatBounds}) as long as storage answers reads within D. The job is
 * Canceled after that plus the processor's own reaction time and one record write.
 *
 * @throws the processor's error when processing failed for a reason other than its input: the queue
 *   retries the message and, after `maxDequeueCount` attempts, moves it to the poison queue.
 */
export class JobRunner {
  constructor(
    private readonly store: JobStore,
    private readonly config: Pick<AppConfig, 'progressIntervalMs' | 'submitDeadlineMs'> & Partial<Pick<AppConfig, 'stuckAfterMs'>>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(message: JobMessage, log: RunLog): Promise<RunOutcome> {
    const id = message.jobId;
    const found = await this.findRecord(message);
    if (found === 'abandoned') {
      log.warn(`Job ${id}: its submit did not complete; recorded as Failed (abandoned).`);
      return 'failed';
    }
    if (!found) {
      log.info(`Job ${id}: not found (purged, or its submit was taken back); nothing to do.`);
      return 'skipped';
    }
    return this.runFound(found, log);
  }

  private async runFound(found: VersionedJob, log: RunLog): Promise<RunOutcome> {
    const id = found.job.id;
    if (isTerminal(found.job.status)) {
      // A redelivery after a finished run: also remove results of attempts that died before recording theirs.
      await this.store.blobs.deleteResultsExcept(id, found.job.result?.blobName);
      log.info(`Job ${id}: already ${found.job.status}; nothing to do.`);
      return 'skipped';
    }
    if (found.job.cancelRequested) return this.finishCanceled(id);

    // The record as this worker last read or wrote it: each write goes straight to its ETag (one Put
    // Blob), and reads the record again only when someone else changed it meanwhile.
    let latest: VersionedJob;
    try {
      const res = await this.store.records.update(id, (job) => machine.start(job, this.now()), { from: found });
      if (!res) return 'skipped';
      latest = res;
    } catch (err) {
      if (err instanceof machine.TransitionError) return 'skipped';
      throw err;
    }
    const started = latest.job;

    const processor = getProcessor(started.type);
    if (!processor) return this.finishFailed(id, problem(500, `No processor is registered for job type '${started.type}'.`));
    const options = processor.optionsSchema.safeParse(started.options);
    if (!options.success) return this.finishFailed(id, problem(422, `Invalid job options: ${options.error.message}`));

    const abort = new AbortController();
    const progress = this.startProgressWriter(id, abort, (written) => (latest = written));
    try {
      const result = await processor.run({
        jobId: id,
        options: options.data,
        input: {
          contentType: started.input.contentType,
          sizeBytes: started.input.sizeBytes,
          open: (signal) => this.store.blobs.openInput(id, signal),
        },
        signal: abort.signal,
        reportProgress: (report) => progress.report(report),
      });
      await progress.stop();
      if (abort.signal.aborted) return this.finishCanceled(id);
      const ref = await this.store.blobs.writeResult(id, started.attempts, result.body, result.contentType);
      try {
        const done = await this.store.records.update(id, (job) => machine.succeed(job, ref, this.now()), { from: latest });
        if (!done) throw new JobGone();
        // Results of other attempts exist only if another attempt started (each start counts one in
        // `attempts` before writing anything): with a single attempt there is nothing to list.
        if (done.job.attempts > 1) await this.store.blobs.deleteResultsExcept(id, ref.blobName).catch(() => undefined);
        log.info(`Job ${id} succeeded (attempt ${started.attempts}, ${ref.sizeBytes} bytes).`);
        return 'succeeded';
      } catch (err) {
        await this.store.blobs.deleteResult(ref.blobName);
        if (err instanceof JobGone) return 'skipped';
        if (err instanceof machine.TransitionError) {
          if (err.current === 'Running') return this.finishCanceled(id);
          return 'skipped';
        }
        throw err;
      }
    } catch (err) {
      await progress.stop();
      if (err instanceof ProcessorAbortedError || abort.signal.aborted) return this.finishCanceled(id);
      if (err instanceof ProcessorInputError) {
        return this.finishFailed(id, problem(422, err.message, { ...err.location }));
      }
      await this.recordFailure(id, err);
      throw err;
    }
  }

  /**
   * Reads the job of a message. The submit sends its message before it creates the record, so a
   * worker can get the message first: while the message is younger than A (bounds.ts: by then its
   * submit has created the record or given up, on any instance's clock) a missing record is read
   * again ({@link recordWaitDelaysMs}). A message without `enqueuedAt` (re-enqueued by the
   * reconciler, for a record that existed) is not waited for. A record still missing after that means:
   * - no input either: the job was purged (the record is deleted last) or its submit took everything
   *   back; nothing to do;
   * - input still there: the submit did not complete and could not clean up (storage failed under
   *   it). The job is ended with an abandoned (Failed) record written with `If-None-Match: *`, so that
   *   a create of the real record still on its way can never succeed (no live orphan, no job behind a
   *   503).
   * @returns the job, `abandoned`, or undefined when there is nothing to do
   */
  private async findRecord(message: JobMessage): Promise<VersionedJob | 'abandoned' | undefined> {
    // How long the submit may still be at work, on this instance's clock (at most A: a message cannot
    // come from the future), then counted on the monotonic clock.
    const { settledAfterMs } = submitBounds(this.config);
    const waitMs = message.enqueuedAt
      ? Math.min(settledAfterMs, Date.parse(message.enqueuedAt) + settledAfterMs - this.now().getTime())
      : 0;
    const until = performance.now() + waitMs;
    for (let i = 0; ; i++) {
      const found = await this.store.records.get(message.jobId);
      if (found) return found;
      const left = until - performance.now();
      if (left <= 0) break;
      await sleep(Math.min(recordWaitDelaysMs[Math.min(i, recordWaitDelaysMs.length - 1)]!, left));
    }
    if (!(await this.store.blobs.inputExists(message.jobId))) return undefined;
    const settled = await this.store.records.abandon(message.jobId, message.type, 'the submit did not complete', this.now());
    return settled === 'ended' ? 'abandoned' : settled;
  }

  /** Keeps the last processing error on the record (best effort) for the poison handler. */
  private async recordFailure(id: string, err: unknown): Promise<void> {
    const message = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 500);
    await this.store.records
      .update(id, (job) => (job.status === 'Running' ? { ...job, lastError: message, lastUpdatedDateTime: this.now().toISOString() } : job))
      .catch(() => undefined);
  }

  /**
   * Fails a job whose message was moved to the poison queue (called by the poison-queue function).
   * Idempotent; a job that already finished is left alone.
   */
  async failPoisoned(id: string, type = 'unknown'): Promise<RunOutcome> {
    const found = await this.store.records.get(id);
    if (!found) {
      // As in run(): a submit that did not complete is ended, so that its record can never appear.
      if (!(await this.store.blobs.inputExists(id))) return 'skipped';
      return (await this.store.records.abandon(id, type, 'the submit did not complete', this.now())) === 'ended'
        ? 'failed'
        : this.failPoisoned(id, type);
    }
    if (isTerminal(found.job.status)) return 'skipped';
    const { attempts, lastError } = found.job;
    return this.finishFailed(
      id,
      problem(500, `Processing failed after ${attempts} attempt(s)${lastError ? `: ${lastError}` : ''}.`, {
        attempts,
        ...(lastError ? { lastError } : {}),
      }),
    );
  }

  /** Marks a job Canceled (idempotent: a job already finished or deleted is left alone). */
  private async finishCanceled(id: string): Promise<RunOutcome> {
    try {
      await this.store.records.update(id, (job) => machine.cancel(job, this.now()));
    } catch (err) {
      if (!(err instanceof machine.TransitionError)) throw err;
    }
    return 'canceled';
  }

  /** Marks a job Failed with `error` (idempotent like {@link finishCanceled}). */
  private async finishFailed(id: string, error: ProblemDetails): Promise<RunOutcome> {
    try {
      await this.store.records.update(id, (job) => machine.fail(job, error, this.now()));
    } catch (err) {
      if (!(err instanceof machine.TransitionError)) throw err;
    }
    return 'failed';
  }

  /**
   * Writes progress and, on the same beats (one per interval I), notices cancel requests and
   * deletions, in two lanes with at most one storage call in flight each:
   * - the write lane writes the latest report (a read-modify-write: it reads the record first, so it
   *   notices a cancel too); a report whose write failed or was aborted is written again on a later
   *   beat unless a newer one arrived meanwhile;
   * - the check lane reads the record on every beat that starts no write (nothing to write, or the
   *   write lane still busy), and writes the heartbeat when one is due.
   * Each storage call is aborted after its deadline D or by `stop()` ({@link progressBeatBounds}), so a
   * hanging write holds up neither the check nor the runner's end. `written` gets each record read or
   * written. `stop()` aborts the calls in flight and resolves once they have settled.
   */
  private startProgressWriter(id: string, abort: AbortController, written: (job: VersionedJob) => void) {
    const { deadlineMs } = progressBeatBounds(this.config.progressIntervalMs);
    const stopping = new AbortController();
    // (AbortSignal.any: Node.js >= 20.3, package.json `engines`.)
    const callSignal = () => AbortSignal.any([stopping.signal, AbortSignal.timeout(deadlineMs)]);
    const progressChange = (report: ProgressReport) => (job: JobRecord) => {
      if (job.cancelRequested || job.status !== 'Running') throw new JobGone();
      return machine.recordProgress(job, report, this.now());
    };
    /** What a record read or written means for the processor: go on, or abort (canceled or deleted). */
    const seen = (res: VersionedJob | undefined) => {
      if (res) written(res);
      if (!res || res.job.cancelRequested || res.job.status !== 'Running') abort.abort();
    };
    /** @returns false for a storage hiccup (an error or a deadline: not fatal, the next beat tries again) */
    const gone = (err: unknown) => {
      if (!(err instanceof JobGone || err instanceof machine.TransitionError)) return false;
      abort.abort();
      return true;
    };

    let pending: ProgressReport | undefined;
    let writing: Promise<void> | undefined;
    let checking: Promise<void> | undefined;
    const write = async (report: ProgressReport) => {
      try {
        seen(await this.store.records.update(id, progressChange(report), { signal: callSignal() }));
      } catch (err) {
        if (!gone(err)) pending ??= report;
      }
    };
    const check = async () => {
      try {
        const res = await this.store.records.get(id, callSignal());
        seen(res);
        // Heartbeat: a quiet processor still moves lastUpdatedDateTime at least every quarter of
        // JOBS_STUCK_AFTER_SECONDS, so the reconciler never takes a live job for a stuck one.
        const stuckAfterMs = this.config.stuckAfterMs;
        if (
          !abort.signal.aborted &&
          res &&
          stuckAfterMs &&
          this.now().getTime() - Date.parse(res.job.lastUpdatedDateTime) > stuckAfterMs / 4
        )
          seen(await this.store.records.update(id, progressChange({}), { signal: callSignal() }));
      } catch (err) {
        gone(err);
      }
    };
    const tick = () => {
      if (abort.signal.aborted || stopping.signal.aborted) return;
      if (pending && !writing) {
        const report = pending;
        pending = undefined;
        writing = write(report).finally(() => (writing = undefined));
      } else if (!checking) {
        checking = check().finally(() => (checking = undefined));
      }
    };
    const timer = setInterval(tick, this.config.progressIntervalMs);
    timer.unref();
    return {
      report(r: ProgressReport) {
        pending = r;
      },
      async stop() {
        clearInterval(timer);
        stopping.abort();
        await Promise.all([writing, checking]);
      },
    };
  }
}
