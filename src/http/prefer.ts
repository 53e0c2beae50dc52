/** Longest `Prefer: wait` the submit endpoint honours, in seconds. */
export const maxPreferWaitSeconds = 30;

/**
 * Reads the `wait` preference of a `Prefer` header (RFC 7240 §4.3: `Prefer: wait=N`, N in seconds;
 * preferences are comma-separated, names case-insensitive, the first occurrence wins).
 * @returns seconds to wait, capped at {@link maxPreferWaitSeconds}, or undefined when absent/invalid
 */
export function preferredWaitSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /^\s*wait\s*=\s*"?(\d{1,9})"?\s*(?:;.*)?$/i.exec(part);
    if (m) return Math.min(Number(m[1]), maxPreferWaitSeconds);
  }
  return undefined;
}
