import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One difference between two observations: the leaf's path and each host's value (JSON text, `undefined` when absent). */
export interface Difference {
  path: string;
  webjobs: string | undefined;
  local: string | undefined;
}

/** A known deviation, as listed in dev/host/deviations.json (and explained in dev/host/README.md). */
export interface KnownDeviation {
  path: string;
  webjobs: unknown;
  local: unknown;
  reason: string;
}

/** JSON text with object keys sorted, so that equal values give equal texts. */
export function canonicalJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v) ?? 'null').join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Flattens plain JSON into `path → canonical JSON text of the leaf` (arrays by index; empty arrays
 * and objects, and anything below `depth` levels, are leaves).
 */
export function flatten(value: unknown, path = '', depth = Infinity, out = new Map<string, string>()): Map<string, string> {
  if (depth > 0 && value !== null && typeof value === 'object' && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, depth - 1, out);
  } else {
    out.set(path, canonicalJson(value) ?? 'undefined');
  }
  return out;
}

/** Every leaf (down to `depth` levels) where the two observations differ, in path order. */
export function differences(webjobs: unknown, local: unknown, prefix: string, depth = Infinity): Difference[] {
  const a = flatten(webjobs, prefix, depth);
  const b = flatten(local, prefix, depth);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths.filter((p) => a.get(p) !== b.get(p)).map((p) => ({ path: p, webjobs: a.get(p), local: b.get(p) }));
}

/**
 * Reads the known deviations from dev/host/deviations.json.
 * @throws when the file is not valid JSON or an entry lacks a path or a reason
 */
export function knownDeviations(file = join(__dirname, '..', '..', 'dev', 'host', 'deviations.json')): KnownDeviation[] {
  const list = (JSON.parse(readFileSync(file, 'utf8')) as { deviations: KnownDeviation[] }).deviations;
  for (const d of list)
    if (!d.path || !d.reason) throw new Error(`${file}: every deviation needs a path and a reason: ${JSON.stringify(d)}`);
  return list;
}

/** True when the difference is the listed deviation (same path, same value on each side). */
export function isKnown(d: Difference, known: KnownDeviation[]): boolean {
  return known.some((k) => k.path === d.path && canonicalJson(k.webjobs) === d.webjobs && canonicalJson(k.local) === d.local);
}
