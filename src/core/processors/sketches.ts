/*
 * Fixed-size summaries used by csv-report once a column has too many distinct values to keep them all:
 * a HyperLogLog distinct-count estimator and a Space-Saving heavy-hitters (top values) summary.
 * Quantiles come from DDSketch (`@datadog/sketches-js`). Also {@link detach}, which both use to keep no
 * input chunk alive.
 *
 * Why not a library for these two: the one maintained npm package with both (`bloom-filters` 3.0.4)
 * measured 286 µs per HyperLogLog update and 26 µs per Top-K update on this machine (it hashes with
 * the pure-JS `xxhashjs` and allocates per call), three to four orders of magnitude too slow for a
 * processor that handles about a million values per second. These are short, textbook
 * implementations, tested against exact counts in test/unit/sketches.test.ts.
 */

// ---------------------------------------------------------------------------------------------------
// Strings

/** Shortest string V8 represents as a view on its parent when sliced (a "sliced string", V8's SlicedString::kMinLength). */
const SLICED_MIN_LENGTH = 13;

/**
 * A copy of `s` that shares no memory with the chunk it was sliced from. V8 represents a slice of 13
 * or more code units as a view on its parent (a "sliced string"), which would keep a whole 64 KiB
 * chunk alive for every value kept; concatenating then slicing flattens into a fresh string.
 */
export function detach(s: string): string {
  return s.length < SLICED_MIN_LENGTH ? s : (s + ' ').slice(0, -1);
}

// ---------------------------------------------------------------------------------------------------
// Hashing

/**
 * 32-bit hash of a string's UTF-16 code units: MurmurHash3 x86_32 (Austin Appleby, public domain) over
 * 32-bit blocks of two code units each (the last code unit alone when the length is odd), with its
 * `fmix32` finalizer. `seed` gives independent hashes.
 */
export function hashString(s: string, seed: number): number {
  let h = seed | 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = Math.imul(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
  }
  return fmix32(h ^ n);
}

/** Second hash computed by the last {@link hashStringPair} call. */
let pairSecond = 0;

/**
 * `hashString(s, seed1)` and `hashString(s, seed2)` in one pass (the block mixing shared). Returns the
 * first; the second is read with {@link lastSecondHash}. For the per-value paths of csv-report.
 */
export function hashStringPair(s: string, seed1: number, seed2: number): number {
  let h1 = seed1 | 0;
  let h2 = seed2 | 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = Math.imul(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h1 ^= k;
    h2 ^= k;
  }
  pairSecond = fmix32(h2 ^ n);
  return fmix32(h1 ^ n);
}

/** The second hash of the last {@link hashStringPair} call. */
export function lastSecondHash(): number {
  return pairSecond;
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

/** Seed of the hash that {@link SpaceSaving} indexes its keys by when the caller gives none. */
const SPACE_SAVING_SEED = 0x2f6b1d3c;

/**
 * Space-Saving heavy hitters (A. Metwally, D. Agrawal, A. El Abbadi, "Efficient computation of frequent
 * and top-k elements in data streams", ICDT 2005) with `capacity` counters kept in a min-heap.
 *
 * Guarantees (n = total count added): every value occurring more than n/capacity times is kept; a kept
 * value's count is an overestimate by at most its `error` (≤ n/capacity). Memory: `capacity` keys
 * (callers bound the key length) plus typed arrays of a few dozen bytes per counter.
 *
 * Layout, for speed on streams of mostly new keys (each of which replaces the minimum): counters are
 * slots of parallel typed arrays; the min-heap holds slot numbers; keys are found through an
 * open-addressing hash table (linear probing, Knuth's backward-shift deletion, TAOCP vol. 3, 6.4,
 * Algorithm R) over a 32-bit hash of the key, at most a quarter full.
 */
export class SpaceSaving {
  private readonly keys: string[] = [];
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  private readonly hashes: Int32Array;
  /** Min-heap of slots by count. */
  private readonly heap: Int32Array;
  /** Heap position of each slot. */
  private readonly at: Int32Array;
  /** Hash table: slot + 1, 0 when empty. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private size = 0;
  /** Slots given a new key since the last {@link settle} (their keys may be slices of a chunk), each once. */
  private readonly unsettled: number[] = [];
  private readonly isUnsettled: Uint8Array;

  constructor(readonly capacity: number) {
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.heap = new Int32Array(capacity);
    this.at = new Int32Array(capacity);
    this.isUnsettled = new Uint8Array(capacity);
    let tableSize = 8;
    while (tableSize < 4 * capacity) tableSize *= 2;
    this.table = new Int32Array(tableSize);
    this.mask = tableSize - 1;
  }

  /**
   * Adds `weight` (> 0) occurrences of `key`. `hash`: any 32-bit hash of the key's content (equal keys,
   * equal hashes), default {@link hashString}; callers that hashed the key already pass theirs. A key
   * is kept as given until {@link settle} copies it (see {@link detach}: a slice of a big chunk would
   * keep the chunk alive).
   */
  add(key: string, weight = 1, hash: number = hashString(key, SPACE_SAVING_SEED)): void {
    hash |= 0;
    const { table, mask, hashes, keys } = this;
    for (let p = hash & mask; ; p = (p + 1) & mask) {
      const e = table[p] as number;
      if (e === 0) break;
      const slot = e - 1;
      if (hashes[slot] === hash && keys[slot] === key) {
        this.counts[slot] = (this.counts[slot] as number) + weight;
        this.siftDown(this.at[slot] as number);
        return;
      }
    }
    let slot: number;
    const fresh = this.size < this.capacity;
    if (fresh) {
      slot = this.size++;
      this.counts[slot] = weight;
      this.errors[slot] = 0;
      this.heap[slot] = slot;
      this.at[slot] = slot;
    } else {
      // Replace the minimum (the root): its count becomes the new key's error.
      slot = this.heap[0] as number;
      this.unlink(slot);
      const c = this.counts[slot] as number;
      this.errors[slot] = c;
      this.counts[slot] = c + weight;
    }
    keys[slot] = key;
    if (key.length >= SLICED_MIN_LENGTH && this.isUnsettled[slot] === 0) {
      this.isUnsettled[slot] = 1;
      this.unsettled.push(slot);
    }
    hashes[slot] = hash;
    let p = hash & mask;
    while (table[p] !== 0) p = (p + 1) & mask;
    table[p] = slot + 1;
    if (fresh) this.siftUp(slot);
    else this.siftDown(0);
  }

  /**
   * Copies the keys added since the last call into strings of their own (at most `capacity` copies),
   * so that the summary keeps no input chunk alive. Call it after each input chunk.
   */
  settle(): void {
    const { unsettled, keys } = this;
    for (const slot of unsettled) {
      keys[slot] = detach(keys[slot] as string);
      this.isUnsettled[slot] = 0;
    }
    unsettled.length = 0;
  }

  /** Kept entries, by estimated count descending then key ascending (UTF-16 code units). */
  entries(): { value: string; count: number; error: number }[] {
    const out: { value: string; count: number; error: number }[] = [];
    for (let slot = 0; slot < this.size; slot++) {
      out.push({ value: this.keys[slot] as string, count: this.counts[slot] as number, error: this.errors[slot] as number });
    }
    return out.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  /** Removes a slot's key from the hash table (backward-shift deletion). */
  private unlink(slot: number): void {
    const { table, mask, hashes } = this;
    let p = (hashes[slot] as number) & mask;
    while (table[p] !== slot + 1) p = (p + 1) & mask;
    table[p] = 0;
    for (let q = (p + 1) & mask; ; q = (q + 1) & mask) {
      const e = table[q] as number;
      if (e === 0) return;
      const home = (hashes[e - 1] as number) & mask;
      // The entry at q may move to the hole at p unless its home lies cyclically in (p, q].
      const stays = p <= q ? home > p && home <= q : home > p || home <= q;
      if (!stays) {
        table[p] = e;
        table[q] = 0;
        p = q;
      }
    }
  }

  private siftUp(i: number): void {
    const { heap, at, counts } = this;
    const slot = heap[i] as number;
    const c = counts[slot] as number;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (c >= (counts[p] as number)) break;
      heap[i] = p;
      at[p] = i;
      i = parent;
    }
    heap[i] = slot;
    at[slot] = i;
  }

  private siftDown(i: number): void {
    const { heap, at, counts } = this;
    const n = this.size;
    const slot = heap[i] as number;
    const c = counts[slot] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && (counts[heap[r] as number] as number) < (counts[heap[l] as number] as number)) child = r;
      const m = heap[child] as number;
      if ((counts[m] as number) >= c) break;
      heap[i] = m;
      at[m] = i;
      i = child;
    }
    heap[i] = slot;
    at[slot] = i;
  }
}
