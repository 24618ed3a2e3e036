/**
 * A workbook's shared strings, packed as UTF-8 in 1 MiB blocks outside the V8 heap, with the
 * place of each in typed arrays: ~12 bytes a string besides its text, where an array of JS strings
 * costs 40–60, and, worse, where a string sliced from the parser's chunk of XML keeps that whole
 * chunk alive (1M unique names held ~130 MB of heap and let the heap grow past 400 MB while the
 * sheet was read; packed, the same table is ~35 MB). Cells point into the table at random, so it
 * is held whole; its size is capped by `maxSharedStringsBytes`.
 *
 * Reading a string decodes it again; a small direct-mapped cache keeps the strings read recently,
 * which are most of the reads in a sheet whose columns repeat a few values (cities, segments).
 */
export class SharedStrings {
  private readonly blocks: Buffer[] = [];
  private block: Buffer | undefined;
  private used = 0;
  /** Per string: the index of its block × BLOCK_BYTES + its offset there, and its length in bytes. */
  private positions = new Float64Array(INITIAL_STRINGS);
  private lengths = new Uint32Array(INITIAL_STRINGS);
  private count = 0;
  private readonly cachedIndex = new Int32Array(CACHE_SLOTS).fill(-1);
  private readonly cachedText = new Array<string>(CACHE_SLOTS).fill('');

  get size(): number {
    return this.count;
  }

  add(text: string): void {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (!this.block || this.used + bytes > this.block.length) {
      // A string longer than a block (a cell is capped far below that, but not here) gets a block of its own size.
      this.block = Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, bytes));
      this.blocks.push(this.block);
      this.used = 0;
    }
    if (this.count === this.positions.length) this.grow();
    this.block.write(text, this.used, 'utf8');
    this.positions[this.count] = (this.blocks.length - 1) * BLOCK_BYTES + this.used;
    this.lengths[this.count] = bytes;
    this.count += 1;
    this.used += bytes;
  }

  /** The string at `index`, or undefined past the end of the table (a damaged or hostile sheet). */
  get(index: number): string | undefined {
    if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) return undefined;
    const slot = index & (CACHE_SLOTS - 1);
    if (this.cachedIndex[slot] === index) return this.cachedText[slot];
    const position = this.positions[index] ?? 0;
    const block = this.blocks[Math.floor(position / BLOCK_BYTES)];
    const start = position % BLOCK_BYTES;
    const text = block === undefined ? '' : block.toString('utf8', start, start + (this.lengths[index] ?? 0));
    this.cachedIndex[slot] = index;
    this.cachedText[slot] = text;
    return text;
  }

  private grow(): void {
    const positions = new Float64Array(this.positions.length * 2);
    positions.set(this.positions);
    this.positions = positions;
    const lengths = new Uint32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }
}

const BLOCK_BYTES = 1024 * 1024;
const INITIAL_STRINGS = 1024;
const CACHE_SLOTS = 4096;
