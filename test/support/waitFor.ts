/** Polling helpers of the tests: wait for a condition, bounded by a deadline. */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined/false, and resolves
 * to that. Bounded: after `timeoutMs` (plus at most one probe and one interval) it gives up.
 * @throws Error naming `what` (and `detail()` when given) after `timeoutMs`; whatever `probe` throws
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 200,
  detail?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await sleep(intervalMs);
  }
}
