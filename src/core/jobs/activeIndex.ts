import type { ContainerClient } from '@azure/storage-blob';

import { abortable } from '../storage';
import { blobNames } from './containerLayout';
import type { JobRecord } from './model';

/**
 * The reconciler's index of unfinished jobs: one zero-byte marker `active/YYYYMMDDHH/<id>` per job
 * (hour of creation), written by the submit before the record and deleted when the job ends.
 */
export class ActiveIndex {
  constructor(private readonly container: ContainerClient) {}

  /** Writes the marker of a new job (one Put Blob). */
  async mark(job: Pick<JobRecord, 'id' | 'createdDateTime'>, signal?: AbortSignal): Promise<void> {
    await this.container.getBlockBlobClient(blobNames.active(job.createdDateTime, job.id)).upload('', 0, abortable(signal));
  }

  /** Deletes the marker of a job if it exists (it finished, or its submit was taken back). */
  async clear(job: Pick<JobRecord, 'id' | 'createdDateTime'>, signal?: AbortSignal): Promise<void> {
    await this.container.getBlobClient(blobNames.active(job.createdDateTime, job.id)).deleteIfExists(abortable(signal));
  }

  /**
   * Markers in partitions up to `untilPartition` (inclusive, `YYYYMMDDHH`): one hierarchy listing of
   * `active/` for the partitions, then one listing per partition old enough. Cost grows with the
   * number of unfinished jobs, never with the number of jobs stored.
   */
  async *list(untilPartition: string): AsyncGenerator<{ id: string; partition: string; createdOn: Date }> {
    const partitions: string[] = [];
    for await (const item of this.container.listBlobsByHierarchy('/', { prefix: 'active/' })) {
      if (item.kind === 'prefix') {
        const p = item.name.slice('active/'.length, -1);
        if (p <= untilPartition) partitions.push(p);
      }
    }
    for (const partition of partitions.sort()) {
      for await (const item of this.container.listBlobsFlat({ prefix: `active/${partition}/` })) {
        yield {
          id: item.name.slice(`active/${partition}/`.length),
          partition,
          createdOn: item.properties.createdOn ?? item.properties.lastModified,
        };
      }
    }
  }

  /** Deletes a marker by partition and id (reconciler). */
  async remove(partition: string, id: string): Promise<void> {
    await this.container.getBlobClient(`active/${partition}/${id}`).deleteIfExists();
  }
}
