import { hashNumber, hashString, hashStringPair, HyperLogLog, lastSecondHash, SpaceSaving } from '../../src/core/processors/sketches';
import { prng } from '../support/datasets';

const S1 = 0x9747b28c;
const S2 = 0x5bd1e995;

describe('HyperLogLog', () => {
  it.each([1, 1000, 70_000, 250_000])('estimates %i distinct strings within 2 %%', (n) => {
    const hll = new HyperLogLog();
    for (let i = 0; i < n; i++) {
      const s = `value-${i}`;
      hll.add(hashString(s, S1), hashString(s, S2));
      if (i % 3 === 0) hll.add(hashString(s, S1), hashString(s, S2)); // repeats do not count
    }
    expect(Math.abs(hll.estimate() / n - 1)).toBeLessThan(0.02);
  });

  it('estimates distinct numbers, counting -0 and 0 as one', () => {
    const hll = new HyperLogLog();
    const rand = prng(3);
    const xs = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const x = Math.round(rand() * 1e7) / 100;
      xs.add(x);
      hll.add(hashNumber(x, S1), hashNumber(x, S2));
    }
    expect(Math.abs(hll.estimate() / xs.size - 1)).toBeLessThan(0.02);
    const zero = new HyperLogLog();
    for (const z of [0, -0, 0]) zero.add(hashNumber(z, S1), hashNumber(z, S2));
    expect(zero.estimate()).toBe(1);
  });

  it('merges as the union', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) a.add(hashString(`a${i}`, S1), hashString(`a${i}`, S2));
    for (let i = 25_000; i < 100_000; i++) b.add(hashString(`a${i}`, S1), hashString(`a${i}`, S2));
    a.merge(b);
    expect(Math.abs(a.estimate() / 100_000 - 1)).toBeLessThan(0.02);
  });
});

describe('hashStringPair', () => {
  it('gives hashString with both seeds in one pass, for any length and any UTF-16', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'é😀', '\ud800x', 'note 123 456789', 'x'.repeat(1001)]) {
      expect(hashStringPair(s, S1, S2)).toBe(hashString(s, S1));
      expect(lastSecondHash()).toBe(hashString(s, S2));
    }
  });
});

describe('SpaceSaving', () => {
  it('is exact while the distinct keys fit its capacity', () => {
    const s = new SpaceSaving(8);
    for (const k of ['a', 'b', 'a', 'c', 'a', 'b']) s.add(k);
    s.add('d', 5);
    expect(s.entries()).toEqual([
      { value: 'd', count: 5, error: 0 },
      { value: 'a', count: 3, error: 0 },
      { value: 'b', count: 2, error: 0 },
      { value: 'c', count: 1, error: 0 },
    ]);
  });

  it('keeps every key above n/capacity, with counts over-estimated by at most their error ≤ n/capacity', () => {
    const capacity = 32;
    const s = new SpaceSaving(capacity);
    const rand = prng(5);
    const exact = new Map<string, number>();
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      // Zipf-like: a few heavy keys in a long tail of distinct ones.
      const r = rand();
      const key = r < 0.2 ? 'k0' : r < 0.3 ? 'k1' : r < 0.35 ? 'k2' : `tail${Math.floor(rand() * 1e9)}`;
      exact.set(key, (exact.get(key) ?? 0) + 1);
      s.add(key);
    }
    const entries = s.entries();
    expect(entries.length).toBe(capacity);
    for (const [key, count] of exact) {
      if (count <= n / capacity) continue;
      const e = entries.find((x) => x.value === key);
      expect(e).toBeDefined();
      expect(e!.count).toBeGreaterThanOrEqual(count);
      expect(e!.count - e!.error).toBeLessThanOrEqual(count);
      expect(e!.error).toBeLessThanOrEqual(n / capacity);
    }
    expect(entries.slice(0, 3).map((e) => e.value)).toEqual(['k0', 'k1', 'k2']);
  });

  it('finds its keys again after settle() copies them, and after evictions moved them in its hash table', () => {
    const s = new SpaceSaving(8);
    const chunk = `${'long key number '.repeat(2)}|`;
    const key = (i: number) => `${chunk.slice(0, 20)}${i}`; // 21+ code units: copied by settle()
    for (let i = 0; i < 4; i++) s.add(key(i), 100 + i);
    s.settle();
    for (let i = 100; i < 140; i++) s.add(`evicting ${i}`); // they churn through the other 4 counters
    for (let i = 0; i < 4; i++) s.add(key(i), 1);
    s.settle();
    const byValue = new Map(s.entries().map((e) => [e.value, e]));
    for (let i = 0; i < 4; i++) expect(byValue.get(key(i))).toEqual({ value: key(i), count: 101 + i, error: 0 });
  });
});
