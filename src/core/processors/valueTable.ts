/*
 * The exact value counts of a csv-report column: a hash table of distinct strings, each with its number
 * of occurrences and the number it spells (NaN when none).
 *
 * Why not a `Map<string, number>`: a column keeps up to 65,536 distinct values, and V8's Map with that
 * many string keys, each a string object of its own that survives young-generation collections, costs
 * about 1.5 µs per new value on this machine (the table's growth, the copy of each key out of its
 * input chunk, and the garbage collector moving every kept key) — most of csv-report's time on a 64 MiB
 * all-distinct file. Here the keys' UTF-16 code units are copied into one growable `Uint16Array` and
 * found through an open-addressing table (linear probing, at most half full) of 32-bit hashes: no
 * object per value, and a third to a half of the Map's time for the same 5 × 65,536 new values
 * (measured on the all-distinct benchmark file's first rows).
 */

/** Initial capacity in entries (grows by doubling). */
const INITIAL_ENTRIES = 16;

/**
 * Distinct strings with a count and a number each. Memory per entry: 4 bytes of hash, 4 of offset,
 * 8 of count, 8 of number, 8 to 16 of table slots, plus 2 bytes per code unit of the key; each array
 * grows by doubling, so at most twice that.
 */
export class ValueTable {
  /** Distinct strings held. */
  size = 0;
  /** UTF-16 code units of the strings held. */
  chars = 0;
  private codeUnits = new Uint16Array(1024);
  /** Key of entry i: codeUnits[starts[i], starts[i + 1]). */
  private starts = new Int32Array(INITIAL_ENTRIES + 1);
  private hashes = new Int32Array(INITIAL_ENTRIES);
  private counts = new Float64Array(INITIAL_ENTRIES);
  private numbers = new Float64Array(INITIAL_ENTRIES);
  /** Entry + 1, 0 when empty; the length is a power of two, at least twice the entries. */
  private table = new Int32Array(2 * INITIAL_ENTRIES);

  /**
   * The entry holding `s`, or -1. `hash`: a 32-bit hash of `s` (equal strings, equal hashes), the same
   * function for every call on this table.
   */
  find(s: string, hash: number): number {
    hash |= 0;
    const { table, hashes, starts, codeUnits } = this;
    const mask = table.length - 1;
    const n = s.length;
    for (let p = hash & mask; ; p = (p + 1) & mask) {
      const e = table[p] as number;
      if (e === 0) return -1;
      const i = e - 1;
      if (hashes[i] !== hash) continue;
      const a = starts[i] as number;
      if ((starts[i + 1] as number) - a !== n) continue;
      let k = 0;
      while (k < n && codeUnits[a + k] === s.charCodeAt(k)) k++;
      if (k === n) return i;
    }
  }

  /** Adds `s` (not held yet: see {@link find}) with count 1 and number `x`. */
  add(s: string, hash: number, x: number): void {
    hash |= 0;
    const i = this.size;
    if (i === this.hashes.length) this.growEntries();
    if (2 * (i + 1) > this.table.length) this.growTable();
    const n = s.length;
    let at = this.chars;
    if (at + n > this.codeUnits.length) {
      const grown = new Uint16Array(Math.max(2 * this.codeUnits.length, at + n));
      grown.set(this.codeUnits);
      this.codeUnits = grown;
    }
    const codeUnits = this.codeUnits;
    for (let k = 0; k < n; k++) codeUnits[at++] = s.charCodeAt(k);
    this.chars = at;
    this.starts[i + 1] = at;
    this.hashes[i] = hash;
    this.counts[i] = 1;
    this.numbers[i] = x;
    this.size = i + 1;
    this.place(i, hash);
  }

  /** Adds one occurrence to entry `i`. */
  increment(i: number): void {
    this.counts[i] = (this.counts[i] as number) + 1;
  }

  /** The number entry `i` spells (NaN when none). */
  numberAt(i: number): number {
    return this.numbers[i] as number;
  }

  /**
   * Calls `f` with each entry's string, count and number, in insertion order. The strings are slices of
   * one string of all the keys: copy one before keeping it for long (see `detach` in sketches.ts).
   */
  forEach(f: (value: string, count: number, x: number) => void): void {
    const { codeUnits, starts, chars } = this;
    // String.fromCharCode over blocks of code units (lone surrogates kept as they are, unlike a
    // UTF-16 TextDecoder), joined into one string.
    const blocks: string[] = [];
    for (let a = 0; a < chars; a += 8192) {
      blocks.push(String.fromCharCode.apply(null, codeUnits.subarray(a, Math.min(a + 8192, chars)) as unknown as number[]));
    }
    const all = blocks.join('');
    for (let i = 0; i < this.size; i++) f(all.slice(starts[i], starts[i + 1]), this.counts[i] as number, this.numbers[i] as number);
  }

  private place(i: number, hash: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let p = hash & mask;
    while (table[p] !== 0) p = (p + 1) & mask;
    table[p] = i + 1;
  }

  private growEntries(): void {
    const n = 2 * this.hashes.length;
    const starts = new Int32Array(n + 1);
    starts.set(this.starts);
    this.starts = starts;
    const hashes = new Int32Array(n);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const counts = new Float64Array(n);
    counts.set(this.counts);
    this.counts = counts;
    const numbers = new Float64Array(n);
    numbers.set(this.numbers);
    this.numbers = numbers;
  }

  private growTable(): void {
    this.table = new Int32Array(2 * this.table.length);
    for (let i = 0; i < this.size; i++) this.place(i, this.hashes[i] as number);
  }
}
