"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.tableFields = void 0;
exports.formatCount = formatCount;
exports.formatValue = formatValue;
exports.histogramChart = histogramChart;
exports.topChart = topChart;
exports.reportRows = reportRows;
const dom_1 = require("./dom");
const counts = new Intl.NumberFormat('en-US');
/** A count with thousands separators (`1,461`). */
function formatCount(n) {
    return counts.format(n);
}
/**
 * A report value as shown in the table: integers in full, other numbers to 6 significant digits
 * (`3.02943`), booleans and strings as they are, `null`/absent as an empty string.
 */
function formatValue(v) {
    if (v === null || v === undefined)
        return '';
    if (typeof v === 'number')
        return Number.isInteger(v) && Math.abs(v) < 1e15 ? String(v) : String(Number(v.toPrecision(6)));
    return typeof v === 'string' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}
/** The table's columns: report field and header text, in order (the HTML's `<thead>` matches). */
exports.tableFields = [
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
function shown(col, field, approximateAs = field) {
    const text = formatValue(col[field]);
    return text !== '' && col.approximate?.includes(approximateAs) ? `≈ ${text}` : text;
}
const CHART_WIDTH = 220;
/**
 * An empty chart: an `<svg>` of CHART_WIDTH × `height` px (viewBox in the same units) with its text
 * alternative (`role="img"`, `aria-label` and `<title>`), tagged `data-chart="<kind>"`.
 */
function chartFrame(kind, height, label) {
    return (0, dom_1.svg)('svg', {
        width: CHART_WIDTH,
        height,
        viewBox: `0 0 ${CHART_WIDTH} ${height}`,
        role: 'img',
        'aria-label': label,
        class: 'chart',
        'data-chart': kind,
    }, (0, dom_1.svg)('title', {}, label));
}
/**
 * A numeric column's histogram as vertical bars (one `<rect>` per bin, height ∝ count), 220 × 60 px,
 * with a text alternative (`role="img"`, `aria-label` and `<title>`: the range and every bin's
 * count). `undefined` when the column has no histogram.
 */
function histogramChart(col) {
    const hist = col.histogram;
    if (hist === undefined || hist.counts.length === 0)
        return undefined;
    const approx = col.approximate?.includes('histogram') ? ' (estimated)' : '';
    const first = hist.edges[0];
    const last = hist.edges[hist.edges.length - 1];
    const label = `${col.name}: histogram${approx} of ${hist.counts.length} bin${hist.counts.length === 1 ? '' : 's'} from ${formatValue(first)} to ${formatValue(last)}; ` +
        `counts ${hist.counts.map((n) => formatCount(n)).join(', ')}`;
    const height = 60;
    const plot = height - 12;
    const chart = chartFrame('histogram', height, label);
    const peak = Math.max(1, ...hist.counts);
    const slot = CHART_WIDTH / hist.counts.length;
    hist.counts.forEach((n, i) => {
        const barHeight = n === 0 ? 0 : Math.max(1, (n / peak) * plot);
        chart.append((0, dom_1.svg)('rect', { x: i * slot + 0.5, y: plot - barHeight, width: Math.max(1, slot - 1), height: barHeight, class: 'bar bar-hist' }, (0, dom_1.svg)('title', {}, `[${formatValue(hist.edges[i])}, ${formatValue(hist.edges[i + 1])}${i === hist.counts.length - 1 ? ']' : ')'}: ${formatCount(n)}`)));
    });
    chart.append((0, dom_1.svg)('text', { x: 0, y: height - 1, class: 'chart-label' }, formatValue(first)), (0, dom_1.svg)('text', { x: CHART_WIDTH, y: height - 1, class: 'chart-label', 'text-anchor': 'end' }, formatValue(last)));
    return chart;
}
/**
 * A string column's top values as horizontal bars (one `<rect>` per value, length ∝ count, labelled
 * with the value and its count), 220 px wide, with a text alternative (`role="img"`, `aria-label`,
 * `<title>`). `undefined` when the column has no top values.
 */
function topChart(col) {
    const top = col.top;
    if (top === undefined || top.length === 0)
        return undefined;
    const approx = col.approximate?.includes('top') ? ' (estimated counts)' : '';
    const label = `${col.name}: top values${approx}: ${top.map((t) => `${t.value} ${formatCount(t.count)}`).join(', ')}`;
    const rowHeight = 14;
    const height = rowHeight * top.length + 2;
    const chart = chartFrame('top', height, label);
    const peak = Math.max(1, ...top.map((t) => t.count));
    top.forEach((t, i) => {
        const y = 1 + i * rowHeight;
        const shortValue = t.value.length > 24 ? `${t.value.slice(0, 23)}…` : t.value;
        chart.append((0, dom_1.svg)('rect', { x: 0, y, width: Math.max(1, (t.count / peak) * CHART_WIDTH), height: rowHeight - 2, class: 'bar bar-top' }), (0, dom_1.svg)('text', { x: 3, y: y + rowHeight - 4, class: 'bar-text' }, `${shortValue} (${formatCount(t.count)})`));
    });
    return chart;
}
/** One `<tr>` per column of the report: the {@link tableFields} then the chart (`data-column`, `data-field` for lookups). */
function reportRows(report) {
    return report.columns.map((col) => {
        const cells = exports.tableFields.map(([field]) => {
            const text = shown(col, field, field === 'q50' ? 'quantiles' : field);
            if (field === 'name')
                return (0, dom_1.h)('th', { scope: 'row', 'data-field': field }, text);
            const numeric = typeof col[field] === 'number';
            return (0, dom_1.h)('td', { 'data-field': field, ...(numeric ? { class: 'num' } : {}) }, text);
        });
        const chart = histogramChart(col) ?? topChart(col);
        cells.push((0, dom_1.h)('td', { 'data-field': 'chart' }, ...(chart ? [chart] : [])));
        return (0, dom_1.h)('tr', { 'data-column': col.name }, ...cells);
    });
}
//# sourceMappingURL=report.js.map