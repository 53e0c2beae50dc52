import { routePrefix } from '../contract/http';
import type { AppConfig } from '../core/config';

export { routePrefix } from '../contract/http';

/** What URL building needs from a request: its URL and headers. */
export interface RequestLike {
  url: string;
  headers: { get(name: string): string | null };
}

const hostPattern = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The public origin for absolute URLs (`scheme://host[:port]`), in this order:
 * 1. `JOBS_PUBLIC_BASE_URL` when set (behind a gateway with a fixed public name);
 * 2. `X-Forwarded-Proto` / `X-Forwarded-Host` when `JOBS_TRUST_FORWARDED_HEADERS` is true (first
 *    value of each; ignored unless well-formed);
 * 3. the request's own scheme and host.
 */
export function publicOrigin(req: RequestLike, config: Pick<AppConfig, 'publicBaseUrl' | 'trustForwardedHeaders'>): string {
  if (config.publicBaseUrl) return config.publicBaseUrl;
  const own = new URL(req.url);
  if (config.trustForwardedHeaders) {
    const host = req.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
    const proto = req.headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
    if (host && hostPattern.test(host)) {
      const origin = `${proto === 'http' || proto === 'https' ? proto : own.protocol.replace(':', '')}://${host}`;
      try {
        return new URL(origin).origin;
      } catch {
        // e.g. a port over 65535: not a usable origin
      }
    }
  }
  return own.origin;
}

/**
 * The public base of the job API for absolute URLs: {@link publicOrigin} followed by the route prefix
 * (`https://host/api`), to build a job's URLs with the contract's `jobUrls`.
 */
export function publicApiBase(req: RequestLike, config: Pick<AppConfig, 'publicBaseUrl' | 'trustForwardedHeaders'>): string {
  return `${publicOrigin(req, config)}/${routePrefix}`;
}
