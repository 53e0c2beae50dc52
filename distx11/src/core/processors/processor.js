"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ProcessorAbortedError = exports.ProcessorInputError = void 0;
/**
 * The processor rejected its input: the job ends Failed, answered as 422 problem details
 * (RFC 9457), and the message is not retried.
 */
class ProcessorInputError extends Error {
    location;
    name = 'ProcessorInputError';
    constructor(message, location = {}) {
        super(message);
        this.location = location;
    }
}
exports.ProcessorInputError = ProcessorInputError;
/** Thrown by a processor that stopped because its `signal` was aborted. */
class ProcessorAbortedError extends Error {
    name = 'ProcessorAbortedError';
    constructor(message = 'The job was canceled') {
        super(message);
    }
}
exports.ProcessorAbortedError = ProcessorAbortedError;
//# sourceMappingURL=processor.js.map