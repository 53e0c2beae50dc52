/**
 * Names of the blobs in the jobs container. A job's own blobs live under its `<id>/` prefix; the
 * idempotency keys and the reconciler's index have prefixes of their own.
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
  /**
   * Marker of a job that is not finished yet, in an hourly partition of its creation time
   * (`active/YYYYMMDDHH/<id>`): the reconciler's index, so that it never lists the whole container.
   */
  active: (createdDateTime: string, id: string) => `active/${activePartition(createdDateTime)}/${id}`,
};

/** The hourly partition (`YYYYMMDDHH`, UTC) of an ISO 8601 UTC timestamp. */
export function activePartition(isoDateTime: string): string {
  return isoDateTime.slice(0, 13).replace(/[-T:]/g, '');
}
