/**
 * Issue 19, reading: values a user saw wrong in files saved by Excel (Windows, Mac), LibreOffice
 * and others. Each fixture is built the way the writer saves it; each test failed before its fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readXlsxRows } from '../../../src/import/xlsx-reader.js';
import {
  collect, fixtureDir, n, row, sharedStringsXml, stylesXml, worksheetXml, writeWorkbook,
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
});
