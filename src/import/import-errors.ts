/**
 * Why a spreadsheet was refused. Every failure caused by the file's content is one of these, so
 * the caller can tell the user what to fix; anything else (a full disk, a bug) stays a plain error.
 */
export type ImportErrorCode =
  | 'UNSUPPORTED_FILE_TYPE'
  | 'EMPTY_FILE'
  | 'CORRUPT_FILE'
  | 'ZIP_BOMB'
  | 'TOO_MANY_ROWS'
  | 'TOO_MANY_COLUMNS'
  | 'CELL_TOO_LARGE';

export class ImportError extends Error {
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImportError';
  }
}

export function isImportError(error: unknown): error is ImportError {
  return error instanceof ImportError;
}

/** Errors from Node itself (fs, sockets) carry `syscall`: those are our problem, not the file's. */
export function isSystemError(error: unknown): boolean {
  return error instanceof Error && 'syscall' in error;
}

export function corruptFile(part: string, error: unknown): ImportError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ImportError('CORRUPT_FILE', 'The file is damaged or is not a valid spreadsheet.', { part, reason }, { cause: error });
}
