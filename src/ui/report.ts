/**
 * Renders a `csv-report` result as table rows (one per column) with a small inline SVG chart of the
 * column's shape: the histogram of a numeric column, the top values of a string column. Estimated
 * figures are shown with `≈`. Pure DOM building: values go in as text, never as HTML.
 */
import type { ColumnReport, CsvReport } from '../contract/csvReport';
import { h, svg } from './dom';

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
  return typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
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
  ['q50', 'Median'],
];

/** A figure as shown, with `≈ ` before it when the column lists it in `approximate`. */
function shown(col: ColumnReport, field: keyof ColumnReport, approximateAs: string = field): string {
  const text = formatValue(col[field]);
  return text !== '' && col.approximate?.includes(approximateAs as never) ? `≈ ${text}` : text;
}

const CHART_WIDTH = 220;

/**
 * An empty chart: an `<svg>` of CHART_WIDTH × `height` px (viewBox in the same units) with its text
 * alternative (`role="img"`, `aria-label` and `<title>`), tagged `data-chart="<kind>"`.
 */
function chartFrame(kind: 'histogram' | 'top', height: number, label: string): SVGSVGElement {
  return svg(
    'svg',
    {
      width: CHART_WIDTH,
      height,
      viewBox: `0 0 ${CHART_WIDTH} ${height}`,
      role: 'img',
      'aria-label': label,
      class: 'chart',
      'data-chart': kind,
    },
    svg('title', {}, label),
  );
}

/**
 * A numeric column's histogram as vertical bars (one `<rect>` per bin, height ∝ count), 220 × 60 px,
 * with a text alternative (`role="img"`, `aria-label` and `<title>`: the range and every bin's
 * count). `undefined` when the column has no histogram.
 */
export function histogramChart(col: ColumnReport): SVGSVGElement | undefined {
  const hist = col.histogram;
  if (hist === undefined || hist.counts.length === 0) return undefined;
  const approx = col.approximate?.includes('histogram') ? ' (estimated)' : '';
  const first = hist.edges[0] as number;
  const last = hist.edges[hist.edges.length - 1] as number;
  const label =
    `${col.name}: histogram${approx} of ${hist.counts.length} bin${hist.counts.length === 1 ? '' : 's'} from ${formatValue(first)} to ${formatValue(last)}; ` +
    `counts ${hist.counts.map((n) => formatCount(n)).join(', ')}`;
  const height = 60;
  const plot = height - 12;
  const chart = chartFrame('histogram', height, label);
  const peak = Math.max(1, ...hist.counts);
  const slot = CHART_WIDTH / hist.counts.length;
  hist.counts.forEach((n, i) => {
    const barHeight = n === 0 ? 0 : Math.max(1, (n / peak) * plot);
    chart.append(
      svg(
        'rect',
        { x: i * slot + 0.5, y: plot - barHeight, width: Math.max(1, slot - 1), height: barHeight, class: 'bar bar-hist' },
        svg(
          'title',
          {},
          `[${formatValue(hist.edges[i])}, ${formatValue(hist.edges[i + 1])}${i === hist.counts.length - 1 ? ']' : ')'}: ${formatCount(n)}`,
        ),
      ),
    );
  });
  chart.append(
    svg('text', { x: 0, y: height - 1, class: 'chart-label' }, formatValue(first)),
    svg('text', { x: CHART_WIDTH, y: height - 1, class: 'chart-label', 'text-anchor': 'end' }, formatValue(last)),
  );
  return chart;
}

/**
 * A string column's top values as horizontal bars (one `<rect>` per value, length ∝ count, labelled
 * with the value and its count), 220 px wide, with a text alternative (`role="img"`, `aria-label`,
 * `<title>`). `undefined` when the column has no top values.
 */
export function topChart(col: ColumnReport): SVGSVGElement | undefined {
  const top = col.top;
  if (top === undefined || top.length === 0) return undefined;
  const approx = col.approximate?.includes('top') ? ' (estimated counts)' : '';
  const label = `${col.name}: top values${approx}: ${top.map((t) => `${t.value} ${formatCount(t.count)}`).join(', ')}`;
  const rowHeight = 14;
  const height = rowHeight * top.length + 2;
  const chart = chartFrame('top', height, label);
  const peak = Math.max(1, ...top.map((t) => t.count));
  top.forEach((t, i) => {
    const y = 1 + i * rowHeight;
    const shortValue = t.value.length > 24 ? `${t.value.slice(0, 23)}…` : t.value;
    chart.append(
      svg('rect', { x: 0, y, width: Math.max(1, (t.count / peak) * CHART_WIDTH), height: rowHeight - 2, class: 'bar bar-top' }),
      svg('text', { x: 3, y: y + rowHeight - 4, class: 'bar-text' }, `${shortValue} (${formatCount(t.count)})`),
    );
  });
  return chart;
}

/** One `<tr>` per column of the report: the {@link tableFields} then the chart (`data-column`, `data-field` for lookups). */
export function reportRows(report: CsvReport): HTMLTableRowElement[] {
  return report.columns.map((col) => {
    const cells = tableFields.map(([field]) => {
      const text = shown(col, field, field === 'q50' ? 'quantiles' : field);
      if (field === 'name') return h('th', { scope: 'row', 'data-field': field }, text);
      const numeric = typeof col[field] === 'number';
      return h('td', { 'data-field': field, ...(numeric ? { class: 'num' } : {}) }, text);
    });
    const chart = histogramChart(col) ?? topChart(col);
    cells.push(h('td', { 'data-field': 'chart' }, ...(chart ? [chart] : [])));
    return h('tr', { 'data-column': col.name }, ...cells);
  });
}
