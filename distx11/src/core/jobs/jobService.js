"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.JobService = exports.maxIdempotencyKeyLength = void 0;
exports.essence = essence;
exports.fieldErrors = fieldErrors;
exports.unavailable = unavailable;
const node_crypto_1 = require("node:crypto");
const node_stream_1 = require("node:stream");
const problem_1 = require("../problem");
const registry_1 = require("../processors/registry");
const storage_1 = require("../storage");
const bounds_1 = require("./bounds");
const jobStore_1 = require("./jobStore");
const model_1 = require("./model");
const machine = __importStar(require("./stateMachine"));
/** Longest accepted `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header). */
exports.maxIdempotencyKeyLength = 255;
const sha256 = (text) => (0, node_crypto_1.createHash)('sha256').update(text).digest('hex');
const sorted = (o = {}) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
/** The media type without parameters, lowercased (`text/csv; charset=utf-8` → `text/csv`). */
function essence(contentType) {
    return (contentType ?? '').split(';')[0].trim().toLowerCase();
}
/** Turns zod issues into the `errors` member of a 400 problem. */
function fieldErrors(error, prefix) {
    return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
}
/** Maps a storage outage or throttling to 503 + Retry-After; passes other errors on. */
function unavailable(err, retryAfterSeconds) {
    if ((0, storage_1.isTransientStorageError)(err)) {
        throw new problem_1.ProblemError(503, 'Storage is temporarily unavailable; retry later.', {}, { 'Retry-After': String(retryAfterSeconds) }, err);
    }
    throw err;
}
/**
 * The use cases behind the HTTP endpoints: submit, read, cancel, purge. Knows nothing of Azure
 * Functions; errors are {@link ProblemError}s carrying their HTTP status.
 */
class JobService {
    store;
    queue;
    config;
    now;
    constructor(store, queue, config, now = () => new Date()) {
        this.store = store;
        this.queue = queue;
        this.config = config;
        this.now = now;
    }
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
    async submit(req) {
        const processor = (0, registry_1.getProcessor)(req.type);
        if (!processor)
            throw new problem_1.ProblemError(404, `Unknown job type '${req.type}'.`);
        const mediaType = essence(req.contentType);
        if (!processor.mediaTypes.includes(mediaType)) {
            throw new problem_1.ProblemError(415, `Job type '${req.type}' accepts ${processor.mediaTypes.join(', ')}, not '${mediaType || '(none)'}'.`, {
                accepted: processor.mediaTypes,
            });
        }
        if (req.contentType !== undefined && !/^[\x20-\x7e]{1,256}$/.test(req.contentType)) {
            throw new problem_1.ProblemError(400, 'The Content-Type header must be printable ASCII of at most 256 characters.', {
                errors: [{ path: 'header.Content-Type', message: 'printable ASCII, 1 to 256 characters' }],
            });
        }
        const options = processor.optionsSchema.safeParse(req.options);
        if (!options.success) {
            throw new problem_1.ProblemError(400, 'Invalid job options.', { errors: fieldErrors(options.error, 'query') });
        }
        if (req.idempotencyKey !== undefined && (req.idempotencyKey.length === 0 || req.idempotencyKey.length > exports.maxIdempotencyKeyLength)) {
            throw new problem_1.ProblemError(400, `Idempotency-Key must be 1 to ${exports.maxIdempotencyKeyLength} characters.`, {
                errors: [{ path: 'header.Idempotency-Key', message: `1 to ${exports.maxIdempotencyKeyLength} characters` }],
            });
        }
        const max = this.config.maxInputBytes;
        if (req.contentLength !== undefined && req.contentLength > max) {
            throw new problem_1.ProblemError(413, `The request body exceeds the limit of ${max} bytes.`, { maxBytes: max });
        }
        if (req.contentLength === 0)
            throw new problem_1.ProblemError(400, 'The request body is empty.');
        const id = (0, node_crypto_1.randomUUID)();
        let body = req.body;
        if (mediaType === 'application/json' && processor.inputSchema) {
            body = await this.validateJson(body, processor.inputSchema, max);
        }
        const contentType = req.contentType ?? mediaType;
        let input;
        try {
            input = await this.store.uploadInput(id, body, contentType, max);
        }
        catch (err) {
            if (err instanceof problem_1.ProblemError)
                throw err;
            return unavailable(err, this.config.retryAfterSeconds);
        }
        if (input.sizeBytes === 0) {
            await this.store.purge(id).catch(() => undefined);
            throw new problem_1.ProblemError(400, 'The request body is empty.');
        }
        const bounds = (0, bounds_1.submitBounds)(this.config);
        // One deadline for all of this request's storage work from here on (see bounds.ts).
        const deadline = AbortSignal.timeout(bounds.deadlineMs);
        const now = this.now();
        let keyClaim;
        let sent;
        let createAttempted = false;
        const job = {
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
                const fingerprint = sha256(JSON.stringify([processor.type, sorted(req.options), sorted(req.statusOptions), mediaType, input.sha256]));
                const outcome = await this.claimKey(keyHash, { jobId: id, fingerprint, createdDateTime: now.toISOString() }, processor.type, req.caller, deadline);
                if ('replay' in outcome) {
                    await this.store.deleteInput(id, AbortSignal.timeout(bounds.compensationMs)).catch(() => undefined);
                    return { ...outcome.replay, replayed: true };
                }
                keyClaim = { keyHash, etag: outcome.etag };
                job.idempotencyKeyBlob = jobStore_1.blobNames.idempotencyKey(keyHash);
            }
            // The message goes first, invisible for V > D + C (bounds.ts), with the active marker (the
            // reconciler's index); then the record, the commit point; then the message is released.
            const [message, marker] = await Promise.allSettled([
                this.queue.send({
                    v: 1,
                    jobId: id,
                    type: job.type,
                    enqueuedAt: now.toISOString(),
                    ...(req.correlationId ? { correlationId: req.correlationId } : {}),
                }, { invisibleSeconds: bounds.messageInvisibleSeconds, signal: deadline }),
                this.store.markActive(job, deadline),
            ]);
            if (message.status === 'fulfilled')
                sent = message.value; // (so that compensation can take it back)
            if (message.status === 'rejected')
                throw message.reason;
            if (marker.status === 'rejected')
                throw marker.reason;
            const receipt = message.value;
            job.message = { id: receipt.messageId, popReceipt: receipt.popReceipt };
            createAttempted = true;
            const created = await this.store.create(job, deadline);
            // Committed. Releasing the message is not needed for correctness (an unreleased message becomes
            // visible after V anyway), so it gets its own bound (C) rather than what is left of D.
            await this.queue.release(receipt, AbortSignal.timeout(bounds.compensationMs)).catch(() => undefined);
            return { ...created, replayed: false };
        }
        catch (err) {
            await this.compensate(job, { createAttempted, sent, keyClaim }, AbortSignal.timeout(bounds.compensationMs));
            if (err instanceof problem_1.ProblemError)
                throw err;
            if (deadline.aborted) {
                throw new problem_1.ProblemError(503, 'Storage did not answer in time; retry later.', {}, { 'Retry-After': String(this.config.retryAfterSeconds) }, err);
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
    async compensate(job, done, signal) {
        if (done.createAttempted) {
            try {
                const settled = await this.store.abandon(job.id, job.type, 'submit failed or timed out', this.now(), {
                    failIfCreatedAt: job.createdDateTime,
                    signal,
                });
                if (settled !== 'ended')
                    return;
            }
            catch {
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
    async claimKey(keyHash, claim, type, caller, signal) {
        const bounds = (0, bounds_1.submitBounds)(this.config);
        const staleBefore = this.now().getTime() - this.config.retentionDays * 24 * 3600 * 1000;
        const waitUntil = Date.now() + bounds.deadlineMs / 2;
        for (let round = 0; round < 50; round++) {
            const existing = await this.store.claimIdempotencyKey(keyHash, claim, staleBefore, signal);
            if (existing.created)
                return { etag: existing.etag };
            if (existing.record.fingerprint !== claim.fingerprint) {
                throw new problem_1.ProblemError(422, 'This Idempotency-Key was already used with a different request.');
            }
            const found = await this.store.get(existing.record.jobId, signal);
            if (found && !found.job.abandoned) {
                if (this.visibleTo(found.job, caller))
                    return { replay: found };
                throw new problem_1.ProblemError(409, 'This Idempotency-Key is in use.');
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
                    throw new problem_1.ProblemError(409, 'A request with this Idempotency-Key is still being processed.', {}, { 'Retry-After': String(this.config.retryAfterSeconds) });
                }
                const settled = await this.store.abandon(existing.record.jobId, type, 'its submit did not complete; the Idempotency-Key was taken over', this.now(), { signal });
                if (settled !== 'ended')
                    continue; // the job exists after all: the next round replays it
            }
            // The claim's job is abandoned and can never run: take the key over.
            const etag = await this.store.replaceIdempotencyKey(keyHash, claim, existing.etag, signal);
            if (etag)
                return { etag };
        }
        throw new problem_1.ProblemError(409, 'A request with this Idempotency-Key is being processed.', {}, { 'Retry-After': '1' });
    }
    /** Jobs submitted by an authenticated caller are visible to that caller only. */
    visibleTo(job, caller) {
        return job.owner === undefined || job.owner === caller;
    }
    async validateJson(body, schema, max) {
        const chunks = [];
        let size = 0;
        for await (const chunk of body) {
            size += chunk.length;
            if (size > max)
                throw new problem_1.ProblemError(413, `The request body exceeds the limit of ${max} bytes.`, { maxBytes: max });
            chunks.push(chunk);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        let value;
        try {
            value = JSON.parse(text);
        }
        catch {
            throw new problem_1.ProblemError(400, 'The request body is not valid JSON.');
        }
        const parsed = schema.safeParse(value);
        if (!parsed.success)
            throw new problem_1.ProblemError(400, 'Invalid request body.', { errors: fieldErrors(parsed.error, 'body') });
        return node_stream_1.Readable.from([Buffer.from(text, 'utf8')]);
    }
    /**
     * Reads a job: one blob read.
     * @param caller the authenticated caller: a job owned by someone else reads as 404
     * @throws ProblemError 404 when the id is malformed, unknown, past retention or not the caller's; 503 when storage is down
     */
    async get(id, caller) {
        if (!model_1.jobIdSchema.safeParse(id).success)
            throw new problem_1.ProblemError(404, 'No such job.');
        let found;
        try {
            found = await this.store.get(id);
        }
        catch (err) {
            return unavailable(err, this.config.retryAfterSeconds);
        }
        if (!found || this.expired(found.job) || !this.visibleTo(found.job, caller))
            throw new problem_1.ProblemError(404, 'No such job.');
        return found;
    }
    /**
     * Removes jobs older than the retention period (`JOBS_RETENTION_DAYS`) with everything stored for
     * them. In Azure the storage lifecycle management rule does the same; this sweep serves local runs.
     * @returns the ids removed
     */
    async sweepExpired() {
        return this.store.sweep(new Date(this.now().getTime() - this.config.retentionDays * 24 * 3600 * 1000));
    }
    /** True when the job is older than the retention period (it reads as 404 until swept). */
    expired(job) {
        return this.now().getTime() - Date.parse(job.createdDateTime) > this.config.retentionDays * 24 * 3600 * 1000;
    }
    /**
     * Cancels a job: NotStarted → Canceled at once, Running → cancel requested (the worker stops at its
     * next check).
     * @throws ProblemError 404 unknown job, 409 already finished, 503 storage unavailable
     */
    async cancel(id, caller) {
        await this.get(id, caller);
        try {
            const updated = await this.store.update(id, (job) => machine.requestCancel(job, this.now()));
            if (!updated)
                throw new problem_1.ProblemError(404, 'No such job.');
            return updated;
        }
        catch (err) {
            if (err instanceof machine.TransitionError) {
                throw new problem_1.ProblemError(409, `The job is already ${err.current}.`, { jobStatus: err.current });
            }
            if (err instanceof problem_1.ProblemError)
                throw err;
            return unavailable(err, this.config.retryAfterSeconds);
        }
    }
    /**
     * Deletes a job and everything stored for it, canceling it first when it is still pending.
     * @throws ProblemError 404 unknown job, 503 storage unavailable
     */
    async purge(id, caller) {
        const { job } = await this.get(id, caller);
        try {
            await this.store
                .update(id, (job) => machine.requestCancel(job, this.now()))
                .catch((err) => {
                if (!(err instanceof machine.TransitionError))
                    throw err;
            });
            await this.store.purge(id);
            await this.store.clearActive(job);
            if (job.idempotencyKeyBlob)
                await this.store.deleteBlob(job.idempotencyKeyBlob);
        }
        catch (err) {
            return unavailable(err, this.config.retryAfterSeconds);
        }
    }
}
exports.JobService = JobService;
//# sourceMappingURL=jobService.js.map