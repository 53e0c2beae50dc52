"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.InvalidMessageError = exports.maxEncodedMessageBytes = exports.jobMessageSchema = void 0;
exports.encodeJobMessage = encodeJobMessage;
exports.decodeBase64Strict = decodeBase64Strict;
exports.parseJobMessage = parseJobMessage;
const zod_1 = require("zod");
const model_1 = require("./model");
/**
 * The queue message of a job: a claim check. It carries only a reference to the job (the input
 * stays in Blob storage), so it is always far below the 64 KiB queue message limit.
 * https://learn.microsoft.com/azure/architecture/patterns/claim-check
 */
exports.jobMessageSchema = zod_1.z.strictObject({
    /** Message schema version. */
    v: zod_1.z.literal(1),
    jobId: model_1.jobIdSchema,
    type: zod_1.z.string().min(1).max(64),
    correlationId: zod_1.z.string().max(128).optional(),
    /** When the submit sent the message (ISO 8601): lets the worker tell a record still being created from a purged one. */
    enqueuedAt: zod_1.z.iso.datetime().optional(),
});
/** Largest queue message, in bytes after base64 encoding (Azure Storage Queues limit: 64 KiB). */
exports.maxEncodedMessageBytes = 64 * 1024;
/** A queue message that is not a valid job message (undecodable, not JSON, or wrong shape). */
class InvalidMessageError extends Error {
    name = 'InvalidMessageError';
}
exports.InvalidMessageError = InvalidMessageError;
/**
 * Encodes a job message as the queue trigger expects it with `messageEncoding: base64` (the
 * default): base64 of the UTF-8 JSON. `@azure/storage-queue` sends text as-is, so encoding is ours.
 * @throws InvalidMessageError when the message is invalid or the encoded text exceeds 64 KiB
 */
function encodeJobMessage(message) {
    const valid = exports.jobMessageSchema.safeParse(message);
    if (!valid.success)
        throw new InvalidMessageError(`Invalid job message: ${valid.error.message}`);
    const encoded = Buffer.from(JSON.stringify(valid.data), 'utf8').toString('base64');
    if (encoded.length > exports.maxEncodedMessageBytes) {
        throw new InvalidMessageError(`Encoded message is ${encoded.length} bytes, over the ${exports.maxEncodedMessageBytes}-byte limit`);
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
function decodeBase64Strict(text) {
    if (!base64Pattern.test(text))
        throw new InvalidMessageError('Message body is not valid base64');
    return Buffer.from(text, 'base64');
}
/**
 * Validates what the queue trigger delivered: the Functions host hands a JSON body over parsed, any
 * other body as a string.
 * @throws InvalidMessageError when it is not a job message
 */
function parseJobMessage(delivered) {
    let value = delivered;
    if (typeof value === 'string') {
        try {
            value = JSON.parse(value);
        }
        catch {
            throw new InvalidMessageError('Message body is not JSON');
        }
    }
    const parsed = exports.jobMessageSchema.safeParse(value);
    if (!parsed.success)
        throw new InvalidMessageError(`Not a job message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return parsed.data;
}
//# sourceMappingURL=messageCodec.js.map