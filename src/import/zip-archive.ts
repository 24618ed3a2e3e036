import { pipeline, type Readable } from 'node:stream';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import type yauzlModule from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { corruptFile, ImportError, isImportError, isSystemError } from './import-errors.js';
import type { ReadLimits } from './sheet-reader.js';

// Required rather than imported: as an ES module import, the CommonJS package is first scanned for
// its export names, which triples what loading it costs (~10 ms instead of ~3 ms) on every start
// of the import process.
const yauzl = createRequire(import.meta.url)('yauzl') as typeof yauzlModule;

/** A workbook has a dozen parts; thousands means a crafted file, and each entry costs memory. */
const MAX_ENTRIES = 10_000;
/** Small parts compress very well; the ratio only says "bomb" past this size. */
const RATIO_GRACE_BYTES = 1024 * 1024;

/** Entries of an open zip by lower-cased name (OPC part names are case-insensitive). */
export interface ZipArchive {
  find(name: string): Entry | undefined;
  /** The entry's bytes, inflated and metered against the budget as they arrive. */
  inflate(entry: Entry, budget: InflateBudget, maxBytes?: number): AsyncGenerator<Buffer>;
  close(): void;
}

export async function openZip(filePath: string): Promise<ZipArchive> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(filePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (error) {
    throw asZipError(error, '(zip directory)');
  }
  // yauzl reports a failed fd close as an 'error' event; unheard, it would crash the process.
  zip.on('error', () => undefined);
  try {
    if (zip.entryCount > MAX_ENTRIES) throw new ImportError('CORRUPT_FILE', 'The file has too many parts to be a workbook.', { entries: zip.entryCount });
    const byName = new Map<string, Entry>();
    for (const entry of await listEntries(zip)) byName.set(entry.fileName.toLowerCase(), entry);
    return {
      find: (name) => byName.get(name.toLowerCase()),
      inflate: (entry, budget, maxBytes) => inflateEntry(zip, entry, budget, maxBytes),
      close: () => {
        zip.close();
      },
    };
  } catch (error) {
    zip.close();
    throw asZipError(error, '(zip directory)');
  }
}

function listEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      if (!entry.fileName.endsWith('/')) entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => {
      resolve(entries);
    });
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Inflated bytes per chunk: larger than zlib's 16 KB default, so far fewer hops between threads. */
const INFLATE_CHUNK_BYTES = 64 * 1024;

async function* inflateEntry(zip: ZipFile, entry: Entry, budget: InflateBudget, maxBytes?: number): AsyncGenerator<Buffer> {
  const meter = budget.meter(entry, maxBytes);
  if (entry.isEncrypted()) throw corruptFile(entry.fileName, new Error('the entry is encrypted'));
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw corruptFile(entry.fileName, new Error(`unsupported compression method ${entry.compressionMethod}`));
  }
  let raw: Readable;
  try {
    // The stored bytes, inflated here rather than by yauzl: a larger chunk size, one stream fewer.
    raw = await zip.openReadStreamPromise(entry, { decodeFileData: false });
  } catch (error) {
    throw asZipError(error, entry.fileName);
  }
  const inflater = entry.compressionMethod === 8 ? zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }) : undefined;
  const stream = inflater ? pipeline(raw, inflater, () => undefined) : raw;
  let size = 0;
  let overrun = false;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      meter(buffer.length);
      // The header's size is checked as yauzl's validateEntrySizes would. More than it says is a
      // bomb whose header lies or a damaged entry (bad bytes inflate to garbage): nothing more is
      // handed on, but the entry is inflated on, metered, to tell them apart. A bomb runs into the
      // budget (ZIP_BOMB); damage breaks off or ends (CORRUPT_FILE).
      if (size > entry.uncompressedSize) overrun = true;
      if (!overrun) yield buffer;
    }
    if (overrun) throw corruptFile(entry.fileName, new Error('the entry inflates to more than its header says'));
    if (size < entry.uncompressedSize) throw corruptFile(entry.fileName, new Error('the entry inflates to less than its header says'));
  } catch (error) {
    throw asZipError(error, entry.fileName);
  } finally {
    // Leaving for-await destroys only the last stream; the file read is released explicitly, so
    // that yauzl's hold on the file descriptor ends at once when the consumer stops early.
    inflater?.destroy();
    raw.destroy();
  }
}

function asZipError(error: unknown, part: string): unknown {
  if (isImportError(error) || isSystemError(error)) return error;
  // yauzl's own check that an entry does not inflate past the size its header claims.
  if (error instanceof Error && error.message.startsWith('too many bytes in the stream')) {
    return zipBomb('An entry inflates to more than its header says.', { part });
  }
  return corruptFile(part, error);
}

export function zipBomb(message: string, details: Record<string, unknown>): ImportError {
  return new ImportError('ZIP_BOMB', `The file expands to too much data: ${message}`, details);
}

/**
 * Inflated bytes across every entry read from one file. Header sizes are only claims: they
 * refuse the obvious at once, and the bytes are counted again as they actually arrive.
 */
export class InflateBudget {
  private total = 0;

  constructor(private readonly limits: Pick<ReadLimits, 'maxUncompressedBytes' | 'maxCompressionRatio'>) {}

  meter(entry: Pick<Entry, 'fileName' | 'compressedSize' | 'uncompressedSize'>, maxBytes = Infinity): (bytes: number) => void {
    const part = entry.fileName;
    const ratioCap = Math.max(RATIO_GRACE_BYTES, entry.compressedSize * this.limits.maxCompressionRatio);
    const check = (size: number, total: number): void => {
      if (size > maxBytes) throw zipBomb(`${part} is larger than ${maxBytes} bytes.`, { part, limit: maxBytes });
      if (total > this.limits.maxUncompressedBytes) {
        throw zipBomb(`more than ${this.limits.maxUncompressedBytes} bytes in total.`, { part, limit: this.limits.maxUncompressedBytes });
      }
      if (size > ratioCap) throw zipBomb(`${part} is compressed more than ${this.limits.maxCompressionRatio}:1.`, { part, ratio: this.limits.maxCompressionRatio });
    };
    check(entry.uncompressedSize, this.total + entry.uncompressedSize);
    let inflated = 0;
    return (bytes) => {
      inflated += bytes;
      this.total += bytes;
      check(inflated, this.total);
    };
  }
}
