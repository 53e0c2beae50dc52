import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { z } from 'zod';

import type { AppConfig } from '../config';
import { ProblemError } from '../problem';
import { getProcessor } from '../processors/registry';
import { isTransientStorageError } from '../storage';
import { submitBounds } from './bounds';
import type { JobQueue } from './jobQueue';
import { blobNames, type IdempotencyRecord, type JobStore } from './jobStore';
import type { JobRecord, VersionedJob } from './model';
import { jobIdSchema } from './model';
import * as machine from './stateMachine';

/** A submit request as the HTTP layer hands it over. */
export interface SubmitRequest {
  type: string;
  /** Processor options from the query string (reserved status options already removed). */
  options: Record<string, string>;
  /** Status options chosen by the caller (part of the idempotency fingerprint). */
  statusOptions?: Record<string, string>;
  /** `Content-Type` header, or undefined. */
  contentType: string | undefined;
  /** `Content-Length` header in bytes, when the client sent one. */
  contentLength?: number;
  body: Readable;
  correlationId?: string;
  /** `Idempotency-Key` header (at most 255 characters). */
  idempotencyKey?: string;
  /** Authenticated caller (App Service authentication principal id); scopes keys and owns the job. */
  caller?: string;
}

/** What a submit led to: a new job, or the original job of a replayed `Idempotency-Key`. */
export interface SubmitResult extends VersionedJob {
  replayed: boolean;
}

/** Longest accepted `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header). */
export const maxIdempotencyKeyLength = 255;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const sorted = (o: Record<string, string> = {}) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The media type without parameters, lowercased (`text/csv; charset=utf-8` → `text/csv`). */
export function essence(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Turns zod issues into the `errors` member of a 400 problem. */
export function fieldErrors(error: z.ZodError, prefix: string): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
}

/** Maps a storage outage or throttling to 503 + Retry-After; passes other errors on. */
export function unavailable(err: unknown, retryAfterSeconds: number): never {
  if (isTransientStorageError(err)) {
    throw new ProblemError(503, 'Storage is temporarily unavailable; retry later.', {}, { 'Retry-After': String(retryAfterSeconds) }, err);
  }
  throw err;
}

/**
 * The use cases behind the HTTP endpoints: submit, read, cancel, purge. Knows nothing of Azure
 * Functions; errors are {@link ProblemError}s carrying their HTTP status.
 */
export class JobService {
  constructor(
    readonly store: JobStore,
    readonly queue: JobQueue,
    readonly config: AppConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Validates a job request, stores its input (claim check), claims its Idempotency-Key, sends its
   * message (invisible) and creates its record, then releases the message. The storage work after the
   * input runs under one deadline (`JOBS_SUBMIT_DEADLINE_MS`, bounds.ts); on any failure the submit
   * compensates (see {@link compensate}) within the same budget again and answers an error, so a 503
   * means the job will not run unless storage refused even the compensation (README "Guarantees").
   * @returns the new job (NotStarted) with its ETag
   * @throws ProblemError 404 unknown type, 415 wrong media type, 400 invalid options or body
   *   (with field-level `errors`), 413 body over `JOBS_MAX_INPUT_BYTES`, 503 storage unavailable
   */
  async submit(req: SubmitRequest): Promise<SubmitResult> {
    const processor = getProcessor(req.type);
    if (!processor) throw new ProblemError(404, `Unknown job type '${req.type}'.`);
    const mediaType = essence(req.contentType);
    if (!processor.mediaTypes.includes(mediaType)) {
      throw new ProblemError(415, `Job type '${req.type}' accepts ${processor.mediaTypes.join(', ')}, not '${mediaType || '(none)'}'.`, {
        accepted: processor.mediaTypes,
      });
    }
    if (req.contentType !== undefined && !/^[\x20-\x7e]{1,256}$/.test(req.contentType)) {
      throw new ProblemError(400, 'The Content-Type header must be printable ASCII of at most 256 characters.', {
        errors: [{ path: 'header.Content-Type', message: 'printable ASCII, 1 to 256 characters' }],
      });
    }
    const options = processor.optionsSchema.safeParse(req.options);
    if (!options.success) {
      throw new ProblemError(400, 'Invalid job options.', { errors: fieldErrors(options.error, 'query') });
    }
    if (req.idempotencyKey !== undefined && (req.idempotencyKey.length === 0 || req.idempotencyKey.length > maxIdempotencyKeyLength)) {
      throw new ProblemError(400, `Idempotency-Key must be 1 to ${maxIdempotencyKeyLength} characters.`, {
        errors: [{ path: 'header.Idempotency-Key', message: `1 to ${maxIdempotencyKeyLength} characters` }],
      });
    }
    const max = this.config.maxInputBytes;
    if (req.contentLength !== undefined && req.contentLength > max) {
      throw new ProblemError(413, `The request body exceeds the limit of ${max} bytes.`, { maxBytes: max });
    }
    if (req.contentLength === 0) throw new ProblemError(400, 'The request body is empty.');

    const id = randomUUID();
    let body = req.body;
    if (mediaType === 'application/json' && processor.inputSchema) {
      body = await this.validateJson(body, processor.inputSchema, max);
    }
    const contentType = req.contentType ?? mediaType;
    let input: { sizeBytes: number; sha256: string };
    try {
      input = await this.store.uploadInput(id, body, contentType, max);
    } catch (err) {
      if (err instanceof ProblemError) throw err;
      return unavailable(err, this.config.retryAfterSeconds);
    }
    if (input.sizeBytes === 0) {
      await this.store.purge(id).catch(() => undefined);
      throw new ProblemError(400, 'The request body is empty.');
    }
    const bounds = submitBounds(this.config);
    // One deadline for all of this request's storage work from here on (see bounds.ts).
    const deadline = AbortSignal.timeout(bounds.deadlineMs);
    const now = this.now();
    let keyClaim: { keyHash: string; etag: string } | undefined;
    let sent: { messageId: string; popReceipt: string } | undefined;
    let createAttempted = false;
    const job: JobRecord = {
      id,
      type: processor.type,
      status: 'NotStarted',
      options: req.options,
      input: { contentType, sizeBytes: input.sizeBytes },
      createdDateTime: now.toISOString(),
      lastUpdatedDateTime: now.toISOString(),
      percentComplete: 0,
      progress: {},
      attempts: 0,
      ...(req.caller ? { owner: req.caller } : {}),
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
    };
    try {
      if (req.idempotencyKey !== undefined) {
        const keyHash = sha256(`${req.caller ?? ''}\n${req.idempotencyKey}`);
        const fingerprint = sha256(
          JSON.stringify([processor.type, sorted(req.options), sorted(req.statusOptions), mediaType, input.sha256]),
        );
        const outcome = await this.claimKey(
          keyHash,
          { jobId: id, fingerprint, createdDateTime: now.toISOString() },
          processor.type,
          req.caller,
          deadline,
        );
        if ('replay' in outcome) {
          await this.store.deleteInput(id, AbortSignal.timeout(bounds.compensationMs)).catch(() => undefined);
          return { ...outcome.replay, replayed: true };
        }
        keyClaim = { keyHash, etag: outcome.etag };
        job.idempotencyKeyBlob = blobNames.idempotencyKey(keyHash);
      }
      // The message goes first, invisible for V > D + C (bounds.ts), with the active marker (the
      // reconciler's index); then the record, the commit point; then the message is released.
      const [message, marker] = await Promise.allSettled([
        this.queue.send(
          {
            v: 1,
            jobId: id,
            type: job.type,
            enqueuedAt: now.toISOString(),
            ...(req.correlationId ? { correlationId: req.correlationId } : {}),
          },
          { invisibleSeconds: bounds.messageInvisibleSeconds, signal: deadline },
        ),
        this.store.markActive(job, deadline),
      ]);
      if (message.status === 'fulfilled') sent = message.value; // (so that compensation can take it back)
      if (message.status === 'rejected') throw message.reason;
      if (marker.status === 'rejected') throw marker.reason;
      const receipt = message.value;
      job.message = { id: receipt.messageId, popReceipt: receipt.popReceipt };
      createAttempted = true;
      const created = await this.store.create(job, deadline);
      // Committed. Releasing the message is not needed for correctness (an unreleased message becomes
      // visible after V anyway), so it gets its own bound (C) rather than what is left of D.
      await this.queue.release(receipt, AbortSignal.timeout(bounds.compensationMs)).catch(() => undefined);
      return { ...created, replayed: false };
    } catch (err) {
      await this.compensate(job, { createAttempted, sent, keyClaim }, AbortSignal.timeout(bounds.compensationMs));
      if (err instanceof ProblemError) throw err;
      if (deadline.aborted) {
        throw new ProblemError(
          503,
          'Storage did not answer in time; retry later.',
          {},
          { 'Retry-After': String(this.config.retryAfterSeconds) },
          err,
        );
      }
      return unavailable(err, this.config.retryAfterSeconds);
    }
  }

  /**
   * Takes back what a submit that will answer an error stored, bounded by `signal` (C in bounds.ts).
   * The record is settled first: an abandoned (Failed) record is created with `If-None-Match: *`, or
   * the request's own record, if its create was applied after all, is failed. Only once no job can run
   * under the id are the message, input, marker and key claim removed; if storage does not allow even
   * that, they stay: the worker ends the job when the message becomes visible (JobRunner), and a retry
   * with the same key takes the claim over only after abandoning its job (claimKey).
   */
  private async compensate(
    job: JobRecord,
    done: { createAttempted: boolean; sent?: { messageId: string; popReceipt: string }; keyClaim?: { keyHash: string; etag: string } },
    signal: AbortSignal,
  ): Promise<void> {
    if (done.createAttempted) {
      try {
        const settled = await this.store.abandon(job.id, job.type, 'submit failed or timed out', this.now(), {
          failIfCreatedAt: job.createdDateTime,
          signal,
        });
        if (settled !== 'ended') return;
      } catch {
        return;
      }
    }
    await Promise.allSettled([
      done.sent ? this.queue.unsend(done.sent, signal) : undefined,
      this.store.deleteInput(job.id, signal),
      this.store.clearActive(job, signal),
      done.keyClaim ? this.store.releaseIdempotencyKey(done.keyClaim.keyHash, done.keyClaim.etag, signal) : undefined,
    ]);
  }

  /**
   * Claims an Idempotency-Key for a new job, or finds the job it already maps to. A key maps to at most
   * one job that can run: a claim whose job record is missing is honoured while its request may still
   * be working (A in bounds.ts: 409 + Retry-After); after that its job id is abandoned with
   * `If-None-Match: *` (so the first request's record can never appear later) before the key is taken
   * over with the claim's ETag.
   * @returns the original job to replay, or the ETag of this request's claim
   * @throws ProblemError 422 (key reused with another request), 409 (key in use by another caller, or
   *   its request still in flight: with Retry-After)
   */
  private async claimKey(
    keyHash: string,
    claim: IdempotencyRecord,
    type: string,
    caller: string | undefined,
    signal: AbortSignal,
  ): Promise<{ replay: VersionedJob } | { etag: string }> {
    const bounds = submitBounds(this.config);
    const staleBefore = this.now().getTime() - this.config.retentionDays * 24 * 3600 * 1000;
    const waitUntil = Date.now() + bounds.deadlineMs / 2;
    for (let round = 0; round < 50; round++) {
      const existing = await this.store.claimIdempotencyKey(keyHash, claim, staleBefore, signal);
      if (existing.created) return { etag: existing.etag };
      if (existing.record.fingerprint !== claim.fingerprint) {
        throw new ProblemError(422, 'This Idempotency-Key was already used with a different request.');
      }
      const found = await this.store.get(existing.record.jobId, signal);
      if (found && !found.job.abandoned) {
        if (this.visibleTo(found.job, caller)) return { replay: found };
        throw new ProblemError(409, 'This Idempotency-Key is in use.');
      }
      if (!found) {
        const ageMs = this.now().getTime() - Date.parse(existing.record.createdDateTime);
        if (ageMs < bounds.claimAbandonedAfterMs) {
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
        const settled = await this.store.abandon(
          existing.record.jobId,
          type,
          'its submit did not complete; the Idempotency-Key was taken over',
          this.now(),
          { signal },
        );
        if (settled !== 'ended') continue; // the job exists after all: the next round replays it
      }
      // The claim's job is abandoned and can never run: take the key over.
      const etag = await this.store.replaceIdempotencyKey(keyHash, claim, existing.etag, signal);
      if (etag) return { etag };
    }
    throw new ProblemError(409, 'A request with this Idempotency-Key is being processed.', {}, { 'Retry-After': '1' });
  }

  /** Jobs submitted by an authenticated caller are visible to that caller only. */
  private visibleTo(job: JobRecord, caller: string | undefined): boolean {
    return job.owner === undefined || job.owner === caller;
  }

  private async validateJson(body: Readable, schema: z.ZodType, max: number): Promise<Readable> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > max) throw new ProblemError(413, `The request body exceeds the limit of ${max} bytes.`, { maxBytes: max });
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ProblemError(400, 'The request body is not valid JSON.');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new ProblemError(400, 'Invalid request body.', { errors: fieldErrors(parsed.error, 'body') });
    return Readable.from([Buffer.from(text, 'utf8')]);
  }

  /**
   * Reads a job: one blob read.
   * @param caller the authenticated caller: a job owned by someone else reads as 404
   * @throws ProblemError 404 when the id is malformed, unknown, past retention or not the caller's; 503 when storage is down
   */
  async get(id: string, caller?: string): Promise<VersionedJob> {
    if (!jobIdSchema.safeParse(id).success) throw new ProblemError(404, 'No such job.');
    let found: VersionedJob | undefined;
    try {
      found = await this.store.get(id);
    } catch (err) {
      return unavailable(err, this.config.retryAfterSeconds);
    }
    if (!found || this.expired(found.job) || !this.visibleTo(found.job, caller)) throw new ProblemError(404, 'No such job.');
    return found;
  }

  /**
   * Removes jobs older than the retention period (`JOBS_RETENTION_DAYS`) with everything stored for
   * them. In Azure the storage lifecycle management rule does the same; this sweep serves local runs.
   * @returns the ids removed
   */
  async sweepExpired(): Promise<string[]> {
    return this.store.sweep(new Date(this.now().getTime() - this.config.retentionDays * 24 * 3600 * 1000));
  }

  /** True when the job is older than the retention period (it reads as 404 until swept). */
  expired(job: JobRecord): boolean {
    return this.now().getTime() - Date.parse(job.createdDateTime) > this.config.retentionDays * 24 * 3600 * 1000;
  }

  /**
   * Cancels a job: NotStarted → Canceled at once, Running → cancel requested (the worker stops at its
   * next check).
   * @throws ProblemError 404 unknown job, 409 already finished, 503 storage unavailable
   */
  async cancel(id: string, caller?: string): Promise<VersionedJob> {
    await this.get(id, caller);
    try {
      const updated = await this.store.update(id, (job) => machine.requestCancel(job, this.now()));
      if (!updated) throw new ProblemError(404, 'No such job.');
      return updated;
    } catch (err) {
      if (err instanceof machine.TransitionError) {
        throw new ProblemError(409, `The job is already ${err.current}.`, { jobStatus: err.current });
      }
      if (err instanceof ProblemError) throw err;
      return unavailable(err, this.config.retryAfterSeconds);
    }
  }

  /**
   * Deletes a job and everything stored for it, canceling it first when it is still pending.
   * @throws ProblemError 404 unknown job, 503 storage unavailable
   */
  async purge(id: string, caller?: string): Promise<void> {
    const { job } = await this.get(id, caller);
    try {
      await this.store
        .update(id, (job) => machine.requestCancel(job, this.now()))
        .catch((err: unknown) => {
          if (!(err instanceof machine.TransitionError)) throw err;
        });
      await this.store.purge(id);
      await this.store.clearActive(job);
      if (job.idempotencyKeyBlob) await this.store.deleteBlob(job.idempotencyKeyBlob);
    } catch (err) {
      return unavailable(err, this.config.retryAfterSeconds);
    }
  }
}
