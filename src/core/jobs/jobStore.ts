import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { blobNames, jobIdOfRecord } from './containerLayout';
import { IdempotencyKeys } from './idempotencyKeys';
import { JobBlobs } from './jobBlobs';
import { JobRecords } from './jobRecords';

/**
 * Everything the app stores, in one Blob container, as three stores that share it and keep their SDK
 * client private: {@link JobRecords} (`<id>/status.json`, tagged for the reconciler's index),
 * {@link JobBlobs} (`<id>/input`, `<id>/result-<attempt>`) and {@link IdempotencyKeys}
 * (`idempotency/`). Operations over a whole job or the whole container live here.
 *
 * The order of writes that keeps clients from ever seeing a half-written job (README "Guarantees"):
 * - submit (JobService, submitSaga.ts): input and job message, then the record, created with
 *   `If-None-Match: *` (the commit point); a submit that does not complete is ended by an abandoned
 *   record created the same way, so of a late create and its abandonment exactly one wins;
 * - a result is uploaded under an attempt-specific name before the record says Succeeded and names it;
 * - a job's record is deleted last when it is purged (a worker that finds no record and no input
 *   knows the job is gone);
 * - every record change is a conditional write on the ETag it was computed from.
 */
export class JobStore {
  readonly records: JobRecords;
  readonly blobs: JobBlobs;
  readonly keys: IdempotencyKeys;
  private readonly container: ContainerClient;

  constructor(blobService: BlobServiceClient, containerName: string) {
    this.container = blobService.getContainerClient(containerName);
    this.records = new JobRecords(this.container);
    this.blobs = new JobBlobs(this.container);
    this.keys = new IdempotencyKeys(this.container);
  }

  /** Creates the container if it does not exist (local development; Bicep creates it in Azure). */
  async ensureContainer(): Promise<void> {
    await this.container.createIfNotExists();
  }

  /** Deletes everything stored under a job's `<id>/` prefix, the record last. @returns whether anything existed */
  async purge(id: string): Promise<boolean> {
    let any = false;
    let record = false;
    for await (const item of this.container.listBlobsFlat({ prefix: `${id}/` })) {
      any = true;
      if (item.name === blobNames.record(id)) record = true;
      else await this.container.getBlobClient(item.name).deleteIfExists();
    }
    // The record goes last: a worker that finds no record and no input knows the job was purged
    // (it writes an abandoned record only when the input is still there, see JobRunner).
    if (record) await this.records.delete(id);
    return any;
  }

  /**
   * Deletes every blob of the container created before `cutoff` (job records, inputs, results,
   * idempotency records, and orphans of interrupted submits alike), judged by the blobs'
   * creation time so no record has to be read. Everything in the container is job data.
   * @returns the ids of the jobs whose record was removed
   */
  async sweep(cutoff: Date): Promise<string[]> {
    const removed: string[] = [];
    for await (const item of this.container.listBlobsFlat()) {
      const created = item.properties.createdOn ?? item.properties.lastModified;
      if (created.getTime() >= cutoff.getTime()) continue;
      await this.container.getBlobClient(item.name).deleteIfExists();
      const id = jobIdOfRecord(item.name);
      if (id) removed.push(id);
    }
    return removed;
  }
}
