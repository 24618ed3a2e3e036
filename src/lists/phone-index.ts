/**
 * The first row of every number an import has kept, to report later copies as duplicates of it.
 * An E.164 number has at most 15 digits, so it is held exactly as a double: an open-addressing
 * table of two Float64Arrays costs 16–40 bytes a number, where a Map of strings costs well over
 * 100, and it asks the database nothing. Anything that is not such a number goes to a plain Map.
 */
export class PhoneIndex {
  private keys = new Float64Array(INITIAL_SLOTS);
  private rows = new Float64Array(INITIAL_SLOTS);
  private count = 0;
  private readonly others = new Map<string, number>();

  /** The row `e164` was first seen at; or undefined, and `row` is recorded as its first. */
  firstRowOrAdd(e164: string, row: number): number | undefined {
    const key = e164.length <= 16 && e164.charCodeAt(0) === PLUS ? Number(e164.slice(1)) : NaN;
    // 0 marks an empty slot; E.164 numbers never start with 0, so never are 0.
    if (!(key > 0 && Number.isSafeInteger(key))) {
      const earlier = this.others.get(e164);
      if (earlier === undefined) this.others.set(e164, row);
      return earlier;
    }
    const mask = this.keys.length - 1;
    for (let slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
      const found = this.keys[slot];
      if (found === key) return this.rows[slot];
      if (found === 0) {
        this.keys[slot] = key;
        this.rows[slot] = row;
        this.count += 1;
        if (this.count * 2 > this.keys.length) this.grow();
        return undefined;
      }
    }
  }

  private grow(): void {
    const { keys, rows } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Float64Array(keys.length * 2);
    const mask = this.keys.length - 1;
    for (let old = 0; old < keys.length; old += 1) {
      const key = keys[old] ?? 0;
      if (key === 0) continue;
      let slot = hash(key) & mask;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.rows[slot] = rows[old] ?? 0;
    }
  }
}

const INITIAL_SLOTS = 4096;
const PLUS = 43;

/** Mixes both 32-bit halves of an integer up to 2^53 (murmur3's finaliser). */
function hash(key: number): number {
  let h = (key % 4294967296) ^ Math.imul(Math.floor(key / 4294967296), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
