/** Longest `Prefer: wait` the submit endpoint honours, in seconds. */
export const maxPreferWaitSeconds = 30;

/**
 * How often a submit that honours `Prefer: wait` re-reads its job's record, in ms. The answer follows
 * the job's final write by at most this interval plus one record read (a few ms): 100 ms keeps it
 * well inside the 300 ms the pipeline benchmark holds it to (README, Performance). The cost is one
 * blob read per interval while a client waits: 10 reads per second, at most 30 s × 10 = 300 per
 * request at {@link maxPreferWaitSeconds}.
 */
export const preferWaitPollMs = 100;

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
