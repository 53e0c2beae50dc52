/*
 * Fixed-size summaries used by csv-report once a column has too many distinct values to keep them all:
 * a HyperLogLog distinct-count estimator and a Space-Saving heavy-hitters (top values) summary.
 * Quantiles come from DDSketch (`@datadog/sketches-js`).
 *
 * Why not a library for these two: the one maintained npm package with both (`bloom-filters` 3.0.4)
 * measured 286 µs per HyperLogLog update and 26 µs per Top-K update on this machine (it hashes with
 * the pure-JS `xxhashjs` and allocates per call), three to four orders of magnitude too slow for a
 * processor that handles about a million values per second. These are short, textbook
 * implementations, tested against exact counts in test/unit/sketches.test.ts.
 */

// ---------------------------------------------------------------------------------------------------
// Hashing

/**
 * 32-bit hash of a string's UTF-16 code units: MurmurHash3 x86_32's mixing (Austin Appleby, public
 * domain) applied per code unit, with its `fmix32` finalizer. `seed` gives independent hashes.
 */
export function hashString(s: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h ^ s.length);
}

/** MurmurHash3's 32-bit finalizer (full avalanche). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** 32-bit hash of a double's bits (`-0` hashed as `0`, so that equal numbers hash alike). */
export function hashNumber(x: number, seed: number): number {
  f64[0] = x === 0 ? 0 : x;
  return fmix32(fmix32((u32[0] as number) ^ seed) ^ Math.imul(u32[1] as number, 0x9e3779b1));
}

// ---------------------------------------------------------------------------------------------------
// HyperLogLog

/** Register index bits: m = 2^16 registers, 64 KiB. */
const HLL_P = 16;
const HLL_M = 1 << HLL_P;
/** Bias constant α_m for m ≥ 128 (Flajolet et al. 2007, figure 3). */
const HLL_ALPHA = 0.7213 / (1 + 1.079 / HLL_M);

/**
 * HyperLogLog distinct-count estimator (P. Flajolet, É. Fusy, O. Gandouet, F. Meunier, "HyperLogLog:
 * the analysis of a near-optimal cardinality estimation algorithm", AofA 2007), with 2^16 one-byte
 * registers (64 KiB) and linear counting below 2.5·m (the paper's small-range correction).
 *
 * Standard error 1.04/√m = 0.41 %; the 2 % bound csv-report states is about five standard errors.
 * Callers pass two independent 32-bit hashes per item: the first picks the register, the second gives
 * the rank (position of the first 1-bit, 1..33), i.e. an effective 48-bit hash, so no large-range
 * correction is needed below about 2^40 distinct values.
 */
export class HyperLogLog {
  private readonly registers = new Uint8Array(HLL_M);

  /** Adds an item given by two independent 32-bit hashes. */
  add(h1: number, h2: number): void {
    const index = h1 >>> (32 - HLL_P);
    const rank = Math.clz32(h2) + 1;
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
  }

  /** Adds every item of `other` to this one (register-wise maximum: the estimate of the union). */
  merge(other: HyperLogLog): void {
    for (let i = 0; i < HLL_M; i++) {
      const r = other.registers[i] as number;
      if (r > (this.registers[i] as number)) this.registers[i] = r;
    }
  }

  /** Estimated number of distinct items added (a non-negative integer). */
  estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < HLL_M; i++) {
      const r = this.registers[i] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const raw = (HLL_ALPHA * HLL_M * HLL_M) / sum;
    if (raw <= 2.5 * HLL_M && zeros > 0) return Math.round(HLL_M * Math.log(HLL_M / zeros));
    return Math.round(raw);
  }
}

// ---------------------------------------------------------------------------------------------------
// Space-Saving

/**
 * Space-Saving heavy hitters (A. Metwally, D. Agrawal, A. El Abbadi, "Efficient computation of frequent
 * and top-k elements in data streams", ICDT 2005) with `capacity` counters kept in a min-heap.
 *
 * Guarantees (n = total count added): every value occurring more than n/capacity times is kept; a kept
 * value's count is an overestimate by at most its `error` (≤ n/capacity). Memory: `capacity` keys
 * (callers bound the key length).
 */
export class SpaceSaving {
  /** Min-heap of the counters by count. */
  private readonly heap: Counter[] = [];
  private readonly byKey = new Map<string, Counter>();

  constructor(readonly capacity: number) {}

  /**
   * Adds `weight` (> 0) occurrences of `key`. A key that is kept is copied first (see `detach` in
   * csvReport.ts: a slice of a big chunk would keep the chunk alive).
   */
  add(key: string, weight = 1): void {
    const found = this.byKey.get(key);
    if (found !== undefined) {
      found.count += weight;
      this.siftDown(found.at);
      return;
    }
    const heap = this.heap;
    if (heap.length < this.capacity) {
      const c: Counter = { key: copy(key), count: weight, error: 0, at: heap.length };
      heap.push(c);
      this.byKey.set(c.key, c);
      this.siftUp(c.at);
      return;
    }
    // Replace the minimum (the root): its count becomes the new key's error.
    const root = heap[0] as Counter;
    this.byKey.delete(root.key);
    root.key = copy(key);
    root.error = root.count;
    root.count += weight;
    this.byKey.set(root.key, root);
    this.siftDown(0);
  }

  /** Kept entries, by estimated count descending then key ascending (UTF-16 code units). */
  entries(): { value: string; count: number; error: number }[] {
    return this.heap
      .map(({ key, count, error }) => ({ value: key, count, error }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  private place(c: Counter, at: number): void {
    this.heap[at] = c;
    c.at = at;
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const c = heap[i] as Counter;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Counter;
      if (c.count >= p.count) break;
      this.place(p, i);
      i = parent;
    }
    this.place(c, i);
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const c = heap[i] as Counter;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && (heap[r] as Counter).count < (heap[l] as Counter).count) child = r;
      const m = heap[child] as Counter;
      if (m.count >= c.count) break;
      this.place(m, i);
      i = child;
    }
    this.place(c, i);
  }
}

interface Counter {
  key: string;
  count: number;
  error: number;
  /** Position in the heap. */
  at: number;
}

/** A flat copy of a string (a V8 sliced string of 13+ code units keeps its parent alive). */
function copy(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}
