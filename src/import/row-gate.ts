import { ImportError } from './import-errors.js';
import type { ReadLimits, SheetRow } from './sheet-reader.js';

/**
 * The one place rows take their final shape and the row and cell limits are enforced, so the
 * xlsx and csv readers cannot drift apart. Blank rows wait here until a later row with content
 * shows they are not trailing; only runs of their numbers are held, at most `maxRows` rows.
 *
 * A row number skipped (an xlsx row the file does not store: Excel and LibreOffice leave empty
 * rows out) is a blank row, the same one the CSV of that sheet has as an empty line, so the two
 * count the same.
 */
export class RowGate {
  private yielded = 0;
  /** Runs of blank rows waiting: first row number, count; pairs. */
  private readonly pendingRuns: number[] = [];
  private pending = 0;
  private blanksOverflowed = false;
  private lastRowNumber = 0;

  constructor(private readonly limits: ReadLimits) {}

  /** Pushes onto `out` the rows that are now known to be handed out, in order. */
  accept(rowNumber: number, cells: string[], out: SheetRow[]): void {
    const last = this.lastRowNumber;
    if (rowNumber > last) {
      if (rowNumber > last + 1) this.holdBlanks(last + 1, rowNumber - last - 1);
      this.lastRowNumber = rowNumber;
    }
    let length = cells.length;
    while (length > 0 && cells[length - 1] === '') length -= 1;
    if (length === 0) {
      this.holdBlanks(rowNumber, 1);
      return;
    }
    if (length !== cells.length) cells.length = length;
    this.checkCells(rowNumber, cells);
    if (this.blanksOverflowed || this.yielded + this.pending + 1 > this.limits.maxRows) {
      throw tooManyRows(this.limits.maxRows);
    }
    if (this.pending > 0) this.release(out);
    this.yielded += 1;
    out.push({ rowNumber, cells });
  }

  private holdBlanks(first: number, count: number): void {
    if (this.yielded + this.pending + count > this.limits.maxRows) {
      this.blanksOverflowed = true;
      return;
    }
    const runs = this.pendingRuns;
    const end = runs.length - 1;
    // Consecutive blank rows extend the last run.
    if (end > 0 && (runs[end - 1] ?? 0) + (runs[end] ?? 0) === first) runs[end] = (runs[end] ?? 0) + count;
    else runs.push(first, count);
    this.pending += count;
  }

  private release(out: SheetRow[]): void {
    const runs = this.pendingRuns;
    for (let k = 0; k < runs.length; k += 2) {
      const first = runs[k] ?? 0;
      const count = runs[k + 1] ?? 0;
      for (let n = 0; n < count; n += 1) out.push({ rowNumber: first + n, cells: [] });
    }
    this.yielded += this.pending;
    this.pending = 0;
    // Only when there were some: setting an array's length is a slow runtime call in V8.
    runs.length = 0;
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
