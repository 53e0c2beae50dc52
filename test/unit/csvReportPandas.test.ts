/**
 * Cross-check of the csv-report figures against pandas (Debian's python3-pandas, run with
 * /usr/bin/python3) on every vega-datasets CSV and on a generated file past the exact limits.
 *
 * pandas reads each file with the processor's missing-value markers (`keep_default_na=False`,
 * `na_values=['', 'NA', 'N/A', 'null', 'NULL', 'NaN']`) and computes, per column: count, missing,
 * `nunique()`, and for numeric columns min, max, sum, mean, std (ddof 1), `quantile([.25, .5, .75])`
 * (linear interpolation, as `describe()`) and `numpy.histogram` with the processor's bin rule; for
 * string columns the value counts of the processor's top values and the lengths. Exact figures must
 * agree to 1e-9 (relative to the column's scale); estimates within their stated error (distinct 2 %,
 * quartiles 1 % of the neighbouring order statistics, top counts upper bounds within rows/64).
 *
 * In CI (CI=true) a missing pandas fails the test; elsewhere the suite is skipped with a message
 * (install it with `apt-get install python3-pandas`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';

import { buildCsvReport, type ColumnReport, type CsvReport, EXACT_DISTINCT_LIMIT } from '../../src/core/processors/csvReport';
import { prng, vegaCsv } from '../support/datasets';

const PYTHON = '/usr/bin/python3';
const havePandas = spawnSync(PYTHON, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0;
const inCi = process.env['CI'] === 'true';

const SCRIPT = String.raw`
import json, sys, math
import numpy as np, pandas as pd
def num(x):
    x = float(x)
    return None if math.isnan(x) else x
out = {}
for path, spec in json.loads(sys.stdin.read()).items():
    df = pd.read_csv(path, keep_default_na=False, na_values=['', 'NA', 'N/A', 'null', 'NULL', 'NaN'], skip_blank_lines=True)
    cols = {}
    for name, want in spec.items():
        s = df[name]
        c = {'count': int(s.count()), 'missing': int(s.isna().sum()), 'nunique': int(s.nunique())}
        v = s.dropna()
        if want['kind'] == 'numeric' and pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            x = v.to_numpy(dtype='float64')
            lo, hi = float(x.min()), float(x.max())
            if want['integer'] and hi - lo < 20:
                counts, edges = np.histogram(x, bins=np.arange(lo, hi + 2))
            elif lo == hi:
                counts, edges = np.histogram(x, bins=1, range=(lo, hi))
            else:
                counts, edges = np.histogram(x, bins=20, range=(lo, hi))
            q = v.quantile([0.25, 0.5, 0.75])
            srt = np.sort(x)
            n = len(srt)
            brackets = []
            for p in (0.25, 0.5, 0.75):
                h = (n - 1) * p
                brackets.append([float(srt[math.floor(h)]), float(srt[math.ceil(h)])])
            c.update({'min': lo, 'max': hi, 'sum': num(v.sum()), 'mean': num(v.mean()), 'std': num(v.std(ddof=1)) if n > 1 else None,
                      'q': [float(q[0.25]), float(q[0.5]), float(q[0.75])], 'brackets': brackets,
                      'hist': {'edges': [float(e) for e in edges], 'counts': [int(k) for k in counts]}})
        elif want['kind'] == 'string':
            vc = v.astype(str).value_counts()
            c['top'] = {t: int(vc.get(t, 0)) for t in want['top']}
            lengths = v.astype(str).str.len()
            c['minLength'] = int(lengths.min()); c['maxLength'] = int(lengths.max())
        cols[name] = c
    out[path] = cols
print(json.dumps(out))
`;

interface PandasColumn {
  count: number;
  missing: number;
  nunique: number;
  min?: number;
  max?: number;
  sum?: number | null;
  mean?: number | null;
  std?: number | null;
  q?: [number, number, number];
  brackets?: [number, number][];
  hist?: { edges: number[]; counts: number[] };
  top?: Record<string, number>;
  minLength?: number;
  maxLength?: number;
}

async function reportOf(bytes: Buffer): Promise<CsvReport> {
  return buildCsvReport(Readable.from([bytes]), { delimiter: ',', header: true, shortRows: 'fill' });
}

const isNumeric = (c: ColumnReport) => c.type === 'integer' || c.type === 'number';

function pandasFigures(reports: Map<string, CsvReport>): Record<string, Record<string, PandasColumn>> {
  const spec = Object.fromEntries(
    [...reports].map(([path, r]) => [
      path,
      Object.fromEntries(
        r.columns.map((c) => [
          c.name,
          {
            kind: isNumeric(c) ? 'numeric' : c.type === 'string' ? 'string' : 'other',
            integer: c.type === 'integer',
            top: (c.top ?? []).map((t) => t.value),
          },
        ]),
      ),
    ]),
  );
  const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(spec), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`pandas failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, Record<string, PandasColumn>>;
}

/** |a − b| within `rel` of the scale (the largest of |a|, |b| and `scale`). */
function expectClose(actual: number, expected: number, scale: number, what: string, rel = 1e-9): void {
  const tol = rel * Math.max(Math.abs(actual), Math.abs(expected), scale);
  if (!(Math.abs(actual - expected) <= tol)) throw new Error(`${what}: ${actual} vs pandas ${expected}`);
}

const suite = havePandas || inCi ? describe : describe.skip;
if (!havePandas && !inCi) {
  console.warn('csvReportPandas.test.ts NOT RUN: /usr/bin/python3 with pandas is not installed (apt-get install python3-pandas)');
}

suite('csv-report agrees with pandas', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'csv-report-pandas-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('exact figures on every vega-datasets CSV, to 1e-9', async () => {
    const data = join(dirname(require.resolve('vega-datasets')), '..', 'data');
    const names = readdirSync(data).filter((f) => f.endsWith('.csv'));
    expect(names.length).toBeGreaterThan(15);
    const reports = new Map<string, CsvReport>();
    for (const name of names) reports.set(join(data, name), await reportOf(vegaCsv(name)));
    const pandas = pandasFigures(reports);
    let checkedNumeric = 0;
    let checkedStrings = 0;
    for (const [path, report] of reports) {
      for (const c of report.columns) {
        const p = pandas[path]?.[c.name] as PandasColumn;
        const where = `${path.split('/').pop()}:${c.name}`;
        // Every column of these files is small enough to be exact.
        expect([where, c.approximate]).toEqual([where, []]);
        expect([where, c.count, c.missing]).toEqual([where, p.count, p.missing]);
        if (isNumeric(c) && p.q !== undefined) {
          checkedNumeric++;
          const scale = Math.max(Math.abs(c.min as number), Math.abs(c.max as number));
          expect([where, c.distinct, c.min, c.max]).toEqual([where, p.nunique, p.min, p.max]);
          expectClose(c.sum as number, p.sum as number, scale * c.count, `${where} sum`);
          expectClose(c.mean as number, p.mean as number, scale, `${where} mean`);
          if (p.std !== null && p.std !== undefined) expectClose(c.stddev as number, p.std, scale, `${where} stddev`);
          [c.q25, c.q50, c.q75].forEach((v, i) => expectClose(v as number, (p.q as number[])[i] as number, scale, `${where} q${i}`));
          expect([where, c.histogram?.counts]).toEqual([where, p.hist?.counts]);
          c.histogram?.edges.forEach((e, i) => expectClose(e, p.hist?.edges[i] as number, scale, `${where} edge ${i}`));
        } else if (c.type === 'string') {
          checkedStrings++;
          expect([where, c.distinct]).toEqual([where, p.nunique]);
          expect([where, c.minLength, c.maxLength]).toEqual([where, p.minLength, p.maxLength]);
          for (const t of c.top ?? []) expect([where, t.value, t.count]).toEqual([where, t.value, p.top?.[t.value]]);
        }
      }
    }
    expect(checkedNumeric).toBeGreaterThan(40);
    expect(checkedStrings).toBeGreaterThan(15);
  });

  test('estimates past the exact limit, within their stated error', async () => {
    const rand = prng(11);
    const n = EXACT_DISTINCT_LIMIT * 2;
    const lines = ['x,s'];
    for (let i = 0; i < n; i++) {
      const x = (rand() * 1e6 - 2e5).toFixed(3);
      const s = i % 5 === 0 ? 'hot' : i % 11 === 0 ? 'warm' : `s${Math.floor(rand() * 1e9)}`;
      lines.push(`${x},${s}`);
    }
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const path = join(dir, 'estimates.csv');
    writeFileSync(path, bytes);
    const report = await reportOf(bytes);
    const p = pandasFigures(new Map([[path, report]]))[path] as Record<string, PandasColumn>;
    const [x, s] = report.columns as [ColumnReport, ColumnReport];
    const px = p['x'] as PandasColumn;
    const ps = p['s'] as PandasColumn;
    expect(x.approximate).toEqual(['distinct', 'quantiles', 'histogram']);
    expect(Math.abs(x.distinct / px.nunique - 1)).toBeLessThan(0.02);
    [x.q25, x.q50, x.q75].forEach((v, i) => {
      const [lo, hi] = px.brackets?.[i] as [number, number];
      // Within 1 % (of magnitude) of the order statistics pandas interpolates between.
      expect(v as number).toBeGreaterThanOrEqual(Math.min(lo * 0.99, lo * 1.01));
      expect(v as number).toBeLessThanOrEqual(Math.max(hi * 0.99, hi * 1.01));
    });
    expectClose(x.mean as number, px.mean as number, Math.abs(px.max as number), 'mean');
    expectClose(x.stddev as number, px.std as number, Math.abs(px.max as number), 'stddev');
    expect(x.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(px.count);
    expect(s.approximate).toEqual(['distinct', 'top']);
    expect(Math.abs(s.distinct / ps.nunique - 1)).toBeLessThan(0.02);
    expect(s.top?.slice(0, 2).map((t) => t.value)).toEqual(['hot', 'warm']);
    for (const t of s.top?.slice(0, 2) ?? []) {
      const exact = ps.top?.[t.value] as number;
      expect(t.count).toBeGreaterThanOrEqual(exact);
      expect(t.count).toBeLessThanOrEqual(exact + n / 64);
    }
  });
});
