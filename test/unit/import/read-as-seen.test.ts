/**
 * Issue 19, reading: values a user saw wrong in files saved by Excel (Windows, Mac), LibreOffice
 * and others. Each fixture is built the way the writer saves it; each test failed before its fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readXlsxRows } from '../../../src/import/xlsx-reader.js';
import {
  collect, fixtureDir, n, row, s, sharedStringsXml, stylesXml, worksheetXml, writeWorkbook,
} from '../../fixtures/spreadsheets.js';

const dir = fixtureDir();
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const file = (name: string): string => path.join(dir, name);

describe('reading as the user sees it (issue 19)', () => {
  it('1904 date system: the Mac extension list’s <x15:workbookPr/> does not switch it off', async () => {
    const target = await writeWorkbook(file('mac-1904.xlsx'), {
      sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: worksheetXml(row(1, [n('A1', '43466', 1)])) }],
      styles: stylesXml([0, 14]),
      date1904: true,
      macExtension: true,
    });
    // 43466 days after 1 January 1904 is 2023-01-02 (the 1900 system would say 2019-01-01).
    expect(await collect(readXlsxRows(target))).toEqual([{ rowNumber: 1, cells: ['2023-01-02'] }]);
  });

  it('the Mac extension list alone leaves the 1900 system', async () => {
    const target = await writeWorkbook(file('mac-1900.xlsx'), {
      sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: worksheetXml(row(1, [n('A1', '43466', 1)])) }],
      styles: stylesXml([0, 14]),
      macExtension: true,
    });
    expect(await collect(readXlsxRows(target))).toEqual([{ rowNumber: 1, cells: ['2019-01-01'] }]);
  });

  it('a format code longer than Excel writes (255 characters) is read as General, however many styles use it', async () => {
    // A crafted styles.xml: one huge duration-looking code shared by thousands of cell styles must cost nothing.
    const huge = `[h]${':mm'.repeat(100_000)}`;
    const styles = stylesXml([0, ...Array.from({ length: 5_000 }, () => 164), 165], { 164: huge, 165: '[h]:mm:ss' });
    const sheet = worksheetXml(row(1, [n('A1', '1.5', 1), n('B1', '1.5', 5_001)]));
    const target = await writeWorkbook(file('huge-format.xlsx'), { sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: sheet }], styles });
    expect(await collect(readXlsxRows(target))).toEqual([{ rowNumber: 1, cells: ['1.5', '36:00:00'] }]);
  });

  it('durations ([h]:mm:ss, [mm]:ss, [s], built-in 46) show as Excel shows them, not as 1900 dates', async () => {
    // Excel writes a custom duration code to numFmts; built-in 46 ([h]:mm:ss) it never writes.
    const styles = stylesXml([0, 46, 164, 165, 166, 167], { 164: '[h]:mm:ss', 165: '[mm]:ss', 166: '[s]', 167: '[h]:mm:ss.00' });
    const sheet = worksheetXml(
      [
        row(1, [n('A1', '1.5', 1), n('B1', '10.6320601851852', 2), n('C1', '0.177199074074074', 3), n('D1', '1.0000115740740', 4), n('E1', '1.5', 5)]),
        // Under a day too: the same shape, not a time of day.
        row(2, [n('A2', '0.25', 1), n('B2', '0.0416666666666667', 2)]),
      ].join(''),
    );
    const target = await writeWorkbook(file('durations.xlsx'), { sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: sheet }], styles });
    expect(await collect(readXlsxRows(target))).toEqual([
      { rowNumber: 1, cells: ['36:00:00', '255:10:10', '255:10', '86401', '36:00:00.00'] },
      { rowNumber: 2, cells: ['6:00:00', '1:00:00'] },
    ]);
  });

  it('line ends inside cells: a literal CRLF reads as LF, as Excel shows it; _x000D_ still gives a CR', async () => {
    // LibreOffice writes the line break of a cell as it was typed; a file edited on Windows has CRLF.
    const strings = sharedStringsXml(['line one\r\nline two', 'kept_x000D_\r\nCR']);
    const sheet = worksheetXml(row(1, [s('A1', 0), s('B1', 1), '<c r="C1" t="inlineStr"><is><t>in\r\nline</t></is></c>', '<c r="D1" t="str"><v>x\ry</v></c>']));
    const target = await writeWorkbook(file('line-ends.xlsx'), { sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: sheet }], sharedStrings: strings });
    expect(await collect(readXlsxRows(target))).toEqual([{ rowNumber: 1, cells: ['line one\nline two', 'kept\r\nCR', 'in\nline', 'x\ny'] }]);
  });
});
