/**
 * What every reader hands out, whatever the format.
 *
 * Row shape (the same for xlsx and csv):
 * - `rowNumber` is the row as the user sees it: the xlsx `r` attribute, or the CSV record number
 *   with the header as 1. Rows come in file order.
 * - Trailing empty cells are dropped, so a blank row has `cells: []`.
 * - Blank rows between data rows are yielded (the caller counts them); blank rows after the last
 *   data row are not, because spreadsheets often carry thousands of formatted empty rows.
 * - xlsx rows that the file does not store (gaps in `r`: Excel and LibreOffice leave empty rows
 *   out) are blank rows, as the CSV of the same sheet has them, so both count the same.
 */
export interface SheetRow {
  rowNumber: number;
  cells: string[];
}

export type SheetFileType = 'xlsx' | 'csv';

export interface ReadLimits {
  /** Rows yielded at most, the header and blank rows in between included. */
  maxRows: number;
  /** Bytes read in total after decompression (xlsx: all parts read; csv: the file). */
  maxUncompressedBytes: number;
  /** Inflated ÷ compressed bytes allowed per zip entry, once past a small grace size. */
  maxCompressionRatio: number;
  /** Characters in one cell (Excel's own limit is 32,767). */
  maxCellChars: number;
  /** Inflated bytes of the shared strings part, which is held in memory. */
  maxSharedStringsBytes: number;
  /** Columns in a row (Excel's own limit is 16,384). */
  maxColumns: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxRows: 1_048_576,
  maxUncompressedBytes: 512 * MIB,
  // Apache POI refuses past 100:1; real sheets with long runs of styled empty cells get close.
  maxCompressionRatio: 200,
  maxCellChars: 32_767,
  maxSharedStringsBytes: 100 * MIB,
  maxColumns: 16_384,
});

export function resolveLimits(limits: Partial<ReadLimits> = {}): ReadLimits {
  const resolved = { ...DEFAULT_READ_LIMITS };
  for (const key of Object.keys(resolved) as (keyof ReadLimits)[]) {
    const value = limits[key];
    if (value !== undefined) {
      if (!(value > 0)) throw new RangeError(`Read limit ${key} must be positive, got ${value}.`);
      resolved[key] = value;
    }
  }
  return resolved;
}
