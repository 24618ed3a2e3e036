import { buildColumns, detectPhoneColumn } from '../core/columns.js';
import { normalizePhone } from '../core/phone.js';
import { detectFileType } from '../import/file-type.js';
import { isImportError } from '../import/import-errors.js';
import { readSheet } from '../import/read-sheet.js';
import type { ReadLimits } from '../import/sheet-reader.js';
import { canReadInThread, readSheetInThread } from '../import/threaded-reader.js';
import type { ImportTools } from './import-list.js';

/** The real readers and rules behind an import, with the limits from the configuration. */
export function createImportTools(limits: Partial<ReadLimits>, options: { thread?: boolean } = {}): ImportTools {
  const inThread = (options.thread ?? true) && canReadInThread();
  return {
    detectFileType,
    // Parsing in a thread of its own overlaps with normalising and storing (two cores).
    readRows: (file, type) => (inThread ? readSheetInThread(file, limits, type) : readSheet(file, limits, type)),
    buildColumns: (headers) => buildColumns(headers).map(({ header, key }) => ({ header, key })),
    findPhoneColumn: (headers, requested) => detectPhoneColumn(headers, requested),
    normalizePhone,
    asImportFailure: (error) =>
      isImportError(error)
        ? { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) }
        : undefined,
  };
}
