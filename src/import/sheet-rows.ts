import { booleanText, decodeEscapes, numberText, serialToIso } from './cell-values.js';
import { elapsedText, type DateStyle } from './number-formats.js';
import { tooManyColumns } from './row-gate.js';
import type { RowGate } from './row-gate.js';
import type { SheetRow } from './sheet-reader.js';
import type { XmlAttributes, XmlHandlers } from './xml-stream.js';

export interface SheetContext {
  sharedStrings: { get(index: number): string | undefined };
  dateStyles: readonly DateStyle[];
  date1904: boolean;
  maxColumns: number;
}

interface Cell {
  column: number;
  type: string;
  style: number;
  value: string;
  inline: string;
}

/**
 * Turns worksheet SAX events into rows. Cells are placed by their `r` reference, so gaps in a
 * sparse row become ''; rows and cells without `r` (some writers omit it) follow the previous one.
 */
export class SheetRows implements XmlHandlers {
  /** Finished rows, drained by the reader after each chunk. */
  readonly ready: SheetRow[] = [];
  private inSheetData = false;
  private rowNumber = 0;
  private cells: string[] | undefined;
  private column = -1;
  private cell: Cell | undefined;
  private readonly spare: Cell = { column: 0, type: 'n', style: 0, value: '', inline: '' };
  private capture: 'value' | 'inline' | undefined;
  private inInline = false;
  private phoneticDepth = 0;

  constructor(
    private readonly context: SheetContext,
    private readonly gate: RowGate,
  ) {}

  open(name: string, attributes: XmlAttributes): void {
    switch (name) {
      case 'sheetData':
        this.inSheetData = true;
        break;
      case 'row':
        if (this.inSheetData) this.startRow(attributes.get('r'));
        break;
      case 'c':
        if (this.cells) this.startCell(attributes);
        break;
      case 'v':
        if (this.cell) this.capture = 'value';
        break;
      case 'is':
        this.inInline = this.cell !== undefined;
        break;
      case 'rPh':
        this.phoneticDepth += 1;
        break;
      case 't':
        if (this.inInline && this.phoneticDepth === 0) this.capture = 'inline';
        break;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'v':
      case 't':
        this.capture = undefined;
        break;
      case 'is':
        this.inInline = false;
        break;
      case 'rPh':
        this.phoneticDepth -= 1;
        break;
      case 'c':
        this.endCell();
        break;
      case 'row':
        this.endRow();
        break;
      case 'sheetData':
        this.inSheetData = false;
        break;
    }
  }

  text(text: string): void {
    if (this.capture === undefined || !this.cell) return;
    if (this.capture === 'value') this.cell.value += text;
    else this.cell.inline += text;
  }

  private startRow(ref: string | undefined): void {
    const declared = ref === undefined ? NaN : Number(ref);
    this.rowNumber = Number.isSafeInteger(declared) && declared > 0 ? declared : this.rowNumber + 1;
    this.cells = [];
    this.column = -1;
  }

  private startCell(attributes: XmlAttributes): void {
    const ref = attributes.get('r');
    const column = ref === undefined ? -1 : columnIndex(ref);
    this.column = column >= 0 ? column : this.column + 1;
    // One Cell, reused: a sheet has millions of cells and only one is open at a time.
    const cell = this.spare;
    cell.column = this.column;
    cell.type = attributes.get('t') ?? 'n';
    const style = attributes.get('s');
    cell.style = style === undefined ? 0 : Number(style);
    cell.value = '';
    cell.inline = '';
    this.cell = cell;
  }

  private endCell(): void {
    const cell = this.cell;
    this.cell = undefined;
    this.capture = undefined;
    if (!cell || !this.cells) return;
    const text = this.cellText(cell);
    if (text === '') return;
    // Checked before placing: a far-right column would otherwise make a huge sparse array.
    if (cell.column >= this.context.maxColumns) throw tooManyColumns(this.rowNumber, this.context.maxColumns);
    this.cells[cell.column] = text;
  }

  private endRow(): void {
    const sparse = this.cells;
    this.cells = undefined;
    if (!sparse) return;
    // Gaps left by sparse cells become '' (a loop: Array.from with a mapper is slow on holes).
    const cells: string[] = new Array<string>(sparse.length);
    for (let index = 0; index < sparse.length; index += 1) cells[index] = sparse[index] ?? '';
    this.gate.accept(this.rowNumber, cells, this.ready);
  }

  private cellText(cell: Cell): string {
    switch (cell.type) {
      case 's':
        // An empty <v> is no index (Number('') would read as 0, the table's first string).
        return cell.value.trim() === '' ? '' : (this.context.sharedStrings.get(Number(cell.value)) ?? '');
      case 'inlineStr':
        return decodeEscapes(cell.inline !== '' ? cell.inline : cell.value);
      case 'str':
        return decodeEscapes(cell.value);
      case 'b':
        return booleanText(cell.value);
      case 'e':
        return '';
      case 'd':
        return cell.value.trim();
      default:
        return this.numberCell(cell);
    }
  }

  private numberCell(cell: Cell): string {
    if (cell.value === '') return decodeEscapes(cell.inline);
    const style = this.context.dateStyles[cell.style];
    if (style !== undefined) {
      const shown = style === 'date' ? serialToIso(Number(cell.value), this.context.date1904) : elapsedText(Number(cell.value), style);
      if (shown !== undefined) return shown;
    }
    return numberText(cell.value);
  }
}

/** `B7` → 1, `AA3` → 26; -1 when the reference is not a cell reference. */
export function columnIndex(ref: string): number {
  let column = 0;
  let letters = 0;
  for (const char of ref) {
    const code = char.charCodeAt(0) & ~32; // upper-case
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
    letters += 1;
  }
  // Three letters reach XFD, Excel's last column; more is not a reference Excel writes.
  return letters === 0 || letters > 3 ? -1 : column - 1;
}
