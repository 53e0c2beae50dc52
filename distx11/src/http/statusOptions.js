"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.defaultStatusOptions = exports.statusOptionKeys = exports.statusOptionsSchema = void 0;
exports.splitQuery = splitQuery;
const zod_1 = require("zod");
/**
 * How the status URL answers (query options of `GET /api/jobs/{id}`, chosen on the submit and
 * echoed into `Location`):
 * - `onPending=ok` (default): 200 + status document + `Retry-After`; `accepted`: 202 + `Location`
 *   (itself) + `Retry-After`, for the Logic Apps / Durable `callHttp` polling pattern;
 * - `onComplete=redirect` (default) 302 / `seeOther` 303 to the result's SAS URL; `stream`: 200
 *   with the result bytes; `status`: 200 status document with `resourceLocation` (monitor form).
 */
exports.statusOptionsSchema = zod_1.z.object({
    onPending: zod_1.z.enum(['ok', 'accepted']).default('ok'),
    onComplete: zod_1.z.enum(['redirect', 'seeOther', 'stream', 'status']).default('redirect'),
});
/** Query keys reserved for status options; every other submit query key is a processor option. */
exports.statusOptionKeys = ['onPending', 'onComplete'];
exports.defaultStatusOptions = { onPending: 'ok', onComplete: 'redirect' };
/**
 * Splits a query string into status options and the rest (processor options).
 * A repeated key keeps its last value.
 */
function splitQuery(query) {
    // Prototype-free objects: a key such as `__proto__` is kept as data, not taken as a prototype.
    const status = Object.create(null);
    const rest = Object.create(null);
    for (const [k, v] of query) {
        if (exports.statusOptionKeys.includes(k))
            status[k] = v;
        else
            rest[k] = v;
    }
    return { status, rest };
}
//# sourceMappingURL=statusOptions.js.map