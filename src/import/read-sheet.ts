import { readCsvRows } from './csv-reader.js';
import { detectFileType } from './file-type.js';
import type { ReadLimits, SheetFileType, SheetRow } from './sheet-reader.js';
import { readXlsxRows } from './xlsx-reader.js';

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
  const type = fileType ?? (await detectFileType(filePath));
  yield* type === 'xlsx' ? readXlsxRows(filePath, limits) : readCsvRows(filePath, limits);
}
