import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AppConfig } from '../config';
import { ProblemError } from '../problem';
import { getProcessor } from '../processors/registry';
import { isTransientStorageError } from '../storage';
import type { JobQueue } from './jobQueue';
import { blobNames, type JobStore } from './jobStore';
import type { JobRecord, VersionedJob } from './model';
import { jobIdSchema } from './model';
import * as machine from './stateMachine';
import { z } from 'zod';

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
   * Validates a job request, stores its input (claim check) and record, then enqueues its message.
   * Nothing is left half-created: if enqueueing fails the record and input are removed again.
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
    const now = this.now();
    let idempotencyKeyBlob: string | undefined;
    let sent: { messageId: string; popReceipt: string } | undefined;
    try {
      if (req.idempotencyKey !== undefined) {
        const keyHash = sha256(`${req.caller ?? ''}\n${req.idempotencyKey}`);
        const fingerprint = sha256(JSON.stringify([processor.type, sorted(req.options), sorted(req.statusOptions), mediaType, input.sha256]));
        const claim = { jobId: id, fingerprint, createdDateTime: now.toISOString() };
        const staleBefore = now.getTime() - this.config.retentionDays * 24 * 3600 * 1000;
        const existing = await this.store.claimIdempotencyKey(keyHash, claim, staleBefore);
        if (existing !== 'created') {
          if (existing.record.fingerprint !== fingerprint) {
            throw new ProblemError(422, 'This Idempotency-Key was already used with a different request.');
          }
          const original = await this.original(existing.record, req.caller);
          if (original) {
            await this.store.purge(id).catch(() => undefined);
            return { ...original, replayed: true };
          }
          // The request that claimed the key never created its job (storage failed under it): take the key over.
          if (!(await this.store.replaceIdempotencyKey(keyHash, claim, existing.etag))) {
            throw new ProblemError(409, 'A request with this Idempotency-Key is being processed.', {}, { 'Retry-After': '1' });
          }
        }
        idempotencyKeyBlob = blobNames.idempotencyKey(keyHash);
      }
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
        ...(idempotencyKeyBlob ? { idempotencyKeyBlob } : {}),
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      };
      // Message first, then record: a record never exists without its message. A message whose
      // record could not be created is taken back; if even that fails, the worker finds no record
      // and drops it (see JobRunner).
      sent = await this.queue.send({
        v: 1,
        jobId: id,
        type: job.type,
        enqueuedAt: now.toISOString(),
        ...(req.correlationId ? { correlationId: req.correlationId } : {}),
      });
      const created = await this.store.create(job);
      return { ...created, replayed: false };
    } catch (err) {
      // Take back what this request stored: its message, its input, its key claim.
      if (sent) await this.queue.unsend(sent).catch(() => undefined);
      await this.store.purge(id).catch(() => undefined);
      if (err instanceof ProblemError) throw err;
      if (idempotencyKeyBlob) await this.store.deleteBlob(idempotencyKeyBlob).catch(() => undefined);
      return unavailable(err, this.config.retryAfterSeconds);
    }
  }

  /**
   * The job an idempotency key points to. The request that won the key may still be creating it, so
   * the record is awaited briefly (about 5 s) while the claim is young (under 15 s); an older claim
   * without a record was abandoned by a request that failed (e.g. storage went down under it).
   * @returns the job, or undefined when the claim was abandoned (its request never created the job)
   * @throws ProblemError 409 + Retry-After when a young claim's job is still not there
   */
  private async original(claim: { jobId: string; createdDateTime: string }, caller: string | undefined): Promise<VersionedJob | undefined> {
    const abandonedAfterMs = 15_000;
    for (let i = 0; i < 25; i++) {
      const found = await this.store.get(claim.jobId);
      if (found) {
        if (this.visibleTo(found.job, caller)) return found;
        throw new ProblemError(409, 'This Idempotency-Key is in use.');
      }
      if (this.now().getTime() - Date.parse(claim.createdDateTime) > abandonedAfterMs) return undefined;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new ProblemError(409, 'A request with this Idempotency-Key is still being processed.', {}, { 'Retry-After': '1' });
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
      if (job.idempotencyKeyBlob) await this.store.deleteBlob(job.idempotencyKeyBlob);
    } catch (err) {
      return unavailable(err, this.config.retryAfterSeconds);
    }
  }
}
