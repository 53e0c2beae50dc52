"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.routePrefix = void 0;
exports.publicOrigin = publicOrigin;
exports.jobUrls = jobUrls;
const statusOptions_1 = require("./statusOptions");
/** `extensions.http.routePrefix` of host.json (a consistency test keeps them equal). */
exports.routePrefix = 'api';
const hostPattern = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
/**
 * The public origin for absolute URLs (`scheme://host[:port]`), in this order:
 * 1. `JOBS_PUBLIC_BASE_URL` when set (behind a gateway with a fixed public name);
 * 2. `X-Forwarded-Proto` / `X-Forwarded-Host` when `JOBS_TRUST_FORWARDED_HEADERS` is true (first
 *    value of each; ignored unless well-formed);
 * 3. the request's own scheme and host.
 */
function publicOrigin(req, config) {
    if (config.publicBaseUrl)
        return config.publicBaseUrl;
    const own = new URL(req.url);
    if (config.trustForwardedHeaders) {
        const host = req.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
        const proto = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
        if (host && hostPattern.test(host)) {
            const origin = `${proto === 'http' || proto === 'https' ? proto : own.protocol.replace(':', '')}://${host}`;
            try {
                return new URL(origin).origin;
            }
            catch {
                // e.g. a port over 65535: not a usable origin
            }
        }
    }
    return own.origin;
}
/** Builds a job's URLs; status options equal to the defaults are left out of the query. */
function jobUrls(origin, id, options) {
    const base = `${origin}/${exports.routePrefix}/jobs/${id}`;
    const q = new URLSearchParams();
    if (options.onPending !== statusOptions_1.defaultStatusOptions.onPending)
        q.set('onPending', options.onPending);
    if (options.onComplete !== statusOptions_1.defaultStatusOptions.onComplete)
        q.set('onComplete', options.onComplete);
    const query = q.toString();
    const monitorQuery = new URLSearchParams({ onComplete: 'status' }).toString();
    return {
        status: query ? `${base}?${query}` : base,
        monitor: `${base}?${monitorQuery}`,
        cancel: `${base}/cancel`,
        purge: base,
    };
}
//# sourceMappingURL=urls.js.map