import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import XLSX from 'xlsx';
import { readXlsxRows } from '../../../src/import/xlsx-reader.js';
import type { SheetRow } from '../../../src/import/sheet-reader.js';
import {
  ARABIC, EMOJI, LONG_TEXT, collect, excelStyleWorkbook, fixtureDir, googleSheetsWorkbook, internationalWorkbook,
  largeWorkbook, libreOfficeWorkbook, openDescriptorsFor, prefixedWorkbook,
} from '../../fixtures/spreadsheets.js';

const dir = fixtureDir();
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const file = (name: string): string => path.join(dir, name);

describe('xlsx reader: workbooks as real writers save them', () => {
  it('Excel: the first tab, shared and rich strings, numeric phones, dates, cached formulas, sparse rows', async () => {
    const rows = await collect(readXlsxRows(await excelStyleWorkbook(file('excel.xlsx'))));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['Name', 'Phone', 'Joined', 'Total', 'Active', 'Note', 'Last seen'] },
      { rowNumber: 2, cells: ['Budi Santoso', '6281234567890', '2023-01-01', '3', 'TRUE', 'ok!', '2023-03-15T12:00:00'] },
      // 6.2812345678900E+12 in the XML; the phonetic guide of 東京 is not part of the text.
      { rowNumber: 3, cells: ['東京', '6281234567890', '2023-03-15', '', 'FALSE', '', '1900-02-29'] },
      { rowNumber: 4, cells: ['Siti & "Co" <VIP>', '', '', '', '', '628123456789012'] },
      // Row 5 is not in the file (Excel leaves empty rows out): the blank row the sheet shows.
      { rowNumber: 5, cells: [] },
      { rowNumber: 6, cells: ['line one\r\nline two', '628123456789', '', '6'] },
    ]);
  });

  it('LibreOffice: formatted blank rows before a header on row 3, whitespace kept, hidden first sheet skipped', async () => {
    const rows = await collect(readXlsxRows(await libreOfficeWorkbook(file('libre.xlsx'))));
    expect(rows).toEqual([
      { rowNumber: 1, cells: [] },
      { rowNumber: 2, cells: [] },
      { rowNumber: 3, cells: ['Phone ', 'Name', 'Born'] },
      { rowNumber: 4, cells: ['6281234567891', 'Ani', '1992-01-01'] },
      { rowNumber: 5, cells: ['6281234567892', '  Rahman  ', 'TRUE'] },
    ]);
  });

  it('Google Sheets style: inline strings, rows and cells without r numbered in sequence', async () => {
    const rows = await collect(readXlsxRows(await googleSheetsWorkbook(file('google.xlsx'))));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['phone', 'name'] },
      { rowNumber: 2, cells: ['628111', 'Ana'] },
      { rowNumber: 3, cells: [] },
      { rowNumber: 4, cells: [] },
      { rowNumber: 5, cells: ['', 'Beni'] },
      { rowNumber: 6, cells: ['628333', 'Cita'] },
    ]);
  });

  it('OpenXML SDK style: x: prefixes everywhere, CDATA, the 1904 date system', async () => {
    const rows = await collect(readXlsxRows(await prefixedWorkbook(file('prefixed.xlsx'))));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['Phone', 'Since'] },
      { rowNumber: 2, cells: ['628123456789', '1904-01-02', 'a < b'] },
    ]);
  });

  it('Arabic, emoji with joiners and skin tones, 500-character cells come back intact', async () => {
    const rows = await collect(readXlsxRows(await internationalWorkbook(file('intl.xlsx'))));
    expect(rows.map((r) => r.cells)).toEqual([
      ['phone', 'name', 'message'],
      ['966501234567', ARABIC, LONG_TEXT],
      ['6281234567890', EMOJI, EMOJI],
    ]);
    expect(LONG_TEXT.length).toBe(500);
  });
});

describe('xlsx reader against SheetJS', () => {
  it('reads a workbook written by SheetJS (its own part layout and styles)', async () => {
    const sheet = XLSX.utils.aoa_to_sheet(
      [
        ['Phone', 'Name', 'Joined', 'VIP', 'Score'],
        [6281234567890, 'Ana', new Date(Date.UTC(2024, 1, 29)), true, 1.5],
        [628123456789012, 'محمد', new Date(Date.UTC(1999, 11, 31)), false, -3],
        [],
        [6.28123456789e11, '🎉 Budi', null, null, 0.1 + 0.2],
      ],
      { cellDates: true, dateNF: 'yyyy-mm-dd' },
    );
    const book = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(book, sheet, 'Recipients');
    XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet([['other']]), 'Other');
    const target = file('sheetjs.xlsx');
    XLSX.writeFile(book, target);

    const rows = await collect(readXlsxRows(target));
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['Phone', 'Name', 'Joined', 'VIP', 'Score'] },
      { rowNumber: 2, cells: ['6281234567890', 'Ana', '2024-02-29', 'TRUE', '1.5'] },
      { rowNumber: 3, cells: ['628123456789012', 'محمد', '1999-12-31', 'FALSE', '-3'] },
      { rowNumber: 4, cells: [] },
      { rowNumber: 5, cells: ['628123456789', '🎉 Budi', '', '', '0.3'] },
    ]);
  });

  it.each([
    ['Excel', excelStyleWorkbook],
    ['LibreOffice', libreOfficeWorkbook],
    ['Google Sheets', googleSheetsWorkbook],
    ['international', internationalWorkbook],
  ])('agrees cell by cell with SheetJS reading the %s fixture', async (name, build) => {
    const target = await build(file(`cross-${name}.xlsx`));
    const ours = byAddress(await collect(readXlsxRows(target)));
    const theirs = sheetJsCells(target);
    expect(ours).toEqual(theirs);
  });

  it('agrees with SheetJS on a 2,000-row workbook', async () => {
    const target = await largeWorkbook(file('cross-large.xlsx'), 2000);
    expect(byAddress(await collect(readXlsxRows(target)))).toEqual(sheetJsCells(target));
  });
});

describe('xlsx reader: streaming', () => {
  it('stops early without reading the rest, and releases the file', async () => {
    const target = await largeWorkbook(file('early.xlsx'), 20_000);
    const seen: SheetRow[] = [];
    for await (const row of readXlsxRows(target)) {
      seen.push(row);
      if (seen.length === 3) break;
    }
    expect(seen.map((r) => r.rowNumber)).toEqual([1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openDescriptorsFor(target)).toBe(0);
  });

  it('releases the file after a full read too', async () => {
    const target = await largeWorkbook(file('full.xlsx'), 5_000);
    expect((await collect(readXlsxRows(target))).length).toBe(5_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openDescriptorsFor(target)).toBe(0);
  });
});

/** Non-empty cells keyed by A1 address, the common ground of both readers. */
function byAddress(rows: SheetRow[]): Record<string, string> {
  const cells: Record<string, string> = {};
  for (const row of rows) {
    row.cells.forEach((value, c) => {
      if (value !== '') cells[XLSX.utils.encode_cell({ r: row.rowNumber - 1, c })] = value;
    });
  }
  return cells;
}

function sheetJsCells(target: string): Record<string, string> {
  const book = XLSX.readFile(target, { cellNF: true, cellDates: false, dense: false });
  const sheet = book.Sheets[book.SheetNames.find((n) => !['Hidden'].includes(n)) ?? ''] ?? {};
  const cells: Record<string, string> = {};
  for (const [address, cell] of Object.entries(sheet)) {
    if (address.startsWith('!')) continue;
    const value = sheetJsValue(cell as XLSX.CellObject);
    if (value !== '') cells[address] = value;
  }
  return cells;
}

/** SheetJS's date helpers, untyped in its declarations. */
interface Ssf {
  is_date(format: string): boolean;
  parse_date_code(value: number): { y: number; m: number; d: number; H: number; M: number; S: number };
}
const SSF = XLSX.SSF as Ssf;

function sheetJsValue(cell: XLSX.CellObject): string {
  if (cell.t === 's') return String(cell.v);
  if (cell.t === 'b') return cell.v === true ? 'TRUE' : 'FALSE';
  if (cell.t !== 'n') return '';
  const value = cell.v as number;
  if (cell.z !== undefined && SSF.is_date(String(cell.z))) {
    const d = SSF.parse_date_code(value);
    const pad = (x: number, w = 2): string => String(x).padStart(w, '0');
    const date = `${pad(d.y, 4)}-${pad(d.m)}-${pad(d.d)}`;
    return d.H + d.M + d.S === 0 ? date : `${date}T${pad(d.H)}:${pad(d.M)}:${pad(d.S)}`;
  }
  return Number.isInteger(value) ? BigInt(value).toString() : String(value);
}
