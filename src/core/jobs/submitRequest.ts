import { Readable } from 'node:stream';

import { z } from 'zod';

import { maxIdempotencyKeyLength } from '../../contract/http';
import { contentTooLarge, ProblemError } from '../problem';
import type { Processor } from '../processors/processor';
import { getProcessor } from '../processors/registry';
import { type BufferedBody, bufferSmallBody, singleShotBytes } from './jobBlobs';

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

/** A submit request that passed validation. */
export interface ValidSubmit {
  processor: Processor;
  /** Media type without parameters, lowercased. */
  mediaType: string;
  /** Content type to store the input with (the header as sent, else the media type). */
  contentType: string;
}

/** The media type without parameters, lowercased (`text/csv; charset=utf-8` → `text/csv`). */
export function essence(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Turns zod issues into the `errors` member of a 400 problem. */
export function fieldErrors(error: z.ZodError, prefix: string): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));
}

/**
 * Checks a submit request's headers and options before any of its body is read.
 * @throws ProblemError 404 unknown type, 415 wrong media type, 400 invalid Content-Type, options
 *   (with field-level `errors`), Idempotency-Key or empty body, 413 `Content-Length` over `maxBytes`
 */
export function validateSubmit(req: SubmitRequest, maxBytes: number): ValidSubmit {
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
  if (req.contentLength !== undefined && req.contentLength > maxBytes) {
    throw contentTooLarge(maxBytes);
  }
  if (req.contentLength === 0) throw new ProblemError(400, 'The request body is empty.');
  return { processor, mediaType, contentType: req.contentType ?? mediaType };
}

/**
 * Reads the body of a valid request: a JSON body with an input schema is read whole and validated;
 * a body up to {@link singleShotBytes} is kept in memory (stored with one Put Blob); a larger one is
 * handed back as a stream (replaying what was read).
 * @throws ProblemError 413 over `maxBytes`, 400 empty body, invalid JSON or JSON against the schema
 */
export async function readSubmitBody(req: SubmitRequest, valid: ValidSubmit, maxBytes: number): Promise<BufferedBody | Readable> {
  const schema = valid.mediaType === 'application/json' ? valid.processor.inputSchema : undefined;
  const body = await bufferSmallBody(req.body, schema ? maxBytes : singleShotBytes, maxBytes);
  if (body instanceof Readable) return body;
  if (body.bytes.length === 0) throw new ProblemError(400, 'The request body is empty.');
  if (schema) validateJson(body.bytes, schema);
  // A JSON body read whole for validation but over one Put Blob's worth is stored as a stream, like
  // any large body, before the submit's deadline starts.
  return body.bytes.length > singleShotBytes ? Readable.from([body.bytes]) : body;
}

function validateJson(bytes: Buffer, schema: z.ZodType): void {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProblemError(400, 'The request body is not valid JSON.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ProblemError(400, 'Invalid request body.', { errors: fieldErrors(parsed.error, 'body') });
}
