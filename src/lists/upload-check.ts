import { AppError, type ErrorStatus } from '../errors/app-error.js';

export class UploadRejected extends AppError {
  constructor(
    readonly code: 'UPLOAD_TOO_LARGE' | 'UNSUPPORTED_FILE_TYPE' | 'EMPTY_FILE' | 'FILE_REQUIRED',
    message: string,
    readonly status: ErrorStatus,
  ) {
    super(message);
  }
}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * A first look at an upload's bytes (not a parse): a spreadsheet is a zip (xlsx) or text (csv).
 * Old .xls, PDFs, images and binary garbage are refused at once, whatever their name says.
 * The worker's reader checks the rest (a zip that is no workbook, a corrupt file).
 */
export function assertSpreadsheetHead(head: Buffer, size: number): void {
  if (size === 0) throw new UploadRejected('EMPTY_FILE', 'The file is empty.', 400);
  if (head.subarray(0, 4).equals(ZIP)) return;
  if (looksLikeText(head)) return;
  throw new UploadRejected(
    'UNSUPPORTED_FILE_TYPE',
    'The file is neither an .xlsx workbook nor a CSV text file (old .xls files: save as .xlsx or .csv).',
    415,
  );
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // A chunk boundary may cut a multi-byte character: ignore an incomplete tail.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const replacements = text.slice(0, -4).split('\uFFFD').length - 1;
  return replacements === 0;
}
