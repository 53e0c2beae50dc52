"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.csvReportSchema = exports.columnReportSchema = exports.approximateFieldSchema = exports.histogramSchema = exports.topValueSchema = exports.columnTypeSchema = exports.TOP_SIZE = exports.HISTOGRAM_BINS = void 0;
/**
 * The `csv-report` result document: its zod schemas (the OpenAPI document's `CsvReport` and
 * `CsvColumnReport` components) and types. Browser-safe: the page imports the types from here, the
 * processor (`src/core/processors/csvReport.ts`) builds documents of these shapes.
 */
const zod_1 = require("zod");
/** Most histogram bins. */
exports.HISTOGRAM_BINS = 20;
/** Entries of `top`. */
exports.TOP_SIZE = 5;
/** Inferred type of a column (over its non-missing values). */
exports.columnTypeSchema = zod_1.z.enum(['integer', 'number', 'boolean', 'date', 'string', 'empty']);
/** One entry of a string column's `top` list. */
exports.topValueSchema = zod_1.z.object({
    value: zod_1.z.string().meta({ description: 'The (trimmed) value, cut to 1,000 UTF-16 code units' }),
    count: zod_1.z.number().int().nonnegative().meta({ description: 'Rows holding it; an upper bound when `top` is approximate' }),
});
/** Histogram of a numeric column: `counts[i]` values fall in `[edges[i], edges[i+1])` (the last bin is closed). */
exports.histogramSchema = zod_1.z.object({
    edges: zod_1.z
        .array(zod_1.z.number())
        .min(2)
        .max(exports.HISTOGRAM_BINS + 1),
    counts: zod_1.z.array(zod_1.z.number().int().nonnegative()).min(1).max(exports.HISTOGRAM_BINS),
});
/** Names of the fields a column may list in `approximate`. */
exports.approximateFieldSchema = zod_1.z.enum(['distinct', 'top', 'quantiles', 'histogram', 'min', 'max', 'sum', 'stddev']);
const d = (description) => ({ description });
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
 * - `distinct`: number of distinct non-missing values, compared as values of `type`: numbers
 *   numerically (`1` and `1.0` are one value), booleans case-insensitively, dates by instant (a date
 *   without offset is taken as UTC; a date alone is midnight), strings exactly. Exact, or a
 *   HyperLogLog estimate (see the module comment).
 * - `min`, `max`: numbers for `integer`/`number`, booleans for `boolean`, the original (trimmed) strings
 *   of the earliest/latest instant for `date`, strings for `string` (ordered by UTF-16 code units, like
 *   JavaScript's `<`; values longer than 1,000 code units are compared and given by their first 1,000,
 *   and `min`/`max` are then listed in `approximate`); `null` for `empty`.
 * - `approximate`: the fields of this column that are estimates (empty when all are exact).
 *
 * Only for `integer` and `number`: `sum` (compensated summation); `mean`; `stddev`, the *sample*
 * standard deviation (divisor n − 1), `null` when `count < 2`, computed with Welford's online algorithm
 * (Knuth, TAOCP vol. 2, 3rd ed., 4.2.2) on values scaled by a power of two so that it never overflows
 * (`mean` of 1e308 and −1e308 is 0); a `sum` (or `stddev`) beyond the double range is given as
 * ±1.7976931348623157e308 (`Number.MAX_VALUE`) and listed in `approximate`; `q25`, `q50`, `q75`, the
 * quartiles with linear interpolation between order statistics (pandas `describe()`, NumPy's default
 * `linear` method); `histogram` (see {@link histogramSchema}): when the column is integer and
 * `max − min < 20`, one bin of width 1 per integer `[v, v + 1)`; else 20 equal-width bins from `min`
 * to `max` (NumPy `histogram(x, bins=20, range=(min, max))`; a single value v gets one bin
 * `[v − 0.5, v + 0.5]`). An approximate histogram places each DDSketch bucket's count in the bin of
 * the bucket's representative value.
 *
 * Only for `string`: `minLength`, `maxLength` (in characters, i.e. Unicode code points) and `top`, the
 * (up to) 5 most frequent values, by count descending then value ascending (UTF-16 code units).
 */
exports.columnReportSchema = zod_1.z
    .strictObject({
    name: zod_1.z.string(),
    type: exports.columnTypeSchema,
    count: zod_1.z.number().int().nonnegative().meta(d('Non-missing values')),
    missing: zod_1.z.number().int().nonnegative().meta(d('Missing values (empty, NA, N/A, null, NULL, NaN)')),
    distinct: zod_1.z.number().int().nonnegative().meta(d('Distinct non-missing values (HyperLogLog estimate when approximate)')),
    min: zod_1.z.union([zod_1.z.number(), zod_1.z.string(), zod_1.z.boolean(), zod_1.z.null()]),
    max: zod_1.z.union([zod_1.z.number(), zod_1.z.string(), zod_1.z.boolean(), zod_1.z.null()]),
    approximate: zod_1.z.array(exports.approximateFieldSchema).meta(d('Fields of this column that are estimates')),
    sum: zod_1.z.number().optional(),
    mean: zod_1.z.number().optional(),
    stddev: zod_1.z.number().nullable().optional().meta(d('Sample standard deviation (n − 1); null when count < 2')),
    q25: zod_1.z.number().optional().meta(d('First quartile (linear interpolation, as pandas describe())')),
    q50: zod_1.z.number().optional().meta(d('Median')),
    q75: zod_1.z.number().optional().meta(d('Third quartile')),
    histogram: exports.histogramSchema.optional(),
    minLength: zod_1.z.number().int().nonnegative().optional().meta(d('Shortest value, in code points')),
    maxLength: zod_1.z.number().int().nonnegative().optional().meta(d('Longest value, in code points')),
    top: zod_1.z.array(exports.topValueSchema).max(exports.TOP_SIZE).optional(),
})
    .meta({ id: 'CsvColumnReport' });
/** The `csv-report` result document (`application/json`). */
exports.csvReportSchema = zod_1.z
    .strictObject({
    rows: zod_1.z.number().int().nonnegative().meta(d('Data records (the header record is not counted)')),
    columns: zod_1.z.array(exports.columnReportSchema).meta(d('One entry per column, in file order; [] for an input with no record')),
})
    .meta({ id: 'CsvReport', description: 'Result of a csv-report job' });
//# sourceMappingURL=csvReport.js.map