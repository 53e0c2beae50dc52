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
  /** Markers looked at (old enough to judge). */
  checked: number;
  /** Unfinished jobs untouched for `JOBS_STUCK_AFTER_SECONDS`, given a new message. */
  requeued: string[];
  /** Stuck jobs failed after {@link maxRequeues} re-enqueues. */
  failed: string[];
  /** Markers of jobs whose submit never created a record, ended with an abandoned record. */
  abandoned: string[];
  /** Markers removed because their job finished or was purged. */
  cleared: number;
}

/**
 * Finds jobs that no message or worker will move any more and ends them, so no live orphan survives.
 * Knows nothing of Azure Functions (the timer function `reconcileJobs` calls {@link run}).
 *
 * Index: every submit writes a zero-byte marker `active/YYYYMMDDHH/<id>` (hour of creation) before
 * its record; workers delete it when the job finishes. A pass lists `active/` by hierarchy, then only
 * the partitions at least `JOBS_STUCK_AFTER_SECONDS` old, so its cost grows with the number of
 * unfinished (or recently finished) jobs, not with the millions a container may hold.
 *
 * For each marker older than the stuck threshold S:
 * - record finished (or gone together with its input: purged) → marker removed;
 * - no record but the input is there (the submit neither completed nor cleaned up) → an abandoned
 *   (Failed) record is written with `If-None-Match: *`, so a late create can never succeed;
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

  /** One pass over the index (see the class comment). Errors on one job are left for the next pass. */
  async run(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, requeued: [], failed: [], abandoned: [], cleared: 0 };
    const now = this.now();
    const stuckBefore = now.getTime() - this.config.stuckAfterMs;
    const until = activePartition(new Date(stuckBefore).toISOString());
    for await (const marker of this.store.active.list(until)) {
      if (marker.createdOn.getTime() > stuckBefore) continue;
      report.checked++;
      try {
        await this.reconcile(marker, stuckBefore, report);
      } catch {
        // Storage failed for this job: the next pass tries again.
      }
    }
    return report;
  }

  private async reconcile(marker: { id: string; partition: string }, stuckBefore: number, report: ReconcileReport): Promise<void> {
    const { id, partition } = marker;
    const found = await this.store.records.get(id);
    if (!found) {
      if (await this.store.blobs.inputExists(id)) {
        const settled = await this.store.records.abandon(id, 'unknown', 'the submit did not complete (reconciler)', this.now());
        if (settled !== 'ended') return; // the record appeared: judged on the next pass
        report.abandoned.push(id);
      } else report.cleared++;
      await this.store.active.remove(partition, id);
      return;
    }
    const job = found.job;
    if (isTerminal(job.status)) {
      await this.store.active.remove(partition, id);
      report.cleared++;
      return;
    }
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
      await this.store.active.remove(partition, id);
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
