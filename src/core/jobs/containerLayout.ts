/**
 * Names of the blobs in the jobs container. A job's own blobs live under its `<id>/` prefix; the
 * idempotency keys have a prefix of their own.
 */
export const blobNames = {
  /** The job record (source of the status document). */
  record: (id: string) => `${id}/status.json`,
  /** The claim-checked request body. */
  input: (id: string) => `${id}/input`,
  /** The result written by one attempt; the record names the one that won. */
  result: (id: string, attempt: number) => `${id}/result-${attempt}`,
  /** An idempotency key record, named by the hash of the caller scope and key. */
  idempotencyKey: (keyHash: string) => `idempotency/${keyHash}.json`,
};

/** The job id of a record's blob name (`<id>/status.json`), or undefined for any other blob. */
export function jobIdOfRecord(blobName: string): string | undefined {
  const suffix = '/status.json';
  return blobName.endsWith(suffix) ? blobName.slice(0, -suffix.length) : undefined;
}

/**
 * The reconciler's index of unfinished jobs: one blob index tag on each job record
 * (https://learn.microsoft.com/azure/storage/blobs/storage-manage-find-blobs), written with the
 * record in the same Put Blob (`x-ms-tags`), so it costs no call of its own:
 * `activeSince` = the hour of the job's creation (`YYYYMMDDHH`, UTC) while the job is unfinished,
 * `ended` once it is terminal. Every record write sends the tag, so it is right whether a Put Blob
 * replaces or keeps the tags it does not name. Find Blobs by Tags
 * (https://learn.microsoft.com/rest/api/storageservices/find-blobs-by-tags-container) with
 * {@link unfinishedFilter} then returns only unfinished jobs old enough to judge, so a pass costs
 * what the unfinished jobs cost, never what the millions of stored ones would. The index is updated
 * asynchronously: a job that just ended may still be listed (the reconciler reads its record anyway).
 */
export const activeTag = {
  name: 'activeSince',
  /** Value on a terminal job's record: sorts after every `YYYYMMDDHH`, so no range filter selects it. */
  ended: 'ended',
} as const;

/** The hourly partition (`YYYYMMDDHH`, UTC) of an ISO 8601 UTC timestamp. */
export function activePartition(isoDateTime: string): string {
  return isoDateTime.slice(0, 13).replace(/[-T:]/g, '');
}

/** The index tags of a job record: see {@link activeTag}. */
export function recordTags(job: { createdDateTime: string; terminal: boolean }): Record<string, string> {
  return { [activeTag.name]: job.terminal ? activeTag.ended : activePartition(job.createdDateTime) };
}

/**
 * Find Blobs by Tags expression selecting the records of jobs unfinished and created in an hour up
 * to `untilPartition` (`YYYYMMDDHH`, inclusive); `ended` sorts after every digit string.
 */
export function unfinishedFilter(untilPartition: string): string {
  return `"${activeTag.name}" >= '0' AND "${activeTag.name}" <= '${untilPartition}'`;
}
