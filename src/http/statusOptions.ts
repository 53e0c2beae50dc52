import { statusOptionKeys } from '../contract/http';

/**
 * Splits a query string into status options (`statusOptionKeys` of the contract, validated with its
 * `statusOptionsSchema`) and the rest (processor options).
 * A repeated key keeps its last value.
 */
export function splitQuery(query: URLSearchParams): { status: Record<string, string>; rest: Record<string, string> } {
  // Prototype-free objects: a key such as `__proto__` is kept as data, not taken as a prototype.
  const status: Record<string, string> = Object.create(null) as Record<string, string>;
  const rest: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of query) {
    if ((statusOptionKeys as string[]).includes(k)) status[k] = v;
    else rest[k] = v;
  }
  return { status, rest };
}
