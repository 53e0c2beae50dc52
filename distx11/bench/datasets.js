"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.writeBenchmarkCsv = writeBenchmarkCsv;
/**
 * Generated CSV files for the csv-report benchmarks, written to disk in batches (never held whole).
 *
 * - `distinct`: 7 columns, 3 of them nearly all-distinct numbers (`id`, `amount`, `ratio`), an all-distinct
 *   date-time, a low-cardinality string, a high-cardinality string with quotes, commas and a newline now
 *   and then, and a boolean; UTF-8 BOM, CRLF line endings, missing tokens (`NA`, empty, `null`).
 * - `low`: vega-datasets `birdstrikes.csv` (14 mixed columns, few distinct values) repeated.
 */
const node_events_1 = require("node:events");
const node_fs_1 = require("node:fs");
const node_path_1 = require("node:path");
const pure_rand_1 = require("pure-rand");
/** Deterministic uniform numbers in [0, 1): pure-rand's xoroshiro128+, one 32-bit draw per number. */
function prng(seed) {
    const rng = (0, pure_rand_1.xoroshiro128plus)(seed);
    return () => (rng.unsafeNext() >>> 0) / 2 ** 32;
}
/** Writes a generated CSV of at least `minBytes` bytes to `path`; resolves to its size in bytes. */
async function writeBenchmarkCsv(path, kind, minBytes, seed = 42) {
    const out = (0, node_fs_1.createWriteStream)(path);
    let size = 0;
    const write = async (s) => {
        size += Buffer.byteLength(s);
        if (!out.write(s))
            await (0, node_events_1.once)(out, 'drain');
    };
    if (kind === 'low') {
        const source = (0, node_fs_1.readFileSync)((0, node_path_1.join)((0, node_path_1.dirname)(require.resolve('vega-datasets')), '..', 'data', 'birdstrikes.csv'), 'utf8');
        const newline = source.indexOf('\n');
        const body = source.slice(newline + 1).replace(/\r?\n?$/, '\n');
        await write(source.slice(0, newline + 1));
        while (size < minBytes)
            await write(body);
    }
    else {
        const rnd = prng(seed);
        const cities = ['Seattle', 'Paris', 'São Paulo', 'Tōkyō', 'Lagos', 'Lima', 'Oslo', 'Pune'];
        await write('\uFEFFid,amount,ratio,at,city,note,flag\r\n');
        const start = Date.UTC(2020, 0, 1);
        let i = 0;
        while (size < minBytes) {
            const lines = [];
            for (let k = 0; k < 2000; k++, i++) {
                const r = rnd();
                const amount = r < 0.01 ? 'NA' : ((rnd() - 0.3) * 1e6).toFixed(4);
                const ratio = r > 0.995 ? '' : String(rnd());
                const at = new Date(start + i * 1000 + Math.floor(rnd() * 1000)).toISOString();
                const city = cities[Math.floor(rnd() * cities.length)];
                const note = r < 0.02
                    ? 'null'
                    : r < 0.05
                        ? `"said ""hi"", then left\r\nline ${i}"`
                        : r < 0.1
                            ? `"${i}, a comma"`
                            : `note ${i} ${Math.floor(rnd() * 1e6)}`;
                lines.push(`${i},${amount},${ratio},${at},${city},${note},${rnd() < 0.5 ? 'true' : 'false'}\r\n`);
            }
            await write(lines.join(''));
        }
    }
    out.end();
    await (0, node_events_1.once)(out, 'close');
    return size;
}
//# sourceMappingURL=datasets.js.map