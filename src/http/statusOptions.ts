import { z } from 'zod';

/**
 * How the status URL answers (query options of `GET /api/jobs/{id}`, chosen on the submit and
 * echoed into `Location`):
 * - `onPending=ok` (default): 200 + status document + `Retry-After`; `accepted`: 202 + `Location`
 *   (itself) + `Retry-After`, for the Logic Apps / Durable `callHttp` polling pattern;
 * - `onComplete=redirect` (default) 302 / `seeOther` 303 to the result's SAS URL; `stream`: 200
 *   with the result bytes; `status`: 200 status document with `resourceLocation` (monitor form).
 */
export const statusOptionsSchema = z.object({
  onPending: z.enum(['ok', 'accepted']).default('ok'),
  onComplete: z.enum(['redirect', 'seeOther', 'stream', 'status']).default('redirect'),
});
export type StatusOptions = z.infer<typeof statusOptionsSchema>;

/** Query keys reserved for status options; every other submit query key is a processor option. */
export const statusOptionKeys = ['onPending', 'onComplete'] as const;

export const defaultStatusOptions: StatusOptions = { onPending: 'ok', onComplete: 'redirect' };

/**
 * Splits a query string into status options and the rest (processor options).
 * A repeated key keeps its last value.
 */
export function splitQuery(query: URLSearchParams): { status: Record<string, string>; rest: Record<string, string> } {
  // Prototype-free objects: a key such as `__proto__` is kept as data, not taken as a prototype.
  const status: Record<string, string> = Object.create(null) as Record<string, string>;
  const rest: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of query) {
    if ((statusOptionKeys as readonly string[]).includes(k)) status[k] = v;
    else rest[k] = v;
  }
  return { status, rest };
}
