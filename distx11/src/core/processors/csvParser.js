"use strict";
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
Object.defineProperty(exports, "__esModule", { value: true });
exports.CsvTokenizer = exports.CsvSyntaxError = void 0;
/** `s.indexOf(c, from)`, or `n` when absent. */
function indexOr(s, c, from, n) {
    const i = s.indexOf(c, from);
    return i < 0 ? n : i;
}
/** A syntax error, with where it was found (all 1-based). */
class CsvSyntaxError extends Error {
    code;
    recordIndex;
    recordLine;
    line;
    field;
    name = 'CsvSyntaxError';
    constructor(code, 
    /** Index of the record (0 = the first record of the file, header or not). */
    recordIndex, 
    /** Line where the failing record starts. */
    recordLine, 
    /** Line of the offending character. */
    line, 
    /** Field (1-based) being read. */
    field) {
        super(code);
        this.code = code;
        this.recordIndex = recordIndex;
        this.recordLine = recordLine;
        this.line = line;
        this.field = field;
    }
}
exports.CsvSyntaxError = CsvSyntaxError;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
/**
 * Streaming tokenizer: feed it decoded text with {@link write} (chunks may split records, fields, `""`
 * and CRLF anywhere) and call {@link end} once. Records are handed to `onRecord` synchronously.
 * Memory: the current record only, at most `maxRecordChars` UTF-16 code units (plus its field list).
 */
class CsvTokenizer {
    maxRecordChars;
    onRecord;
    /** Records handed out so far (skipped blank lines not counted). */
    records = 0;
    /** Current line (1-based). */
    line = 1;
    recordLine = 1;
    state = 0 /* State.RecordStart */;
    fields = [];
    /** Text of the current field read in earlier chunks (or before a `""`). */
    pending = '';
    /** Whether the current (single-field so far) record started with a quote: then it is never blank. */
    quotedField = false;
    /** Code units of the current record in earlier chunks. */
    carried = 0;
    delimiter;
    d0;
    d1;
    dLen;
    /** Spaces and tabs make a blank line, unless one of them is the delimiter. */
    blankSpace;
    blankTab;
    /**
     * @param delimiter one code point (one or two UTF-16 code units), never `"`, CR or LF
     * @param maxRecordChars largest record, in UTF-16 code units (each at least one UTF-8 byte, so a
     *   record over the limit has more than that many bytes too)
     */
    constructor(delimiter, maxRecordChars, onRecord) {
        this.maxRecordChars = maxRecordChars;
        this.onRecord = onRecord;
        this.delimiter = delimiter;
        this.d0 = delimiter.charCodeAt(0);
        this.d1 = delimiter.length > 1 ? delimiter.charCodeAt(1) : -1;
        this.dLen = delimiter.length;
        this.blankSpace = delimiter !== ' ';
        this.blankTab = delimiter !== '\t';
    }
    /** Tokenizes the next chunk of text. @throws CsvSyntaxError */
    write(s) {
        const n = s.length;
        const { d0, d1, dLen } = this;
        let i = 0;
        // Start of the current field's text within `s` (valid in Unquoted and Quoted states).
        let start = 0;
        // Start of the current record within `s` (0 when it began in an earlier chunk).
        let recordStart = 0;
        let state = this.state;
        // Fast path (as papaparse's): a whole record in this chunk without any quote or lone CR is split
        // with the native String.prototype.split. Next positions of LF, CR and `"` at or after i, found
        // with the native indexOf and refreshed only once i has passed them (n when there is none).
        let nextLf = -1;
        let nextCr = -1;
        let nextQuote = -1;
        let nextDelimiter = -1;
        const delimiter = this.delimiter;
        while (i < n) {
            if (state === 0 /* State.RecordStart */) {
                if (nextLf < i)
                    nextLf = indexOr(s, '\n', i, n);
                if (nextQuote < i)
                    nextQuote = indexOr(s, '"', i, n);
                if (nextLf < n && nextQuote > nextLf) {
                    let end = nextLf;
                    if (end > i && s.charCodeAt(end - 1) === CR)
                        end--;
                    if (nextCr < i)
                        nextCr = indexOr(s, '\r', i, n);
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
                        for (let from = i;;) {
                            if (nextDelimiter < from)
                                nextDelimiter = indexOr(s, delimiter, from, n);
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
                case 6 /* State.AfterCr */:
                    if (s.charCodeAt(i) === LF)
                        i++;
                    state = 0 /* State.RecordStart */;
                    break;
                case 0 /* State.RecordStart */:
                case 1 /* State.FieldStart */: {
                    if (state === 0 /* State.RecordStart */) {
                        recordStart = i;
                        this.carried = 0;
                        this.recordLine = this.line;
                        this.quotedField = false;
                    }
                    if (s.charCodeAt(i) === QUOTE) {
                        if (state === 0 /* State.RecordStart */)
                            this.quotedField = true;
                        i++;
                        start = i;
                        state = 3 /* State.Quoted */;
                    }
                    else {
                        start = i;
                        state = 2 /* State.Unquoted */;
                    }
                    break;
                }
                case 2 /* State.Unquoted */: {
                    let c = 0;
                    for (; i < n; i++) {
                        c = s.charCodeAt(i);
                        if (c === d0 || c === LF || c === CR || c === QUOTE)
                            break;
                    }
                    if (i === n)
                        break;
                    if (c === QUOTE)
                        throw this.error('INVALID_OPENING_QUOTE', this.line);
                    if (c === d0) {
                        if (dLen === 2 && s.charCodeAt(i + 1) !== d1) {
                            i++;
                            break; // first half of a surrogate pair that is not the delimiter
                        }
                        this.fields.push(this.pending === '' ? s.slice(start, i) : this.pending + s.slice(start, i));
                        this.pending = '';
                        i += dLen;
                        state = 1 /* State.FieldStart */;
                        break;
                    }
                    // CR or LF: end of record.
                    const value = this.pending === '' ? s.slice(start, i) : this.pending + s.slice(start, i);
                    this.pending = '';
                    this.checkSize(recordStart, i);
                    this.fields.push(value);
                    this.line++;
                    i++;
                    state = c === CR ? 6 /* State.AfterCr */ : 0 /* State.RecordStart */;
                    this.emit();
                    break;
                }
                case 3 /* State.Quoted */: {
                    for (; i < n; i++) {
                        const c = s.charCodeAt(i);
                        if (c === QUOTE)
                            break;
                        if (c === LF) {
                            if (i === 0 ? !this.crBefore : s.charCodeAt(i - 1) !== CR)
                                this.line++;
                        }
                        else if (c === CR)
                            this.line++;
                    }
                    this.crBefore = n > 0 && s.charCodeAt(n - 1) === CR;
                    if (i === n)
                        break;
                    this.pending += s.slice(start, i);
                    i++;
                    state = 4 /* State.QuoteInQuoted */;
                    break;
                }
                case 4 /* State.QuoteInQuoted */: {
                    const c = s.charCodeAt(i);
                    if (c === QUOTE) {
                        this.pending += '"';
                        i++;
                        start = i;
                        state = 3 /* State.Quoted */;
                    }
                    else {
                        state = 5 /* State.AfterClosingQuote */;
                    }
                    break;
                }
                case 5 /* State.AfterClosingQuote */: {
                    const c = s.charCodeAt(i);
                    if (c === d0 && (dLen === 1 || s.charCodeAt(i + 1) === d1)) {
                        this.fields.push(this.pending);
                        this.pending = '';
                        i += dLen;
                        state = 1 /* State.FieldStart */;
                    }
                    else if (c === LF || c === CR) {
                        this.checkSize(recordStart, i);
                        this.fields.push(this.pending);
                        this.pending = '';
                        this.line++;
                        i++;
                        state = c === CR ? 6 /* State.AfterCr */ : 0 /* State.RecordStart */;
                        this.emit();
                    }
                    else {
                        throw this.error('INVALID_CLOSING_QUOTE', this.line);
                    }
                    break;
                }
            }
        }
        // End of the chunk: keep the unfinished field's text.
        if (state === 2 /* State.Unquoted */ || state === 3 /* State.Quoted */)
            this.pending += s.slice(start, n);
        if (state !== 0 /* State.RecordStart */ && state !== 6 /* State.AfterCr */)
            this.checkSize(recordStart, n);
        this.carried += n - recordStart;
        this.state = state;
    }
    /** Ends the input: hands out the last record. @throws CsvSyntaxError for an unclosed quote */
    end() {
        switch (this.state) {
            case 3 /* State.Quoted */:
                throw this.error('QUOTE_NOT_CLOSED', this.recordLine);
            case 0 /* State.RecordStart */:
            case 6 /* State.AfterCr */:
                return;
            case 1 /* State.FieldStart */:
            case 2 /* State.Unquoted */:
            case 4 /* State.QuoteInQuoted */:
            case 5 /* State.AfterClosingQuote */:
                this.fields.push(this.pending);
                this.pending = '';
                this.state = 0 /* State.RecordStart */;
                this.emit();
        }
    }
    /** Whether the last code unit of the previous chunk was a CR (for CRLF split inside a quoted field). */
    crBefore = false;
    checkSize(recordStart, i) {
        if (this.carried + (i - recordStart) > this.maxRecordChars)
            throw this.error('RECORD_TOO_LARGE', this.recordLine);
    }
    emit() {
        this.emitFields(this.fields);
        this.fields.length = 0;
    }
    emitFields(fields) {
        if (fields.length === 1 && !this.quotedField && this.isBlank(fields[0]))
            return;
        this.onRecord(fields, this.recordLine);
        this.records++;
    }
    isBlank(s) {
        for (let i = 0; i < s.length; i++) {
            const c = s.charCodeAt(i);
            if (!((c === SPACE && this.blankSpace) || (c === TAB && this.blankTab)))
                return false;
        }
        return true;
    }
    error(code, line) {
        return new CsvSyntaxError(code, this.records, this.recordLine, line, this.fields.length + 1);
    }
}
exports.CsvTokenizer = CsvTokenizer;
//# sourceMappingURL=csvParser.js.map