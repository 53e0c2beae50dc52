"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.maxRequeues = exports.clockSkewMarginMs = exports.queueMarginMs = void 0;
exports.submitBounds = submitBounds;
/** Margin for queue timing granularity (visibility is in whole seconds) and scheduling delays, ms. */
exports.queueMarginMs = 5_000;
/** Largest clock difference assumed between two app instances, ms (Azure hosts are NTP-synced to well under 1 s). */
exports.clockSkewMarginMs = 5_000;
/** Derives the bounds from the configuration (see the arithmetic above). */
function submitBounds(config) {
    const deadlineMs = config.submitDeadlineMs;
    const compensationMs = deadlineMs;
    return {
        deadlineMs,
        compensationMs,
        messageInvisibleSeconds: Math.ceil((deadlineMs + compensationMs + exports.queueMarginMs) / 1000),
        claimAbandonedAfterMs: deadlineMs + compensationMs + exports.clockSkewMarginMs,
    };
}
/** Re-enqueues the reconciler tries for a stuck job before failing it. */
exports.maxRequeues = 3;
//# sourceMappingURL=bounds.js.map