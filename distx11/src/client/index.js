"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.traceparentPattern = exports.traceparent = exports.newTraceId = exports.newSpanId = exports.isTraceId = exports.sleep = exports.parseRetryAfter = exports.parseHttpDate = exports.backoffDelayMs = exports.terminalJobStatuses = exports.createJobClient = exports.JobProblemError = exports.JobCanceledError = exports.isAbortError = exports.abortError = void 0;
/**
 * The typed client of the job API, for browsers and Node.js 20+ (web platform APIs only). See
 * {@link createJobClient}.
 */
var errors_1 = require("./errors");
Object.defineProperty(exports, "abortError", { enumerable: true, get: function () { return errors_1.abortError; } });
Object.defineProperty(exports, "isAbortError", { enumerable: true, get: function () { return errors_1.isAbortError; } });
Object.defineProperty(exports, "JobCanceledError", { enumerable: true, get: function () { return errors_1.JobCanceledError; } });
Object.defineProperty(exports, "JobProblemError", { enumerable: true, get: function () { return errors_1.JobProblemError; } });
var jobClient_1 = require("./jobClient");
Object.defineProperty(exports, "createJobClient", { enumerable: true, get: function () { return jobClient_1.createJobClient; } });
Object.defineProperty(exports, "terminalJobStatuses", { enumerable: true, get: function () { return jobClient_1.terminalJobStatuses; } });
var retry_1 = require("./retry");
Object.defineProperty(exports, "backoffDelayMs", { enumerable: true, get: function () { return retry_1.backoffDelayMs; } });
Object.defineProperty(exports, "parseHttpDate", { enumerable: true, get: function () { return retry_1.parseHttpDate; } });
Object.defineProperty(exports, "parseRetryAfter", { enumerable: true, get: function () { return retry_1.parseRetryAfter; } });
Object.defineProperty(exports, "sleep", { enumerable: true, get: function () { return retry_1.sleep; } });
var traceContext_1 = require("./traceContext");
Object.defineProperty(exports, "isTraceId", { enumerable: true, get: function () { return traceContext_1.isTraceId; } });
Object.defineProperty(exports, "newSpanId", { enumerable: true, get: function () { return traceContext_1.newSpanId; } });
Object.defineProperty(exports, "newTraceId", { enumerable: true, get: function () { return traceContext_1.newTraceId; } });
Object.defineProperty(exports, "traceparent", { enumerable: true, get: function () { return traceContext_1.traceparent; } });
Object.defineProperty(exports, "traceparentPattern", { enumerable: true, get: function () { return traceContext_1.traceparentPattern; } });
//# sourceMappingURL=index.js.map