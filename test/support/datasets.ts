import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { prng } from '../../bench/datasets';

/** A CSV file shipped by the `vega-datasets` npm package (public datasets, BSD-3-Clause). */
export function vegaCsv(name: string): Buffer {
  return readFileSync(join(dirname(require.resolve('vega-datasets')), '..', 'data', name));
}

/** The benchmarks' generator (bench/datasets.ts), for the tests' generated data. */
export { prng };

/**
 * A generated CSV of at least `minBytes` bytes with integer, number, boolean, date and string
 * columns, missing values in several spellings, quoted fields with commas, quotes and newlines.
 */
export function generatedCsv(minBytes: number, seed = 42): Buffer {
  const rnd = prng(seed);
  const names = ['alpha', 'beta', 'gamma', 'delta, inc', 'epsilon "e"', 'zeta\nline'];
  const missing = ['', 'NA', 'N/A', 'null', 'NULL', 'NaN', '  '];
  const parts: string[] = ['id,amount,active,day,name,note\r\n'];
  let size = parts[0]!.length;
  for (let i = 1; size < minBytes; i++) {
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const amount = rnd() < 0.03 ? pick(missing) : ((rnd() - 0.3) * 10_000).toFixed(3);
    const active = rnd() < 0.5 ? 'true' : 'FALSE';
    const day = `20${10 + Math.floor(rnd() * 15)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
    const name = pick(names);
    const note = rnd() < 0.1 ? pick(missing) : `n${Math.floor(rnd() * 500)}`;
    const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const line = `${i},${amount},${active},${day},${quote(name)},${quote(note)}\r\n`;
    parts.push(line);
    size += Buffer.byteLength(line);
  }
  return Buffer.from(parts.join(''), 'utf8');
}
