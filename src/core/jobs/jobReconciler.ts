import type { AppConfig } from '../config';
import { problem } from '../problem';
import { maxRequeues } from './bounds';
import { activePartition } from './containerLayout';
import type { JobQueue } from './jobQueue';
import type { JobStore } from './jobStore';
import { isTerminal } from './model';
import * as machine from './stateMachine';

/** What one reconciler pass did, by job id. */
export interface ReconcileReport {
  /** Unfinished jobs looked at (created in an hour old enough to judge). */
  checked: number;
  /** Unfinished jobs untouched for `JOBS_STUCK_AFTER_SECONDS`, given a new message. */
  requeued: string[];
  /** Stuck jobs failed after {@link maxRequeues} re-enqueues. */
  failed: string[];
}

/**
 * Finds jobs that no message or worker will move any more and ends them, so no live orphan survives.
 * Knows nothing of Azure Functions (the timer function `reconcileJobs` calls {@link run}).
 *
 * Index: every record carries a blob index tag, the hour of its creation while the job is unfinished
 * (containerLayout.ts `activeTag`). A pass finds, with one Find Blobs by Tags call per 5,000 results,
 * the unfinished jobs created in hours at least `JOBS_STUCK_AFTER_SECONDS` (S) ago, so its cost grows
 * with the number of unfinished jobs, not with the millions a container may hold. A record that does
 * not exist yet needs no index: its submit's message is on its way, and the worker that gets it ends
 * the id if the record never comes (JobRunner).
 *
 * For each such job:
 * - record gone (purged) or finished (the index lags a little) → nothing to do;
 * - NotStarted or Running and `lastUpdatedDateTime` older than S → its message (recorded on the
 *   job) is probed with Update Message: still there (waiting in a long queue, or coming back after a
 *   dead worker's lease) → nothing to do; gone (expired, deleted, its poison handling failed) → a new
 *   message is sent and recorded, and `requeues` counted; once {@link maxRequeues} re-enqueues were
 *   lost too, the job is Failed with the reason. A duplicate message is harmless: the worker is
 *   idempotent and only one attempt's Succeeded write can win. Live workers write a heartbeat at
 *   least every S / 4 (JobRunner), so a running job is probed only when its worker is gone.
 */
export class JobReconciler {
  constructor(
    private readonly store: JobStore,
    private readonly queue: JobQueue,
    private readonly config: Pick<AppConfig, 'stuckAfterMs'>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * One pass over the index (see the class comment). Errors on one job are left for the next pass.
   * @throws RestError when the index cannot be read (storage down): the next pass tries again
   */
  async run(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, requeued: [], failed: [] };
    const stuckBefore = this.now().getTime() - this.config.stuckAfterMs;
    const until = activePartition(new Date(stuckBefore).toISOString());
    for await (const { id } of this.store.records.unfinished(until)) {
      report.checked++;
      try {
        await this.reconcile(id, stuckBefore, report);
      } catch {
        // Storage failed for this job: the next pass tries again.
      }
    }
    return report;
  }

  private async reconcile(id: string, stuckBefore: number, report: ReconcileReport): Promise<void> {
    const found = await this.store.records.get(id);
    if (!found || isTerminal(found.job.status)) return;
    const job = found.job;
    if (Date.parse(job.lastUpdatedDateTime) > stuckBefore) return;
    // A job waiting in a long queue, or whose worker died (its message comes back after the lease),
    // still has its message: nothing to do. Only a job whose message is gone is re-enqueued.
    if (job.message && (await this.queue.exists({ messageId: job.message.id, popReceipt: job.message.popReceipt }))) return;
    const requeues = job.requeues ?? 0;
    if (requeues >= maxRequeues) {
      const reason = `The job's queue message was lost ${requeues + 1} time(s); it was re-enqueued ${requeues} time(s).`;
      try {
        await this.store.records.update(
          id,
          (j) => machine.fail(j, problem(500, reason, { requeues, ...(j.lastError ? { lastError: j.lastError } : {}) }), this.now()),
          { from: found },
        );
      } catch (err) {
        if (!(err instanceof machine.TransitionError)) throw err;
      }
      report.failed.push(id);
      return;
    }
    // Send, then record the new message (conditional on the ETag read): if the record write fails,
    // the next pass finds the old message gone and sends again; duplicates are harmless.
    const sent = await this.queue.send({
      v: 1,
      jobId: id,
      type: job.type,
      ...(job.correlationId ? { correlationId: job.correlationId } : {}),
    });
    try {
      await this.store.records.update(
        id,
        (j) => {
          if (isTerminal(j.status)) throw new machine.TransitionError(j.status, 'requeue');
          return {
            ...j,
            requeues: (j.requeues ?? 0) + 1,
            message: { id: sent.messageId, popReceipt: sent.popReceipt },
            lastUpdatedDateTime: this.now().toISOString(),
          };
        },
        { from: found },
      );
    } catch (err) {
      if (!(err instanceof machine.TransitionError)) throw err;
    }
    report.requeued.push(id);
  }
}
