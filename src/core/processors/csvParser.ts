/*
 * A streaming RFC 4180 tokenizer over decoded text, written for the csv-report processor.
 *
 * Why not a library: csv-parse 7 tops out at 15–23 MiB/s on this machine (below the processor's goal of
 * 25 MiB/s for the whole report) and papaparse 5 (46 MiB/s) accepts malformed quoting silently and
 * reports errors per row after the fact, without the line/column of the fault. This tokenizer scans
 * the text with `charCodeAt` loops, slices fields out of the chunk without copying, and knows exactly
 * where every record starts, so its errors name the data row, the line and the column.
 *
 * Grammar (RFC 4180 section 2, relaxed the way csv-parse and pandas relax it):
 * - records end with CRLF, LF or CR (mixed endings allowed); the last record may lack a line break;
 * - a field is either unquoted (no `"`, delimiter, CR or LF inside) or enclosed in `"` with `""` for a
 *   quote, and may then hold delimiters and line breaks;
 * - a line holding nothing, or only spaces and tabs (when neither is the delimiter), is skipped, as
 *   pandas' `skip_blank_lines=True` does (its C tokenizer's WHITESPACE_LINE state, pandas
 *   `pandas/_libs/src/parser/tokenizer.c`).
 * Lines are counted the way an editor does: CRLF, LF and a lone CR each end one line, inside quoted
 * fields too.
 */

/** `s.indexOf(c, from)`, or `n` when absent. */
function indexOr(s: string, c: string, from: number, n: number): number {
  const i = s.indexOf(c, from);
  return i < 0 ? n : i;
}

/** Why the tokenizer stopped; see {@link CsvSyntaxError}. */
export type CsvSyntaxCode = 'QUOTE_NOT_CLOSED' | 'INVALID_CLOSING_QUOTE' | 'INVALID_OPENING_QUOTE' | 'RECORD_TOO_LARGE';

/** A syntax error, with where it was found (all 1-based). */
export class CsvSyntaxError extends Error {
  override readonly name = 'CsvSyntaxError';
  constructor(
    readonly code: CsvSyntaxCode,
    /** Index of the record (0 = the first record of the file, header or not). */
    readonly recordIndex: number,
    /** Line where the failing record starts. */
    readonly recordLine: number,
    /** Line of the offending character. */
    readonly line: number,
    /** Field (1-based) being read. */
    readonly field: number,
  ) {
    super(code);
  }
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const enum State {
  /** At the start of a record (nothing of it read yet). */
  RecordStart,
  /** At the start of a field after a delimiter. */
  FieldStart,
  Unquoted,
  Quoted,
  /** Read a `"` inside a quoted field: either the first of `""` or the closing quote. */
  QuoteInQuoted,
  /** Read the closing quote: a delimiter or line break must follow. */
  AfterClosingQuote,
  /** A record ended with CR: an LF right after it belongs to the same line break. */
  AfterCr,
}

/**
 * Receives each record. `fields` is reused for the next record: copy what must outlive the call. The
 * strings may be slices of the input chunk (V8 sliced strings): copy one before keeping it for long, or
 * it keeps the whole chunk alive.
 */
export type RecordHandler = (fields: string[], recordLine: number) => void;

/**
 * Streaming tokenizer: feed it decoded text with {@link write} (chunks may split records, fields, `""`
 * and CRLF anywhere) and call {@link end} once. Records are handed to `onRecord` synchronously.
 * Memory: the current record only, at most `maxRecordChars` UTF-16 code units (plus its field list).
 */
export class CsvTokenizer {
  /** Records handed out so far (skipped blank lines not counted). */
  records = 0;
  /** Current line (1-based). */
  private line = 1;
  private recordLine = 1;
  private state = State.RecordStart;
  private readonly fields: string[] = [];
  /** Text of the current field read in earlier chunks (or before a `""`). */
  private pending = '';
  /** Whether the current (single-field so far) record started with a quote: then it is never blank. */
  private quotedField = false;
  /** Code units of the current record in earlier chunks. */
  private carried = 0;
  private readonly delimiter: string;
  private readonly d0: number;
  private readonly d1: number;
  private readonly dLen: number;
  /** Spaces and tabs make a blank line, unless one of them is the delimiter. */
  private readonly blankSpace: boolean;
  private readonly blankTab: boolean;

  /**
   * @param delimiter one code point (one or two UTF-16 code units), never `"`, CR or LF
   * @param maxRecordChars largest record, in UTF-16 code units (each at least one UTF-8 byte, so a
   *   record over the limit has more than that many bytes too)
   */
  constructor(
    delimiter: string,
    private readonly maxRecordChars: number,
    private readonly onRecord: RecordHandler,
  ) {
    this.delimiter = delimiter;
    this.d0 = delimiter.charCodeAt(0);
    this.d1 = delimiter.length > 1 ? delimiter.charCodeAt(1) : -1;
    this.dLen = delimiter.length;
    this.blankSpace = delimiter !== ' ';
    this.blankTab = delimiter !== '\t';
  }

  /** Tokenizes the next chunk of text. @throws CsvSyntaxError */
  write(s: string): void {
    const n = s.length;
    const { d0, d1, dLen } = this;
    let i = 0;
    // Start of the current field's text within `s` (valid in Unquoted and Quoted states).
    let start = 0;
    // Start of the current record within `s` (0 when it began in an earlier chunk).
    let recordStart = 0;
    let state = this.state;
    // Fast path (as papaparse's): a whole record in this chunk without any quote or lone CR is split at
    // its delimiters found with the native indexOf, each field sliced straight out of the chunk. Next
    // positions of LF, CR, `"` and the delimiter at or after i, found with the native indexOf and
    // refreshed only once i has passed them (n when there is none).
    let nextLf = -1;
    let nextCr = -1;
    let nextQuote = -1;
    let nextDelimiter = -1;
    const delimiter = this.delimiter;
    while (i < n) {
      if (state === State.RecordStart) {
        if (nextLf < i) nextLf = indexOr(s, '\n', i, n);
        if (nextQuote < i) nextQuote = indexOr(s, '"', i, n);
        if (nextLf < n && nextQuote > nextLf) {
          let end = nextLf;
          if (end > i && s.charCodeAt(end - 1) === CR) end--;
          if (nextCr < i) nextCr = indexOr(s, '\r', i, n);
          if (nextCr >= end) {
            this.recordLine = this.line;
            this.quotedField = false;
            this.carried = 0;
            if (end - i > this.maxRecordChars) {
              recordStart = i;
              this.checkSize(recordStart, end);
            }
            this.line++;
            // Split at the delimiters with the native indexOf, slicing each field out of the chunk.
            // The next delimiter's position is kept across records (as nextLf), so a line without
            // delimiters never rescans the rest of the chunk.
            const fields = this.fields;
            for (let from = i; ;) {
              if (nextDelimiter < from) nextDelimiter = indexOr(s, delimiter, from, n);
              if (nextDelimiter >= end) {
                fields.push(s.slice(from, end));
                break;
              }
              fields.push(s.slice(from, nextDelimiter));
              from = nextDelimiter + dLen;
            }
            i = nextLf + 1;
            this.emit();
            continue;
          }
        }
      }
      switch (state) {
        case State.AfterCr:
          if (s.charCodeAt(i) === LF) i++;
          state = State.RecordStart;
          break;
        case State.RecordStart:
        case State.FieldStart: {
          if (state === State.RecordStart) {
            recordStart = i;
            this.carried = 0;
            this.recordLine = this.line;
            this.quotedField = false;
          }
          if (s.charCodeAt(i) === QUOTE) {
            if (state === State.RecordStart) this.quotedField = true;
            i++;
            start = i;
            state = State.Quoted;
          } else {
            start = i;
            state = State.Unquoted;
          }
          break;
        }
        case State.Unquoted: {
          let c = 0;
          for (; i < n; i++) {
            c = s.charCodeAt(i);
            if (c === d0 || c === LF || c === CR || c === QUOTE) break;
          }
          if (i === n) break;
          if (c === QUOTE) throw this.error('INVALID_OPENING_QUOTE', this.line);
          if (c === d0) {
            if (dLen === 2 && s.charCodeAt(i + 1) !== d1) {
              i++;
              break; // first half of a surrogate pair that is not the delimiter
            }
            this.fields.push(this.pending === '' ? s.slice(start, i) : this.pending + s.slice(start, i));
            this.pending = '';
            i += dLen;
            state = State.FieldStart;
            break;
          }
          // CR or LF: end of record.
          const value = this.pending === '' ? s.slice(start, i) : this.pending + s.slice(start, i);
          this.pending = '';
          this.checkSize(recordStart, i);
          this.fields.push(value);
          this.line++;
          i++;
          state = c === CR ? State.AfterCr : State.RecordStart;
          this.emit();
          break;
        }
        case State.Quoted: {
          for (; i < n; i++) {
            const c = s.charCodeAt(i);
            if (c === QUOTE) break;
            if (c === LF) {
              if (i === 0 ? !this.crBefore : s.charCodeAt(i - 1) !== CR) this.line++;
            } else if (c === CR) this.line++;
          }
          this.crBefore = n > 0 && s.charCodeAt(n - 1) === CR;
          if (i === n) break;
          this.pending += s.slice(start, i);
          i++;
          state = State.QuoteInQuoted;
          break;
        }
        case State.QuoteInQuoted: {
          const c = s.charCodeAt(i);
          if (c === QUOTE) {
            this.pending += '"';
            i++;
            start = i;
            state = State.Quoted;
          } else {
            state = State.AfterClosingQuote;
          }
          break;
        }
        case State.AfterClosingQuote: {
          const c = s.charCodeAt(i);
          if (c === d0 && (dLen === 1 || s.charCodeAt(i + 1) === d1)) {
            this.fields.push(this.pending);
            this.pending = '';
            i += dLen;
            state = State.FieldStart;
          } else if (c === LF || c === CR) {
            this.checkSize(recordStart, i);
            this.fields.push(this.pending);
            this.pending = '';
            this.line++;
            i++;
            state = c === CR ? State.AfterCr : State.RecordStart;
            this.emit();
          } else {
            throw this.error('INVALID_CLOSING_QUOTE', this.line);
          }
          break;
        }
      }
    }
    // End of the chunk: keep the unfinished field's text.
    if (state === State.Unquoted || state === State.Quoted) this.pending += s.slice(start, n);
    if (state !== State.RecordStart && state !== State.AfterCr) this.checkSize(recordStart, n);
    this.carried += n - recordStart;
    this.state = state;
  }

  /** Ends the input: hands out the last record. @throws CsvSyntaxError for an unclosed quote */
  end(): void {
    switch (this.state) {
      case State.Quoted:
        throw this.error('QUOTE_NOT_CLOSED', this.recordLine);
      case State.RecordStart:
      case State.AfterCr:
        return;
      case State.FieldStart:
      case State.Unquoted:
      case State.QuoteInQuoted:
      case State.AfterClosingQuote:
        this.fields.push(this.pending);
        this.pending = '';
        this.state = State.RecordStart;
        this.emit();
    }
  }

  /** Whether the last code unit of the previous chunk was a CR (for CRLF split inside a quoted field). */
  private crBefore = false;

  private checkSize(recordStart: number, i: number): void {
    if (this.carried + (i - recordStart) > this.maxRecordChars) throw this.error('RECORD_TOO_LARGE', this.recordLine);
  }

  private emit(): void {
    this.emitFields(this.fields);
    this.fields.length = 0;
  }

  private emitFields(fields: string[]): void {
    if (fields.length === 1 && !this.quotedField && this.isBlank(fields[0] as string)) return;
    this.onRecord(fields, this.recordLine);
    this.records++;
  }

  private isBlank(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (!((c === SPACE && this.blankSpace) || (c === TAB && this.blankTab))) return false;
    }
    return true;
  }

  private error(code: CsvSyntaxCode, line: number): CsvSyntaxError {
    return new CsvSyntaxError(code, this.records, this.recordLine, line, this.fields.length + 1);
  }
}
