import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

import { type AppConfig, retentionMs } from '../config';
import { ProblemError, storageUnavailable } from '../problem';
import { isTransientStorageError } from '../storage';
import { submitBounds } from './bounds';
import { blobNames } from './containerLayout';
import type { JobQueue } from './jobQueue';
import type { JobStore } from './jobStore';
import { KeyClaims, keyHashOf, requestFingerprint, visibleTo } from './keyClaims';
import type { JobRecord, VersionedJob } from './model';
import { jobIdSchema } from './model';
import * as machine from './stateMachine';
import { readSubmitBody, type SubmitRequest, validateSubmit } from './submitRequest';
import { SubmitSaga } from './submitSaga';

export { essence, fieldErrors, type SubmitRequest } from './submitRequest';

/** What a submit led to: a new job, or the original job of a replayed `Idempotency-Key`. */
export interface SubmitResult extends VersionedJob {
  replayed: boolean;
}

/** Maps a storage outage or throttling to 503 + Retry-After; passes other errors on. */
export function unavailable(err: unknown, retryAfterSeconds: number): never {
  if (isTransientStorageError(err)) {
    throw storageUnavailable(err, retryAfterSeconds);
  }
  throw err;
}

/**
 * The use cases behind the HTTP endpoints: submit, read, cancel, purge. Knows nothing of Azure
 * Functions; errors are {@link ProblemError}s carrying their HTTP status.
 */
export class JobService {
  private readonly keys: KeyClaims;

  constructor(
    readonly store: JobStore,
    readonly queue: JobQueue,
    readonly config: AppConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.keys = new KeyClaims(store, config, now);
  }

  /**
   * Submits a job: validates the request (submitRequest.ts), reads a body of up to 4 MiB into memory
   * (a larger one is streamed to its input blob first), claims its Idempotency-Key, then runs the
   * {@link SubmitSaga}: input ‖ message, then the record with its index tag (the commit point).
   * The storage work after a streamed input runs under one deadline (`JOBS_SUBMIT_DEADLINE_MS`,
   * bounds.ts); on any failure the saga compensates within the same budget again and the submit
   * answers an error, so a 503 means the job will not run unless storage refused even the
   * compensation (README "Guarantees"). If compensation finds that the record was created after all
   * and a worker already started the job, the answer is that job (202), not an error.
   * Storage calls for a body of up to 4 MiB without a key: 3, in 2 round trips (Put Blob ‖ Put
   * Message, Put Blob).
   * @returns the new job (NotStarted) with its ETag, or the replayed job of its Idempotency-Key
   * @throws ProblemError 404 unknown type, 415 wrong media type, 400 invalid options or body
   *   (with field-level `errors`), 413 body over `JOBS_MAX_INPUT_BYTES`, 409/422 Idempotency-Key
   *   conflicts, 503 storage unavailable or too slow (with Retry-After)
   */
  async submit(req: SubmitRequest): Promise<SubmitResult> {
    const max = this.config.maxInputBytes;
    const valid = validateSubmit(req, max);
    const body = await readSubmitBody(req, valid, max);
    const id = randomUUID();
    const bounds = submitBounds(this.config);
    let streamed: { sizeBytes: number; sha256: string } | undefined;
    if (body instanceof Readable) {
      // A large body goes to storage before the deadline starts: its pace is the client's.
      try {
        streamed = await this.store.blobs.uploadInput(id, body, valid.contentType, max);
      } catch (err) {
        if (err instanceof ProblemError) throw err;
        return unavailable(err, this.config.retryAfterSeconds);
      }
    }
    const inMemory = body instanceof Readable ? undefined : body;
    const input = streamed ?? { sizeBytes: inMemory!.bytes.length, sha256: inMemory!.sha256 };
    // One deadline for all of this request's storage work from here on (see bounds.ts).
    const deadline = AbortSignal.timeout(bounds.deadlineMs);
    const now = this.now();
    const job: JobRecord = {
      id,
      type: valid.processor.type,
      status: 'NotStarted',
      options: req.options,
      input: { contentType: valid.contentType, sizeBytes: input.sizeBytes },
      createdDateTime: now.toISOString(),
      lastUpdatedDateTime: now.toISOString(),
      percentComplete: 0,
      progress: {},
      attempts: 0,
      ...(req.caller ? { owner: req.caller } : {}),
      ...(req.correlationId ? { correlationId: req.correlationId } : {}),
    };
    const saga = new SubmitSaga(this.store, this.queue, job, this.now);
    if (streamed) saga.undoWith((s) => this.store.blobs.deleteInput(id, s));
    try {
      if (req.idempotencyKey !== undefined) {
        const keyHash = keyHashOf(req.caller, req.idempotencyKey);
        const fingerprint = requestFingerprint(job.type, req.options, req.statusOptions, valid.mediaType, input.sha256);
        const outcome = await this.keys.claim(
          keyHash,
          { jobId: id, fingerprint, createdDateTime: job.createdDateTime },
          job.type,
          req.caller,
          deadline,
        );
        if ('replay' in outcome) {
          if (streamed) await this.store.blobs.deleteInput(id, AbortSignal.timeout(bounds.compensationMs)).catch(() => undefined);
          return { ...outcome.replay, replayed: true };
        }
        saga.undoWith((s) => this.store.keys.release(keyHash, outcome.etag, s));
        job.idempotencyKeyBlob = blobNames.idempotencyKey(keyHash);
      }
      const message = {
        v: 1 as const,
        jobId: id,
        type: job.type,
        enqueuedAt: job.createdDateTime,
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      };
      const receipt = await saga.prepare(
        inMemory ? { body: inMemory, contentType: valid.contentType, maxBytes: max } : undefined,
        message,
        deadline,
      );
      const created = await saga.commit(receipt, deadline);
      return { ...created, replayed: false };
    } catch (err) {
      const running = await saga.compensate(AbortSignal.timeout(bounds.compensationMs));
      if (running) return { ...running, replayed: false };
      if (err instanceof ProblemError) throw err;
      if (deadline.aborted) {
        throw storageUnavailable(err, this.config.retryAfterSeconds, 'Storage did not answer in time; retry later.');
      }
      return unavailable(err, this.config.retryAfterSeconds);
    }
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
      found = await this.store.records.get(id);
    } catch (err) {
      return unavailable(err, this.config.retryAfterSeconds);
    }
    if (!found || this.expired(found.job) || !visibleTo(found.job, caller)) throw new ProblemError(404, 'No such job.');
    return found;
  }

  /**
   * Removes jobs older than the retention period (`JOBS_RETENTION_DAYS`) with everything stored for
   * them. In Azure the storage lifecycle management rule does the same; this sweep serves local runs.
   * @returns the ids removed
   */
  async sweepExpired(): Promise<string[]> {
    return this.store.sweep(new Date(this.now().getTime() - retentionMs(this.config)));
  }

  /** True when the job is older than the retention period (it reads as 404 until swept). */
  expired(job: JobRecord): boolean {
    return this.now().getTime() - Date.parse(job.createdDateTime) > retentionMs(this.config);
  }

  /**
   * Cancels a job: NotStarted → Canceled at once, Running → cancel requested (the worker stops at its
   * next check).
   * @throws ProblemError 404 unknown job, 409 already finished, 503 storage unavailable
   */
  async cancel(id: string, caller?: string): Promise<VersionedJob> {
    const found = await this.get(id, caller);
    try {
      const updated = await this.store.records.update(id, (job) => machine.requestCancel(job, this.now()), { from: found });
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
    const found = await this.get(id, caller);
    const { job } = found;
    try {
      await this.store.records
        .update(id, (job) => machine.requestCancel(job, this.now()), { from: found })
        .catch((err: unknown) => {
          if (!(err instanceof machine.TransitionError)) throw err;
        });
      await this.store.purge(id);
      if (job.idempotencyKeyBlob) await this.store.keys.delete(job.idempotencyKeyBlob);
    } catch (err) {
      return unavailable(err, this.config.retryAfterSeconds);
    }
  }
}
