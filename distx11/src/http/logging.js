"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.logFailure = logFailure;
const problem_1 = require("../core/problem");
const storage_1 = require("../core/storage");
/**
 * Logs a failed request: unexpected errors at error level, deliberate 5xx problems (e.g. 503 while
 * storage is down) at warning level with their cause, client errors (4xx) not at all. Only
 * {@link describeError}'s one line is logged: never request headers or connection strings.
 */
function logFailure(context, what, err) {
    if (!(err instanceof problem_1.ProblemError))
        context.error(`${what} failed: ${(0, storage_1.describeError)(err)}`);
    else if (err.problem.status >= 500)
        context.warn(`${what} answered ${err.problem.status}: ${(0, storage_1.describeError)(err.cause ?? err)}`);
}
//# sourceMappingURL=logging.js.map