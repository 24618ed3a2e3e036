import { ImportError } from './import-errors.js';
import type { ReadLimits, SheetRow } from './sheet-reader.js';

/**
 * The one place rows take their final shape and the row and cell limits are enforced, so the
 * xlsx and csv readers cannot drift apart. Blank rows wait here until a later row with content
 * shows they are not trailing; only their numbers are held, at most `maxRows` of them.
 */
export class RowGate {
  private yielded = 0;
  private readonly pendingBlanks: number[] = [];
  private blanksOverflowed = false;

  constructor(private readonly limits: ReadLimits) {}

  /** Pushes onto `out` the rows that are now known to be handed out, in order. */
  accept(rowNumber: number, cells: string[], out: SheetRow[]): void {
    let length = cells.length;
    while (length > 0 && cells[length - 1] === '') length -= 1;
    if (length === 0) {
      this.holdBlank(rowNumber);
      return;
    }
    if (length !== cells.length) cells.length = length;
    this.checkCells(rowNumber, cells);
    if (this.blanksOverflowed || this.yielded + this.pendingBlanks.length + 1 > this.limits.maxRows) {
      throw tooManyRows(this.limits.maxRows);
    }
    if (this.pendingBlanks.length > 0) {
      for (const blank of this.pendingBlanks) out.push({ rowNumber: blank, cells: [] });
      this.yielded += this.pendingBlanks.length;
      // Only when there were some: setting an array's length is a slow runtime call in V8.
      this.pendingBlanks.length = 0;
    }
    this.yielded += 1;
    out.push({ rowNumber, cells });
  }

  private holdBlank(rowNumber: number): void {
    if (this.yielded + this.pendingBlanks.length < this.limits.maxRows) this.pendingBlanks.push(rowNumber);
    else this.blanksOverflowed = true;
  }

  private checkCells(rowNumber: number, cells: string[]): void {
    if (cells.length > this.limits.maxColumns) throw tooManyColumns(rowNumber, this.limits.maxColumns);
    for (let column = 0; column < cells.length; column += 1) {
      const cell = cells[column] ?? '';
      if (cell.length > this.limits.maxCellChars) throw cellTooLarge(rowNumber, column, this.limits.maxCellChars);
    }
  }
}

export function tooManyRows(limit: number): ImportError {
  return new ImportError('TOO_MANY_ROWS', `The file has more than ${limit} rows.`, { limit });
}

export function tooManyColumns(rowNumber: number, limit: number): ImportError {
  return new ImportError('TOO_MANY_COLUMNS', `Row ${rowNumber} has more than ${limit} columns.`, { rowNumber, limit });
}

export function cellTooLarge(rowNumber: number | undefined, column: number | undefined, limit: number): ImportError {
  const where = rowNumber === undefined ? 'A cell' : `The cell in row ${rowNumber}, column ${columnName(column ?? 0)},`;
  return new ImportError('CELL_TOO_LARGE', `${where} holds more than ${limit} characters.`, { rowNumber, column, limit });
}

/** 0 → A, 25 → Z, 26 → AA: how the user finds the column in the sheet. */
export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  }
  return name;
}
