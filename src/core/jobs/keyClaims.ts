import { createHash } from 'node:crypto';

import { type AppConfig, retentionMs } from '../config';
import { ProblemError } from '../problem';
import { submitBounds } from './bounds';
import type { IdempotencyRecord } from './idempotencyKeys';
import type { JobStore } from './jobStore';
import type { JobRecord, VersionedJob } from './model';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sorted = (o: Record<string, string> = {}) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The blob-name hash of a key: SHA-256 of the caller scope and the key, so callers never share keys. */
export function keyHashOf(caller: string | undefined, key: string): string {
  return sha256(`${caller ?? ''}\n${key}`);
}

/** SHA-256 of what makes two requests "the same request" for a key: type, options, status options, media type, body hash. */
export function requestFingerprint(
  type: string,
  options: Record<string, string>,
  statusOptions: Record<string, string> | undefined,
  mediaType: string,
  bodySha256: string,
): string {
  return sha256(JSON.stringify([type, sorted(options), sorted(statusOptions), mediaType, bodySha256]));
}

/** Jobs submitted by an authenticated caller are visible to that caller only. */
export function visibleTo(job: JobRecord, caller: string | undefined): boolean {
  return job.owner === undefined || job.owner === caller;
}

/**
 * The Idempotency-Key rules of a submit (draft-ietf-httpapi-idempotency-key-header): a key maps to at
 * most one job that can run.
 */
export class KeyClaims {
  constructor(
    private readonly store: JobStore,
    private readonly config: Pick<AppConfig, 'submitDeadlineMs' | 'retentionDays' | 'retryAfterSeconds'>,
    private readonly now: () => Date,
  ) {}

  /**
   * Claims a key for a new job, or finds the job it already maps to. A claim whose job record is
   * missing is honoured while its request may still be working (A in bounds.ts: 409 + Retry-After);
   * after that its job id is abandoned with `If-None-Match: *` (so the first request's record can
   * never appear later) before the key is taken over with the claim's ETag.
   * @param signal the submit's deadline
   * @returns the original job to replay, or the ETag of this request's claim
   * @throws ProblemError 422 (key reused with another request), 409 (key in use by another caller, or
   *   its request still in flight: with Retry-After); RestError when storage fails
   */
  async claim(
    keyHash: string,
    claim: IdempotencyRecord,
    type: string,
    caller: string | undefined,
    signal: AbortSignal,
  ): Promise<{ replay: VersionedJob } | { etag: string }> {
    const bounds = submitBounds(this.config);
    const staleBefore = this.now().getTime() - retentionMs(this.config);
    const waitUntil = Date.now() + bounds.deadlineMs / 2;
    for (let round = 0; round < 50; round++) {
      const existing = await this.store.keys.claim(keyHash, claim, staleBefore, signal);
      if (existing.created) return { etag: existing.etag };
      if (existing.record.fingerprint !== claim.fingerprint) {
        throw new ProblemError(422, 'This Idempotency-Key was already used with a different request.');
      }
      const found = await this.store.records.get(existing.record.jobId, signal);
      if (found && !found.job.abandoned) {
        if (visibleTo(found.job, caller)) return { replay: found };
        throw new ProblemError(409, 'This Idempotency-Key is in use.');
      }
      if (!found) {
        const ageMs = this.now().getTime() - Date.parse(existing.record.createdDateTime);
        if (ageMs < bounds.settledAfterMs) {
          // Its request may still create the job (or release the key): wait a little, within half of
          // our own deadline, then answer 409 (draft-ietf-httpapi-idempotency-key-header §2.7).
          if (Date.now() + 200 < waitUntil) {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          throw new ProblemError(
            409,
            'A request with this Idempotency-Key is still being processed.',
            {},
            { 'Retry-After': String(this.config.retryAfterSeconds) },
          );
        }
        const settled = await this.store.records.abandon(
          existing.record.jobId,
          type,
          'its submit did not complete; the Idempotency-Key was taken over',
          this.now(),
          { signal },
        );
        if (settled !== 'ended') continue; // the job exists after all: the next round replays it
      }
      // The claim's job is abandoned and can never run: take the key over.
      const etag = await this.store.keys.replace(keyHash, claim, existing.etag, signal);
      if (etag) return { etag };
    }
    throw new ProblemError(
      409,
      'A request with this Idempotency-Key is being processed.',
      {},
      { 'Retry-After': String(this.config.retryAfterSeconds) },
    );
  }
}
