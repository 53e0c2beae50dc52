import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { ZodError } from 'zod';

import {
  buildCsvReport,
  type ColumnReport,
  columnReportSchema,
  type CsvReport,
  type CsvReportOptions,
  csvReportOptionsSchema,
  csvReportProcessor,
  csvReportSchema,
  EXACT_DISTINCT_LIMIT,
  MAX_COLUMNS,
} from '../../src/core/processors/csvReport';
import {
  ProcessorAbortedError,
  type ProcessorContext,
  ProcessorInputError,
  type ProgressReport,
} from '../../src/core/processors/processor';
import { openApiDocument } from '../../src/http/openapi';
import { prng } from '../support/datasets';
import { expectReportsClose, referenceCsvReport } from '../support/referenceCsvStats';

// ------------------------------------------------------------------------------------------------
// Helpers

/** Splits the bytes into chunks of `size` (7 by default: splits multi-byte characters and CRLF pairs). */
function chunksOf(data: string | Buffer, size = 7): Buffer[] {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const streamOf = (data: string | Buffer, size = 7): Readable => Readable.from(chunksOf(data, size));

/** Options as they come from the query string, validated by the processor's schema. */
const opts = (query: Record<string, string> = {}): CsvReportOptions => csvReportOptionsSchema.parse(query);

async function reportOf(data: string | Buffer, query: Record<string, string> = {}, size = 7): Promise<CsvReport> {
  return buildCsvReport(streamOf(data, size), opts(query));
}

function column(report: CsvReport, name: string): ColumnReport {
  const c = report.columns.find((col) => col.name === name);
  if (c === undefined) throw new Error(`no column ${name} in ${report.columns.map((x) => x.name).join(', ')}`);
  return c;
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/**
 * The ProcessorInputError the input is rejected with, read in chunks of `size` bytes; when no size is
 * given, also checks that 1-byte chunks and one single chunk give the same error.
 */
async function inputErrorOf(data: string | Buffer, query: Record<string, string> = {}, size?: number) {
  const err = await rejectionOf(reportOf(data, query, size ?? 7));
  expect(err).toBeInstanceOf(ProcessorInputError);
  if (size === undefined) {
    for (const other of [1, 1 << 20]) {
      const again = (await rejectionOf(reportOf(data, query, other))) as ProcessorInputError;
      expect(again).toBeInstanceOf(ProcessorInputError);
      expect({ message: again.message, location: again.location }).toEqual({
        message: (err as ProcessorInputError).message,
        location: (err as ProcessorInputError).location,
      });
    }
  }
  return err as ProcessorInputError;
}

/** Approximately normal variate (Box–Muller). */
const gaussian = (rand: () => number) => () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

const csvField = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const toCsv = (rows: string[][], eol = '\n'): string => rows.map((r) => r.map(csvField).join(',')).join(eol) + eol;

// ------------------------------------------------------------------------------------------------

describe('csv-report options schema', () => {
  it('applies the defaults', () => {
    expect(csvReportOptionsSchema.parse({})).toEqual({ delimiter: ',', header: true, shortRows: 'fill' });
    expect(csvReportProcessor.optionsSchema.parse({})).toEqual({ delimiter: ',', header: true, shortRows: 'fill' });
  });

  it('accepts single characters, tab aliases and header values', () => {
    expect(opts({ delimiter: ';' }).delimiter).toBe(';');
    expect(opts({ delimiter: '|' }).delimiter).toBe('|');
    expect(opts({ delimiter: '\t' }).delimiter).toBe('\t');
    expect(opts({ delimiter: 'tab' }).delimiter).toBe('\t');
    expect(opts({ delimiter: 'TAB' }).delimiter).toBe('\t');
    expect(opts({ delimiter: '\\t' }).delimiter).toBe('\t');
    expect(opts({ delimiter: '§' }).delimiter).toBe('§');
    expect(opts({ header: 'false' })).toEqual({ delimiter: ',', header: false, shortRows: 'fill' });
    expect(opts({ shortRows: 'error' }).shortRows).toBe('error');
    expect(opts({ header: 'true' }).header).toBe(true);
  });

  it.each([
    [{ delimiter: ',,' }],
    [{ delimiter: '' }],
    [{ delimiter: '"' }],
    [{ delimiter: '\n' }],
    [{ delimiter: '\r' }],
    [{ delimiter: 'ab' }],
    [{ delimiter: '\uD800' }],
    [{ header: 'yes' }],
    [{ header: 'TRUE' }],
    [{ header: '' }],
    [{ delim: ';' }],
    [{ delimiter: ';', extra: '1' }],
    [{ delimiter: [';'] }],
    [{ header: true }],
    [null],
    [undefined],
    ['delimiter=;'],
    [42],
  ])('rejects %j with a ZodError only', (input) => {
    expect(() => csvReportOptionsSchema.parse(input)).toThrow(ZodError);
    expect(csvReportOptionsSchema.safeParse(input).success).toBe(false);
  });
});

describe('csv-report processor metadata', () => {
  it('declares its type, media types and a one-line description', () => {
    expect(csvReportProcessor.type).toBe('csv-report');
    expect(csvReportProcessor.mediaTypes).toEqual(['text/csv']);
    expect(csvReportProcessor.resultMediaType).toBe('application/json');
    expect(csvReportProcessor.description).toMatch(/\S/);
    expect(csvReportProcessor.description).not.toMatch(/\n/);
  });
});

describe('type inference', () => {
  it('infers each type', async () => {
    const text = [
      'int,num,bool,date,str,empty',
      '1,1.5,true,2020-01-31,apple,',
      '-2,-.5,FALSE,2020-02-29T12:30,banana,NA',
      '+30,1e3,True,2021-12-31 23:59:59.123Z,cherry,  ',
      '0,2.,false,1999-01-01T00:00:00+05:30,date,null',
      '007,3,TRUE,2000-02-29 10:00-08:00,1,NaN',
    ].join('\n');
    const r = await reportOf(text);
    expect(r.rows).toBe(5);
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['int', 'integer'],
      ['num', 'number'],
      ['bool', 'boolean'],
      ['date', 'date'],
      ['str', 'string'],
      ['empty', 'empty'],
    ]);
    expect(column(r, 'int')).toMatchObject({ min: -2, max: 30, sum: 36, count: 5, distinct: 5 });
    expect(column(r, 'num')).toMatchObject({ min: -0.5, max: 1000, sum: 1006, count: 5 });
    expect(column(r, 'bool')).toEqual({
      name: 'bool',
      type: 'boolean',
      count: 5,
      missing: 0,
      distinct: 2,
      min: false,
      max: true,
      approximate: [],
    });
    // 1999-01-01T00:00+05:30 is 1998-12-31T18:30Z: the earliest instant.
    expect(column(r, 'date')).toEqual({
      name: 'date',
      type: 'date',
      count: 5,
      missing: 0,
      distinct: 5,
      min: '1999-01-01T00:00:00+05:30',
      max: '2021-12-31 23:59:59.123Z',
      approximate: [],
    });
    expect(column(r, 'empty')).toEqual({
      name: 'empty',
      type: 'empty',
      count: 0,
      missing: 5,
      distinct: 0,
      min: null,
      max: null,
      approximate: [],
    });
    expect(column(r, 'str').type).toBe('string');
    expect(column(r, 'str').sum).toBeUndefined();
    expect(column(r, 'int').top).toBeUndefined();
  });

  it.each([
    ['integers and one decimal', ['1', '2', '3.0'], 'number'],
    ['numbers and one word', ['1.5', 'x'], 'string'],
    ['an overflowing exponent', ['1', '1e400'], 'string'],
    ['hexadecimal', ['0x10'], 'string'],
    ['Infinity', ['Infinity'], 'string'],
    ['a lone sign or dot', ['-', '.'], 'string'],
    ['thousands separators', ['1,000'], 'string'],
    ['booleans and numbers', ['true', '1'], 'string'],
    ['yes/no', ['yes', 'no'], 'string'],
    ['an invalid day (2021-02-29)', ['2021-02-28', '2021-02-29'], 'string'],
    ['a leap day (2000-02-29)', ['2000-02-29', '1900-02-28'], 'date'],
    ['a century non-leap day (1900-02-29)', ['1900-02-29'], 'string'],
    ['month 13', ['2020-13-01'], 'string'],
    ['hour 24', ['2020-01-01T24:00'], 'string'],
    ['minute 60', ['2020-01-01 10:60'], 'string'],
    ['an offset without a time', ['2020-01-01Z'], 'string'],
    ['a compact date', ['2020-1-1'], 'string'],
    ['dates and date-times', ['2020-01-01', '2020-01-01T10:00:00.123456Z', '2020-06-30 08:15+02:00'], 'date'],
  ])('%s → %s', async (_label, values, type) => {
    const r = await reportOf(toCsv([['v'], ...values.map((v) => [v])]));
    expect(column(r, 'v').type).toBe(type);
    expect(r).toEqual(referenceCsvReport(toCsv([['v'], ...values.map((v) => [v])])));
  });

  it('counts distinct booleans case-insensitively and distinct dates by instant', async () => {
    const r = await reportOf('b,d\ntrue,2020-01-01T10:00:00Z\nTRUE,2020-01-01T11:00:00+01:00\nTrue,2020-01-01 10:00\ntrue,2020-01-02\n');
    expect(column(r, 'b')).toMatchObject({ type: 'boolean', distinct: 1, min: true, max: true });
    expect(column(r, 'd')).toMatchObject({
      type: 'date',
      distinct: 2,
      min: '2020-01-01 10:00', // the same instant as the two others, and the smallest string
      max: '2020-01-02',
    });
  });

  it('treats only the listed markers as missing, after trimming', async () => {
    const values = ['', '   ', 'NA', ' N/A ', 'null', 'NULL', 'NaN', '\tNA\t', 'na', 'None', 'nan', 'Null', '-'];
    const r = await reportOf(toCsv([['v', 'n'], ...values.map((v, i) => [v, String(i)])]));
    expect(column(r, 'v')).toMatchObject({ type: 'string', count: 5, missing: 8, distinct: 5 });
    expect(
      column(r, 'v')
        .top?.map((t) => t.value)
        .sort(),
    ).toEqual(['-', 'None', 'Null', 'na', 'nan']);
    expect(r.rows).toBe(values.length);
  });

  it('trims values before typing them and in the statistics', async () => {
    const r = await reportOf('n,s\n 1 ,  x\n2\t, x  \n" 3 ","x"\n');
    expect(column(r, 'n')).toMatchObject({ type: 'integer', min: 1, max: 3, sum: 6 });
    expect(column(r, 's')).toMatchObject({ type: 'string', distinct: 1, top: [{ value: 'x', count: 3 }] });
  });
});

describe('numeric statistics', () => {
  it('computes hand-checked values for [1, 2, 3, 4]', async () => {
    const c = column(await reportOf('x\n1\n2\n3\n4\n'), 'x');
    expect(c.type).toBe('integer');
    expect(c.count).toBe(4);
    expect(c.sum).toBe(10);
    expect(c.mean).toBe(2.5);
    expect(c.stddev).toBeCloseTo(1.2909944487358056, 14);
    expect(c.min).toBe(1);
    expect(c.max).toBe(4);
    expect(c.distinct).toBe(4);
  });

  it('computes the sample (n − 1) standard deviation of [2, 4, 4, 4, 5, 5, 7, 9]', async () => {
    const c = column(await reportOf('x\n2\n4\n4\n4\n5\n5\n7\n9\n'), 'x');
    expect(c.mean).toBe(5);
    expect(c.stddev).toBeCloseTo(Math.sqrt(32 / 7), 14); // population stddev would be 2
    expect(c.distinct).toBe(5);
  });

  it('stays accurate with a large offset (Welford)', async () => {
    // Variance of {4, 7, 13, 16} is 30, whatever the offset; the naive Σx² − (Σx)²/n loses it at 1e9.
    const c = column(await reportOf('x\n1000000004\n1000000007\n1000000013\n1000000016\n'), 'x');
    expect(c.mean).toBe(1000000010);
    expect(c.stddev).toBeCloseTo(Math.sqrt(30), 6);
  });

  it('gives stddev null for one value and 0 for identical values', async () => {
    expect(column(await reportOf('x\n3.5\nNA\n'), 'x')).toMatchObject({
      type: 'number',
      count: 1,
      missing: 1,
      mean: 3.5,
      sum: 3.5,
      stddev: null,
    });
    expect(column(await reportOf('x\n0.1\n0.1\n0.1\n'), 'x')).toMatchObject({ stddev: 0, mean: 0.1, distinct: 1 });
  });

  it('counts distinct numeric values, not spellings', async () => {
    const r = await reportOf('num,int\n1,1\n1.0,01\n1e0,+1\n+1.00,-0\n10e-1,0\n2,2\n');
    expect(column(r, 'num')).toMatchObject({ type: 'number', distinct: 2, count: 6 });
    expect(column(r, 'int')).toMatchObject({ type: 'integer', distinct: 3, count: 6 });
  });

  it('matches the two-pass reference on generated data', async () => {
    const rand = prng(42);
    const normal = gaussian(rand);
    const rows: string[][] = [['id', 'measure', 'count', 'tiny', 'offset', 'sparse']];
    for (let i = 0; i < 5000; i++) {
      rows.push([
        String(i + 1),
        (100 + 15 * normal()).toFixed(4),
        String(Math.floor(rand() * 1000) - 500),
        (normal() * 1e-6).toExponential(6),
        (1e9 + normal()).toFixed(3),
        rand() < 0.7 ? 'NA' : (normal() * 3).toFixed(2),
      ]);
    }
    const text = toCsv(rows);
    const actual = await reportOf(text, {}, 4096);
    expect(actual.columns.map((c) => c.type)).toEqual(['integer', 'number', 'integer', 'number', 'number', 'number']);
    expectReportsClose(actual, referenceCsvReport(text));
    expect(column(actual, 'id')).toMatchObject({ sum: (5000 * 5001) / 2, mean: 2500.5, distinct: 5000 });
  });
});

describe('string statistics', () => {
  it('orders top-5 by count desc then value asc', async () => {
    const values = ['g', 'b', 'a', 'c', 'b', 'a', 'f', 'e', 'b', 'a', 'c', 'd'];
    const c = column(await reportOf(toCsv([['v'], ...values.map((v) => [v])])), 'v');
    expect(c.top).toEqual([
      { value: 'a', count: 3 },
      { value: 'b', count: 3 },
      { value: 'c', count: 2 },
      { value: 'd', count: 1 },
      { value: 'e', count: 1 },
    ]);
    expect(c.distinct).toBe(7);
  });

  it('breaks ties by UTF-16 code units (uppercase before lowercase)', async () => {
    const c = column(await reportOf('v\nb\na\nB\nb\n_\n'), 'v');
    expect(c.top).toEqual([
      { value: 'b', count: 2 },
      { value: 'B', count: 1 },
      { value: '_', count: 1 },
      { value: 'a', count: 1 },
    ]);
  });

  it('lists fewer than 5 when there are fewer distinct values', async () => {
    const c = column(await reportOf('v\nx\ny\nx\n'), 'v');
    expect(c.top).toEqual([
      { value: 'x', count: 2 },
      { value: 'y', count: 1 },
    ]);
  });

  it('compares strings by UTF-16 code units and measures lengths in code points', async () => {
    // '😀' is U+1F600 (surrogates D83D DE00), below '～' U+FF5E in UTF-16 order, above it in code points.
    const values = ['apple', 'Zebra', 'é', 'e\u0301', '😀😀', '～', 'ab'];
    const c = column(await reportOf(toCsv([['v'], ...values.map((v) => [v])]), {}, 3), 'v');
    expect(c.min).toBe('Zebra');
    expect(c.max).toBe('～');
    expect(c.minLength).toBe(1);
    expect(c.maxLength).toBe(5);
    expect(column(await reportOf('v\n😀😀\né\n', {}, 1), 'v')).toMatchObject({ minLength: 1, maxLength: 2 });
  });
});

describe('CSV syntax (RFC 4180)', () => {
  it('handles quoted delimiters, doubled quotes and embedded newlines across chunk boundaries', async () => {
    const text =
      'id,text,n\r\n' +
      '1,"a,b",1\r\n' +
      '2,"say ""hi""",2\r\n' +
      '3,"line1\nline2",3\r\n' +
      '4,"crlf\r\ninside, ""q""",4\r\n' +
      '5,plain,5\r\n';
    for (const size of [1, 2, 3, 7, 64]) {
      const r = await reportOf(text, {}, size);
      expect(r.rows).toBe(5);
      const t = column(r, 'text');
      expect(t.top?.map((x) => x.value).sort()).toEqual(['a,b', 'say "hi"', 'line1\nline2', 'crlf\r\ninside, "q"', 'plain'].sort());
      expect(t.maxLength).toBe('crlf\r\ninside, "q"'.length);
      expect(column(r, 'n')).toMatchObject({ type: 'integer', sum: 15 });
      expect(r).toEqual(referenceCsvReport(text));
    }
  });

  it('combines BOM, CRLF, quoted header names, quoted newlines, doubled quotes and missing values', async () => {
    const text =
      '\uFEFFcity,"pop, 2020",note,flag\r\n' +
      '"New\r\nYork",8336817,"said ""hi""",true\r\n' +
      'Paris,NA,,FALSE\r\n' +
      'Oslo, 709037 ,N/A,true\r\n' +
      '"Zürich",421878,"multi\nline",NULL\r\n';
    const r = await reportOf(text);
    expect(r.columns.map((c) => [c.name, c.type, c.missing])).toEqual([
      ['city', 'string', 0],
      ['pop, 2020', 'integer', 1],
      ['note', 'string', 2],
      ['flag', 'boolean', 1],
    ]);
    expect(column(r, 'city')).toMatchObject({ min: 'New\r\nYork', max: 'Zürich', minLength: 4, maxLength: 9 });
    expect(column(r, 'pop, 2020')).toMatchObject({ min: 421878, max: 8336817, sum: 9467732 });
    expectReportsClose(r, referenceCsvReport(text));
  });

  it('strips a UTF-8 BOM, even split across chunks', async () => {
    const text = '\uFEFFid,name\n1,x\n2,y\n';
    for (const size of [1, 2, 3, 7]) {
      const r = await reportOf(text, {}, size);
      expect(r.columns.map((c) => c.name)).toEqual(['id', 'name']);
      expect(column(r, 'id').type).toBe('integer');
    }
    expect((await reportOf('\uFEFF1,2\n', { header: 'false' })).columns[0]).toMatchObject({ type: 'integer', min: 1 });
  });

  it('reads CRLF files the same as LF files', async () => {
    const lf = 'a,b,c\n1,x,true\n2,"y\nz",false\n3,é😀,true\n';
    const crlf = lf.replace(/\n/g, '\r\n');
    for (const size of [1, 2, 5, 7]) {
      const r = await reportOf(crlf, {}, size);
      expect(r.rows).toBe(3);
      expect(column(r, 'a')).toMatchObject({ type: 'integer', sum: 6 });
      expect(
        column(r, 'b')
          .top?.map((t) => t.value)
          .sort(),
      ).toEqual(['x', 'y\r\nz', 'é😀']);
      expect(column(r, 'c').type).toBe('boolean');
    }
    const { columns: lfColumns } = await reportOf(lf);
    expect(lfColumns.map((c) => c.type)).toEqual(['integer', 'string', 'boolean']);
  });

  it('accepts CR-only and mixed line endings', async () => {
    for (const text of ['a,b\r1,x\r2,y\r', 'a,b\n1,x\r\n2,y\r', 'a,b\r\n1,x\n2,y']) {
      for (const size of [1, 7]) {
        const r = await reportOf(text, {}, size);
        expect(r.rows).toBe(2);
        expect(column(r, 'a')).toMatchObject({ type: 'integer', sum: 3 });
        expect(column(r, 'b').top).toEqual([
          { value: 'x', count: 1 },
          { value: 'y', count: 1 },
        ]);
      }
    }
  });

  it('accepts a stream of strings', async () => {
    const r = await buildCsvReport(Readable.from(['a,b\n1,', 'é\n2,ü\n']), opts());
    expect(r.rows).toBe(2);
    expect(column(r, 'b').top?.map((t) => t.value)).toEqual(['é', 'ü']);
  });

  it('skips blank lines and accepts a missing final line break', async () => {
    const r = await reportOf('a,b\n\n1,2\n\n\n3,4');
    expect(r.rows).toBe(2);
    expect(column(r, 'b')).toMatchObject({ sum: 6, count: 2, missing: 0 });
  });

  it('keeps multi-byte characters split between chunks intact', async () => {
    const text = 'word\nnaïve\nnaïve\n日本語\nÅngström\n🦄🦄\n';
    for (const size of [1, 2, 3, 4, 7]) {
      const c = column(await reportOf(text, {}, size), 'word');
      expect(c.top).toEqual([
        { value: 'naïve', count: 2 },
        { value: 'Ångström', count: 1 },
        { value: '日本語', count: 1 },
        { value: '🦄🦄', count: 1 },
      ]);
    }
  });
});

describe('header and delimiter options', () => {
  it('names columns column1..N and counts every record with header=false', async () => {
    const r = await reportOf('1,a\n2,b\n3,c\n', { header: 'false' });
    expect(r.rows).toBe(3);
    expect(r.columns.map((c) => c.name)).toEqual(['column1', 'column2']);
    expect(column(r, 'column1')).toMatchObject({ type: 'integer', sum: 6 });
    expect(r).toEqual(referenceCsvReport('1,a\n2,b\n3,c\n', { header: false }));
  });

  it('supports ";" as delimiter', async () => {
    const text = 'name;price;ok\n"Smith; J.";1,50;true\nDoe;2,00;false\n';
    const r = await reportOf(text, { delimiter: ';' });
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['name', 'string'],
      ['price', 'string'], // a decimal comma is not a number
      ['ok', 'boolean'],
    ]);
    expect(column(r, 'name').min).toBe('Doe');
    expect(column(r, 'name').max).toBe('Smith; J.');
    expect(r).toEqual(referenceCsvReport(text, { delimiter: ';' }));
  });

  it('supports tab as delimiter (delimiter=tab or \\t)', async () => {
    const text = 'a\tb c\n1\thello, world\n2\t"x\ty"\n';
    for (const delimiter of ['tab', '\\t', '\t']) {
      const r = await reportOf(text, { delimiter });
      expect(r.columns.map((c) => c.name)).toEqual(['a', 'b c']);
      expect(
        column(r, 'b c')
          .top?.map((t) => t.value)
          .sort(),
      ).toEqual(['hello, world', 'x\ty']);
      expect(r).toEqual(referenceCsvReport(text, { delimiter: '\t' }));
    }
  });

  it('renames empty and duplicate header names', async () => {
    const text = 'a,,a,a, column2 ,\n1,2,3,4,5,6\n';
    const r = await reportOf(text);
    expect(r.columns.map((c) => c.name)).toEqual(['a', 'column2', 'a_2', 'a_3', 'column2_2', 'column6']);
    expect(column(r, 'a_3').min).toBe(4);
    expect(r).toEqual(referenceCsvReport(text));
  });

  it('reports a header-only file as 0 rows of empty columns', async () => {
    for (const text of ['a,b\n', 'a,b', '\uFEFFa,b\r\n\r\n']) {
      expect(await reportOf(text)).toEqual({
        rows: 0,
        columns: [
          { name: 'a', type: 'empty', count: 0, missing: 0, distinct: 0, min: null, max: null, approximate: [] },
          { name: 'b', type: 'empty', count: 0, missing: 0, distinct: 0, min: null, max: null, approximate: [] },
        ],
      });
    }
  });

  it('reports an empty input as no rows and no columns', async () => {
    expect(await reportOf('')).toEqual({ rows: 0, columns: [] });
    expect(await reportOf('', { header: 'false' })).toEqual({ rows: 0, columns: [] });
    expect(await buildCsvReport(Readable.from([]), opts())).toEqual({ rows: 0, columns: [] });
    expect(await reportOf('\uFEFF')).toEqual({ rows: 0, columns: [] });
    expect(await reportOf('\n\r\n\n')).toEqual({ rows: 0, columns: [] });
  });
});

describe('malformed input', () => {
  it('rejects an unclosed quote, naming the row, line and column where the record starts', async () => {
    const err = await inputErrorOf('a,b\n1,2\n\n3,"4\n5,6\n');
    expect(err.message).toMatch(/data row 2/);
    expect(err.message).toMatch(/line 4/);
    expect(err.message).toMatch(/column 2 \("b"\)/);
    expect(err.message).toMatch(/never closed/);
    expect(err.location).toEqual({ row: 2, line: 4, column: 2 });
  });

  it('rejects a record with too few fields with shortRows=error', async () => {
    const err = await inputErrorOf('a,b,c\n1,2,3\n4,5\n', { shortRows: 'error' });
    expect(err.message).toMatch(/data row 2, line 3, column 3 \("c"\).*2 fields.*header has 3/);
    expect(err.location).toEqual({ row: 2, line: 3, column: 3 });
  });

  it('rejects a record with too many fields, after a multi-line record', async () => {
    const err = await inputErrorOf('a,b\n1,"x\ny"\n2,z\n3,4,5\n');
    expect(err.location).toEqual({ row: 3, line: 5, column: 3 });
    expect(err.message).toMatch(/3 fields but the header has 2/);
  });

  it('compares field counts with the first record when header=false', async () => {
    const err = await inputErrorOf('1,2,3\n3,4,5,6\n', { header: 'false' });
    expect(err.location).toEqual({ row: 2, line: 2, column: 4 });
    expect(err.message).toMatch(/4 fields but the first record has 3/);
  });

  it('counts CRLF line endings once in error locations', async () => {
    for (const size of [1, 7]) {
      const err = await inputErrorOf('a,b\r\n1,2\r\n3,4\r\n5\r\n', { shortRows: 'error' }, size);
      expect(err.location).toEqual({ row: 3, line: 4, column: 2 });
    }
  });

  it('rejects text after a closing quote', async () => {
    const err = await inputErrorOf('a,b,c\n1,2,3\n4,5,"x"y\n');
    expect(err.location).toEqual({ row: 2, line: 3, column: 3 });
    expect(err.message).toMatch(/closing quote/);
  });

  it('rejects a quote inside an unquoted field', async () => {
    const err = await inputErrorOf('a,b\n1,x"y"\n');
    expect(err.location).toEqual({ row: 1, line: 2, column: 2 });
    expect(err.message).toMatch(/data row 1, line 2, column 2/);
  });

  it('rejects a record larger than maxRecordBytes (usually an unclosed quote)', async () => {
    const pulled: number[] = [];
    const source = Readable.from(
      (function* () {
        yield Buffer.from('a,b\n1,"');
        for (let i = 0; i < 1000; i++) {
          pulled.push(i);
          yield Buffer.alloc(1024, 'x');
        }
      })(),
    );
    const err = await rejectionOf(buildCsvReport(source, opts(), { maxRecordBytes: 4096 }));
    expect(err).toBeInstanceOf(ProcessorInputError);
    expect((err as Error).message).toMatch(/data row 1, line 2, column 2 \("b"\): the record exceeds 4096 bytes/);
    expect(pulled.length).toBeLessThan(100); // stopped reading soon after the limit
  });

  it('reports errors in the header record without a data row', async () => {
    const err = await inputErrorOf('a,"b\n');
    expect(err.message).toMatch(/header record/);
    expect(err.location.row).toBeUndefined();
    expect(err.location.line).toBe(1);
  });

  it.each([
    ['an invalid byte', Buffer.from([0x61, 0x0a, 0x62, 0xff, 0x0a]), 3, 2],
    ['an overlong encoding', Buffer.from([0x61, 0x0a, 0x0a, 0x63, 0xc0, 0xaf, 0x0a]), 4, 3],
    ['an encoded surrogate', Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x0a]), 2, 2],
    ['a truncated sequence at the end', Buffer.from([0x61, 0x0a, 0x62, 0xe2, 0x82]), 3, 2],
    ['a lead byte followed by ASCII', Buffer.from([0x61, 0x0a, 0x62, 0x63, 0x64, 0x65, 0xe2, 0x41, 0x0a]), 6, 2],
    ['Latin-1 text', Buffer.from('name\ncaf\xe9\n', 'latin1'), 8, 2],
  ])('rejects invalid UTF-8: %s', async (_label, bytes, offset, line) => {
    for (const size of [1, 2, 7, 1024]) {
      const err = await inputErrorOf(bytes, {}, size);
      expect(err.message).toMatch(/not valid UTF-8/);
      expect(err.message).toContain(`byte offset ${offset} (line ${line})`);
      expect(err.location).toEqual({ line });
    }
  });
});

describe('progress', () => {
  it('reports at most once per interval and ends with 100', async () => {
    const text = toCsv([['i', 'v'], ...Array.from({ length: 200 }, (_, i) => [String(i), String(i * 0.5)])]);
    const bytes = Buffer.byteLength(text);
    let clock = 0;
    const reports: { at: number; report: ProgressReport }[] = [];
    const chunks = Math.ceil(bytes / 8);
    const result = await buildCsvReport(streamOf(text, 8), opts(), {
      totalBytes: bytes,
      now: () => (clock += 100), // every call advances the fake clock by 100 ms
      onProgress: (report) => reports.push({ at: clock, report }),
    });
    expect(result.rows).toBe(200);
    // The clock is read once per input chunk, 100 ms apart: about one report per 10 chunks, plus the last.
    expect(chunks).toBeGreaterThan(100);
    expect(reports.length).toBeGreaterThanOrEqual(Math.floor(chunks / 10) - 1);
    expect(reports.length).toBeLessThanOrEqual(Math.ceil(chunks / 10) + 2);
    const intermediate = reports.slice(0, -1);
    for (let i = 1; i < intermediate.length; i++) {
      expect((intermediate[i]?.at ?? 0) - (intermediate[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    }
    let previous = 0;
    for (const { report } of intermediate) {
      expect(report.percentComplete).toBeLessThanOrEqual(99);
      expect(report.percentComplete).toBeGreaterThanOrEqual(previous);
      previous = report.percentComplete ?? 0;
      expect(report.progress?.['bytesRead']).toBeGreaterThan(0);
      expect(report.progress?.['rows']).toBeGreaterThan(0);
    }
    expect(reports.at(-1)?.report).toEqual({ percentComplete: 100, progress: { bytesRead: bytes, rows: 200 } });
  });

  it('reports only the final 100 for a quick job on the real clock', async () => {
    const reports: ProgressReport[] = [];
    await buildCsvReport(streamOf('a\n1\n2\n'), opts(), { totalBytes: 6, onProgress: (r) => reports.push(r) });
    expect(reports).toEqual([{ percentComplete: 100, progress: { bytesRead: 6, rows: 2 } }]);
  });

  it('omits percentComplete of intermediate reports when the size is unknown', async () => {
    const reports: ProgressReport[] = [];
    let clock = 0;
    await buildCsvReport(streamOf('a\n1\n2\n3\n', 2), opts(), {
      now: () => (clock += 2000),
      onProgress: (r) => reports.push(r),
    });
    expect(reports.length).toBe(5); // one per chunk of 2 bytes, and the final one
    expect(reports.slice(0, -1).every((r) => r.percentComplete === undefined)).toBe(true);
    expect(reports.at(-1)?.percentComplete).toBe(100);
  });
});

describe('abort', () => {
  /** An endless CSV source that counts what was pulled from it. */
  function endless(): Readable & { pulled: number } {
    let n = 0;
    const stream = new Readable({
      read() {
        if (n === 0) this.push('a,b\n');
        n++;
        setTimeout(() => this.push(`${n},x\n`), 1);
      },
    }) as Readable & { pulled: number };
    Object.defineProperty(stream, 'pulled', { get: () => n });
    return stream;
  }

  it('stops reading and throws ProcessorAbortedError', async () => {
    const source = endless();
    const controller = new AbortController();
    let rowsAtProgress = 0;
    let clock = 0;
    const promise = buildCsvReport(source, opts(), {
      signal: controller.signal,
      now: () => (clock += 1000),
      onProgress: (p) => {
        rowsAtProgress = Number(p.progress?.['rows']);
        if (rowsAtProgress >= 5) controller.abort();
      },
    });
    await expect(promise).rejects.toBeInstanceOf(ProcessorAbortedError);
    expect(rowsAtProgress).toBeGreaterThanOrEqual(5);
    expect(source.destroyed).toBe(true);
    const pulled = source.pulled;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(source.pulled).toBe(pulled);
  });

  it('throws ProcessorAbortedError at once when the signal is already aborted', async () => {
    const source = endless();
    await expect(buildCsvReport(source, opts(), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(ProcessorAbortedError);
    expect(source.destroyed).toBe(true);
  });

  it('throws ProcessorAbortedError from run() when canceled while reading', async () => {
    const controller = new AbortController();
    const source = endless();
    const ctx = contextFor(source, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(csvReportProcessor.run(ctx)).rejects.toBeInstanceOf(ProcessorAbortedError);
    expect(source.destroyed).toBe(true);
  });
});

function contextFor(
  source: Readable,
  signal: AbortSignal,
  sizeBytes = 0,
  progress: ProgressReport[] = [],
  options: CsvReportOptions = opts(),
): ProcessorContext<CsvReportOptions> {
  return {
    jobId: 'job-1',
    options,
    signal,
    input: { contentType: 'text/csv', sizeBytes, open: () => Promise.resolve(source) },
    reportProgress: (p) => progress.push(p),
  };
}

describe('csvReportProcessor.run', () => {
  it('returns the report as JSON and reports progress through the context', async () => {
    const text = 'x;y\n1;a\n2;b\n';
    const progress: ProgressReport[] = [];
    const size = Buffer.byteLength(text);
    const ctx = contextFor(streamOf(text), new AbortController().signal, size, progress, opts({ delimiter: ';' }));
    const result = await csvReportProcessor.run(ctx);
    expect(result.contentType).toBe('application/json');
    expect(typeof result.body).toBe('string');
    const report: unknown = JSON.parse(result.body as string);
    expect(report).toEqual(await reportOf(text, { delimiter: ';' }));
    expect(report).toEqual(referenceCsvReport(text, { delimiter: ';' }));
    expect(progress.at(-1)).toEqual({ percentComplete: 100, progress: { bytesRead: size, rows: 2 } });
  });

  it('lets ProcessorInputError through', async () => {
    const ctx = contextFor(streamOf('a,b\n1,2,3\n'), new AbortController().signal);
    await expect(csvReportProcessor.run(ctx)).rejects.toBeInstanceOf(ProcessorInputError);
  });

  it('does not open the input when already canceled', async () => {
    const open = jest.fn(() => Promise.resolve(streamOf('a\n1\n')));
    const ctx = {
      ...contextFor(streamOf(''), AbortSignal.abort()),
      input: { contentType: 'text/csv', sizeBytes: 4, open },
    };
    await expect(csvReportProcessor.run(ctx)).rejects.toBeInstanceOf(ProcessorAbortedError);
    expect(open).not.toHaveBeenCalled();
  });
});

describe('realistic data sets (generated; vega-datasets is not installed)', () => {
  it('profiles a Seattle-weather-like file', async () => {
    const rand = prng(2012);
    const normal = gaussian(rand);
    const weathers = ['sun', 'rain', 'drizzle', 'fog', 'snow'];
    const rows: string[][] = [['date', 'precipitation', 'temp_max', 'temp_min', 'wind', 'weather']];
    const start = Date.UTC(2012, 0, 1);
    for (let d = 0; d < 1461; d++) {
      const season = Math.cos(((d % 365) / 365) * 2 * Math.PI);
      const tmax = 16 - 9 * season + 3 * normal();
      const rain = rand() < 0.45;
      rows.push([
        new Date(start + d * 86_400_000).toISOString().slice(0, 10),
        rain ? (rand() * 20).toFixed(1) : '0.0',
        tmax.toFixed(1),
        (tmax - 6 - 2 * rand()).toFixed(1),
        (3 + 1.4 * normal()).toFixed(1).replace(/^-.*/, '0.4'),
        weathers[Math.min(4, Math.floor(rand() ** 2 * 5))] as string,
      ]);
    }
    const text = toCsv(rows);
    const r = await reportOf(text, {}, 7);
    expect(r.rows).toBe(1461);
    expect(r.columns.map((c) => c.type)).toEqual(['date', 'number', 'number', 'number', 'number', 'string']);
    expect(column(r, 'date')).toMatchObject({ min: '2012-01-01', max: '2015-12-31', distinct: 1461 });
    expect(column(r, 'weather').top?.[0]?.value).toBe('sun');
    expectReportsClose(r, referenceCsvReport(text));
  });

  it('profiles a cars-like file with missing values, quotes and CRLF', async () => {
    const rand = prng(1970);
    const normal = gaussian(rand);
    const makes = ['chevrolet', 'ford', 'plymouth', 'amc', 'toyota', 'datsun', 'volkswagen', 'peugeot', 'fiat'];
    const origins = ['USA', 'Europe', 'Japan'];
    const rows: string[][] = [
      ['Name', 'Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower', 'Weight_in_lbs', 'Acceleration', 'Year', 'Origin', 'Turbo'],
    ];
    for (let i = 0; i < 406; i++) {
      const cyl = [4, 6, 8][Math.floor(rand() * 3)] as number;
      const year = 1970 + Math.floor(rand() * 13);
      rows.push([
        `${makes[Math.floor(rand() * makes.length)]} model "${i % 37}", ${cyl}cyl`,
        rand() < 0.02 ? 'NaN' : (40 - cyl * 2.5 + 3 * normal()).toFixed(1),
        String(cyl),
        String(Math.round(cyl * 40 + 20 * normal())),
        rand() < 0.015 ? '' : String(Math.round(cyl * 18 + 10 * normal())),
        String(Math.round(1500 + cyl * 300 + 200 * normal())),
        (15.5 + 2.5 * normal()).toFixed(1),
        `${year}-01-01`,
        origins[Math.floor(rand() * 3)] as string,
        rand() < 0.1 ? 'null' : rand() < 0.5 ? 'TRUE' : 'false',
      ]);
    }
    const text = toCsv(rows, '\r\n');
    const r = await reportOf(text, {}, 7);
    expect(r.rows).toBe(406);
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Miles_per_Gallon', 'number'],
      ['Cylinders', 'integer'],
      ['Displacement', 'integer'],
      ['Horsepower', 'integer'],
      ['Weight_in_lbs', 'integer'],
      ['Acceleration', 'number'],
      ['Year', 'date'],
      ['Origin', 'string'],
      ['Turbo', 'boolean'],
    ]);
    expect(column(r, 'Cylinders')).toMatchObject({ distinct: 3, min: 4, max: 8 });
    expect(column(r, 'Miles_per_Gallon').missing).toBeGreaterThan(0);
    expect(column(r, 'Horsepower').missing).toBeGreaterThan(0);
    expect(
      column(r, 'Origin')
        .top?.map((t) => t.value)
        .sort(),
    ).toEqual(['Europe', 'Japan', 'USA']);
    expectReportsClose(r, referenceCsvReport(text));
  });
});

describe('reference implementation', () => {
  it('does not import the processor', () => {
    const source = readFileSync(join(__dirname, '../support/referenceCsvStats.ts'), 'utf8');
    expect(source).not.toMatch(/(?:from|require\()\s*['"][^'"]*csvReport['"]/);
  });

  it('agrees with hand-computed values', () => {
    const c = referenceCsvReport('x\n1\n2\n3\n4\n').columns[0];
    expect(c).toMatchObject({ type: 'integer', sum: 10, mean: 2.5, distinct: 4, min: 1, max: 4 });
    expect(c?.stddev).toBeCloseTo(1.2909944487358056, 14);
  });

  it('makes expectReportsClose fail on a real difference', async () => {
    const text = 'x\n1\n2\n3\n4\n';
    const actual = await reportOf(text);
    const expected = referenceCsvReport(text);
    expectReportsClose(actual, expected);
    const off = { ...expected, columns: expected.columns.map((c) => ({ ...c, mean: (c.mean ?? 0) * (1 + 1e-6) })) };
    expect(() => expectReportsClose(actual, off)).toThrow();
    const wrongCount = { ...expected, columns: expected.columns.map((c) => ({ ...c, distinct: 3 })) };
    expect(() => expectReportsClose(actual, wrongCount)).toThrow();
  });
});

describe('input handling as pandas read_csv', () => {
  it('skips lines holding only spaces and tabs, in one-column files too, but not a quoted blank', async () => {
    const r = await reportOf('a,b\n1,2\n   \n\t \n3,4\n');
    expect(r.rows).toBe(2);
    const one = await reportOf('x\n1\n  \n2\n""\n');
    expect(one.rows).toBe(3);
    expect(column(one, 'x')).toMatchObject({ count: 2, missing: 1 });
    expect(one).toEqual(referenceCsvReport('x\n1\n  \n2\n""\n'));
    // With tab as the delimiter, a line of tabs is a record of empty fields.
    const tabs = await reportOf('a\tb\n1\t2\n\t\n', { delimiter: 'tab' });
    expect(tabs.rows).toBe(2);
  });

  it('fills short rows with missing values by default', async () => {
    const text = 'a,b,c\n1,2,3\n4,5\n6\n';
    const r = await reportOf(text);
    expect(r.rows).toBe(3);
    expect(r.columns.map((c) => [c.count, c.missing])).toEqual([
      [3, 0],
      [2, 1],
      [1, 2],
    ]);
    expectReportsClose(r, referenceCsvReport(text));
  });

  it('keeps mean and stddev finite and gives an overflowing sum as ±MAX_VALUE, flagged', async () => {
    const up = column(await reportOf('v\n1e308\n1e308\n'), 'v');
    expect(up).toMatchObject({ sum: Number.MAX_VALUE, mean: 1e308, stddev: 0, approximate: ['sum'] });
    const down = column(await reportOf('v\n-1e308\n-1e308\n-1e308\n'), 'v');
    expect(down).toMatchObject({ sum: -Number.MAX_VALUE, mean: -1e308, approximate: ['sum'] });
    const both = column(await reportOf('v\n1e308\n-1e308\n'), 'v');
    expect(both.mean).toBe(0);
    expect(both.sum).toBe(0);
    expect(both.stddev).toBeCloseTo(Math.SQRT2 * 1e308, -300);
    expect(both.approximate).toEqual([]);
    expect(Math.abs((both.stddev as number) / (Math.SQRT2 * 1e308) - 1)).toBeLessThan(1e-12);
    const text = 'v\n1e308\n1e308\n-1e308\n5\n';
    expectReportsClose(await reportOf(text), referenceCsvReport(text));
  });

  it(`rejects more than ${MAX_COLUMNS} columns`, async () => {
    const header = Array.from({ length: MAX_COLUMNS + 1 }, (_, i) => `c${i}`).join(',');
    const err = await inputErrorOf(`${header}\n`, {}, 4096);
    expect(err.message).toMatch(new RegExp(`${MAX_COLUMNS + 1} columns; csv-report accepts at most ${MAX_COLUMNS}`));
  });
});

describe('quartiles and histograms', () => {
  it('interpolates quartiles linearly as pandas describe()', async () => {
    const c = column(await reportOf('v\n4\n1\n3\n2\n'), 'v');
    expect([c.q25, c.q50, c.q75]).toEqual([1.75, 2.5, 3.25]);
    // Small integer range: one bin per integer.
    expect(c.histogram).toEqual({ edges: [1, 2, 3, 4, 5], counts: [1, 1, 1, 1] });
  });

  it('uses 20 equal-width bins with a closed last bin, and one bin for a single value', async () => {
    const c = column(await reportOf('v\n0\n0.5\n10\n'), 'v');
    expect(c.histogram?.counts).toEqual([1, 1, ...new Array<number>(17).fill(0), 1]);
    expect(c.histogram?.edges).toHaveLength(21);
    expect(column(await reportOf('v\n2.5\n2.5\n'), 'v').histogram).toEqual({ edges: [2, 3], counts: [2] });
  });
});

describe('bounded memory: estimates past the exact limits', () => {
  const n = EXACT_DISTINCT_LIMIT + 20_000;

  it('estimates distinct, quartiles and histogram of an all-distinct numeric column, and flags them', async () => {
    const rand = prng(7);
    const xs = Array.from({ length: n }, () => Math.round(rand() * 1e9) / 1000 + 1);
    const text = 'v\n' + xs.join('\n') + '\n';
    const c = column(await reportOf(text, {}, 65536), 'v');
    const sorted = [...xs].sort((a, b) => a - b);
    const exactDistinct = new Set(xs).size;
    expect(c.approximate).toEqual(['distinct', 'quantiles', 'histogram']);
    expect(Math.abs(c.distinct / exactDistinct - 1)).toBeLessThan(0.02);
    for (const [q, v] of [
      [0.25, c.q25],
      [0.5, c.q50],
      [0.75, c.q75],
    ] as const) {
      const h = (n - 1) * q;
      const lo = sorted[Math.floor(h)] as number;
      const hi = sorted[Math.ceil(h)] as number;
      expect(v as number).toBeGreaterThanOrEqual(lo * 0.99);
      expect(v as number).toBeLessThanOrEqual(hi * 1.01);
    }
    expect(c.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(n);
    expect(c.histogram?.counts).toHaveLength(20);
    // Exact figures stay exact.
    expect(c.min).toBe(sorted[0]);
    expect(c.max).toBe(sorted[n - 1]);
    expect(c.count).toBe(n);
  });

  it('estimates distinct and top of a string column with heavy hitters, and flags them', async () => {
    const values = Array.from({ length: 2 * n }, (_, i) => (i % 4 === 0 ? 'hot' : i % 10 === 1 ? 'warm' : `v${i}`));
    const text = 's\n' + values.join('\n') + '\n';
    const c = column(await reportOf(text, {}, 65536), 's');
    const exactDistinct = new Set(values).size;
    expect(c.approximate).toEqual(['distinct', 'top']);
    expect(Math.abs(c.distinct / exactDistinct - 1)).toBeLessThan(0.02);
    const hot = values.filter((v) => v === 'hot').length;
    const warm = values.filter((v) => v === 'warm').length;
    expect(c.top?.[0]?.value).toBe('hot');
    expect(c.top?.[1]?.value).toBe('warm');
    // Space-Saving counts are upper bounds, off by at most rows / 64.
    expect(c.top?.[0]?.count).toBeGreaterThanOrEqual(hot);
    expect(c.top?.[0]?.count).toBeLessThanOrEqual(hot + (2 * n) / 64);
    expect(c.top?.[1]?.count).toBeGreaterThanOrEqual(warm);
    expect(c.min).toBe([...new Set(values)].sort()[0]);
  });

  it('cuts kept values longer than 1,000 code units and flags min/max', async () => {
    const long = 'z'.repeat(5000);
    const c = column(await reportOf(`s\na\n${long}\n`, {}, 1024), 's');
    expect(c.max).toBe('z'.repeat(1000));
    expect(c.maxLength).toBe(5000);
    expect(c.approximate).toEqual(['distinct', 'max', 'top']);
    expect(c.distinct).toBe(2);
  });
});

describe('report schema', () => {
  it('describes every field the processor writes (strict schema), exact and estimated', async () => {
    const rand = prng(9);
    const rows = ['i,x,b,d,s,e'];
    for (let k = 0; k < EXACT_DISTINCT_LIMIT + 12_000; k++) {
      rows.push(`${k},${rand()},${k % 2 === 0},2020-01-0${1 + (k % 9)},${k % 10 === 0 ? 'hot' : `s${k}`},`);
    }
    const big = await reportOf(rows.join('\n') + '\n', {}, 65536);
    expect(big.columns.map((c) => c.approximate.length > 0)).toEqual([true, true, false, false, true, false]);
    const small = await reportOf('a,b,c\n1,x,2020-01-01\n2,,2020-01-02\n1e308,y,\n');
    for (const report of [big, small, await reportOf('v\n1e308\n1e308\n')]) {
      expect(csvReportSchema.parse(report)).toEqual(report);
    }
    expect(() => csvReportSchema.parse({ rows: 0, columns: [], extra: 1 })).toThrow();
  });

  it('is the CsvReport component of the OpenAPI document', () => {
    const doc = openApiDocument() as { components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> } };
    const schemas = doc.components?.schemas ?? {};
    expect(Object.keys(schemas.CsvReport?.properties ?? {})).toEqual(['rows', 'columns']);
    const column = Object.entries(schemas).find(([id]) => id.startsWith('CsvColumnReport'))?.[1];
    expect(Object.keys(column?.properties ?? {})).toEqual(Object.keys(columnReportSchema.shape));
  });
});
