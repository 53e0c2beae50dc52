import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import { z } from 'zod';

import {
  type ApproximateField,
  type ColumnReport,
  type CsvReport,
  csvReportSchema,
  HISTOGRAM_BINS,
  TOP_SIZE,
  type TopValue,
} from '../../contract/csvReport';
import { CsvSyntaxError, CsvTokenizer } from './csvParser';
import { type InputLocation, type Processor, ProcessorAbortedError, ProcessorInputError, type ProgressReport } from './processor';
import { detach, hashNumber, hashString, hashStringPair, HyperLogLog, lastSecondHash, SpaceSaving } from './sketches';
import { ValueTable } from './valueTable';

/*
 * `csv-report`: one streaming pass over a CSV file (RFC 4180, see ./csvParser.ts) that infers the type
 * of every column and computes its summary statistics, in memory bounded whatever the input.
 *
 * Exact where it can be, estimated where exactness would need unbounded memory (as DuckDB's
 * `approx_unique` or Spark's `approx_count_distinct` do):
 * - A column keeps its distinct values exactly (value → count) while it has at most
 *   EXACT_DISTINCT_LIMIT (65,536) distinct spellings, each at most KEPT_VALUE_CHARS (1,000) UTF-16 code
 *   units long, and while the job's exact values stay within EXACT_BUDGET_ENTRIES (1,048,576) values
 *   and EXACT_BUDGET_CHARS (16 Mi code units) over all columns. Then `distinct`, `top`, the quartiles
 *   and the histogram are exact (the quartiles interpolate as pandas' `describe()` does).
 * - Past any of these limits the column folds what it holds into fixed-size sketches and continues
 *   with them: HyperLogLog for `distinct` (standard error 0.41 %, within 2 % with overwhelming
 *   probability), Space-Saving for `top` (64 counters: counts are upper bounds exceeding the true
 *   count by at most rows/64), DDSketch for the quartiles (relative error ≤ 1 % of a value of the
 *   interpolated rank's neighbours) and the histogram (counts per sketch bucket). The column then
 *   lists these fields in `approximate`.
 * Every public vega-datasets CSV column (< 50,000 distinct values each) stays exact.
 *
 * Memory bound per job (the arithmetic behind the limits): exact values (./valueTable.ts: typed arrays
 * that grow by doubling) ≤ 2^20 entries × ≤ 64 bytes (hash, offset, count, number, twice over for
 * doubling, plus ≤ 4 table slots of 4 bytes) + 16 Mi code units × ≤ 4 bytes (2 bytes, doubling) =
 * 128 MiB in the worst case, off the V8 heap; per
 * sketched column ≤ 3 HyperLogLogs × 64 KiB + DDSketch 2 × 2,048 bins × 8 bytes + 64 Space-Saving
 * keys × 1,000 code units × 2 bytes + min/max ≈ 360 KB; columns ≤ MAX_COLUMNS (1,000); one record ≤
 * `maxRecordBytes` (32 MiB). Nothing else grows with the input: the file is never buffered.
 *
 * Numbers are IEEE 754 doubles: integers beyond 2^53 (and decimals with more than ~15–17 significant
 * digits) lose precision in `min`/`max`/`sum`/`mean`/`stddev`, and two such values that round to the same
 * double count as one in `distinct`. This is a known limitation, deliberately not special-cased.
 */

// ---------------------------------------------------------------------------------------------------
// Limits

/** Distinct spellings a column keeps exactly (see the module comment). */
export const EXACT_DISTINCT_LIMIT = 65_536;
/** Exact values kept over all columns of a job. */
const EXACT_BUDGET_ENTRIES = 1 << 20;
/** UTF-16 code units of exact values kept over all columns of a job. */
const EXACT_BUDGET_CHARS = 1 << 24;
/** Longest value kept as it is (exact sets, min/max, top); longer values are cut to this many code units. */
const KEPT_VALUE_CHARS = 1_000;
/** Most columns a file may have; more is a 422 (a bound on per-column memory). */
export const MAX_COLUMNS = 1_000;
/** Counters of the Space-Saving summary behind an estimated `top`. */
const TOP_CAPACITY = 64;
/** Relative accuracy of the DDSketch behind estimated quartiles and histograms. */
const QUANTILE_RELATIVE_ACCURACY = 0.01;
/** DDSketch buckets per sign: 2,048 buckets of ratio 1.0202 span 17 orders of magnitude. */
const QUANTILE_BIN_LIMIT = 2_048;

// ---------------------------------------------------------------------------------------------------
// Options

/** Options of the `csv-report` processor, after validation of the query string. */
export interface CsvReportOptions {
  /** Field delimiter: exactly one character (one Unicode code point); never `"`, CR or LF. */
  delimiter: string;
  /** Whether the first record holds the column names (`true`) or is data (`false`). */
  header: boolean;
  /**
   * A record with fewer fields than the header: `fill` (default, as pandas' `read_csv`) counts the
   * absent fields as missing values; `error` fails the job with 422.
   */
  shortRows?: 'fill' | 'error';
}

/**
 * Maps the `delimiter` query value to the delimiter character: `tab` (any case) or the two characters `\t`
 * mean TAB; any other value must be a single code point other than `"`, CR and LF (which would make
 * the RFC 4180 grammar ambiguous). Returns `undefined` for an unacceptable value; never throws.
 */
function normalizeDelimiter(value: string): string | undefined {
  const d = value.toLowerCase() === 'tab' || value === '\\t' ? '\t' : value;
  const codePoint = d.codePointAt(0);
  if (codePoint === undefined || String.fromCodePoint(codePoint) !== d) return undefined;
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return undefined; // a lone surrogate is no character
  if (d === '"' || d === '\r' || d === '\n') return undefined;
  return d;
}

/**
 * Query-string options (string values in, {@link CsvReportOptions} out), unknown keys rejected:
 * - `delimiter`: one character, default `,`; `tab` or `\t` mean TAB.
 * - `header`: `true` (default) or `false`.
 * - `shortRows`: `fill` (default) or `error`, see {@link CsvReportOptions}.
 *
 * `parse` throws only `ZodError` (use `safeParse` not to throw at all).
 */
export const csvReportOptionsSchema = z.strictObject({
  delimiter: z
    .string()
    .refine((s) => normalizeDelimiter(s) !== undefined, {
      error: 'delimiter must be a single character other than ", CR and LF (or "tab" / "\\t" for TAB)',
    })
    .transform((s) => normalizeDelimiter(s) ?? ',')
    .default(','),
  header: z
    .enum(['true', 'false'], { error: 'header must be "true" or "false"' })
    .transform((v) => v === 'true')
    .default(true),
  shortRows: z
    .enum(['fill', 'error'], { error: 'shortRows must be "fill" or "error"' })
    .default('fill')
    .meta({ description: 'A record with fewer fields than the header: fill with missing values (as pandas) or fail (422)' }),
});

// The report's shapes live in the browser-safe contract module; re-exported for the processor's users.
export {
  type ApproximateField,
  approximateFieldSchema,
  type ColumnReport,
  columnReportSchema,
  type ColumnType,
  columnTypeSchema,
  type CsvReport,
  csvReportSchema,
  type Histogram,
  HISTOGRAM_BINS,
  histogramSchema,
  TOP_SIZE,
  type TopValue,
  topValueSchema,
} from '../../contract/csvReport';

// ---------------------------------------------------------------------------------------------------
// Small helpers

/** `s`, longer than KEPT_VALUE_CHARS, cut to that many code units (a surrogate pair is not split), detached. */
function kept(s: string): string {
  const c = s.charCodeAt(KEPT_VALUE_CHARS - 1);
  return detach(s.slice(0, c >= 0xd800 && c <= 0xdbff ? KEPT_VALUE_CHARS - 1 : KEPT_VALUE_CHARS));
}

/**
 * Linear interpolation between `a` and `b` at `t` ∈ [0, 1] as NumPy's `_lerp` (numpy/lib/_function_base_impl.py),
 * which `numpy.quantile(method='linear')` and so pandas `describe()` use; falls back to the weighted
 * form when `b − a` overflows.
 */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  if (!Number.isFinite(diff)) return a * (1 - t) + b * t;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Gives a non-finite result of a finite computation as ±Number.MAX_VALUE (see {@link ColumnReport}). */
function clampFinite(x: number): number {
  return x === Infinity ? Number.MAX_VALUE : x === -Infinity ? -Number.MAX_VALUE : x;
}

/**
 * Histogram bin layout of {@link ColumnReport}: the edges, and the bin of a value. The bin of x is
 * computed as NumPy's `histogram` does for equal-width bins (numpy/lib/_histograms_impl.py): the
 * scaled offset floored, then corrected by one against the computed edges.
 */
class BinLayout {
  readonly edges: number[];
  private readonly norm: number;
  private readonly first: number;
  readonly bins: number;

  constructor(min: number, max: number, integer: boolean) {
    let lo = min;
    let hi = max;
    let bins: number;
    if (integer && max - min < HISTOGRAM_BINS) {
      bins = max - min + 1;
      hi = max + 1;
    } else if (min === max) {
      bins = 1;
      lo = min - 0.5;
      hi = max + 0.5;
    } else {
      bins = HISTOGRAM_BINS;
    }
    this.bins = bins;
    this.first = lo;
    // numpy.linspace(lo, hi, bins + 1): start + i * step, the last edge exactly hi.
    const step = (hi - lo) / bins;
    this.edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * step));
    this.norm = bins / (hi - lo);
  }

  /** Bin index of x (values outside the range are put in the first or last bin). */
  binOf(x: number): number {
    const n = this.bins;
    let i = Math.floor((x - this.first) * this.norm);
    if (!(i >= 0)) i = 0; // also NaN, when hi − lo overflows
    if (i >= n) i = n - 1;
    if (x < (this.edges[i] as number) && i > 0) i--;
    else if (i < n - 1 && x >= (this.edges[i + 1] as number)) i++;
    return i;
  }
}

/** Tracks the job-wide budget of exact values (see the module comment). */
class ExactBudget {
  entries = 0;
  chars = 0;
}

const HASH_SEED_1 = 0x9747b28c;
const HASH_SEED_2 = 0x5bd1e995;

/** Summaries of a column past its exact limit. */
interface Sketched {
  /** Distinct strings (a string column's distinct). */
  strings: HyperLogLog;
  /** Distinct numbers, while the column may be numeric. */
  numbers: HyperLogLog | undefined;
  /** Distinct instants, while the column may be a date column. */
  instants: HyperLogLog | undefined;
  quantiles: LogCollapsingLowestDenseDDSketch | undefined;
  /** Top values, fed once the column can only be a string column (see ColumnAccumulator). */
  top: SpaceSaving;
  minString: string | undefined;
  maxString: string | undefined;
  minCut: boolean;
  maxCut: boolean;
  minLength: number;
  maxLength: number;
  sawTrue: boolean;
  sawFalse: boolean;
  minInstant: number;
  maxInstant: number;
  minDate: string;
  maxDate: string;
}

// Rescaling of the numeric accumulators: scaled values stay below 2^480 in magnitude, so that squared
// deviations (≤ 2^962) summed over up to 2^53 values (≤ 2^1015) stay below the double range (2^1024).
const SCALE_LIMIT_EXP = 480;

/**
 * Statistics of one column, accumulated in one pass. Since the type is only known at the end, it
 * tracks what every candidate type needs: the exact value counts while within the limits (distinct,
 * top, quartiles, histogram, min/max of strings, booleans and dates, string lengths) or the sketches
 * after, and, while every value so far is numeric, sum, min, max and Welford's running mean and M2.
 *
 * Once sketched, a column feeds only the summaries of the types it may still have (after its first
 * value, at most one of number, date and boolean, plus string): numbers feed the numeric HyperLogLog
 * and DDSketch, dates the instant HyperLogLog, and only string values the string HyperLogLog and
 * `top`; string min/max/lengths are always kept. When such a column turns out to be a string column,
 * the numeric/instant HyperLogLog is merged into the string one (distinct numbers standing for
 * distinct spellings) and `top` counts the rows from that point on; both are flagged approximate.
 */
class ColumnAccumulator {
  count = 0;
  missing = 0;
  /**
   * Exact mode: each distinct spelling with its count and number (NaN when none), so a repeated value
   * is parsed once.
   */
  private exact: ValueTable | undefined = new ValueTable();
  private sk: Sketched | undefined;
  private maybeInteger = true;
  private maybeNumber = true;
  private maybeBoolean = true;
  private maybeDate = true;
  // Numeric statistics, valid while maybeNumber, on values scaled by 2^-scaleExp.
  private scaleExp = 0;
  private invScale = 1;
  private scaleLimit = 2 ** SCALE_LIMIT_EXP;
  private sum = 0;
  private sumCompensation = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(
    readonly name: string,
    private readonly budget: ExactBudget,
  ) {}

  add(raw: string): void {
    // trim() only when an end may be whitespace (ASCII space/control, or any non-ASCII code unit).
    const last = raw.length - 1;
    const value =
      last < 0 || raw.charCodeAt(0) <= 0x20 || raw.charCodeAt(last) <= 0x20 || raw.charCodeAt(0) >= 0x80 || raw.charCodeAt(last) >= 0x80
        ? raw.trim()
        : raw;
    const length = value.length;
    if (length === 0 || (length <= 4 && isMissingMarker(value))) {
      this.missing++;
      return;
    }
    this.count++;
    const exact = this.exact;
    if (exact === undefined) {
      this.sketch(value, 1, this.sk as Sketched, true);
      return;
    }
    const hash = hashString(value, HASH_SEED_1);
    const slot = exact.find(value, hash);
    if (slot >= 0) {
      exact.increment(slot);
      if (this.maybeNumber) this.addNumber(exact.numberAt(slot));
      return;
    }
    // Classification only depends on the value, so it is done once per distinct value.
    const x = this.classify(value);
    const budget = this.budget;
    if (
      exact.size < EXACT_DISTINCT_LIMIT &&
      length <= KEPT_VALUE_CHARS &&
      budget.entries < EXACT_BUDGET_ENTRIES &&
      budget.chars + length <= EXACT_BUDGET_CHARS
    ) {
      exact.add(value, hash, x);
      budget.entries++;
      budget.chars += length;
    } else {
      this.toSketches();
      this.sketch(value, 1, this.sk as Sketched, false, x);
    }
    if (this.maybeNumber) this.addNumber(x);
  }

  private addNumber(x: number): void {
    if (Math.abs(x) >= this.scaleLimit) this.rescale(x);
    const y = x * this.invScale;
    // Welford's online algorithm (Knuth, TAOCP vol. 2, 3rd ed., 4.2.2, recurrences (15) and (16)):
    // numerically stable, unlike accumulating the sum of squares.
    const delta = y - this.mean;
    this.mean += delta / this.count;
    this.m2 += delta * (y - this.mean);
    // Neumaier's compensated summation (Kahan–Babuška).
    const t = this.sum + y;
    if (Math.abs(this.sum) >= Math.abs(y)) this.sumCompensation += this.sum - t + y;
    else this.sumCompensation += y - t + this.sum;
    this.sum = t;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Raises the scale so that |x| · 2^-scaleExp < 2^SCALE_LIMIT_EXP, rescaling the accumulators. */
  private rescale(x: number): void {
    const exp = Math.ceil(Math.log2(Math.abs(x))) + 1 - SCALE_LIMIT_EXP;
    const shift = exp - this.scaleExp;
    if (shift <= 0) return;
    const f = 2 ** -shift; // exact: shift ≤ 1024 − 480 + 2
    this.mean *= f;
    this.m2 = this.m2 * f * f;
    this.sum *= f;
    this.sumCompensation *= f;
    this.scaleExp = exp;
    this.invScale = 2 ** -exp;
    this.scaleLimit = 2 ** (exp + SCALE_LIMIT_EXP);
  }

  /**
   * Exact mode: narrows the candidate types with a new distinct value; returns its number (see
   * {@link parseNumber}), NaN when it is none.
   */
  private classify(value: string): number {
    const x = parseNumber(value);
    if (this.maybeNumber) {
      if (x !== x) {
        this.maybeNumber = false;
        this.maybeInteger = false;
      } else if (!parsedInteger) {
        this.maybeInteger = false;
      }
    }
    if (this.maybeBoolean && !BOOLEAN_RE.test(value)) this.maybeBoolean = false;
    if (this.maybeDate && parseIsoDate(value) === undefined) this.maybeDate = false;
    return x;
  }

  /** Leaves exact mode: folds the exact counts into fresh sketches and frees them. */
  private toSketches(): void {
    const exact = this.exact as ValueTable;
    const sk: Sketched = {
      strings: new HyperLogLog(),
      numbers: this.maybeNumber ? new HyperLogLog() : undefined,
      instants: this.maybeDate ? new HyperLogLog() : undefined,
      quantiles: this.maybeNumber
        ? new LogCollapsingLowestDenseDDSketch({ relativeAccuracy: QUANTILE_RELATIVE_ACCURACY, binLimit: QUANTILE_BIN_LIMIT })
        : undefined,
      top: new SpaceSaving(TOP_CAPACITY),
      minString: undefined,
      maxString: undefined,
      minCut: false,
      maxCut: false,
      minLength: Infinity,
      maxLength: 0,
      sawTrue: false,
      sawFalse: false,
      minInstant: Infinity,
      maxInstant: -Infinity,
      minDate: '',
      maxDate: '',
    };
    this.sk = sk;
    exact.forEach((value, n, x) => this.sketch(value, n, sk, false, x));
    this.budget.entries -= exact.size;
    this.budget.chars -= exact.chars;
    this.exact = undefined;
  }

  /**
   * Adds `weight` occurrences of a value to the sketches. `classify`: whether the value still has to
   * narrow the candidate types and update the numeric statistics (values arriving in sketch mode);
   * values folded from the exact map or that triggered the switch have been through both already, and
   * come with their number `known` (NaN when none).
   */
  private sketch(value: string, weight: number, sk: Sketched, classify: boolean, known = NaN): void {
    if (this.maybeNumber) {
      const x = classify ? parseNumber(value) : known;
      if (x === x) {
        if (classify) {
          if (!parsedInteger) this.maybeInteger = false;
          this.addNumber(x);
        }
        (sk.numbers as HyperLogLog).add(hashNumber(x, HASH_SEED_1), hashNumber(x, HASH_SEED_2));
        (sk.quantiles as LogCollapsingLowestDenseDDSketch).accept(x, weight);
        // A number's spelling is ASCII: its length in code points is its length.
        this.stringExtremes(value, value.length, sk);
        return;
      }
      this.maybeNumber = false;
      this.maybeInteger = false;
      sk.strings.merge(sk.numbers as HyperLogLog);
      sk.numbers = undefined;
      sk.quantiles = undefined;
    }
    const key = this.stringExtremes(value, codePointLength(value), sk);
    if (this.maybeDate) {
      const t = parseIsoDate(value);
      if (t !== undefined) {
        sk.instants?.add(hashNumber(t, HASH_SEED_1), hashNumber(t, HASH_SEED_2));
        // Kept as they are (maybe slices of the chunk) until settle() detaches them after the chunk.
        if (t < sk.minInstant || (t === sk.minInstant && value < sk.minDate)) {
          sk.minInstant = t;
          sk.minDate = value;
        }
        if (t > sk.maxInstant || (t === sk.maxInstant && value < sk.maxDate)) {
          sk.maxInstant = t;
          sk.maxDate = value;
        }
        return;
      }
      this.maybeDate = false;
      if (sk.instants !== undefined) sk.strings.merge(sk.instants);
      sk.instants = undefined;
    }
    if (this.maybeBoolean) {
      if (BOOLEAN_RE.test(value)) {
        if (value.length === 4) sk.sawTrue = true;
        else sk.sawFalse = true;
        return;
      }
      this.maybeBoolean = false;
      for (const [seen, spelling] of [
        [sk.sawTrue, 'true'],
        [sk.sawFalse, 'false'],
      ] as const) {
        if (seen) sk.strings.add(hashStringPair(spelling, HASH_SEED_1, HASH_SEED_2), lastSecondHash());
      }
    }
    const h1 = hashStringPair(value, HASH_SEED_1, HASH_SEED_2);
    sk.strings.add(h1, lastSecondHash());
    // The hash indexes `top` by its key: that of the value itself unless the key is cut.
    if (key === value) sk.top.add(key, weight, h1);
    else sk.top.add(key, weight);
  }

  /**
   * Called after each input chunk: copies the strings kept since the last call out of the chunk they
   * may be slices of (see {@link detach}), so that a column keeps no chunk alive. Deferring the copy to
   * once per chunk spares one allocation per value on columns whose extremes change on every row.
   */
  settle(): void {
    const sk = this.sk;
    if (sk === undefined) return;
    if (sk.minString !== undefined) sk.minString = detach(sk.minString);
    if (sk.maxString !== undefined) sk.maxString = detach(sk.maxString);
    sk.minDate = detach(sk.minDate);
    sk.maxDate = detach(sk.maxDate);
    sk.top.settle();
  }

  /** Updates the string min/max and lengths (kept whatever the type); returns the value as kept. */
  private stringExtremes(value: string, length: number, sk: Sketched): string {
    const cut = value.length > KEPT_VALUE_CHARS;
    const key = cut ? kept(value) : value;
    // Kept as they are (maybe slices of the chunk) until settle() detaches them after the chunk.
    if (sk.minString === undefined || key < sk.minString) {
      sk.minString = key;
      sk.minCut = cut;
    }
    if (sk.maxString === undefined || key > sk.maxString) {
      sk.maxString = key;
      sk.maxCut = cut;
    }
    if (length < sk.minLength) sk.minLength = length;
    if (length > sk.maxLength) sk.maxLength = length;
    return key;
  }

  report(): ColumnReport {
    const { name, count, missing } = this;
    if (count === 0) return { name, type: 'empty', count, missing, distinct: 0, min: null, max: null, approximate: [] };
    if (this.maybeNumber) return this.numericReport();
    const exact = this.exact;
    const sk = this.sk;
    if (this.maybeBoolean) {
      let sawTrue = sk?.sawTrue ?? false;
      let sawFalse = sk?.sawFalse ?? false;
      exact?.forEach((v) => {
        if (v.length === 4) sawTrue = true;
        else sawFalse = true;
      });
      const distinct = (sawTrue ? 1 : 0) + (sawFalse ? 1 : 0);
      return { name, type: 'boolean', count, missing, distinct, min: !sawFalse, max: sawTrue, approximate: [] };
    }
    if (this.maybeDate) {
      if (exact === undefined) {
        const s = sk as Sketched;
        const distinct = (s.instants as HyperLogLog).estimate();
        return { name, type: 'date', count, missing, distinct, min: s.minDate, max: s.maxDate, approximate: ['distinct'] };
      }
      const instants = new Set<number>();
      let minValue = '';
      let maxValue = '';
      let minT = Infinity;
      let maxT = -Infinity;
      exact.forEach((v) => {
        const t = parseIsoDate(v) as number;
        instants.add(t);
        // Ties (one instant, several spellings) go to the smallest string, for a deterministic report.
        if (t < minT || (t === minT && v < minValue)) [minT, minValue] = [t, v];
        if (t > maxT || (t === maxT && v < maxValue)) [maxT, maxValue] = [t, v];
      });
      return { name, type: 'date', count, missing, distinct: instants.size, min: minValue, max: maxValue, approximate: [] };
    }
    if (exact === undefined) {
      const s = sk as Sketched;
      const approximate: ApproximateField[] = ['distinct'];
      if (s.minCut) approximate.push('min');
      if (s.maxCut) approximate.push('max');
      approximate.push('top');
      return {
        name,
        type: 'string',
        count,
        missing,
        distinct: s.strings.estimate(),
        min: s.minString ?? null,
        max: s.maxString ?? null,
        approximate,
        minLength: s.minLength,
        maxLength: s.maxLength,
        top: s.top
          .entries()
          .slice(0, TOP_SIZE)
          .map(({ value, count: n }) => ({ value, count: n })),
      };
    }
    let min: string | undefined;
    let max: string | undefined;
    let minLength = Infinity;
    let maxLength = 0;
    const top: TopValue[] = [];
    exact.forEach((value, n) => {
      if (min === undefined || value < min) min = value;
      if (max === undefined || value > max) max = value;
      const length = codePointLength(value);
      if (length < minLength) minLength = length;
      if (length > maxLength) maxLength = length;
      insertTop(top, value, n);
    });
    return {
      name,
      type: 'string',
      count,
      missing,
      distinct: exact.size,
      min: min ?? null,
      max: max ?? null,
      approximate: [],
      minLength,
      maxLength,
      top,
    };
  }

  private numericReport(): ColumnReport {
    const { name, count, missing, min, max } = this;
    const approximate: ApproximateField[] = [];
    const scale = 2 ** this.scaleExp;
    let sum = (this.sum + this.sumCompensation) * scale;
    if (!Number.isFinite(sum)) {
      sum = clampFinite(sum);
      approximate.push('sum');
    }
    let stddev: number | null = null;
    if (count >= 2) {
      stddev = Math.sqrt(this.m2 / (count - 1)) * scale;
      if (!Number.isFinite(stddev)) {
        stddev = clampFinite(stddev);
        approximate.push('stddev');
      }
    }
    const integer = this.maybeInteger;
    const layout = new BinLayout(min, max, integer);
    const counts = new Array<number>(layout.bins).fill(0);
    let distinct: number;
    let quartiles: [number, number, number];
    const exact = this.exact;
    if (exact !== undefined) {
      // Sorted distinct numbers with their counts (spellings of one number merged).
      const byNumber = new Map<number, number>();
      exact.forEach((_, n, x) => byNumber.set(x, (byNumber.get(x) ?? 0) + n));
      const xs = Float64Array.from(byNumber.keys()).sort();
      const ns = Array.from(xs, (x) => byNumber.get(x) as number);
      distinct = xs.length;
      for (let i = 0; i < xs.length; i++) {
        const b = layout.binOf(xs[i] as number);
        counts[b] = (counts[b] as number) + (ns[i] as number);
      }
      quartiles = [0.25, 0.5, 0.75].map((q) => exactQuantile(xs, ns, count, q)) as [number, number, number];
    } else {
      approximate.push('distinct', 'quantiles', 'histogram');
      const sk = this.sk as Sketched;
      distinct = Math.min((sk.numbers as HyperLogLog).estimate(), count);
      const dd = sk.quantiles as LogCollapsingLowestDenseDDSketch;
      const clamp = (x: number) => Math.min(max, Math.max(min, x));
      quartiles = [0.25, 0.5, 0.75].map((q) => clamp(dd.getValueAtQuantile(q))) as [number, number, number];
      const put = (x: number, n: number) => {
        const b = layout.binOf(clamp(x));
        counts[b] = (counts[b] as number) + n;
      };
      if (dd.zeroCount > 0) put(0, dd.zeroCount);
      for (const [store, sign] of [
        [dd.store, 1],
        [dd.negativeStore, -1],
      ] as const) {
        store.bins.forEach((n, i) => {
          if (n > 0) put(sign * dd.mapping.value(i + store.offset), n);
        });
      }
    }
    return {
      name,
      type: integer ? 'integer' : 'number',
      count,
      missing,
      distinct,
      min,
      max,
      approximate,
      sum,
      mean: this.mean * scale,
      stddev,
      q25: quartiles[0],
      q50: quartiles[1],
      q75: quartiles[2],
      histogram: { edges: layout.edges, counts },
    };
  }
}

/**
 * Quantile `q` of a sorted sample given as distinct values `xs` with multiplicities `ns` (total `n`),
 * with linear interpolation between the order statistics at ranks ⌊h⌋ and ⌊h⌋ + 1, h = (n − 1)·q
 * (Hyndman & Fan 1996, definition 7: NumPy's default, used by pandas `describe()`).
 */
function exactQuantile(xs: Float64Array, ns: readonly number[], n: number, q: number): number {
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const at = (rank: number): number => {
    let seen = 0;
    for (let i = 0; i < xs.length; i++) {
      seen += ns[i] as number;
      if (rank < seen) return xs[i] as number;
    }
    return xs[xs.length - 1] as number;
  };
  const a = at(lo);
  return h === lo ? a : lerp(a, at(Math.min(lo + 1, n - 1)), h - lo);
}

/** Keeps `top` the TOP_SIZE best entries by count desc, then value asc (UTF-16 code units). */
function insertTop(top: TopValue[], value: string, count: number): void {
  const before = (a: TopValue) => count > a.count || (count === a.count && value < a.value);
  let i = top.length;
  while (i > 0 && before(top[i - 1] as TopValue)) i--;
  if (i >= TOP_SIZE) return;
  top.splice(i, 0, { value, count });
  if (top.length > TOP_SIZE) top.pop();
}

// ---------------------------------------------------------------------------------------------------
// Value classification

const MISSING_MARKERS: ReadonlySet<string> = new Set(['NA', 'N/A', 'null', 'NULL', 'NaN']);

/** Whether a (trimmed, non-empty) value is one of the missing-value markers. */
function isMissingMarker(value: string): boolean {
  const c = value.charCodeAt(0); // every marker starts with N or n
  return (c === 0x4e || c === 0x6e) && MISSING_MARKERS.has(value);
}

/** Whether the last {@link parseNumber} call read an integer spelling (`[+-]?\d+`). */
let parsedInteger = false;

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const TWO_53 = 2 ** 53;

/**
 * The number a (trimmed) value spells, or NaN when it spells none: the value must match
 * `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?` and be finite as a double (so `Infinity`, hex, `1e999` are
 * not numbers). Sets {@link parsedInteger}. One scan without regular expressions; when the decimal
 * significand is below 2^53 and the decimal exponent within ±22, the double is m·10^e or m/10^-e, a
 * single correctly rounded operation on exact operands (W. D. Clinger, "How to read floating point
 * numbers accurately", PLDI 1990, the fast path), else `Number(value)` (correctly rounded too).
 */
function parseNumber(s: string): number {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 0x2d;
  if (negative || c === 0x2b) i = 1;
  let m = 0;
  let digitCount = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) break;
    m = m * 10 + d;
    digitCount++;
  }
  let fractionDigits = 0;
  let integer = true;
  if (i < n && s.charCodeAt(i) === 0x2e) {
    integer = false;
    for (i++; i < n; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (!(d >= 0 && d <= 9)) break;
      m = m * 10 + d;
      fractionDigits++;
    }
  }
  if (digitCount + fractionDigits === 0) return NaN;
  let exponent = 0;
  if (i < n) {
    c = s.charCodeAt(i);
    if (c !== 0x65 && c !== 0x45) return NaN;
    integer = false;
    i++;
    c = s.charCodeAt(i);
    const negativeExponent = c === 0x2d;
    if (negativeExponent || c === 0x2b) i++;
    const from = i;
    for (; i < n; i++) {
      const d = s.charCodeAt(i) - 0x30;
      if (!(d >= 0 && d <= 9)) return NaN;
      if (exponent < 1e6) exponent = exponent * 10 + d;
    }
    if (i === from) return NaN;
    if (negativeExponent) exponent = -exponent;
  }
  parsedInteger = integer;
  const e = exponent - fractionDigits;
  if (m < TWO_53 && e >= -22 && e <= 22) {
    const x = e < 0 ? m / (POW10[-e] as number) : m * (POW10[e] as number);
    return negative ? -x : x;
  }
  const x = Number(s);
  return Number.isFinite(x) ? x : NaN;
}
const BOOLEAN_RE = /^(?:true|false)$/i;

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Instant of an ISO 8601 date / date-time (see {@link ColumnReport}) in milliseconds since the epoch,
 * possibly fractional (sub-millisecond digits are kept as a fraction); a value without an offset is
 * taken as UTC. `undefined` when the value is not of that form or is not a valid calendar date/time
 * (month 01–12, day within the month, hour 00–23, minute and second 00–59, offset up to ±23:59).
 */
function parseIsoDate(value: string): number | undefined {
  // Hand-written scanner (a regular expression with eight groups costs several times more, and a date
  // column is scanned value by value once it is past its exact limit). Grammar:
  // `YYYY-MM-DD` then optionally `[T ]HH:MM`, `:SS`, `.f+` (after seconds), then `Z` or `±hh:mm` (after a time).
  const n = value.length;
  if (n < 10) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < 0 || month < 0 || day < 0 || value.charCodeAt(4) !== 0x2d || value.charCodeAt(7) !== 0x2d) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let wholeMs = 0;
  let subMs = 0;
  let offsetMinutes = 0;
  if (n > 10) {
    const sep = value.charCodeAt(10);
    if ((sep !== 0x54 && sep !== 0x20) || n < 16 || value.charCodeAt(13) !== 0x3a) return undefined;
    hour = digits(value, 11, 2);
    minute = digits(value, 14, 2);
    if (hour < 0 || minute < 0) return undefined;
    let i = 16;
    if (i < n && value.charCodeAt(i) === 0x3a) {
      second = digits(value, i + 1, 2);
      if (second < 0) return undefined;
      i += 3;
      if (i < n && value.charCodeAt(i) === 0x2e) {
        const from = ++i;
        while (i < n && value.charCodeAt(i) >= 0x30 && value.charCodeAt(i) <= 0x39) i++;
        if (i === from) return undefined;
        const f = i - from;
        wholeMs = f >= 3 ? digits(value, from, 3) : digits(value, from, f) * (f === 1 ? 100 : 10);
        subMs = f > 3 ? Number(`0.${value.slice(from + 3, i)}`) : 0;
      }
    }
    if (i < n) {
      const z = value.charCodeAt(i);
      if (z === 0x5a && i + 1 === n) {
        // Z
      } else if ((z === 0x2b || z === 0x2d) && i + 6 === n && value.charCodeAt(i + 3) === 0x3a) {
        const oh = digits(value, i + 1, 2);
        const om = digits(value, i + 4, 2);
        if (oh < 0 || om < 0 || oh > 23 || om > 59) return undefined;
        offsetMinutes = (z === 0x2d ? -1 : 1) * (oh * 60 + om);
      } else return undefined;
    }
    if (hour > 23 || minute > 59 || second > 59) return undefined;
  }
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + wholeMs + subMs;
}

/** The decimal number of `count` ASCII digits of `s` from `at`, or −1 when one is not a digit. */
function digits(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Number of Unicode code points of a string (a lone surrogate counts as one). */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Column names from the header record: trimmed; empty → `column<N>`; duplicates get `_2`, `_3`, …. */
function columnNames(header: readonly string[]): string[] {
  const used = new Set<string>();
  return header.map((raw, i) => {
    const base = raw.trim() === '' ? `column${i + 1}` : raw.trim();
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}

// ---------------------------------------------------------------------------------------------------
// UTF-8 validation and byte counting

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence in `bytes` (Unicode 15, table 3-7),
 * or -1 when the bytes are well-formed (a sequence truncated by the end of `bytes` counts as
 * ill-formed only when `final`).
 */
function firstInvalidUtf8(bytes: Uint8Array, final: boolean): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b === 0xe0) [need, lo] = [2, 0xa0];
    else if (b === 0xed) [need, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) need = 2;
    else if (b === 0xf0) [need, lo] = [3, 0x90];
    else if (b === 0xf4) [need, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) need = 3;
    else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return final ? i : -1;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Length of the trailing bytes of `chunk` that start a multi-byte sequence not completed in it. */
function incompleteTail(chunk: Uint8Array): number {
  for (let i = 1; i <= Math.min(3, chunk.length); i++) {
    const b = chunk[chunk.length - i] as number;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > i ? i : 0;
  }
  return 0;
}

/**
 * The sink of the pipeline: counts the raw bytes (for progress), decodes them as UTF-8 with a fatal
 * streaming TextDecoder (which handles sequences split between chunks and drops a leading BOM) and
 * feeds the text to the tokenizer. Ill-formed UTF-8 fails the stream with a {@link ProcessorInputError}
 * giving the byte offset and the line (1 + number of LF before it).
 */
class CsvSink extends Writable {
  bytesRead = 0;
  private lineFeeds = 0;
  private tail: Uint8Array = new Uint8Array(0);
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly tokenizer: CsvTokenizer,
    private readonly afterChunk: () => void,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      const pending = Buffer.concat([this.tail, chunk]);
      const at = firstInvalidUtf8(pending, false);
      const index = at < 0 ? pending.length : at;
      callback(this.invalid(this.bytesRead - this.tail.length + index, pending.subarray(0, index)));
      return;
    }
    this.bytesRead += chunk.length;
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) this.lineFeeds++;
    // A chunk shorter than 3 bytes may continue a sequence begun in the carried tail.
    const end = chunk.length >= 3 ? chunk : Buffer.concat([this.tail, chunk]);
    const t = incompleteTail(end);
    this.tail = t === 0 ? new Uint8Array(0) : Buffer.from(end.subarray(end.length - t));
    try {
      this.tokenizer.write(text);
      this.afterChunk();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.decoder.decode();
    } catch {
      callback(this.invalid(this.bytesRead - this.tail.length, new Uint8Array(0)));
      return;
    }
    try {
      this.tokenizer.end();
    } catch (err) {
      callback(err as Error);
      return;
    }
    callback();
  }

  private invalid(offset: number, before: Uint8Array): ProcessorInputError {
    // `before`: the bytes of the current chunk preceding the offset, whose line feeds are not counted
    // yet (preceded by the carried tail of the previous chunk, which holds no line feed: bytes >= 0x80).
    let line = this.lineFeeds + 1;
    for (const b of before) if (b === 0x0a) line++;
    return new ProcessorInputError(`The input is not valid UTF-8: ill-formed byte sequence at byte offset ${offset} (line ${line})`, {
      line,
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// CSV errors

/**
 * Default largest record accepted, in bytes (32 MiB). Guards memory: without it, an unclosed quote early
 * in a big file would accumulate the rest of the file in one field.
 */
const MAX_RECORD_BYTES = 32 * 1024 * 1024;

/** Column names: from the header record, or `column1..N` when `header` is false. */
function namesOf(firstRecord: readonly string[], header: boolean): string[] {
  return header ? columnNames(firstRecord) : firstRecord.map((_, i) => `column${i + 1}`);
}

/** What went wrong with a record, where (for {@link inputError}). */
interface Fault {
  /** Index of the record in the file (0 = first record, header or not). */
  recordIndex: number;
  line: number;
  /** 1-based field, when known. */
  column: number | undefined;
  what: string;
}

/**
 * A ProcessorInputError naming the data row (1-based, header excluded), the line and the column
 * (1-based, with its name when the header is known).
 */
function inputError(fault: Fault, header: boolean, names: readonly string[] | undefined): ProcessorInputError {
  const row = header ? fault.recordIndex : fault.recordIndex + 1;
  const { line, column } = fault;
  const name = column === undefined ? undefined : names?.[column - 1];
  const where = [
    row >= 1 ? `data row ${row}` : 'the header record',
    `line ${line}`,
    column === undefined ? undefined : `column ${column}${name === undefined ? '' : ` (${JSON.stringify(name)})`}`,
  ]
    .filter((s) => s !== undefined)
    .join(', ');
  const location: InputLocation = { line };
  if (row >= 1) location.row = row;
  if (column !== undefined) location.column = column;
  return new ProcessorInputError(`Malformed CSV at ${where}: ${fault.what}`, location);
}

/** The fault of a tokenizer error. */
function syntaxFault(err: CsvSyntaxError, maxRecordBytes: number): Fault {
  const base = { recordIndex: err.recordIndex, column: err.field };
  switch (err.code) {
    case 'QUOTE_NOT_CLOSED':
      return { ...base, line: err.recordLine, what: 'a quoted field is never closed (the input ends inside the quotes)' };
    case 'INVALID_CLOSING_QUOTE':
      return {
        ...base,
        line: err.line,
        what: 'a closing quote must be followed by a delimiter or a line break (RFC 4180; write "" for a quote inside a quoted field)',
      };
    case 'INVALID_OPENING_QUOTE':
      return {
        ...base,
        line: err.line,
        what: 'a quote inside an unquoted field (RFC 4180: enclose the field in quotes and double the quote)',
      };
    case 'RECORD_TOO_LARGE':
      return { ...base, line: err.recordLine, what: `the record exceeds ${maxRecordBytes} bytes (often an unclosed quote)` };
  }
}

/** A record's field count does not match the header's (or first record's). */
class FieldCountError extends Error {
  constructor(readonly fault: Fault) {
    super(fault.what);
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

/** Hooks and environment of {@link buildCsvReport}. */
export interface BuildCsvReportOptions {
  /** Aborting it destroys the streams and makes buildCsvReport throw ProcessorAbortedError. */
  signal?: AbortSignal;
  /** Receives progress (see buildCsvReport). Exceptions it throws fail the build. */
  onProgress?: (report: ProgressReport) => void;
  /** Size of the input in bytes, for `percentComplete`; when not > 0 only the final report has one. */
  totalBytes?: number;
  /** Minimum time between two intermediate progress reports, in ms (default 1000). */
  progressIntervalMs?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  now?: () => number;
  /**
   * Largest record accepted, in bytes (default 32 MiB); a larger one is a ProcessorInputError. Checked
   * on UTF-16 code units (never more than the bytes), at the end of each input chunk and record.
   */
  maxRecordBytes?: number;
}

/**
 * Reads a UTF-8 CSV stream (optional BOM; RFC 4180 quoting, including delimiters, doubled quotes and
 * line breaks inside quoted fields; CRLF, LF or CR line endings; blank and whitespace-only lines
 * skipped) in one streaming pass, and returns its {@link CsvReport}. A record with more fields than the
 * header (or first record) is an error; one with fewer is filled with missing values, or an error with
 * `shortRows: 'error'`. At most {@link MAX_COLUMNS} columns.
 *
 * Progress: `onProgress({ percentComplete, progress: { bytesRead, rows } })` at most once per
 * `progressIntervalMs`, with `percentComplete = min(99, floor(bytesRead / totalBytes * 100))` (bytes
 * read from `input`, before parsing, so including the BOM; `rows` = data records so far), and once at
 * the end with `percentComplete: 100`.
 *
 * @param input byte stream (Buffer/Uint8Array chunks, or strings, taken as UTF-8)
 * @throws ProcessorInputError for malformed CSV, ill-formed UTF-8 or too many columns, with the
 *   location where known
 * @throws ProcessorAbortedError when `signal` aborts (the input stream is destroyed)
 * @throws the input stream's own errors, as they are
 */
export async function buildCsvReport(
  input: Readable,
  options: CsvReportOptions,
  {
    signal,
    onProgress,
    totalBytes = 0,
    progressIntervalMs = 1000,
    now = Date.now,
    maxRecordBytes = MAX_RECORD_BYTES,
  }: BuildCsvReportOptions = {},
): Promise<CsvReport> {
  const header = options.header;
  const fillShortRows = options.shortRows !== 'error';
  const budget = new ExactBudget();
  let columns: ColumnAccumulator[] | undefined;
  let names: string[] | undefined;
  let rows = 0;
  let lastProgressAt = now();
  const onRecord = (record: string[], recordLine: number): void => {
    if (columns === undefined) {
      if (record.length > MAX_COLUMNS) {
        throw new ProcessorInputError(`The CSV has ${record.length} columns; csv-report accepts at most ${MAX_COLUMNS}`, {
          line: recordLine,
        });
      }
      names = namesOf(record, header);
      columns = names.map((name) => new ColumnAccumulator(name, budget));
      if (header) return;
    }
    const width = columns.length;
    const got = record.length;
    if (got !== width && (got > width || !fillShortRows)) {
      throw new FieldCountError({
        recordIndex: tokenizer.records,
        line: recordLine,
        column: Math.min(width, got) + 1,
        what: `the record has ${got} field${got === 1 ? '' : 's'} but the ${header ? 'header has' : 'first record has'} ${width}`,
      });
    }
    for (let i = 0; i < got; i++) (columns[i] as ColumnAccumulator).add(record[i] as string);
    for (let i = got; i < width; i++) (columns[i] as ColumnAccumulator).missing++;
    rows++;
  };
  const tokenizer = new CsvTokenizer(options.delimiter, maxRecordBytes, onRecord);
  const progress = (percentComplete: number | undefined): void => {
    const report: ProgressReport = { progress: { bytesRead: sink.bytesRead, rows } };
    if (percentComplete !== undefined) report.percentComplete = percentComplete;
    onProgress?.(report);
  };
  const sink = new CsvSink(tokenizer, () => {
    if (columns !== undefined) for (const c of columns) c.settle();
    if (onProgress === undefined) return;
    const t = now();
    if (t - lastProgressAt >= progressIntervalMs) {
      lastProgressAt = t;
      progress(totalBytes > 0 ? Math.min(99, Math.floor((sink.bytesRead / totalBytes) * 100)) : undefined);
    }
  });

  try {
    if (signal?.aborted) throw signal.reason;
    await pipeline(input, sink, signal === undefined ? {} : { signal });
  } catch (err) {
    input.destroy();
    if (signal?.aborted) throw new ProcessorAbortedError();
    if (err instanceof CsvSyntaxError) throw inputError(syntaxFault(err, maxRecordBytes), header, names);
    if (err instanceof FieldCountError) throw inputError(err.fault, header, names);
    throw err;
  }
  progress(100);
  return { rows, columns: (columns ?? []).map((c) => c.report()) };
}

// ---------------------------------------------------------------------------------------------------
// Processor

/**
 * `POST /api/jobs/csv-report`: profiles a UTF-8 CSV file (`text/csv`) and returns, as
 * `application/json`, a {@link CsvReport}: the number of data rows and, per column, the inferred type,
 * counts, distinct values, min/max, numeric sum/mean/sample standard deviation/quartiles/histogram,
 * string lengths and top values, with estimates flagged. Options: {@link csvReportOptionsSchema}.
 *
 * `run` throws ProcessorInputError for malformed CSV or ill-formed UTF-8 (job fails with 422) and
 * ProcessorAbortedError when the job is canceled.
 */
export const csvReportProcessor: Processor<CsvReportOptions> = {
  type: 'csv-report',
  description:
    'Profiles a CSV file: row count and, per column, inferred type, missing/distinct counts, min/max, ' +
    'mean, standard deviation, quartiles, histogram and top values (estimates flagged).',
  optionsSchema: csvReportOptionsSchema,
  mediaTypes: ['text/csv'],
  resultMediaType: 'application/json',
  resultSchema: csvReportSchema,
  async run(ctx) {
    if (ctx.signal.aborted) throw new ProcessorAbortedError();
    let input: Readable;
    try {
      input = await ctx.input.open(ctx.signal);
    } catch (err) {
      if (ctx.signal.aborted) throw new ProcessorAbortedError();
      throw err;
    }
    const report = await buildCsvReport(input, ctx.options, {
      signal: ctx.signal,
      totalBytes: ctx.input.sizeBytes,
      onProgress: (p) => ctx.reportProgress(p),
    });
    return { contentType: 'application/json', body: JSON.stringify(report) };
  },
};
