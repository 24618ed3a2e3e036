import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFileType } from '../../../src/import/file-type.js';
import { ImportError } from '../../../src/import/import-errors.js';
import { readSheet } from '../../../src/import/read-sheet.js';
import {
  OLE_HEADER, collect, excelStyleWorkbook, failure, fixtureDir, inline, pseudoRandomBytes, row, truncate, worksheetXml, writeText, writeWorkbook, writeZip,
} from '../../fixtures/spreadsheets.js';

const dir = fixtureDir();
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const file = (name: string): string => path.join(dir, name);

async function codeOf(target: string): Promise<string> {
  const error = await failure(detectFileType(target));
  expect(error).toBeInstanceOf(ImportError);
  return (error as ImportError).code;
}

describe('detectFileType: by content, never by name', () => {
  it('an xlsx named .csv is xlsx; text named .xlsx is csv', async () => {
    expect(await detectFileType(await excelStyleWorkbook(file('book.csv')))).toBe('xlsx');
    expect(await detectFileType(writeText(file('list.xlsx'), 'phone\n628111\n'))).toBe('csv');
  });

  it('UTF-8 text with a BOM, Arabic and emoji is csv, even when the sample cuts a character in two', async () => {
    expect(await detectFileType(writeText(file('bom.csv'), '\uFEFFphone;name\n628;محمد 🎉\n'))).toBe('csv');
    const cut = Buffer.from('a'.repeat(64 * 1024 - 1) + '🎉');
    expect(await detectFileType(writeText(file('cut.csv'), cut))).toBe('csv');
  });

  it.each([
    ['a legacy .xls', OLE_HEADER],
    ['a PDF', Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\n')],
    ['a PNG', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pseudoRandomBytes(100, 3)])],
    ['a JPEG', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), pseudoRandomBytes(100, 4)])],
    ['binary garbage', pseudoRandomBytes(4096, 9)],
    ['UTF-16 text without its byte order mark (NUL bytes)', Buffer.from('phone,name\n', 'utf16le')],
    ['UTF-16 LE text with NUL characters in it', Buffer.from('\uFEFFphone\0\0name\n', 'utf16le')],
  ])('%s is UNSUPPORTED_FILE_TYPE', async (name, bytes) => {
    expect(await codeOf(writeText(file(`${name}.xlsx`), bytes))).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('Windows-1252 text is refused with what to do about it', async () => {
    const error = await failure(detectFileType(writeText(file('ansi.csv'), Buffer.from('phone;name\r\n628111;Jos\xe9\r\n', 'latin1'))));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', details: { detected: 'text in a legacy encoding, not UTF-8' } });
    expect((error as Error).message).toContain('CSV UTF-8');
  });

  it('UTF-16 text with its byte order mark (Excel "Unicode Text") is csv, LE and BE', async () => {
    expect(await detectFileType(writeText(file('unicode.txt'), Buffer.from('\uFEFFphone\tname\r\n628111\tJosé\r\n', 'utf16le')))).toBe('csv');
    expect(await detectFileType(writeText(file('unicode-be.txt'), Buffer.from('\uFEFFphone,name\n', 'utf16le').swap16()))).toBe('csv');
  });

  it.each([
    ['an .xlsb', 'xl/workbook.bin', 'an Excel binary workbook (.xlsb)'],
    ['an .ods', 'content.xml', 'an OpenDocument spreadsheet (.ods)'],
    ['a Numbers document', 'Index/Document.iwa', 'an Apple Numbers document'],
  ])('%s is UNSUPPORTED_FILE_TYPE, saying what it is and how to save it', async (name, part, what) => {
    const zip = await writeZip(file(`${name}.xlsx`), [['[Content_Types].xml', '<Types/>'], [part, 'x']]);
    const error = await failure(detectFileType(zip));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', details: { detected: what } });
    expect((error as Error).message).toMatch(/save it as|export it to/);
  });

  it('a zip that is not a workbook (a .docx) is UNSUPPORTED_FILE_TYPE', async () => {
    const docx = await writeZip(file('letter.xlsx'), [['[Content_Types].xml', '<Types/>'], ['word/document.xml', '<w:document/>']]);
    expect(await codeOf(docx)).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('a workbook part found by the package relationships, not at xl/workbook.xml, is xlsx and reads (issue 19)', async () => {
    const sheet = worksheetXml(row(1, [inline('A1', 'phone')]) + row(2, [inline('A2', '628111')]));
    const target = await writeWorkbook(file('moved.xlsx'), { sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: sheet }], workbookPath: 'xl/workbook2.xml' });
    expect(await detectFileType(target)).toBe('xlsx');
    expect(await collect(readSheet(target))).toEqual([
      { rowNumber: 1, cells: ['phone'] },
      { rowNumber: 2, cells: ['628111'] },
    ]);
  });

  it('a .docx whose relationships name its document is not a workbook', async () => {
    const rels = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>';
    const docx = await writeZip(file('letter-rels.xlsx'), [['[Content_Types].xml', '<Types/>'], ['_rels/.rels', rels], ['word/document.xml', '<w:document xmlns:w="urn:w"><w:body/></w:document>']]);
    expect(await codeOf(docx)).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('a zip too damaged to list is CORRUPT_FILE; an empty file is EMPTY_FILE', async () => {
    const broken = await excelStyleWorkbook(file('broken.xlsx'));
    truncate(broken, 100);
    expect(await codeOf(broken)).toBe('CORRUPT_FILE');
    expect(await codeOf(writeText(file('empty.csv'), ''))).toBe('EMPTY_FILE');
  });

  it('readSheet detects the type itself when not told', async () => {
    const rows = await collect(readSheet(await excelStyleWorkbook(file('auto.xlsx'))));
    expect(rows[1]?.cells[1]).toBe('6281234567890');
    expect(await collect(readSheet(writeText(file('auto.csv'), 'phone\n628\n')))).toEqual([
      { rowNumber: 1, cells: ['phone'] },
      { rowNumber: 2, cells: ['628'] },
    ]);
  });
});
