import { z } from 'zod';

import { jobIdSchema } from './model';

/**
 * The queue message of a job: a claim check. It carries only a reference to the job (the input
 * stays in Blob storage), so it is always far below the 64 KiB queue message limit.
 * https://learn.microsoft.com/azure/architecture/patterns/claim-check
 */
export const jobMessageSchema = z.strictObject({
  /** Message schema version. */
  v: z.literal(1),
  jobId: jobIdSchema,
  type: z.string().min(1).max(64),
  correlationId: z.string().max(128).optional(),
  /** When the submit sent the message (ISO 8601): lets the worker tell a record still being created from a purged one. */
  enqueuedAt: z.iso.datetime().optional(),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** Largest queue message, in bytes after base64 encoding (Azure Storage Queues limit: 64 KiB). */
export const maxEncodedMessageBytes = 64 * 1024;

/** A queue message that is not a valid job message (undecodable, not JSON, or wrong shape). */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

/**
 * Encodes a job message as the queue trigger expects it with `messageEncoding: base64` (the
 * default): base64 of the UTF-8 JSON. `@azure/storage-queue` sends text as-is, so encoding is ours.
 * @throws InvalidMessageError when the message is invalid or the encoded text exceeds 64 KiB
 */
export function encodeJobMessage(message: JobMessage): string {
  const valid = jobMessageSchema.safeParse(message);
  if (!valid.success) throw new InvalidMessageError(`Invalid job message: ${valid.error.message}`);
  const encoded = Buffer.from(JSON.stringify(valid.data), 'utf8').toString('base64');
  if (encoded.length > maxEncodedMessageBytes) {
    throw new InvalidMessageError(`Encoded message is ${encoded.length} bytes, over the ${maxEncodedMessageBytes}-byte limit`);
  }
  return encoded;
}

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Strict base64 decoding (what the Storage Queues extension does before invoking the function: a
 * body that is not valid base64 never reaches it). Node's `Buffer.from(s, 'base64')` silently skips
 * invalid characters, so the alphabet and padding are checked first.
 * @throws InvalidMessageError when `text` is not canonical base64
 */
export function decodeBase64Strict(text: string): Buffer {
  if (!base64Pattern.test(text)) throw new InvalidMessageError('Message body is not valid base64');
  return Buffer.from(text, 'base64');
}

/**
 * Validates what the queue trigger delivered: the Functions host hands a JSON body over parsed, any
 * other body as a string.
 * @throws InvalidMessageError when it is not a job message
 */
export function parseJobMessage(delivered: unknown): JobMessage {
  let value = delivered;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidMessageError('Message body is not JSON');
    }
  }
  const parsed = jobMessageSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidMessageError(`Not a job message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
