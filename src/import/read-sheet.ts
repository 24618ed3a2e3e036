import { detectFileType } from './file-type.js';
import type { ReadLimits, SheetFileType, SheetRow } from './sheet-reader.js';
import { readXlsxBatches } from './xlsx-reader.js';

export { detectFileType } from './file-type.js';
export { ImportError, isImportError, type ImportErrorCode } from './import-errors.js';
export { DEFAULT_READ_LIMITS, resolveLimits, type ReadLimits, type SheetFileType, type SheetRow } from './sheet-reader.js';

/**
 * The rows of a spreadsheet upload, whichever format it is (detected from its bytes unless the
 * caller already knows). See SheetRow for the row shape and ReadLimits for what is refused.
 */
export async function* readSheet(
  filePath: string,
  limits: Partial<ReadLimits> = {},
  fileType?: SheetFileType,
): AsyncGenerator<SheetRow, void, undefined> {
  for await (const batch of readSheetBatches(filePath, limits, fileType)) yield* batch;
}

/** readSheet a batch of rows at a time (in order, never empty): one await per batch, not per row. */
export async function* readSheetBatches(
  filePath: string,
  limits: Partial<ReadLimits> = {},
  fileType?: SheetFileType,
): AsyncGenerator<SheetRow[], void, undefined> {
  const type = fileType ?? (await detectFileType(filePath));
  if (type === 'xlsx') {
    yield* readXlsxBatches(filePath, limits);
  } else {
    // Loaded when needed: the import process of an xlsx file does without the CSV parser.
    const { readCsvBatches } = await import('./csv-reader.js');
    yield* readCsvBatches(filePath, limits);
  }
}
