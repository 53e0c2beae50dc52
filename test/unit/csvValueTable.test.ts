import { hashString } from '../../src/core/processors/sketches';
import { ValueTable } from '../../src/core/processors/valueTable';
import { prng } from '../support/datasets';

/** Fills a ValueTable and a Map with the same stream of values and compares them. */
function check(values: string[], hash: (s: string) => number): void {
  const table = new ValueTable();
  const expected = new Map<string, { count: number; x: number }>();
  for (const v of values) {
    const h = hash(v);
    const i = table.find(v, h);
    const e = expected.get(v);
    expect(i >= 0).toBe(e !== undefined);
    if (i >= 0) {
      table.increment(i);
      e!.count++;
      expect(table.numberAt(i)).toBe(e!.x);
    } else {
      const x = v.length % 3 === 0 ? NaN : v.length;
      table.add(v, h, x);
      expected.set(v, { count: 1, x });
    }
  }
  const seen: [string, number, number][] = [];
  table.forEach((value, count, x) => seen.push([value, count, x]));
  expect(seen).toEqual([...expected].map(([value, { count, x }]) => [value, count, x]));
  expect(table.size).toBe(expected.size);
  expect(table.chars).toBe([...expected.keys()].reduce((n, v) => n + v.length, 0));
}

describe('ValueTable (the exact value counts of csv-report)', () => {
  it('counts like a Map through growth, in insertion order, with any UTF-16 (lone surrogates too)', () => {
    const rand = prng(17);
    const alphabet = ['a', 'b', 'é', '😀', '\ud800', '\udfff', ',', '"', ' ', ''];
    const values = Array.from({ length: 30_000 }, () => {
      const n = Math.floor(rand() * 6);
      let s = '';
      for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
      return rand() < 0.5 ? s : `${s}${Math.floor(rand() * 5000)}`;
    });
    check(values, (s) => hashString(s, 0x9747b28c));
  });

  it('tells apart values whose hashes collide (every value given the same hash)', () => {
    const values = Array.from({ length: 600 }, (_, i) => `v${i % 200}`.repeat(1 + (i % 3)));
    check(values, () => 0x80000001);
  });

  it('keeps long values whole (a 5,000-code-unit key, past one 1,024-unit initial arena)', () => {
    const long = 'x'.repeat(5000);
    check([long, `${long}y`, long, 'short'], (s) => hashString(s, 1));
  });
});
