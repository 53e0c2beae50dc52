"use strict";
/**
 * The problem details part of the API contract, browser-safe: no Node.js or server import, so the
 * typed client (src/client) and the page (src/ui) import it as the server core does.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.statusTitles = exports.problemMediaType = void 0;
/** Media type of problem details (RFC 9457 §3). */
exports.problemMediaType = 'application/problem+json';
/** Reason phrases of the status codes the API and its clients meet (RFC 9110 §15), used as problem titles. */
exports.statusTitles = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    413: 'Content Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Content',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
};
//# sourceMappingURL=problem.js.map