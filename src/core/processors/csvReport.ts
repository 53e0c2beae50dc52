import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, Parser, type Options as CsvParseOptions } from 'csv-parse';
import { z } from 'zod';
import {
  ProcessorAbortedError,
  ProcessorInputError,
  type InputLocation,
  type Processor,
  type ProgressReport,
} from './processor';

/*
 * `csv-report`: one streaming pass over a CSV file (RFC 4180, parsed by csv-parse) that infers the type
 * of every column and computes its summary statistics.
 *
 * Memory: `distinct` is exact, so every distinct non-missing value of every column is kept (in a
 * value → count map, which also yields `top`, min/max and lengths at the end). Memory therefore grows
 * with the number of distinct values, not with the number of rows; the file itself is never buffered.
 *
 * Numbers are IEEE 754 doubles: integers beyond 2^53 (and decimals with more than ~15–17 significant
 * digits) lose precision in `min`/`max`/`sum`/`mean`/`stddev`, and two such values that round to the same
 * double count as one in `distinct`. This is a known limitation, deliberately not special-cased.
 */

// ---------------------------------------------------------------------------------------------------
// Options

/** Options of the `csv-report` processor, after validation of the query string. */
export interface CsvReportOptions {
  /** Field delimiter: exactly one character (one Unicode code point); never `"`, CR or LF. */
  delimiter: string;
  /** Whether the first record holds the column names (`true`) or is data (`false`). */
  header: boolean;
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
});

// ---------------------------------------------------------------------------------------------------
// Report shapes

/** Inferred type of a column (over its non-missing values). */
export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'string' | 'empty';

/** One entry of a string column's `top` list. */
export interface TopValue {
  value: string;
  /** Number of rows holding exactly this (trimmed) value. */
  count: number;
}

/**
 * Summary of one column. Values are trimmed before anything else; a value is *missing* when it is
 * empty after trimming or is exactly `NA`, `N/A`, `null`, `NULL` or `NaN`.
 *
 * Always present:
 * - `name`: header name (empty → `column<N>`, duplicates suffixed `_2`, `_3`, …) or `column<N>`.
 * - `type`: `integer` when every non-missing value matches `^[+-]?\d+$`; else `number` when every one is
 *   a finite decimal/exponent number (`1.5`, `-.5`, `1e3`, `2.`); else `boolean` when every one is
 *   `true`/`false` (any case); else `date` when every one is a valid ISO 8601 calendar date
 *   `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM[:SS[.fff]]` and an optional `Z`/`±hh:mm`;
 *   else `string`; `empty` when there is no non-missing value.
 * - `count`: number of non-missing values; `missing`: number of missing values (`count + missing = rows`).
 * - `distinct`: exact number of distinct non-missing values, compared as values of `type`: numbers
 *   numerically (`1` and `1.0` are one value), booleans case-insensitively, dates by instant (a date
 *   without offset is taken as UTC; a date alone is midnight), strings exactly.
 * - `min`, `max`: numbers for `integer`/`number`, booleans for `boolean`, the original (trimmed) strings
 *   of the earliest/latest instant for `date`, strings for `string` (ordered by UTF-16 code units, like
 *   JavaScript's `<`); `null` for `empty`.
 *
 * Only for `integer` and `number`: `sum`; `mean` (arithmetic mean); `stddev`, the *sample* standard
 * deviation (divisor n − 1) computed with Welford's online algorithm (Knuth, TAOCP vol. 2, 3rd ed.,
 * 4.2.2), `null` when `count < 2`. Numbers are doubles: beyond 2^53 integers lose precision.
 *
 * Only for `string`: `minLength`, `maxLength` (in characters, i.e. Unicode code points) and `top`, the
 * (up to) 5 most frequent values, by count descending then value ascending (UTF-16 code units).
 */
export interface ColumnReport {
  name: string;
  type: ColumnType;
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
  top?: TopValue[];
}

/** The `csv-report` result document (`application/json`). */
export interface CsvReport {
  /** Number of data records (the header record, when there is one, is not counted). */
  rows: number;
  /** One entry per column, in file order; `[]` for an input with no record at all. */
  columns: ColumnReport[];
}

// ---------------------------------------------------------------------------------------------------
// Value classification

const MISSING_MARKERS: ReadonlySet<string> = new Set(['NA', 'N/A', 'null', 'NULL', 'NaN']);
const INTEGER_RE = /^[+-]?\d+$/;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_RE = /^(?:true|false)$/i;
const DATE_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

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
  const m = DATE_RE.exec(value);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] ?? '';
  const wholeMs = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const subMs = fraction.length > 3 ? Number(`0.${fraction.slice(3)}`) : 0;
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY +
    ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 +
    wholeMs +
    subMs
  );
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

// ---------------------------------------------------------------------------------------------------
// Per-column accumulator

/**
 * V8 Maps hold at most 2^24 entries; a column with more distinct values spills into further maps
 * (each lookup then checks every map, which only matters for such huge columns).
 */
const MAP_SHARD_SIZE = 8_000_000;

/** value → number of occurrences, beyond the size limit of a single Map. */
class ValueCounts {
  private readonly shards: Map<string, number>[] = [new Map()];

  /** Counts one occurrence; returns true when the value was not seen before. */
  add(value: string): boolean {
    for (const shard of this.shards) {
      const n = shard.get(value);
      if (n !== undefined) {
        shard.set(value, n + 1);
        return false;
      }
    }
    let last = this.shards[this.shards.length - 1] as Map<string, number>;
    if (last.size >= MAP_SHARD_SIZE) {
      last = new Map();
      this.shards.push(last);
    }
    last.set(value, 1);
    return true;
  }

  get size(): number {
    return this.shards.reduce((n, s) => n + s.size, 0);
  }

  *entries(): IterableIterator<[string, number]> {
    for (const shard of this.shards) yield* shard.entries();
  }

  *keys(): IterableIterator<string> {
    for (const shard of this.shards) yield* shard.keys();
  }
}

/**
 * Statistics of one column, accumulated in one pass. Since the type is only known at the end, it
 * tracks what every candidate type needs: the value counts (distinct, top, min/max of strings, booleans
 * and dates, string lengths) and, while every value so far is numeric, sum, min, max and Welford's
 * running mean and M2.
 */
class ColumnAccumulator {
  count = 0;
  missing = 0;
  private readonly values = new ValueCounts();
  private maybeInteger = true;
  private maybeNumber = true;
  private maybeBoolean = true;
  private maybeDate = true;
  // Numeric statistics, valid while maybeNumber.
  private sum = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(readonly name: string) {}

  add(raw: string): void {
    const value = raw.trim();
    if (value === '' || MISSING_MARKERS.has(value)) {
      this.missing++;
      return;
    }
    this.count++;
    // Classification only depends on the value, so it is done once per distinct value.
    if (this.values.add(value)) this.classify(value);
    if (this.maybeNumber) {
      const x = Number(value);
      // Welford's online algorithm (Knuth, TAOCP vol. 2, 3rd ed., 4.2.2, recurrences (15) and (16)):
      // numerically stable, unlike accumulating the sum of squares.
      const delta = x - this.mean;
      this.mean += delta / this.count;
      this.m2 += delta * (x - this.mean);
      this.sum += x;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
  }

  private classify(value: string): void {
    if (this.maybeNumber) {
      if (!NUMBER_RE.test(value) || !Number.isFinite(Number(value))) {
        this.maybeNumber = false;
        this.maybeInteger = false;
      } else if (this.maybeInteger && !INTEGER_RE.test(value)) {
        this.maybeInteger = false;
      }
    }
    if (this.maybeBoolean && !BOOLEAN_RE.test(value)) this.maybeBoolean = false;
    if (this.maybeDate && parseIsoDate(value) === undefined) this.maybeDate = false;
  }

  report(): ColumnReport {
    const { name, count, missing } = this;
    if (count === 0) return { name, type: 'empty', count, missing, distinct: 0, min: null, max: null };
    if (this.maybeNumber) {
      const distinct = new Set<number>();
      for (const v of this.values.keys()) distinct.add(Number(v));
      return {
        name,
        type: this.maybeInteger ? 'integer' : 'number',
        count,
        missing,
        distinct: distinct.size,
        min: this.min,
        max: this.max,
        sum: this.sum,
        mean: this.mean,
        stddev: count < 2 ? null : Math.sqrt(this.m2 / (count - 1)),
      };
    }
    if (this.maybeBoolean) {
      const seen = new Set<boolean>();
      for (const v of this.values.keys()) seen.add(v.toLowerCase() === 'true');
      return { name, type: 'boolean', count, missing, distinct: seen.size, min: !seen.has(false), max: seen.has(true) };
    }
    if (this.maybeDate) {
      const instants = new Set<number>();
      let minValue = '';
      let maxValue = '';
      let minT = Infinity;
      let maxT = -Infinity;
      for (const v of this.values.keys()) {
        const t = parseIsoDate(v) as number;
        instants.add(t);
        // Ties (one instant, several spellings) go to the smallest string, for a deterministic report.
        if (t < minT || (t === minT && v < minValue)) [minT, minValue] = [t, v];
        if (t > maxT || (t === maxT && v < maxValue)) [maxT, maxValue] = [t, v];
      }
      return { name, type: 'date', count, missing, distinct: instants.size, min: minValue, max: maxValue };
    }
    let min: string | undefined;
    let max: string | undefined;
    let minLength = Infinity;
    let maxLength = 0;
    const top: TopValue[] = [];
    for (const [value, n] of this.values.entries()) {
      if (min === undefined || value < min) min = value;
      if (max === undefined || value > max) max = value;
      const length = codePointLength(value);
      if (length < minLength) minLength = length;
      if (length > maxLength) maxLength = length;
      insertTop(top, value, n);
    }
    return {
      name,
      type: 'string',
      count,
      missing,
      distinct: this.values.size,
      min: min ?? null,
      max: max ?? null,
      minLength,
      maxLength,
      top,
    };
  }
}

const TOP_SIZE = 5;

/** Keeps `top` the TOP_SIZE best entries by count desc, then value asc (UTF-16 code units). */
function insertTop(top: TopValue[], value: string, count: number): void {
  const before = (a: TopValue) => count > a.count || (count === a.count && value < a.value);
  let i = top.length;
  while (i > 0 && before(top[i - 1] as TopValue)) i--;
  if (i >= TOP_SIZE) return;
  top.splice(i, 0, { value, count });
  if (top.length > TOP_SIZE) top.pop();
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
 * Pass-through transform placed before the CSV parser: counts the raw bytes read (for progress) and
 * checks that they are well-formed UTF-8 (a fatal streaming TextDecoder, which handles sequences split
 * between chunks); ill-formed input fails the stream with a {@link ProcessorInputError} giving the byte
 * offset and the line (1 + number of LF before it).
 */
class Utf8ByteCounter extends Transform {
  bytesRead = 0;
  private lineFeeds = 0;
  private tail: Uint8Array = new Uint8Array(0);
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.decode(chunk, { stream: true });
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
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.decoder.decode();
    } catch {
      callback(this.invalid(this.bytesRead - this.tail.length, new Uint8Array(0)));
      return;
    }
    callback();
  }

  private invalid(offset: number, before: Uint8Array): ProcessorInputError {
    // `before`: the bytes of the current chunk preceding the offset, whose line feeds are not counted
    // yet (preceded by the carried tail of the previous chunk, which holds no line feed: bytes >= 0x80).
    let line = this.lineFeeds + 1;
    for (const b of before) if (b === 0x0a) line++;
    return new ProcessorInputError(
      `The input is not valid UTF-8: ill-formed byte sequence at byte offset ${offset} (line ${line})`,
      { line },
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// CSV errors

/**
 * Default largest record accepted, in bytes (32 MiB). Guards memory: without it, an unclosed quote early
 * in a big file would accumulate the rest of the file in one field.
 */
const MAX_RECORD_BYTES = 32 * 1024 * 1024;

/** csv-parse error codes caused by the input (others are configuration errors: rethrown as they are). */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'CSV_INVALID_CLOSING_QUOTE',
  'CSV_MAX_RECORD_SIZE',
  'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE',
  'CSV_QUOTE_NOT_CLOSED',
  'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH',
  'CSV_RECORD_INCONSISTENT_COLUMNS',
  'INVALID_OPENING_QUOTE',
]);

/**
 * csv-parse's stream parser (what `parse(options)` returns), noting the first record and where the
 * last record it emitted ended, to locate errors (the consumer of the records may lag behind the
 * parser). The `on_record` option could tell too, but it copies the parser's state for every record,
 * which more than doubles the parsing time.
 */
class LocatingParser extends Parser {
  /** The first record (the header, or the first data record); undefined until parsed. */
  firstRecord: string[] | undefined;
  /** Line (as counted by csv-parse) on which the last emitted record ended; 0 before the first. */
  lastRecordEndLine = 0;
  /** Blank lines skipped before that record ended. */
  lastEmptyLines = 0;

  constructor(options: CsvParseOptions) {
    super(options);
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null) {
      if (this.firstRecord === undefined && Array.isArray(chunk)) this.firstRecord = chunk as string[];
      this.lastRecordEndLine = this.info.lines;
      this.lastEmptyLines = this.info.empty_lines;
    }
    return super.push(chunk, encoding);
  }
}

interface ParseState {
  header: boolean;
  parser: LocatingParser;
  maxRecordBytes: number;
}

/** Column names: from the header record, or `column1..N` when `header` is false. */
function namesOf(firstRecord: readonly string[], header: boolean): string[] {
  return header ? columnNames(firstRecord) : firstRecord.map((_, i) => `column${i + 1}`);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Turns a csv-parse error into a ProcessorInputError naming the data row (1-based, header excluded),
 * the physical line (as counted by csv-parse, which counts a CRLF *inside a quoted field* as two) and
 * the column (1-based) where known.
 */
function toInputError(err: CsvError, state: ParseState): ProcessorInputError {
  const records = num(err['records']) ?? 0; // records parsed before the failing one
  const recordNumber = records + 1;
  const row = state.header ? recordNumber - 1 : recordNumber;
  const errLine = num(err['lines']);
  const { lastRecordEndLine, lastEmptyLines } = state.parser;
  // Where the failing record starts: after the last record and the blank lines skipped since.
  const startLine = lastRecordEndLine + 1 + Math.max(0, (num(err['empty_lines']) ?? 0) - lastEmptyLines);
  const index = num(err['index']);
  const first = state.parser.firstRecord;
  const names = first === undefined ? undefined : namesOf(first, state.header);
  const expected = names?.length;
  let line = errLine;
  let column = index === undefined ? undefined : index + 1;
  let what: string;
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const got = Array.isArray(err['record']) ? err['record'].length : (index ?? 0);
      line = startLine;
      column = expected === undefined ? undefined : Math.min(expected, got) + 1;
      what = `the record has ${got} field${got === 1 ? '' : 's'} but the ${
        state.header ? 'header has' : 'first record has'
      } ${expected ?? '?'}`;
      break;
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      line = startLine;
      what = 'a quoted field is never closed (the input ends inside the quotes)';
      break;
    case 'CSV_INVALID_CLOSING_QUOTE':
      what =
        'a closing quote must be followed by a delimiter or a line break ' +
        '(RFC 4180; write "" for a quote inside a quoted field)';
      break;
    case 'INVALID_OPENING_QUOTE':
      what = 'a quote inside an unquoted field (RFC 4180: enclose the field in quotes and double the quote)';
      break;
    case 'CSV_MAX_RECORD_SIZE':
      line = startLine;
      what = `the record exceeds ${state.maxRecordBytes} bytes (often an unclosed quote)`;
      break;
    default:
      what = err.message;
  }
  const name = column === undefined ? undefined : names?.[column - 1];
  const where = [
    row >= 1 ? `data row ${row}` : 'the header record',
    line === undefined ? undefined : `line ${line}`,
    column === undefined ? undefined : `column ${column}${name === undefined ? '' : ` (${JSON.stringify(name)})`}`,
  ]
    .filter((s) => s !== undefined)
    .join(', ');
  const location: InputLocation = {};
  if (row >= 1) location.row = row;
  if (line !== undefined) location.line = line;
  if (column !== undefined) location.column = column;
  return new ProcessorInputError(`Malformed CSV at ${where}: ${what}`, location);
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
  /** Largest record accepted, in bytes (default 32 MiB); a larger one is a ProcessorInputError. */
  maxRecordBytes?: number;
}

/**
 * Reads a UTF-8 CSV stream (optional BOM; RFC 4180 quoting, including delimiters, doubled quotes and
 * line breaks inside quoted fields; CRLF or LF line endings; blank lines skipped) with csv-parse, in one
 * streaming pass, and returns its {@link CsvReport}. Every record must have as many fields as the first.
 *
 * Progress: `onProgress({ percentComplete, progress: { bytesRead, rows } })` at most once per
 * `progressIntervalMs`, with `percentComplete = min(99, floor(bytesRead / totalBytes * 100))` (bytes
 * read from `input`, before parsing, so including the BOM; `rows` = data records so far), and once at
 * the end with `percentComplete: 100`.
 *
 * @param input byte stream (Buffer/Uint8Array chunks, or strings, taken as UTF-8)
 * @throws ProcessorInputError for malformed CSV or ill-formed UTF-8, with the location where known
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
  const counter = new Utf8ByteCounter();
  const parser = new LocatingParser({
    bom: true,
    delimiter: options.delimiter,
    // Explicit rather than auto-detected from the first line break, so that mixed endings work too.
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: true,
    max_record_size: maxRecordBytes,
  });
  const state: ParseState = { header: options.header, parser, maxRecordBytes };
  let columns: ColumnAccumulator[] | undefined;
  let rows = 0;
  let lastProgressAt = now();
  const progress = (percentComplete: number | undefined): void => {
    const report: ProgressReport = { progress: { bytesRead: counter.bytesRead, rows } };
    if (percentComplete !== undefined) report.percentComplete = percentComplete;
    onProgress?.(report);
  };
  const sink = new Writable({
    objectMode: true,
    write(record: string[], _encoding, callback) {
      try {
        if (columns === undefined) {
          columns = namesOf(record, options.header).map((name) => new ColumnAccumulator(name));
          if (options.header) {
            callback();
            return;
          }
        }
        for (let i = 0; i < columns.length; i++) (columns[i] as ColumnAccumulator).add(record[i] ?? '');
        rows++;
        if (onProgress !== undefined) {
          const t = now();
          if (t - lastProgressAt >= progressIntervalMs) {
            lastProgressAt = t;
            progress(totalBytes > 0 ? Math.min(99, Math.floor((counter.bytesRead / totalBytes) * 100)) : undefined);
          }
        }
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });

  try {
    if (signal?.aborted) throw signal.reason;
    await pipeline(input, counter, parser, sink, signal === undefined ? {} : { signal });
  } catch (err) {
    input.destroy();
    if (signal?.aborted) throw new ProcessorAbortedError();
    if (err instanceof CsvError && INPUT_ERROR_CODES.has(err.code)) throw toInputError(err, state);
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
 * counts, distinct values, min/max, numeric sum/mean/sample standard deviation, string lengths and
 * top values. Options: {@link csvReportOptionsSchema}.
 *
 * `run` throws ProcessorInputError for malformed CSV or ill-formed UTF-8 (job fails with 422) and
 * ProcessorAbortedError when the job is canceled.
 */
export const csvReportProcessor: Processor<CsvReportOptions> = {
  type: 'csv-report',
  description:
    'Profiles a CSV file: row count and, per column, inferred type, missing/distinct counts, min/max, ' +
    'mean, standard deviation and top values.',
  optionsSchema: csvReportOptionsSchema,
  mediaTypes: ['text/csv'],
  resultMediaType: 'application/json',
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
