import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../../src/import/import-errors.js';
import { readXlsxRows } from '../../../src/import/xlsx-reader.js';
import type { ReadLimits } from '../../../src/import/sheet-reader.js';
import { InflateBudget } from '../../../src/import/zip-archive.js';
import {
  OLE_HEADER, collect, damage, excelStyleWorkbook, failure, fixtureDir, inline, largeWorkbook, lieAboutSize, incompressibleText, n, pseudoRandomBytes,
  row, sharedStringsXml, sheetWorkbook, truncate, worksheetXml, writeText, writeWorkbook, writeZip, zipBombWorkbook,
} from '../../fixtures/spreadsheets.js';

const dir = fixtureDir();
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const file = (name: string): string => path.join(dir, name);

async function codeOf(target: string, limits: Partial<ReadLimits> = {}): Promise<string> {
  const error = await failure(collect(readXlsxRows(target, limits)));
  expect(error).toBeInstanceOf(ImportError);
  return (error as ImportError).code;
}

describe('xlsx reader: hostile and broken files', () => {
  it('a truncated zip is CORRUPT_FILE', async () => {
    const target = await excelStyleWorkbook(file('truncated.xlsx'));
    truncate(target, Math.floor(fs.statSync(target).size / 2));
    expect(await codeOf(target)).toBe('CORRUPT_FILE');
  });

  it('a zip bomb is refused by its ratio before it is inflated far', async () => {
    const target = await zipBombWorkbook(file('bomb.xlsx'), 50 * 1024 * 1024);
    expect(fs.statSync(target).size).toBeLessThan(200 * 1024);
    expect(await codeOf(target)).toBe('ZIP_BOMB');
  });

  it('a zip bomb is refused by the total budget even with a lax ratio', async () => {
    const target = await zipBombWorkbook(file('bomb-total.xlsx'), 20 * 1024 * 1024);
    expect(await codeOf(target, { maxCompressionRatio: 10_000, maxUncompressedBytes: 5 * 1024 * 1024 })).toBe('ZIP_BOMB');
  });

  it('a zip bomb whose headers lie about its size is caught while inflating', async () => {
    const target = lieAboutSize(await zipBombWorkbook(file('bomb-liar.xlsx'), 50 * 1024 * 1024), 'xl/worksheets/sheet1.xml', 4096);
    expect(await codeOf(target)).toBe('ZIP_BOMB');
  });

  it('a damaged zip is CORRUPT_FILE, not ZIP_BOMB, when its bad bytes inflate past the header size (issue 19)', async () => {
    // Seeds whose four flipped bytes in the sheet's deflate data inflate to more than the header
    // says, without coming near the ratio or the budget: damage, not a bomb.
    for (const seed of [21, 22, 50]) {
      const target = damage(await largeWorkbook(file(`damaged-${seed}.xlsx`), 3000), seed);
      expect(await codeOf(target)).toBe('CORRUPT_FILE');
    }
    // A size field damaged to claim less than the entry holds.
    const short = lieAboutSize(await excelStyleWorkbook(file('short-claim.xlsx')), 'xl/worksheets/sheet3.xml', 100);
    expect(await codeOf(short)).toBe('CORRUPT_FILE');
  });

  it('counts inflated bytes itself rather than trusting the header', () => {
    const entry = { fileName: 'xl/worksheets/sheet1.xml', compressedSize: 1000, uncompressedSize: 10 };
    const meter = new InflateBudget({ maxUncompressedBytes: 50 * 1024 * 1024, maxCompressionRatio: 100 }).meter(entry);
    meter(1024 * 1024);
    expect(() => {
      meter(1);
    }).toThrow(expect.objectContaining({ code: 'ZIP_BOMB' }) as Error);
  });

  it('binary garbage named .xlsx is CORRUPT_FILE', async () => {
    expect(await codeOf(writeText(file('garbage.xlsx'), pseudoRandomBytes(4096, 7)))).toBe('CORRUPT_FILE');
  });

  it('a legacy .xls (OLE) named .xlsx is CORRUPT_FILE for the xlsx reader', async () => {
    expect(await codeOf(writeText(file('legacy.xlsx'), OLE_HEADER))).toBe('CORRUPT_FILE');
  });

  it('a zip without a workbook is CORRUPT_FILE', async () => {
    const target = await writeZip(file('no-workbook.xlsx'), [['word/document.xml', '<w:document/>']]);
    expect(await codeOf(target)).toBe('CORRUPT_FILE');
  });

  it('a workbook whose sheet part is missing is CORRUPT_FILE', async () => {
    const target = await writeWorkbook(file('no-sheet.xlsx'), {
      sheets: [{ name: 'S', target: 'worksheets/sheet1.xml', xml: worksheetXml('') }],
      omit: ['xl/worksheets/sheet1.xml'],
    });
    expect(await codeOf(target)).toBe('CORRUPT_FILE');
  });

  it.each([
    ['an unclosed element', worksheetXml('<row r="1"><c r="A1"><v>1</v></c>').replace('</sheetData>', '')],
    ['mismatched tags', worksheetXml('<row r="1"><c r="A1"><v>1</c></v></row>')],
    ['an undefined entity (no DTD expansion)', worksheetXml('<row r="1"><c r="A1" t="inlineStr"><is><t>&bomb;</t></is></c></row>')],
    ['text that is not UTF-8', Buffer.concat([Buffer.from(worksheetXml('').slice(0, 200)), Buffer.from([0xff, 0xfe, 0xc3])])],
    ['no XML at all', 'this is not xml'],
  ])('malformed sheet XML (%s) is CORRUPT_FILE', async (name, xml) => {
    expect(await codeOf(await sheetWorkbook(file(`malformed-${name.length}.xlsx`), xml))).toBe('CORRUPT_FILE');
  });

  it('a cell over the limit is CELL_TOO_LARGE, with where it is', async () => {
    const target = await sheetWorkbook(file('big-cell.xlsx'), worksheetXml(row(1, [inline('A1', 'ok')]) + row(2, [n('A2', '1'), inline('B2', 'x'.repeat(40_000))])));
    const error = await failure(collect(readXlsxRows(target)));
    expect(error).toMatchObject({ code: 'CELL_TOO_LARGE', details: { rowNumber: 2, column: 1, limit: 32_767 } });
  });

  it('one enormous text node is refused before it is held whole', async () => {
    const target = await sheetWorkbook(file('huge-token.xlsx'), worksheetXml(row(1, [inline('A1', incompressibleText(3 * 1024 * 1024))])));
    expect(await codeOf(target)).toBe('CELL_TOO_LARGE');
  });

  it('a shared strings table over its limit is refused', async () => {
    const strings = sharedStringsXml(Array.from({ length: 5000 }, (_, i) => `name number ${i}`));
    const target = await sheetWorkbook(file('big-sst.xlsx'), worksheetXml(row(1, [n('A1', '1')])), strings);
    expect(await codeOf(target, { maxSharedStringsBytes: 50_000 })).toBe('ZIP_BOMB');
  });

  it('more rows than the limit is TOO_MANY_ROWS', async () => {
    const target = await largeWorkbook(file('rows.xlsx'), 1000);
    expect(await codeOf(target, { maxRows: 999 })).toBe('TOO_MANY_ROWS');
    expect(await collect(readXlsxRows(target, { maxRows: 1000 }))).toHaveLength(1000);
  });

  it('trailing blank rows do not count against the row limit', async () => {
    const blanks = Array.from({ length: 500 }, (_, i) => `<row r="${i + 3}" s="1" customFormat="1"/>`).join('');
    const target = await sheetWorkbook(file('trailing.xlsx'), worksheetXml(row(1, [inline('A1', 'phone')]) + row(2, [n('A2', '1')]) + blanks));
    expect(await collect(readXlsxRows(target, { maxRows: 2 }))).toHaveLength(2);
  });

  it('a cell far beyond the column limit is TOO_MANY_COLUMNS, without building a huge row', async () => {
    const target = await sheetWorkbook(file('wide.xlsx'), worksheetXml(row(1, [n('XFD1', '1')])));
    expect(await codeOf(target, { maxColumns: 100 })).toBe('TOO_MANY_COLUMNS');
  });

  it('an absurd row number or exponent does not hang or blow up', async () => {
    const target = await sheetWorkbook(file('absurd.xlsx'), worksheetXml('<row r="99999999999"><c r="A99999999999"><v>1E+999999999</v></c></row>'));
    // Past Excel's last row (1,048,576): the rows before it, blank, are more than a sheet holds.
    expect(await codeOf(target)).toBe('TOO_MANY_ROWS');
    const exponent = await sheetWorkbook(file('absurd-exponent.xlsx'), worksheetXml('<row r="3"><c r="A3"><v>1E+999999999</v></c></row>'));
    expect(await collect(readXlsxRows(exponent))).toEqual([{ rowNumber: 1, cells: [] }, { rowNumber: 2, cells: [] }, { rowNumber: 3, cells: ['1E+999999999'] }]);
  });

  it('a shared-string cell with an empty, negative, fractional or out-of-range index is an empty cell, not another string', async () => {
    const cells = ['<c r="A2" t="s"><v></v></c>', '<c r="B2" t="s"><v>-1</v></c>', '<c r="C2" t="s"><v>0.5</v></c>', '<c r="D2" t="s"><v>7</v></c>', '<c r="E2" t="s"><v> 1 </v></c>'];
    const target = await sheetWorkbook(file('bad-sst-index.xlsx'), worksheetXml(row(1, [n('A1', '1')]) + row(2, cells)), sharedStringsXml(['first', 'second']));
    expect(await collect(readXlsxRows(target))).toEqual([
      { rowNumber: 1, cells: ['1'] },
      { rowNumber: 2, cells: ['', '', '', '', 'second'] },
    ]);
  });
});

describe('xlsx reader: fuzzing never escapes as anything but ImportError', () => {
  it('survives every truncation point and random byte damage of a real workbook', async () => {
    const original = fs.readFileSync(await excelStyleWorkbook(file('fuzz-base.xlsx')));
    const target = file('fuzz.xlsx');
    const cases: Buffer[] = [];
    for (let cut = 0; cut < original.length; cut += 97) cases.push(original.subarray(0, cut));
    for (let seed = 1; seed <= 150; seed += 1) {
      const damaged = Buffer.from(original);
      const noise = pseudoRandomBytes(16, seed);
      for (let i = 0; i < 8; i += 1) damaged[((noise[i] ?? 0) * 257 + (noise[i + 8] ?? 0) * seed) % damaged.length] = noise[(i + 3) % 16] ?? 0;
      cases.push(damaged);
    }
    const outcomes = new Map<string, number>();
    for (const bytes of cases) {
      fs.writeFileSync(target, bytes);
      let outcome = 'ok';
      try {
        await collect(readXlsxRows(target));
      } catch (error) {
        if (!(error instanceof ImportError)) throw error;
        outcome = error.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.get('CORRUPT_FILE') ?? 0).toBeGreaterThan(0);
  }, 30_000);
});
