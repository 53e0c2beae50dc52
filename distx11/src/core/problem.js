"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ProblemError = exports.statusTitles = exports.problemMediaType = void 0;
exports.problem = problem;
const problem_1 = require("../contract/problem");
var problem_2 = require("../contract/problem");
Object.defineProperty(exports, "problemMediaType", { enumerable: true, get: function () { return problem_2.problemMediaType; } });
Object.defineProperty(exports, "statusTitles", { enumerable: true, get: function () { return problem_2.statusTitles; } });
/**
 * An error that maps to one problem details response. Throw it from the core; the HTTP layer turns it
 * into `application/problem+json` with `status`.
 */
class ProblemError extends Error {
    name = 'ProblemError';
    problem;
    /** Extra response headers (e.g. `Retry-After` on 503). */
    headers;
    /**
     * @param cause the underlying error (logged, never sent to the client)
     */
    constructor(status, detail, extra = {}, headers = {}, cause) {
        super(detail, cause === undefined ? undefined : { cause });
        this.problem = { type: 'about:blank', title: problem_1.statusTitles[status] ?? 'Error', status, detail, ...extra };
        this.headers = headers;
    }
}
exports.ProblemError = ProblemError;
/** Builds a problem details object with the standard title for `status`. */
function problem(status, detail, extra = {}) {
    return new ProblemError(status, detail, extra).problem;
}
//# sourceMappingURL=problem.js.map