"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.JobStore = exports.blobNames = void 0;
exports.activePartition = activePartition;
exports.abandonedRecord = abandonedRecord;
exports.streamToString = streamToString;
const node_crypto_1 = require("node:crypto");
const node_stream_1 = require("node:stream");
const promises_1 = require("node:stream/promises");
const problem_1 = require("../problem");
const model_1 = require("./model");
/** Names of the blobs of one job inside the jobs container (all under the `<id>/` prefix). */
exports.blobNames = {
    /** The job record (status document source). */
    status: (id) => `${id}/status.json`,
    /** The claim-checked request body. */
    input: (id) => `${id}/input`,
    /** The result written by one attempt; the record names the one that won. */
    result: (id, attempt) => `${id}/result-${attempt}`,
    /** An idempotency key record, named by the hash of the caller scope and key. */
    idempotencyKey: (keyHash) => `idempotency/${keyHash}.json`,
    /**
     * Marker of a job that is not finished yet, in an hourly partition of its creation time
     * (`active/YYYYMMDDHH/<id>`): the reconciler's index, so that it never lists the whole container.
     */
    active: (createdDateTime, id) => `active/${activePartition(createdDateTime)}/${id}`,
};
/** The hourly partition (`YYYYMMDDHH`, UTC) of an ISO 8601 UTC timestamp. */
function activePartition(isoDateTime) {
    return isoDateTime.slice(0, 13).replace(/[-T:]/g, '');
}
/** Options with an abort signal when one is given (the SDK methods take `abortSignal`). */
const abortable = (signal) => (signal ? { abortSignal: signal } : {});
/**
 * The Failed record that ends a job whose submit did not complete. Written with `If-None-Match: *`,
 * it occupies the id so that a create of the real record still on its way fails.
 */
function abandonedRecord(id, type, now, reason) {
    const at = now.toISOString();
    return {
        id,
        type,
        status: 'Failed',
        options: {},
        input: { contentType: 'application/octet-stream', sizeBytes: 0 },
        createdDateTime: at,
        lastUpdatedDateTime: at,
        completedDateTime: at,
        percentComplete: 0,
        progress: {},
        attempts: 0,
        error: (0, problem_1.problem)(503, 'The submit of this job did not complete; the job never ran.', { reason }),
        abandoned: true,
    };
}
/** Blob upload tuning: 4 MiB blocks, 2 in flight, so memory stays at about 8 MiB per upload. */
const uploadBufferBytes = 4 * 1024 * 1024;
const uploadConcurrency = 2;
/** A stale ETag (412) or an existing blob on create (409 on Azurite, 412 on Azure). */
function isConditionFailure(err) {
    const status = err.statusCode;
    return status === 412 || status === 409;
}
/** Counts and hashes (SHA-256) bytes passing through; fails with 413 problem details past `maxBytes`. */
class SizeLimit extends node_stream_1.Transform {
    maxBytes;
    bytes = 0;
    hash = (0, node_crypto_1.createHash)('sha256');
    constructor(maxBytes) {
        super();
        this.maxBytes = maxBytes;
    }
    _transform(chunk, _enc, done) {
        this.bytes += chunk.length;
        this.hash.update(chunk);
        if (this.bytes > this.maxBytes) {
            done(new problem_1.ProblemError(413, `The request body exceeds the limit of ${this.maxBytes} bytes.`, { maxBytes: this.maxBytes }));
        }
        else {
            done(null, chunk);
        }
    }
}
/**
 * The job store: job records, inputs and results in one Blob container.
 *
 * Ordering rules that keep clients from ever seeing a half-written job:
 * - the input is uploaded, and the job's message sent (invisible), before the record is created
 *   with `If-None-Match: *`; a submit that does not complete is ended by an abandoned record created
 *   the same way, so of a late create and its abandonment exactly one wins (see JobService.submit);
 * - a job's record is deleted last when it is purged (a worker that finds no record and no input
 *   knows the job is gone);
 * - a result is uploaded under an attempt-specific name before the record says Succeeded and names
 *   it, so a result is reachable only through a Succeeded record;
 * - every record change is a conditional write on the ETag it was computed from (optimistic
 *   concurrency, https://learn.microsoft.com/azure/storage/blobs/concurrency-manage).
 */
class JobStore {
    container;
    constructor(blobService, containerName) {
        this.container = blobService.getContainerClient(containerName);
    }
    /** Creates the container if it does not exist (local development; Bicep creates it in Azure). */
    async ensureContainer() {
        await this.container.createIfNotExists();
    }
    /**
     * Streams a request body into the job's input blob, enforcing the size limit while streaming.
     * @returns the stored size in bytes and the body's SHA-256 (hex)
     * @throws ProblemError 413 when the body is larger than `maxBytes` (nothing is committed)
     */
    async uploadInput(id, body, contentType, maxBytes) {
        const limit = new SizeLimit(maxBytes);
        const blob = this.container.getBlockBlobClient(exports.blobNames.input(id));
        const counted = body.pipe(limit);
        body.on('error', (err) => limit.destroy(err));
        await blob.uploadStream(counted, uploadBufferBytes, uploadConcurrency, {
            blobHTTPHeaders: { blobContentType: contentType },
        });
        return { sizeBytes: limit.bytes, sha256: limit.hash.digest('hex') };
    }
    /**
     * Claims an idempotency key atomically: the record is created only if none exists
     * (`If-None-Match: *`), so of two racing requests exactly one wins. A record older than
     * `staleBeforeMs` (epoch ms; past retention) is replaced, conditionally on its ETag.
     * @param signal aborts every storage call (the submit's deadline)
     * @returns `{ created: true, etag }`, or the record that already holds the key with its ETag
     */
    async claimIdempotencyKey(keyHash, record, staleBeforeMs, signal) {
        const blob = this.container.getBlockBlobClient(exports.blobNames.idempotencyKey(keyHash));
        const body = JSON.stringify(record);
        const headers = { blobHTTPHeaders: { blobContentType: 'application/json' } };
        for (let attempt = 0; attempt < 3; attempt++) {
            try {
                const res = await blob.upload(body, Buffer.byteLength(body), {
                    ...headers,
                    conditions: { ifNoneMatch: '*' },
                    ...abortable(signal),
                });
                return { created: true, etag: res.etag };
            }
            catch (err) {
                if (!isConditionFailure(err))
                    throw err;
            }
            let existing;
            try {
                const res = await blob.download(0, undefined, abortable(signal));
                existing = {
                    record: JSON.parse(await streamToString(res.readableStreamBody)),
                    etag: res.etag,
                };
            }
            catch (err) {
                if (err.statusCode === 404)
                    continue;
                throw err;
            }
            if (Date.parse(existing.record.createdDateTime) >= staleBeforeMs)
                return { created: false, ...existing };
            const etag = await this.replaceIdempotencyKey(keyHash, record, existing.etag, signal);
            if (etag)
                return { created: true, etag };
        }
        throw new Error('Could not claim the idempotency key after 3 attempts');
    }
    /**
     * Takes over an idempotency key whose record is stale or abandoned, conditionally on the ETag it
     * was read with (of two racing takeovers one wins).
     * @returns the new ETag when this call won the key, undefined when another request changed it first
     */
    async replaceIdempotencyKey(keyHash, record, etag, signal) {
        const body = JSON.stringify(record);
        try {
            const res = await this.container.getBlockBlobClient(exports.blobNames.idempotencyKey(keyHash)).upload(body, Buffer.byteLength(body), {
                blobHTTPHeaders: { blobContentType: 'application/json' },
                conditions: { ifMatch: etag },
                ...abortable(signal),
            });
            return res.etag;
        }
        catch (err) {
            if (isConditionFailure(err))
                return undefined;
            throw err;
        }
    }
    /** Releases an idempotency key claim if it is still the one written with `etag` (compensation). */
    async releaseIdempotencyKey(keyHash, etag, signal) {
        try {
            await this.container.getBlobClient(exports.blobNames.idempotencyKey(keyHash)).delete({ conditions: { ifMatch: etag }, ...abortable(signal) });
        }
        catch (err) {
            const status = err.statusCode;
            if (status !== 404 && !isConditionFailure(err))
                throw err;
        }
    }
    /**
     * Ends a job whose submit did not complete: creates its {@link abandonedRecord} with
     * `If-None-Match: *` (a create of the real record still on its way then fails). When a record
     * exists already and `failIfCreatedAt` names its `createdDateTime` (the caller's own record, created
     * although the caller saw the create fail) and it is still NotStarted, it is failed instead.
     * @returns `ended` when no job can run under this id any more (abandoned record written or found,
     *   or the caller's own NotStarted record failed); otherwise the existing record (a real job)
     * @throws RestError when storage fails or the signal aborts
     */
    async abandon(id, type, reason, now, opts = {}) {
        const body = JSON.stringify(abandonedRecord(id, type, now, reason));
        const blob = this.container.getBlockBlobClient(exports.blobNames.status(id));
        try {
            await blob.upload(body, Buffer.byteLength(body), {
                conditions: { ifNoneMatch: '*' },
                blobHTTPHeaders: { blobContentType: 'application/json' },
                ...abortable(opts.signal),
            });
            return 'ended';
        }
        catch (err) {
            if (!isConditionFailure(err))
                throw err;
        }
        const existing = await this.get(id, opts.signal);
        if (!existing)
            throw new Error(`The record of job ${id} vanished while it was being abandoned; try again.`);
        if (existing.job.abandoned)
            return 'ended';
        if (opts.failIfCreatedAt === undefined || existing.job.createdDateTime !== opts.failIfCreatedAt || existing.job.status !== 'NotStarted')
            return existing;
        const failed = {
            ...abandonedRecord(id, type, now, reason),
            ...existing.job,
            status: 'Failed',
            abandoned: true,
            completedDateTime: now.toISOString(),
            lastUpdatedDateTime: now.toISOString(),
        };
        failed.error = abandonedRecord(id, type, now, reason).error;
        // The key (if any) may be taken over by another job: purging this record must not delete it.
        delete failed.idempotencyKeyBlob;
        const text = JSON.stringify(failed);
        try {
            await blob.upload(text, Buffer.byteLength(text), {
                conditions: { ifMatch: existing.etag },
                blobHTTPHeaders: { blobContentType: 'application/json' },
                ...abortable(opts.signal),
            });
            return 'ended';
        }
        catch (err) {
            if (!isConditionFailure(err))
                throw err;
            return (await this.get(id, opts.signal)) ?? existing;
        }
    }
    /** Writes the active marker of a new job (the reconciler's index). */
    async markActive(job, signal) {
        await this.container.getBlockBlobClient(exports.blobNames.active(job.createdDateTime, job.id)).upload('', 0, abortable(signal));
    }
    /** Deletes the active marker of a job (it finished, or its submit was taken back). */
    async clearActive(job, signal) {
        await this.container.getBlobClient(exports.blobNames.active(job.createdDateTime, job.id)).deleteIfExists(abortable(signal));
    }
    /**
     * Active markers in partitions up to `untilPartition` (inclusive, `YYYYMMDDHH`): one hierarchy
     * listing of `active/` for the partitions, then one listing per partition old enough. Cost grows
     * with the number of unfinished jobs, never with the number of jobs stored.
     */
    async *activeMarkers(untilPartition) {
        const partitions = [];
        for await (const item of this.container.listBlobsByHierarchy('/', { prefix: 'active/' })) {
            if (item.kind === 'prefix') {
                const p = item.name.slice('active/'.length, -1);
                if (p <= untilPartition)
                    partitions.push(p);
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
    /** Deletes an active marker by partition and id (reconciler). */
    async deleteActiveMarker(partition, id) {
        await this.deleteBlob(`active/${partition}/${id}`);
    }
    /** Whether the job's input blob exists (one HEAD request). */
    async inputExists(id) {
        return this.container.getBlobClient(exports.blobNames.input(id)).exists();
    }
    /** Deletes the job's input (compensation of a submit that did not complete). */
    async deleteInput(id, signal) {
        await this.container.getBlobClient(exports.blobNames.input(id)).deleteIfExists(abortable(signal));
    }
    /** Opens the stored input of a job as a stream. */
    async openInput(id, signal) {
        return this.openBlob(exports.blobNames.input(id), signal);
    }
    /** Opens a blob of the container (an input or a result) as a stream. */
    async openBlob(blobName, signal) {
        const res = await this.container.getBlobClient(blobName).download(0, undefined, signal ? { abortSignal: signal } : {});
        return res.readableStreamBody;
    }
    /**
     * Creates a job record; fails if one exists (`If-None-Match: *`).
     * @returns the record with its ETag
     * @throws ZodError when the record is invalid (nothing is written); RestError 409/412 when another
     *   record already exists under the id
     */
    async create(job, signal) {
        const body = JSON.stringify(model_1.jobRecordSchema.parse(job));
        try {
            const res = await this.container.getBlockBlobClient(exports.blobNames.status(job.id)).upload(body, Buffer.byteLength(body), {
                conditions: { ifNoneMatch: '*' },
                blobHTTPHeaders: { blobContentType: 'application/json' },
                ...abortable(signal),
            });
            return { job, etag: res.etag };
        }
        catch (err) {
            // A retried create whose first try was applied but whose answer was lost finds its own record.
            if (!isConditionFailure(err))
                throw err;
            const existing = await this.get(job.id, signal);
            if (existing && JSON.stringify(existing.job) === body)
                return existing;
            throw err;
        }
    }
    /**
     * Reads a job record with its ETag: one blob GET.
     * @returns undefined when the job does not exist
     * @throws RestError for storage failures; ZodError if the stored record is corrupt
     */
    async get(id, signal) {
        for (let attempt = 1;; attempt++) {
            try {
                const res = await this.container.getBlobClient(exports.blobNames.status(id)).download(0, undefined, abortable(signal));
                const text = await streamToString(res.readableStreamBody);
                return { job: model_1.jobRecordSchema.parse(JSON.parse(text)), etag: res.etag };
            }
            catch (err) {
                if (err.statusCode === 404)
                    return undefined;
                // Azurite can serve a torn read of a blob that is being overwritten (Azure's Put Blob is
                // atomic): read again before calling the record corrupt.
                if (err instanceof SyntaxError && attempt < 3)
                    continue;
                throw err;
            }
        }
    }
    /**
     * Optimistic read-modify-write of a job record. `change` computes the next record from the current
     * one (it may throw, e.g. a TransitionError, which is passed on); on an ETag conflict the record is
     * read again and `change` re-applied.
     * @returns the written record, or undefined when the job does not exist
     */
    async update(id, change, maxAttempts = 10) {
        const blob = this.container.getBlockBlobClient(exports.blobNames.status(id));
        for (let attempt = 1;; attempt++) {
            const current = await this.get(id);
            if (!current)
                return undefined;
            const next = change(current.job);
            const body = JSON.stringify(next);
            try {
                const res = await blob.upload(body, Buffer.byteLength(body), {
                    conditions: { ifMatch: current.etag },
                    blobHTTPHeaders: { blobContentType: 'application/json' },
                });
                return { job: next, etag: res.etag };
            }
            catch (err) {
                if (!isConditionFailure(err) || attempt >= maxAttempts)
                    throw err;
            }
        }
    }
    /**
     * Uploads the result of one attempt (streamed when `body` is a stream).
     * @returns the blob name and size in bytes, for the Succeeded record
     */
    async writeResult(id, attempt, body, contentType) {
        const blobName = exports.blobNames.result(id, attempt);
        const blob = this.container.getBlockBlobClient(blobName);
        const headers = { blobHTTPHeaders: { blobContentType: contentType } };
        if (typeof body === 'string' || Buffer.isBuffer(body)) {
            const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
            await blob.upload(buf, buf.length, headers);
            return { blobName, sizeBytes: buf.length, contentType };
        }
        const counter = new SizeLimit(Number.MAX_SAFE_INTEGER);
        await Promise.all([blob.uploadStream(counter, uploadBufferBytes, uploadConcurrency, headers), (0, promises_1.pipeline)(body, counter)]);
        return { blobName, sizeBytes: counter.bytes, contentType };
    }
    /**
     * Deletes the results of a job other than `keep`: attempts that died (or lost storage) between
     * writing their result and recording it leave blobs nothing references.
     */
    async deleteResultsExcept(id, keep) {
        for await (const item of this.container.listBlobsFlat({ prefix: `${id}/result-` })) {
            if (item.name !== keep)
                await this.deleteBlob(item.name);
        }
    }
    /** Deletes one blob if it exists (e.g. the result of an attempt that lost the race). */
    async deleteBlob(blobName) {
        await this.container.getBlobClient(blobName).deleteIfExists();
    }
    /**
     * Deletes every blob of the container created before `cutoff` (job records, inputs, results,
     * idempotency records, and orphans of interrupted submits alike), judged by the blobs' creation
     * time so no record has to be read. Everything in the container is job data.
     * @returns the ids of the jobs whose record was removed
     */
    async sweep(cutoff) {
        const removed = [];
        for await (const item of this.container.listBlobsFlat()) {
            const created = item.properties.createdOn ?? item.properties.lastModified;
            if (created.getTime() >= cutoff.getTime())
                continue;
            await this.deleteBlob(item.name);
            if (item.name.endsWith('/status.json'))
                removed.push(item.name.slice(0, -'/status.json'.length));
        }
        return removed;
    }
    /** Deletes everything stored for a job (record, input, results). @returns whether anything existed */
    async purge(id) {
        let any = false;
        let record = false;
        for await (const item of this.container.listBlobsFlat({ prefix: `${id}/` })) {
            any = true;
            if (item.name === exports.blobNames.status(id))
                record = true;
            else
                await this.container.getBlobClient(item.name).deleteIfExists();
        }
        // The record goes last: a worker that finds no record and no input knows the job was purged
        // (it writes an abandoned record only when the input is still there, see JobRunner).
        if (record)
            await this.deleteBlob(exports.blobNames.status(id));
        return any;
    }
}
exports.JobStore = JobStore;
/** Reads a whole (small) stream as UTF-8. */
async function streamToString(stream) {
    const chunks = [];
    for await (const chunk of stream)
        chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
}
//# sourceMappingURL=jobStore.js.map