import { AppError, type ErrorStatus } from '../errors/app-error.js';
import { judgeHead } from '../import/file-head.js';

export class UploadRejected extends AppError {
  constructor(
    readonly code: 'UPLOAD_TOO_LARGE' | 'UNSUPPORTED_FILE_TYPE' | 'EMPTY_FILE' | 'FILE_REQUIRED',
    message: string,
    readonly status: ErrorStatus,
  ) {
    super(message);
  }
}

/**
 * A first look at an upload's bytes (not a parse), as the importer will judge them (judgeHead):
 * a zip (an xlsx) or text (a CSV). Old .xls files, PDFs, images, binary data and text in a
 * legacy code page are refused at once, whatever their name says, with what to do about it. The
 * worker's reader checks the rest (a zip that is no workbook, a corrupt file). With an `encoding`
 * named, text that is not UTF-8 is let through: it is decoded in that encoding (upload-encoding).
 */
export function assertSpreadsheetHead(head: Buffer, size: number, encoding?: string): void {
  if (size === 0) throw new UploadRejected('EMPTY_FILE', 'The file is empty.', 400);
  const verdict = judgeHead(head);
  if (verdict.kind !== 'refused') return;
  if (verdict.otherEncoding === true && encoding !== undefined) return;
  throw new UploadRejected('UNSUPPORTED_FILE_TYPE', `The file is ${verdict.what}. ${verdict.advice ?? 'Upload an .xlsx workbook or a CSV file.'}`, 415);
}
