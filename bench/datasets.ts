/**
 * Generated CSV files for the csv-report benchmarks, written to disk in batches (never held whole).
 *
 * - `distinct`: 7 columns, 3 of them nearly all-distinct numbers (`id`, `amount`, `ratio`), an all-distinct
 *   date-time, a low-cardinality string, a high-cardinality string with quotes, commas and a newline now
 *   and then, and a boolean; UTF-8 BOM, CRLF line endings, missing tokens (`NA`, empty, `null`).
 * - `low`: vega-datasets `birdstrikes.csv` (14 mixed columns, few distinct values) repeated.
 */
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { xoroshiro128plus } from 'pure-rand';

/**
 * Deterministic uniform numbers in [0, 1) so generated files are the same on every run: pure-rand's
 * xoroshiro128+ (the generator fast-check uses), one 32-bit draw per number. The tests use it too
 * (test/support/datasets.ts re-exports it: test/ may import bench/, not the other way round).
 */
export function prng(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => (rng.unsafeNext() >>> 0) / 2 ** 32;
}

/** Writes a generated CSV of at least `minBytes` bytes to `path`; resolves to its size in bytes. */
export async function writeBenchmarkCsv(path: string, kind: 'distinct' | 'low', minBytes: number, seed = 42): Promise<number> {
  const out = createWriteStream(path);
  let size = 0;
  const write = async (s: string) => {
    size += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  if (kind === 'low') {
    const source = readFileSync(join(dirname(require.resolve('vega-datasets')), '..', 'data', 'birdstrikes.csv'), 'utf8');
    const newline = source.indexOf('\n');
    const body = source.slice(newline + 1).replace(/\r?\n?$/, '\n');
    await write(source.slice(0, newline + 1));
    while (size < minBytes) await write(body);
  } else {
    const rnd = prng(seed);
    const cities = ['Seattle', 'Paris', 'São Paulo', 'Tōkyō', 'Lagos', 'Lima', 'Oslo', 'Pune'];
    await write('\uFEFFid,amount,ratio,at,city,note,flag\r\n');
    const start = Date.UTC(2020, 0, 1);
    let i = 0;
    while (size < minBytes) {
      const lines: string[] = [];
      for (let k = 0; k < 2000; k++, i++) {
        const r = rnd();
        const amount = r < 0.01 ? 'NA' : ((rnd() - 0.3) * 1e6).toFixed(4);
        const ratio = r > 0.995 ? '' : String(rnd());
        const at = new Date(start + i * 1000 + Math.floor(rnd() * 1000)).toISOString();
        const city = cities[Math.floor(rnd() * cities.length)] as string;
        const note =
          r < 0.02
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
  await once(out, 'close');
  return size;
}
