/**
 * Renders a `csv-report` result as table rows (one per column) with a small inline SVG bar chart of
 * min / mean / max for numeric columns. Pure DOM building: values go in as text, never as HTML.
 */
import type { ColumnReport, CsvReport } from '../core/processors/csvReport';
import { h, svg, type UiElement } from './dom';

export type { ColumnReport, CsvReport };

const counts = new Intl.NumberFormat('en-US');

/** A count with thousands separators (`1,461`). */
export function formatCount(n: number): string {
  return counts.format(n);
}

/**
 * A report value as shown in the table: integers in full, other numbers to 6 significant digits
 * (`3.02943`), booleans and strings as they are, `null`/absent as an empty string.
 */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}

/** The table's columns: report field and header text, in order (the HTML's `<thead>` matches). */
export const tableFields: readonly (readonly [keyof ColumnReport, string])[] = [
  ['name', 'Column'],
  ['type', 'Type'],
  ['count', 'Count'],
  ['missing', 'Missing'],
  ['distinct', 'Distinct'],
  ['min', 'Min'],
  ['max', 'Max'],
  ['mean', 'Mean'],
  ['stddev', 'Std dev'],
];

const isNumeric = (c: ColumnReport) => c.type === 'integer' || c.type === 'number';

/**
 * A horizontal bar chart of a numeric column's min, mean and max (bars start at zero, so negative
 * values extend left of the zero line), 180 × 46 px, with a text alternative (`role="img"`,
 * `aria-label` and `<title>`). `undefined` for non-numeric columns.
 */
export function rangeChart(col: ColumnReport): UiElement | undefined {
  if (!isNumeric(col) || typeof col.min !== 'number' || typeof col.max !== 'number' || typeof col.mean !== 'number') return undefined;
  const bars: [string, number][] = [
    ['min', col.min],
    ['mean', col.mean],
    ['max', col.max],
  ];
  const width = 180;
  const labelWidth = 34;
  const rowHeight = 14;
  const height = rowHeight * bars.length + 4;
  const lo = Math.min(0, col.min);
  const hi = Math.max(0, col.max);
  const span = hi - lo || 1;
  const x = (v: number) => labelWidth + ((v - lo) / span) * (width - labelWidth - 2);
  const label = `${col.name}: ${bars.map(([k, v]) => `${k} ${formatValue(v)}`).join(', ')}`;
  const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart' }, svg('title', {}, label));
  bars.forEach(([name, v], i) => {
    const y = 2 + i * rowHeight;
    const x0 = x(0);
    const x1 = x(v);
    chart.append(
      svg('text', { x: 0, y: y + rowHeight - 4, class: 'chart-label' }, name),
      svg('rect', { x: Math.min(x0, x1), y, width: Math.max(1, Math.abs(x1 - x0)), height: rowHeight - 3, class: `bar bar-${name}` }),
    );
  });
  if (lo < 0) chart.append(svg('line', { x1: x(0), x2: x(0), y1: 0, y2: height, class: 'chart-zero' }));
  return chart;
}

/** One `<tr>` per column of the report: the {@link tableFields} then the chart (`data-column`, `data-field` for lookups). */
export function reportRows(report: CsvReport): UiElement[] {
  return report.columns.map((col) => {
    const cells = tableFields.map(([field]) => {
      const text = formatValue(col[field]);
      if (field === 'name') return h('th', { scope: 'row', 'data-field': field }, text);
      const numeric = typeof col[field] === 'number';
      return h('td', { 'data-field': field, ...(numeric ? { class: 'num' } : {}) }, text);
    });
    const chart = rangeChart(col);
    cells.push(h('td', { 'data-field': 'chart' }, ...(chart ? [chart] : [])));
    return h('tr', { 'data-column': col.name }, ...cells);
  });
}
