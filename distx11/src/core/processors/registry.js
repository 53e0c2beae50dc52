"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.processors = void 0;
exports.getProcessor = getProcessor;
const csvReport_1 = require("./csvReport");
/**
 * The processor registry: job type → processor. To add a job type, implement {@link Processor} and
 * list it here; the submit endpoint, the worker and the OpenAPI document pick it up.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- processors with different option types share one map; Processor<unknown> would not accept them (options are contravariant in run)
exports.processors = new Map([csvReport_1.csvReportProcessor].map((p) => [p.type, p]));
/** The processor of a job type, or undefined when the type is unknown. */
function getProcessor(type) {
    return exports.processors.get(type);
}
//# sourceMappingURL=registry.js.map