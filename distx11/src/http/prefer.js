"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.maxPreferWaitSeconds = void 0;
exports.preferredWaitSeconds = preferredWaitSeconds;
/** Longest `Prefer: wait` the submit endpoint honours, in seconds. */
exports.maxPreferWaitSeconds = 30;
/**
 * Reads the `wait` preference of a `Prefer` header (RFC 7240 §4.3: `Prefer: wait=N`, N in seconds;
 * preferences are comma-separated, names case-insensitive, the first occurrence wins).
 * @returns seconds to wait, capped at {@link maxPreferWaitSeconds}, or undefined when absent/invalid
 */
function preferredWaitSeconds(header) {
    if (!header)
        return undefined;
    for (const part of header.split(',')) {
        const m = /^\s*wait\s*=\s*"?(\d{1,9})"?\s*(?:;.*)?$/i.exec(part);
        if (m)
            return Math.min(Number(m[1]), exports.maxPreferWaitSeconds);
    }
    return undefined;
}
//# sourceMappingURL=prefer.js.map