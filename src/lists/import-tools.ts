import { buildColumns, detectPhoneColumn } from '../core/columns.js';
import { normalizePhone } from '../core/phone.js';
import { detectFileType } from '../import/file-type.js';
import { isImportError } from '../import/import-errors.js';
import { readSheetBatches } from '../import/read-sheet.js';
import type { ReadLimits } from '../import/sheet-reader.js';
import type { ImportTools } from './import-list.js';

/**
 * The real readers and rules behind an import, with the limits from the configuration. Parsing
 * runs on the importing thread: a reader thread overlapped it with storing, but in the import
 * process it saved ~10 % of the time (0.86 s against 0.95 s on the 100k-row benchmark sheet) for
 * ~27 MB more peak memory (its isolate), a quarter more than the whole import.
 */
export function createImportTools(limits: Partial<ReadLimits>): ImportTools {
  return {
    detectFileType,
    readRows: (file, type) => readSheetBatches(file, limits, type),
    buildColumns: (headers) => buildColumns(headers).map(({ header, key }) => ({ header, key })),
    findPhoneColumn: (headers, requested) => detectPhoneColumn(headers, requested),
    normalizePhone,
    asImportFailure: (error) =>
      isImportError(error)
        ? { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) }
        : undefined,
  };
}
