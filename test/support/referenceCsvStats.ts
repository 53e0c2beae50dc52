/**
 * Independent reference implementation of the `csv-report` figures, for unit and end-to-end tests.
 *
 * It deliberately shares no code with `src/core/processors/csvReport.ts` and computes every figure
 * another way: the whole text is parsed at once with `csv-parse/sync`, each column's values are kept in
 * an array, the mean and the sample variance use the two-pass formulas (Σx / n, then Σ(x − mean)² / (n − 1)),
 * distinct counts come from Sets, min/max from sorting, string lengths from `Array.from`, dates are
 * checked by a round trip through `Date`, quartiles index a sorted array, histogram bins are found by
 * scanning the edges. Only the specification is shared (see `ColumnReport`). It keeps every value, so
 * it only describes exact reports (every column within the processor's exact limits).
 */
import { parse } from 'csv-parse/sync';

/** Same shape as `ColumnReport` of the processor (declared again here to stay independent). */
export interface ReferenceColumnReport {
  name: string;
  type: 'integer' | 'number' | 'boolean' | 'date' | 'string' | 'empty';
  count: number;
  missing: number;
  distinct: number;
  min: number | string | boolean | null;
  max: number | string | boolean | null;
  sum?: number;
  mean?: number;
  stddev?: number | null;
  minLength?: number;
  maxLength?: number;
  top?: { value: string; count: number }[];
  approximate: string[];
  q25?: number;
  q50?: number;
  q75?: number;
  histogram?: { edges: number[]; counts: number[] };
}

/** Same shape as `CsvReport` of the processor. */
export interface ReferenceCsvReport {
  rows: number;
  columns: ReferenceColumnReport[];
}

const MISSING = ['', 'NA', 'N/A', 'null', 'NULL', 'NaN'];

function isInteger(v: string): boolean {
  if (v.length === 0) return false;
  const digits = v[0] === '+' || v[0] === '-' ? v.slice(1) : v;
  return digits.length > 0 && [...digits].every((c) => c >= '0' && c <= '9');
}

function isNumeric(v: string): boolean {
  // Syntax: sign, digits with at most one dot and at least one digit, optional exponent; value finite.
  const m = /^[+-]?([0-9.]+)(?:[eE][+-]?[0-9]+)?$/.exec(v);
  if (m === null) return false;
  const mantissa = m[1] as string;
  if (mantissa.split('.').length > 2 || !/[0-9]/.test(mantissa)) return false;
  return Number.isFinite(Number(v));
}

function isBoolean(v: string): boolean {
  const l = v.toLowerCase();
  return l === 'true' || l === 'false';
}

/**
 * Instant in ms (possibly fractional) of an ISO date accepted by the spec, or undefined. Normalizes to
 * `YYYY-MM-DDTHH:MM:SS.mmm±hh:mm`, parses with Date.parse and checks the calendar date by formatting the
 * parsed instant back (shifted by the offset) and comparing the fields.
 */
function dateInstant(v: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2}))?(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?)?$/.exec(v);
  if (m === null) return undefined;
  const [, date, hm, sec, frac, zone] = m;
  // A fraction requires seconds, as in the spec's `HH:MM[:SS[.fff]]`.
  if (frac !== undefined && sec === undefined) return undefined;
  const time = `${hm ?? '00:00'}:${sec ?? '00'}`;
  const ms = (frac ?? '').padEnd(3, '0').slice(0, 3);
  const offset = zone === undefined || zone === 'Z' ? '+00:00' : zone;
  const [oh, om] = offset.slice(1).split(':').map(Number) as [number, number];
  if (oh > 23 || om > 59) return undefined;
  const t = Date.parse(`${date}T${time}.${ms}${offset}`);
  if (Number.isNaN(t)) return undefined;
  const offsetMs = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  const back = new Date(t + offsetMs).toISOString(); // local wall time of the value, as UTC
  if (back.slice(0, 10) !== date || back.slice(11, 19) !== time) return undefined;
  const extra = frac !== undefined && frac.length > 3 ? Number(`0.${frac.slice(3)}`) : 0;
  return t + extra;
}

/** Quantile q of sorted values: linear interpolation at position (n − 1)·q (pandas describe()). */
function quantile(sorted: number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/**
 * Histogram as specified: width-1 bins [v, v + 1) when an integer column spans fewer than 20 values,
 * else 20 equal-width bins from min to max (one bin [v − 0.5, v + 0.5] for a single value), the last
 * bin closed; each value's bin found by scanning the edges.
 */
function histogram(sorted: number[], integer: boolean): { edges: number[]; counts: number[] } {
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  let edges: number[];
  if (integer && max - min < 20) edges = Array.from({ length: max - min + 2 }, (_, i) => min + i);
  else if (min === max) edges = [min - 0.5, max + 0.5];
  // numpy.linspace's edges, start + i * step, are part of the specification: a value on an edge must
  // fall in the same bin as NumPy puts it.
  else edges = Array.from({ length: 21 }, (_, i) => (i === 20 ? max : min + i * ((max - min) / 20)));
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const x of sorted) {
    let bin = counts.length - 1;
    for (let i = 0; i < counts.length - 1; i++) {
      if (x < (edges[i + 1] as number)) {
        bin = i;
        break;
      }
    }
    counts[bin]!++;
  }
  return { edges, counts };
}

function columnReport(name: string, raw: string[]): ReferenceColumnReport {
  const values = raw.map((v) => v.trim()).filter((v) => !MISSING.includes(v));
  const count = values.length;
  const missing = raw.length - count;
  if (count === 0) return { name, type: 'empty', count, missing, distinct: 0, min: null, max: null, approximate: [] };

  if (values.every(isNumeric)) {
    const xs = values.map(Number);
    const sorted = [...xs].sort((a, b) => a - b);
    const min = sorted[0] as number;
    const max = sorted[sorted.length - 1] as number;
    // Mean as Σ(x / n) and deviations scaled by the largest magnitude: neither overflows.
    const mean = xs.reduce((a, x) => a + x / count, 0);
    const big = Math.max(Math.abs(min), Math.abs(max)) || 1;
    const ss = xs.reduce((a, x) => a + ((x - mean) / big) ** 2, 0);
    const approximate: string[] = [];
    let sum = xs.reduce((a, b) => a + b, 0);
    if (!Number.isFinite(sum)) sum = mean * count;
    if (!Number.isFinite(sum)) {
      sum = sum > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
      approximate.push('sum');
    }
    let stddev: number | null = count < 2 ? null : big * Math.sqrt(ss / (count - 1));
    if (stddev !== null && !Number.isFinite(stddev)) {
      stddev = Number.MAX_VALUE;
      approximate.push('stddev');
    }
    const integer = values.every(isInteger);
    return {
      name,
      type: integer ? 'integer' : 'number',
      count,
      missing,
      distinct: new Set(xs).size,
      min,
      max,
      approximate,
      sum,
      mean,
      stddev,
      q25: quantile(sorted, 0.25),
      q50: quantile(sorted, 0.5),
      q75: quantile(sorted, 0.75),
      histogram: histogram(sorted, integer),
    };
  }
  if (values.every(isBoolean)) {
    const bs = values.map((v) => v.toLowerCase() === 'true');
    return {
      name,
      type: 'boolean',
      count,
      missing,
      distinct: new Set(bs).size,
      min: bs.every((b) => b),
      max: bs.some((b) => b),
      approximate: [],
    };
  }
  const instants = values.map(dateInstant);
  if (instants.every((t) => t !== undefined)) {
    const pairs = values.map((v, i) => ({ v, t: instants[i] as number }));
    const byTime = [...pairs].sort((a, b) => a.t - b.t || (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
    const earliest = byTime[0] as { v: string; t: number };
    const latestT = (byTime[byTime.length - 1] as { t: number }).t;
    const latest = byTime.find((p) => p.t === latestT) as { v: string };
    return {
      name,
      type: 'date',
      count,
      missing,
      distinct: new Set(pairs.map((p) => p.t)).size,
      min: earliest.v,
      max: latest.v,
      approximate: [],
    };
  }
  const sorted = [...values].sort(); // default sort: UTF-16 code units
  const lengths = values.map((v) => Array.from(v).length);
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const top = [...counts]
    .map(([value, n]) => ({ value, count: n }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, 5);
  return {
    name,
    type: 'string',
    count,
    missing,
    distinct: new Set(values).size,
    min: sorted[0] as string,
    max: sorted[sorted.length - 1] as string,
    minLength: lengths.reduce((a, b) => Math.min(a, b), Infinity),
    maxLength: lengths.reduce((a, b) => Math.max(a, b), -Infinity),
    approximate: [],
    top,
  };
}

function headerNames(header: string[]): string[] {
  const names: string[] = [];
  header.forEach((h, i) => {
    const base = h.trim() || `column${i + 1}`;
    let candidate = base;
    let k = 1;
    while (names.includes(candidate)) candidate = `${base}_${++k}`;
    names.push(candidate);
  });
  return names;
}

/**
 * The report the `csv-report` processor should produce for `text` (a whole CSV document as a string),
 * computed independently (see the module comment). `delimiter` is the actual character (default `,`),
 * `header` defaults to true. Throws csv-parse's error on malformed CSV.
 */
export function referenceCsvReport(
  text: string,
  options: { delimiter?: string; header?: boolean; shortRows?: 'fill' | 'error' } = {},
): ReferenceCsvReport {
  const header = options.header ?? true;
  const delimiter = options.delimiter ?? ',';
  const parsed = parse(text, {
    bom: true,
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    relax_column_count: true,
    raw: true,
  }) as unknown as { record: string[]; raw: string }[];
  // A line of only spaces and tabs (other than the delimiter) is skipped, as pandas does.
  const blank = new RegExp(`^[${[' ', '\t'].filter((c) => c !== delimiter).join('')}]*[\r\n]*$`);
  const records = parsed.filter((r) => !(r.record.length === 1 && blank.test(r.raw))).map((r) => r.record);
  if (records.length === 0) return { rows: 0, columns: [] };
  const width = (records[0] as string[]).length;
  records.forEach((r, i) => {
    if (r.length > width || (r.length < width && options.shortRows === 'error')) {
      throw new Error(`record ${i + 1} has ${r.length} fields, expected ${width}`);
    }
  });
  const names = header ? headerNames(records[0] as string[]) : Array.from({ length: width }, (_, i) => `column${i + 1}`);
  const data = header ? records.slice(1) : records;
  return {
    rows: data.length,
    columns: names.map((name, i) =>
      columnReport(
        name,
        data.map((r) => r[i] ?? ''),
      ),
    ),
  };
}

const FLOAT_FIELDS = ['sum', 'mean', 'stddev', 'q25', 'q50', 'q75'] as const;

/**
 * Asserts (with jest's `expect`) that two reports are equal, field by field (estimates flagged in the
 * actual column's `approximate` within their stated error, see below), except `sum`, `mean`,
 * `stddev`, the quartiles and the histogram edges, which may differ by `relTol` relative to the largest of |actual|, |expected| and the
 * column's scale (max(|min|, |max|), times `count` for `sum`): the scale keeps the test meaningful
 * for values near zero, where a relative error alone is dominated by rounding. On failure jest's diff
 * shows the differing fields.
 */
export function expectReportsClose(actual: unknown, expected: ReferenceCsvReport, relTol = 1e-9): void {
  const a = actual as ReferenceCsvReport;
  expect(a.rows).toBe(expected.rows);
  expect(a.columns.map((c) => c.name)).toEqual(expected.columns.map((c) => c.name));
  expected.columns.forEach((exp, i) => {
    const act = a.columns[i] as ReferenceColumnReport;
    const patched: ReferenceColumnReport = { ...exp };
    const scale = Math.max(Math.abs(Number(exp.min)), Math.abs(Number(exp.max)));
    for (const field of FLOAT_FIELDS) {
      const e = exp[field];
      const v = act[field];
      if (typeof e !== 'number' || typeof v !== 'number') continue;
      const fieldScale = field === 'sum' ? scale * exp.count : scale;
      const tol = relTol * Math.max(Math.abs(e), Math.abs(v), fieldScale);
      // Within tolerance: take the actual value so toEqual passes; otherwise keep the expected one.
      if (Math.abs(v - e) <= tol) patched[field] = v;
    }
    // Figures the processor flags as estimates (the reference is always exact) must be within their
    // stated error: distinct 2 %, quartiles 1 % (plus one part in a thousand of the column's scale, for
    // the interpolation between order statistics), the histogram's total, the leading top value.
    const approximate = act.approximate ?? [];
    patched.approximate = [...exp.approximate, ...approximate.filter((f) => ['distinct', 'quantiles', 'histogram', 'top'].includes(f))];
    if (approximate.includes('distinct') && Math.abs(act.distinct / exp.distinct - 1) < 0.02) patched.distinct = act.distinct;
    if (approximate.includes('quantiles')) {
      for (const q of ['q25', 'q50', 'q75'] as const) {
        const e = exp[q] as number;
        const v = act[q];
        if (typeof v === 'number' && Math.abs(v - e) <= 0.01 * Math.max(Math.abs(e), Math.abs(v)) + 1e-3 * scale) patched[q] = v;
      }
    }
    if (approximate.includes('histogram') && act.histogram !== undefined && exp.histogram !== undefined) {
      const total = (h: { counts: number[] }) => h.counts.reduce((x, y) => x + y, 0);
      if (total(act.histogram) === total(exp.histogram) && act.histogram.counts.length === exp.histogram.counts.length) {
        patched.histogram = { edges: exp.histogram.edges, counts: act.histogram.counts };
      }
    }
    if (approximate.includes('top') && act.top !== undefined && exp.top !== undefined) {
      const [a0, e0] = [act.top[0], exp.top[0]];
      if (a0 !== undefined && e0 !== undefined && a0.value === e0.value && a0.count >= e0.count) patched.top = act.top;
    }
    // Histogram edges are computed values too: within the tolerance (of the column's scale) each.
    const eh = patched.histogram;
    const ah = act.histogram;
    if (eh !== undefined && ah !== undefined && eh.edges.length === ah.edges.length) {
      const close = eh.edges.every((e, k) => Math.abs((ah.edges[k] as number) - e) <= relTol * Math.max(Math.abs(e), scale));
      if (close) patched.histogram = { edges: ah.edges, counts: eh.counts };
    }
    expect(act).toEqual(patched);
  });
}
