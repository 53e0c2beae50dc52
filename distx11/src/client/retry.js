"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.parseHttpDate = parseHttpDate;
exports.parseRetryAfter = parseRetryAfter;
exports.backoffDelayMs = backoffDelayMs;
exports.sleep = sleep;
/**
 * Timing helpers of the typed job client: `Retry-After` parsing (RFC 9110 §10.2.3), HTTP-date parsing
 * (RFC 9110 §5.6.7), capped exponential backoff with jitter, and an abortable sleep. No Node.js-only
 * APIs: runs in browsers and in Node.js 20+.
 */
const errors_1 = require("./errors");
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
function utc(year, month, day, h, m, s) {
    const mon = MONTHS.indexOf(month.toLowerCase());
    if (mon < 0 || day < 1 || day > 31 || h > 23 || m > 59 || s > 60)
        return undefined;
    const t = Date.UTC(year, mon, day, h, m, Math.min(s, 59));
    // Reject impossible calendar dates (e.g. 31 Feb), which Date.UTC would roll over.
    return new Date(t).getUTCDate() === day ? t : undefined;
}
/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three formats:
 * - IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT` (the one senders must use);
 * - obsolete RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT` (a two-digit year more than 50 years in the
 *   future of `now` is taken as the most recent past year with those digits, per RFC 9110);
 * - obsolete asctime: `Sun Nov  6 08:49:37 1994`.
 * Names of days and months are matched case-insensitively; the day name is not checked against the date.
 * @param value the header value
 * @param now current time in ms since the epoch (only used for two-digit years)
 * @returns the instant in ms since the epoch, or `undefined` when `value` is not an HTTP-date
 */
function parseHttpDate(value, now = Date.now()) {
    const v = value.trim();
    let m = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
    if (m)
        return utc(Number(m[3]), m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    m = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
    if (m) {
        const nowYear = new Date(now).getUTCFullYear();
        let year = Math.floor(nowYear / 100) * 100 + Number(m[3]);
        if (year > nowYear + 50)
            year -= 100;
        return utc(year, m[2], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
    }
    m = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(v);
    if (m)
        return utc(Number(m[6]), m[1], Number(m[2].trim()), Number(m[3]), Number(m[4]), Number(m[5]));
    return undefined;
}
/**
 * The delay a `Retry-After` header asks for (RFC 9110 §10.2.3), in **milliseconds**.
 * - `delay-seconds` (a non-negative integer): that many seconds × 1000;
 * - an HTTP-date: the time until that date, measured against the response's own `Date` header when
 *   it is given and valid (so a skewed local clock does not matter), else against `now`; a date in
 *   the past gives 0.
 * @param value the `Retry-After` header value (`null` when absent)
 * @param now current time in ms since the epoch
 * @param responseDate the response's `Date` header, if any
 * @returns the delay in ms (≥ 0), or `undefined` when the header is absent or malformed
 */
function parseRetryAfter(value, now = Date.now(), responseDate) {
    if (value === null || value === undefined)
        return undefined;
    const v = value.trim();
    if (/^\d+$/.test(v))
        return Number(v) * 1000;
    const at = parseHttpDate(v, now);
    if (at === undefined)
        return undefined;
    const reference = responseDate ? parseHttpDate(responseDate, now) : undefined;
    return Math.max(0, at - (reference ?? now));
}
/**
 * Capped exponential backoff with "equal jitter": the ceiling is `min(maxDelayMs, baseDelayMs × 2^attempt)`
 * and the delay is uniformly drawn from [ceiling / 2, ceiling], so retries spread out without ever
 * hammering the server at once.
 * @param attempt 0 for the first retry, 1 for the second, …
 * @param random a uniform random number in [0, 1) (injectable for tests)
 * @returns the delay in **milliseconds**
 */
function backoffDelayMs(attempt, options = {}, random = Math.random) {
    const base = options.baseDelayMs ?? 500;
    const max = options.maxDelayMs ?? 30_000;
    const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt, 30)));
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
/**
 * Resolves after `ms` milliseconds, or rejects with the signal's abort reason (an `AbortError` by
 * default) as soon as `signal` aborts.
 */
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject((0, errors_1.abortError)(signal.reason));
            return;
        }
        const onAbort = () => {
            clearTimeout(timer);
            reject((0, errors_1.abortError)(signal?.reason));
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, Math.max(0, ms));
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
//# sourceMappingURL=retry.js.map