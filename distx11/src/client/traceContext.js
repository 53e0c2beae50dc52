"use strict";
/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) for the typed job client: every request
 * carries a `traceparent` header. Uses the Web Crypto API (`globalThis.crypto`), present in browsers
 * and in Node.js 20+.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.traceparentPattern = void 0;
exports.newTraceId = newTraceId;
exports.newSpanId = newSpanId;
exports.isTraceId = isTraceId;
exports.traceparent = traceparent;
/** `traceparent` version 00: `00-<trace-id: 32 hex>-<parent-id: 16 hex>-<flags: 2 hex>`. */
exports.traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
function randomHex(bytes) {
    for (;;) {
        const buf = crypto.getRandomValues(new Uint8Array(bytes));
        // All-zero ids are invalid (W3C Trace Context §3.2.2.3, §3.2.2.4); draw again (probability 2^-64 or less).
        if (buf.some((b) => b !== 0))
            return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
    }
}
/** A new random trace id: 16 random bytes as 32 lowercase hex digits, never all zeros. */
function newTraceId() {
    return randomHex(16);
}
/** A new random span (parent) id: 8 random bytes as 16 lowercase hex digits, never all zeros. */
function newSpanId() {
    return randomHex(8);
}
/** True when `id` is a valid trace id (32 lowercase hex digits, not all zeros). */
function isTraceId(id) {
    return /^[0-9a-f]{32}$/.test(id) && !/^0+$/.test(id);
}
/**
 * A `traceparent` header value for one request of a trace: version 00, the given trace id, a fresh
 * span id, flags `01` (sampled).
 * @throws TypeError when `traceId` is not 32 lowercase hex digits (or is all zeros)
 */
function traceparent(traceId) {
    if (!isTraceId(traceId))
        throw new TypeError(`Invalid trace id '${traceId}': expected 32 lowercase hex digits, not all zeros.`);
    return `00-${traceId}-${newSpanId()}-01`;
}
//# sourceMappingURL=traceContext.js.map