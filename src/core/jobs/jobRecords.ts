import type { ContainerClient } from '@azure/storage-blob';

import { problem } from '../problem';
import { abortable, isConditionFailure, streamToString } from '../storage';
import { activeTag, blobNames, jobIdOfRecord, recordTags, unfinishedFilter } from './containerLayout';
import { isTerminal, type JobRecord, jobRecordSchema, type VersionedJob } from './model';

/**
 * The Failed record that ends a job whose submit did not complete. Written with `If-None-Match: *`,
 * it occupies the id so that a create of the real record still on its way fails.
 */
export function abandonedRecord(id: string, type: string, now: Date, reason: string): JobRecord {
  const at = now.toISOString();
  return {
    id,
    type,
    status: 'Failed',
    options: {},
    input: { contentType: 'application/octet-stream', sizeBytes: 0 },
    createdDateTime: at,
    lastUpdatedDateTime: at,
    completedDateTime: at,
    percentComplete: 0,
    progress: {},
    attempts: 0,
    error: problem(503, 'The submit of this job did not complete; the job never ran.', { reason }),
    abandoned: true,
  };
}

/** Upload options of a record: JSON, with its index tags (containerLayout.ts `activeTag`). */
function recordOptions(job: JobRecord) {
  return {
    blobHTTPHeaders: { blobContentType: 'application/json' },
    tags: recordTags({ createdDateTime: job.createdDateTime, terminal: isTerminal(job.status) }),
  };
}

/**
 * Job records (`<id>/status.json`), the single source of truth of each job. Every change is a
 * conditional write: a create with `If-None-Match: *`, a change with `If-Match` on the ETag it was
 * computed from (optimistic concurrency,
 * https://learn.microsoft.com/azure/storage/blobs/concurrency-manage). Every write carries the
 * record's index tag (containerLayout.ts `activeTag`), which {@link unfinished} finds.
 */
export class JobRecords {
  constructor(private readonly container: ContainerClient) {}

  /**
   * Creates a job record; fails if one exists (`If-None-Match: *`). One Put Blob.
   * @returns the record with its ETag
   * @throws ZodError when the record is invalid (nothing is written); RestError 409/412 when another
   *   record already exists under the id
   */
  async create(job: JobRecord, signal?: AbortSignal): Promise<VersionedJob> {
    const body = JSON.stringify(jobRecordSchema.parse(job));
    try {
      const res = await this.blob(job.id).upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: '*' },
        ...recordOptions(job),
        ...abortable(signal),
      });
      return { job, etag: res.etag as string };
    } catch (err) {
      // A retried create whose first try was applied but whose answer was lost finds its own record.
      if (!isConditionFailure(err)) throw err;
      const existing = await this.get(job.id, signal);
      if (existing && JSON.stringify(existing.job) === body) return existing;
      throw err;
    }
  }

  /**
   * Reads a job record with its ETag: one blob GET.
   * @returns undefined when the job does not exist
   * @throws RestError for storage failures; ZodError if the stored record is corrupt
   */
  async get(id: string, signal?: AbortSignal): Promise<VersionedJob | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.container.getBlobClient(blobNames.record(id)).download(0, undefined, abortable(signal));
        const text = await streamToString(res.readableStreamBody!);
        return { job: jobRecordSchema.parse(JSON.parse(text)), etag: res.etag as string };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return undefined;
        // Azurite can serve a torn read of a blob that is being overwritten (Azure's Put Blob is
        // atomic): read again before calling the record corrupt.
        if (err instanceof SyntaxError && attempt < 3) continue;
        throw err;
      }
    }
  }

  /**
   * Optimistic read-modify-write of a job record. `change` computes the next record from the current
   * one (it may throw, e.g. a TransitionError, which is passed on); on an ETag conflict the record is
   * read again and `change` re-applied.
   * @param opts.from the record as this caller last read or wrote it: the first try writes on its
   *   ETag without reading (one Put Blob instead of a GET and a Put when nobody changed it since)
   * @param opts.maxAttempts tries before an ETag conflict is passed on (default 10)
   * @param opts.signal aborts the reads and the write in flight (one signal for all tries)
   * @returns the written record, or undefined when the job does not exist
   * @throws what `change` throws; RestError for storage failures; an `AbortError` when the signal
   *   aborts (a write on its way may still be applied, conditional on the ETag it was computed from)
   */
  async update(
    id: string,
    change: (job: JobRecord) => JobRecord,
    opts: { from?: VersionedJob; maxAttempts?: number; signal?: AbortSignal } = {},
  ): Promise<VersionedJob | undefined> {
    const maxAttempts = opts.maxAttempts ?? 10;
    let known = opts.from;
    for (let attempt = 1; ; attempt++) {
      const current = known ?? (await this.get(id, opts.signal));
      known = undefined;
      if (!current) return undefined;
      const next = change(current.job);
      const body = JSON.stringify(next);
      try {
        const res = await this.blob(id).upload(body, Buffer.byteLength(body), {
          conditions: { ifMatch: current.etag },
          ...recordOptions(next),
          ...abortable(opts.signal),
        });
        return { job: next, etag: res.etag as string };
      } catch (err) {
        // (404: a record known from earlier was deleted meanwhile; the next read says so.)
        const gone = (err as { statusCode?: number }).statusCode === 404;
        if ((!isConditionFailure(err) && !gone) || attempt >= maxAttempts) throw err;
      }
    }
  }

  /**
   * Ends a job whose submit did not complete: creates its {@link abandonedRecord} with
   * `If-None-Match: *` (a create of the real record still on its way then fails). When a record
   * exists already and `failIfCreatedAt` names its `createdDateTime` (the caller's own record, created
   * although the caller saw the create fail) and it is still NotStarted, it is failed instead.
   * @returns `ended` when no job can run under this id any more (abandoned record written or found,
   *   or the caller's own NotStarted record failed); otherwise the existing record (a real job)
   * @throws RestError when storage fails or the signal aborts
   */
  async abandon(
    id: string,
    type: string,
    reason: string,
    now: Date,
    opts: { failIfCreatedAt?: string; signal?: AbortSignal } = {},
  ): Promise<'ended' | VersionedJob> {
    const abandoned = abandonedRecord(id, type, now, reason);
    const body = JSON.stringify(abandoned);
    const blob = this.blob(id);
    try {
      await blob.upload(body, Buffer.byteLength(body), {
        conditions: { ifNoneMatch: '*' },
        ...recordOptions(abandoned),
        ...abortable(opts.signal),
      });
      return 'ended';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const existing = await this.get(id, opts.signal);
    if (!existing) throw new Error(`The record of job ${id} vanished while it was being abandoned; try again.`);
    if (existing.job.abandoned) return 'ended';
    if (opts.failIfCreatedAt === undefined || existing.job.createdDateTime !== opts.failIfCreatedAt || existing.job.status !== 'NotStarted')
      return existing;
    const failed: JobRecord = {
      ...abandonedRecord(id, type, now, reason),
      ...existing.job,
      status: 'Failed',
      abandoned: true,
      completedDateTime: now.toISOString(),
      lastUpdatedDateTime: now.toISOString(),
    };
    failed.error = abandonedRecord(id, type, now, reason).error;
    // The key (if any) may be taken over by another job: purging this record must not delete it.
    delete failed.idempotencyKeyBlob;
    const text = JSON.stringify(failed);
    try {
      await blob.upload(text, Buffer.byteLength(text), {
        conditions: { ifMatch: existing.etag },
        ...recordOptions(failed),
        ...abortable(opts.signal),
      });
      return 'ended';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return (await this.get(id, opts.signal)) ?? existing;
    }
  }

  /**
   * The ids of unfinished jobs created in an hour up to `untilPartition` (`YYYYMMDDHH`, inclusive),
   * by their records' index tag: Find Blobs by Tags on the container, one call per 5,000 results
   * (https://learn.microsoft.com/rest/api/storageservices/find-blobs-by-tags-container). The index
   * lags writes a little: a job that just ended may still be listed.
   * @throws RestError when storage fails
   */
  async *unfinished(untilPartition: string): AsyncGenerator<{ id: string; partition: string }> {
    for await (const item of this.container.findBlobsByTags(unfinishedFilter(untilPartition))) {
      const id = jobIdOfRecord(item.name);
      const partition = item.tags?.[activeTag.name];
      if (id && partition) yield { id, partition };
    }
  }

  /** Deletes a job record if it exists (a purge deletes it last, see JobStore.purge). */
  async delete(id: string): Promise<void> {
    await this.container.getBlobClient(blobNames.record(id)).deleteIfExists();
  }

  private blob(id: string) {
    return this.container.getBlockBlobClient(blobNames.record(id));
  }
}
