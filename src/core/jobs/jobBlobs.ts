import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { ContainerClient } from '@azure/storage-blob';

import { contentTooLarge } from '../problem';
import { abortable } from '../storage';
import { blobNames } from './containerLayout';

/** Blob upload tuning: 4 MiB blocks, 2 in flight, so memory stays at about 8 MiB per upload. */
const uploadBufferBytes = 4 * 1024 * 1024;
const uploadConcurrency = 2;

/**
 * Bodies up to this size are read into memory and stored with one Put Blob (a streamed upload costs
 * a Put Block per 4 MiB plus a Put Block List); it is the streamed upload's own block size, so memory
 * per request stays within what {@link JobBlobs.uploadInput} uses for a stream (2 blocks).
 */
export const singleShotBytes = uploadBufferBytes;

/** A request body read whole into memory, with its SHA-256 (hex). */
export interface BufferedBody {
  bytes: Buffer;
  sha256: string;
}

/**
 * Reads a request body into memory when it has at most `upToBytes` bytes; otherwise gives it back as a
 * stream that replays what was read (nothing is lost or read twice).
 * @throws ProblemError 413 as soon as more than `maxBytes` arrive
 */
export async function bufferSmallBody(body: Readable, upToBytes: number, maxBytes: number): Promise<BufferedBody | Readable> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let size = 0;
  for (;;) {
    const r = await it.next();
    if (r.done) {
      const bytes = Buffer.concat(head);
      return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    size += chunk.length;
    // (The body is left unread, not destroyed: the host drains it and the 413 reaches the client.)
    if (size > maxBytes) throw contentTooLarge(maxBytes);
    head.push(chunk);
    if (size > upToBytes) break;
  }
  // Too large for one Put Blob: the iterator is not closed, so the rest of the body follows the head.
  return Readable.from(
    (async function* () {
      yield* head;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    })(),
  );
}

/** Counts and hashes (SHA-256) bytes passing through; fails with 413 problem details past `maxBytes`. */
class SizeLimit extends Transform {
  bytes = 0;
  readonly hash = createHash('sha256');
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (this.bytes > this.maxBytes) done(contentTooLarge(this.maxBytes));
    else done(null, chunk);
  }
}

/**
 * The blobs of a job's data: its input (the claim-checked request body, `<id>/input`) and the results
 * of its attempts (`<id>/result-<attempt>`). A result is uploaded under its attempt's own name before
 * the record says Succeeded and names it, so a result is reachable only through a Succeeded record.
 */
export class JobBlobs {
  constructor(private readonly container: ContainerClient) {}

  /**
   * Stores a job's input. A buffered body is one Put Blob; a stream is uploaded in 4 MiB blocks
   * (Put Block ×n + Put Block List), its size limit enforced while streaming.
   * @param signal aborts the upload (the submit's deadline)
   * @returns the stored size in bytes and the body's SHA-256 (hex)
   * @throws ProblemError 413 when a stream is larger than `maxBytes` (nothing is committed)
   */
  async uploadInput(
    id: string,
    body: BufferedBody | Readable,
    contentType: string,
    maxBytes: number,
    signal?: AbortSignal,
  ): Promise<{ sizeBytes: number; sha256: string }> {
    const blob = this.container.getBlockBlobClient(blobNames.input(id));
    const headers = { blobHTTPHeaders: { blobContentType: contentType } };
    if (!(body instanceof Readable)) {
      if (body.bytes.length > maxBytes) throw contentTooLarge(maxBytes);
      await blob.upload(body.bytes, body.bytes.length, { ...headers, ...abortable(signal) });
      return { sizeBytes: body.bytes.length, sha256: body.sha256 };
    }
    const limit = new SizeLimit(maxBytes);
    const counted = body.pipe(limit);
    body.on('error', (err) => limit.destroy(err));
    await blob.uploadStream(counted, uploadBufferBytes, uploadConcurrency, { ...headers, ...abortable(signal) });
    return { sizeBytes: limit.bytes, sha256: limit.hash.digest('hex') };
  }

  /** Whether the job's input blob exists (one HEAD request). */
  async inputExists(id: string): Promise<boolean> {
    return this.container.getBlobClient(blobNames.input(id)).exists();
  }

  /** Deletes the job's input if it exists (compensation of a submit that did not complete). */
  async deleteInput(id: string, signal?: AbortSignal): Promise<void> {
    await this.container.getBlobClient(blobNames.input(id)).deleteIfExists(abortable(signal));
  }

  /** Opens the stored input of a job as a stream (one GET). */
  async openInput(id: string, signal?: AbortSignal): Promise<Readable> {
    return this.open(blobNames.input(id), signal);
  }

  /** Opens a stored result (a blob name from a Succeeded record) as a stream (one GET). */
  async openResult(blobName: string, signal?: AbortSignal): Promise<Readable> {
    return this.open(blobName, signal);
  }

  /**
   * Uploads the result of one attempt: one Put Blob for a Buffer or string, blocks for a stream.
   * @returns the blob name and size in bytes, for the Succeeded record
   */
  async writeResult(
    id: string,
    attempt: number,
    body: Buffer | string | Readable,
    contentType: string,
  ): Promise<{ blobName: string; sizeBytes: number; contentType: string }> {
    const blobName = blobNames.result(id, attempt);
    const blob = this.container.getBlockBlobClient(blobName);
    const headers = { blobHTTPHeaders: { blobContentType: contentType } };
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      await blob.upload(buf, buf.length, headers);
      return { blobName, sizeBytes: buf.length, contentType };
    }
    const counter = new SizeLimit(Number.MAX_SAFE_INTEGER);
    await Promise.all([blob.uploadStream(counter, uploadBufferBytes, uploadConcurrency, headers), pipeline(body, counter)]);
    return { blobName, sizeBytes: counter.bytes, contentType };
  }

  /**
   * Deletes the results of a job other than `keep` (one listing of `<id>/result-`): attempts that died
   * (or lost storage) between writing their result and recording it leave blobs nothing references.
   */
  async deleteResultsExcept(id: string, keep: string | undefined): Promise<void> {
    for await (const item of this.container.listBlobsFlat({ prefix: `${id}/result-` })) {
      if (item.name !== keep) await this.deleteResult(item.name);
    }
  }

  /** Deletes one result if it exists (e.g. the result of an attempt that lost the race). */
  async deleteResult(blobName: string): Promise<void> {
    await this.container.getBlobClient(blobName).deleteIfExists();
  }

  private async open(blobName: string, signal?: AbortSignal): Promise<Readable> {
    const res = await this.container.getBlobClient(blobName).download(0, undefined, abortable(signal));
    return res.readableStreamBody as Readable;
  }
}
