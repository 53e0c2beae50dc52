import type { ContainerClient } from '@azure/storage-blob';

import { abortable, isConditionFailure, streamToString } from '../storage';
import { blobNames } from './containerLayout';

/** What an `Idempotency-Key` maps to: the job it created and the fingerprint of the request. */
export interface IdempotencyRecord {
  jobId: string;
  /** SHA-256 (hex) of the request: type, options, status options, media type, body. */
  fingerprint: string;
  createdDateTime: string;
}

const json = { blobHTTPHeaders: { blobContentType: 'application/json' } };

/**
 * Idempotency key records (`idempotency/<hash>.json`, draft-ietf-httpapi-idempotency-key-header):
 * which job a key created. Claims are conditional writes, so of two racing requests one wins.
 */
export class IdempotencyKeys {
  constructor(private readonly container: ContainerClient) {}

  /**
   * Claims a key atomically: the record is created only if none exists (`If-None-Match: *`). A record
   * older than `staleBeforeMs` (epoch ms; past retention) is replaced, conditionally on its ETag.
   * @param signal aborts every storage call (the submit's deadline)
   * @returns `{ created: true, etag }`, or the record that already holds the key with its ETag
   */
  async claim(
    keyHash: string,
    record: IdempotencyRecord,
    staleBeforeMs: number,
    signal?: AbortSignal,
  ): Promise<{ created: true; etag: string } | { created: false; record: IdempotencyRecord; etag: string }> {
    const blob = this.container.getBlockBlobClient(blobNames.idempotencyKey(keyHash));
    const body = JSON.stringify(record);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await blob.upload(body, Buffer.byteLength(body), { ...json, conditions: { ifNoneMatch: '*' }, ...abortable(signal) });
        return { created: true, etag: res.etag as string };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      let existing: { record: IdempotencyRecord; etag: string };
      try {
        const res = await blob.download(0, undefined, abortable(signal));
        existing = { record: JSON.parse(await streamToString(res.readableStreamBody!)) as IdempotencyRecord, etag: res.etag as string };
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) continue;
        throw err;
      }
      if (Date.parse(existing.record.createdDateTime) >= staleBeforeMs) return { created: false, ...existing };
      const etag = await this.replace(keyHash, record, existing.etag, signal);
      if (etag) return { created: true, etag };
    }
    throw new Error('Could not claim the idempotency key after 3 attempts');
  }

  /**
   * Takes over a key whose record is stale or abandoned, conditionally on the ETag it was read with
   * (of two racing takeovers one wins).
   * @returns the new ETag when this call won the key, undefined when another request changed it first
   */
  async replace(keyHash: string, record: IdempotencyRecord, etag: string, signal?: AbortSignal): Promise<string | undefined> {
    const body = JSON.stringify(record);
    try {
      const res = await this.container
        .getBlockBlobClient(blobNames.idempotencyKey(keyHash))
        .upload(body, Buffer.byteLength(body), { ...json, conditions: { ifMatch: etag }, ...abortable(signal) });
      return res.etag;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** Releases a claim if it is still the one written with `etag` (compensation). */
  async release(keyHash: string, etag: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.container.getBlobClient(blobNames.idempotencyKey(keyHash)).delete({ conditions: { ifMatch: etag }, ...abortable(signal) });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && !isConditionFailure(err)) throw err;
    }
  }

  /** Deletes a key record by its blob name (as a job record names it), if it exists (purge). */
  async delete(blobName: string): Promise<void> {
    await this.container.getBlobClient(blobName).deleteIfExists();
  }
}
