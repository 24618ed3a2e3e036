import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCsvRows } from '../../../src/import/csv-reader.js';
import { ImportError } from '../../../src/import/import-errors.js';
import type { ReadLimits } from '../../../src/import/sheet-reader.js';
import { ARABIC, EMOJI, collect, failure, fixtureDir, openDescriptorsFor, writeText } from '../../fixtures/spreadsheets.js';

const dir = fixtureDir();
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
let counter = 0;
const csv = (content: string | Buffer): string => writeText(path.join(dir, `f${++counter}.csv`), content);
const read = (content: string | Buffer, limits: Partial<ReadLimits> = {}) => collect(readCsvRows(csv(content), limits));

async function codeOf(content: string | Buffer, limits: Partial<ReadLimits> = {}): Promise<string> {
  const error = await failure(read(content, limits));
  expect(error).toBeInstanceOf(ImportError);
  return (error as ImportError).code;
}

describe('csv reader', () => {
  it('Excel "CSV UTF-8" in a European locale: BOM, semicolons, CRLF, decimal commas', async () => {
    const rows = await read('\uFEFFName;Phone;Amount\r\nJosé;+62 812-3456-7890;1,50\r\nAnna;628123456789;2,75\r\n');
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['Name', 'Phone', 'Amount'] },
      { rowNumber: 2, cells: ['José', '+62 812-3456-7890', '1,50'] },
      { rowNumber: 3, cells: ['Anna', '628123456789', '2,75'] },
    ]);
  });

  it('tab-delimited', async () => {
    expect((await read('phone\tname\n628111\tAna\n')).map((r) => r.cells)).toEqual([['phone', 'name'], ['628111', 'Ana']]);
  });

  it('pipe-delimited', async () => {
    expect((await read('phone|name\n628111|Ana\n')).map((r) => r.cells)).toEqual([['phone', 'name'], ['628111', 'Ana']]);
  });

  it('quoted fields with commas, doubled quotes and line breaks; rowNumber counts records, not lines', async () => {
    const rows = await read('phone,note\n628111,"Hello, ""friend""\nsee you"\n628222,plain\n');
    expect(rows).toEqual([
      { rowNumber: 1, cells: ['phone', 'note'] },
      { rowNumber: 2, cells: ['628111', 'Hello, "friend"\nsee you'] },
      { rowNumber: 3, cells: ['628222', 'plain'] },
    ]);
  });

  it('ragged rows, trailing empty cells dropped, a stray quote inside a field kept as text', async () => {
    const rows = await read('phone,name,city\n628111\n628222,Ana,Bandung,extra\n628333,,\n628444,5\'11" tall\n');
    expect(rows.map((r) => r.cells)).toEqual([['phone', 'name', 'city'], ['628111'], ['628222', 'Ana', 'Bandung', 'extra'], ['628333'], ['628444', '5\'11" tall']]);
  });

  it('blank lines inside are yielded as blank rows, trailing ones are not', async () => {
    const rows = await read('\nphone\n628111\n\n628222\n\n\n');
    expect(rows).toEqual([
      { rowNumber: 1, cells: [] },
      { rowNumber: 2, cells: ['phone'] },
      { rowNumber: 3, cells: ['628111'] },
      { rowNumber: 4, cells: [] },
      { rowNumber: 5, cells: ['628222'] },
    ]);
  });

  it('Arabic and emoji, and a file with no final newline', async () => {
    expect((await read(`phone,name\n966501234567,${ARABIC}\n628111,${EMOJI}`)).map((r) => r.cells[1])).toEqual(['name', ARABIC, EMOJI]);
  });

  it('a single-column file is one column, not a failure to sniff', async () => {
    expect((await read('phone\n628111\n628222\n')).map((r) => r.cells)).toEqual([['phone'], ['628111'], ['628222']]);
  });

  it('Excel "Unicode Text": UTF-16 LE with its byte order mark, tabs, CRLF, Arabic and emoji', async () => {
    const text = `\uFEFFphone\tname\r\n966501234567\t${ARABIC}\r\n628111\t${EMOJI}\r\n`;
    expect((await read(Buffer.from(text, 'utf16le'))).map((r) => r.cells)).toEqual([
      ['phone', 'name'],
      ['966501234567', ARABIC],
      ['628111', EMOJI],
    ]);
  });

  it('UTF-16 BE with its byte order mark; UTF-16 that breaks off mid-character is refused', async () => {
    const text = '\uFEFFphone,name\n628111,José\n';
    expect((await read(Buffer.from(text, 'utf16le').swap16())).map((r) => r.cells)).toEqual([
      ['phone', 'name'],
      ['628111', 'José'],
    ]);
    const cut = Buffer.concat([Buffer.from('\uFEFFphone\n628111\n', 'utf16le'), Buffer.from([0x3d, 0xd8])]);
    expect(await codeOf(cut)).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('a "sep=" first line names the delimiter and is hidden, as Excel hides it: the header is row 1', async () => {
    expect(await read('\uFEFFsep=;\r\nphone;name\r\n628111;Ani, A.\r\n628222;"Budi\r\nSantoso"\r\n')).toEqual([
      { rowNumber: 1, cells: ['phone', 'name'] },
      { rowNumber: 2, cells: ['628111', 'Ani, A.'] },
      { rowNumber: 3, cells: ['628222', 'Budi\r\nSantoso'] },
    ]);
    expect((await read('SEP=|\nphone|note\n628111|a;b,c\n')).map((r) => r.cells)).toEqual([
      ['phone', 'note'],
      ['628111', 'a;b,c'],
    ]);
    // Not a declaration: a column named like one, with more on its line.
    expect((await read('sep=x,phone\n1,628111\n')).map((r) => r.cells)).toEqual([
      ['sep=x', 'phone'],
      ['1', '628111'],
    ]);
  });

  it('classic Mac line ends (CR alone)', async () => {
    expect((await read('phone;name\r628111;Ani\r628222;Budi\r')).map((r) => r.cells)).toEqual([
      ['phone', 'name'],
      ['628111', 'Ani'],
      ['628222', 'Budi'],
    ]);
  });

  it('mixed line ends: CRLF rows with a last LF row, an LF header with CRLF rows, a CR among them (issue 19)', async () => {
    // Saved by Excel on Windows, then a row added in a Mac or Linux editor, and the other way round.
    expect((await read('phone,name\r\n628111,Ani\r\n628222,Budi\n628333,Cita\n')).map((r) => r.cells)).toEqual([
      ['phone', 'name'],
      ['628111', 'Ani'],
      ['628222', 'Budi'],
      ['628333', 'Cita'],
    ]);
    expect((await read('phone,name\n628111,Ani\r\n\r\n628222,Budi\r628333,"C\r\nita"\r\n')).map((r) => r.cells)).toEqual([
      ['phone', 'name'],
      ['628111', 'Ani'],
      [],
      ['628222', 'Budi'],
      ['628333', 'C\r\nita'],
    ]);
  });

  it('a "sep=" line with a CR line end (classic Mac) is hidden too', async () => {
    expect((await read('sep=;\rphone;name\r628111;Ani\n')).map((r) => [r.rowNumber, r.cells])).toEqual([
      [1, ['phone', 'name']],
      [2, ['628111', 'Ani']],
    ]);
  });

  it('a CRLF cut in two by the read buffer is one line end', async () => {
    // The file is read 64 KiB at a time: put a CR as the last byte of the first chunk.
    const first = `phone,name\n${'628111,Ani\r\n'.repeat(5041)}`;
    const pad = 64 * 1024 - Buffer.byteLength(first) - 1;
    const text = `${first}628222,${'B'.repeat(pad - 7)}\r\n628333,Cita\r\n`;
    expect(Buffer.from(text)[64 * 1024 - 1]).toBe(0x0d);
    const rows = await read(text);
    expect(rows.slice(-2).map((r) => r.cells)).toEqual([
      ['628222', 'B'.repeat(pad - 7)],
      ['628333', 'Cita'],
    ]);
    expect(rows.every((r) => r.cells.length === 2)).toBe(true);
  });

  it('text that is not UTF-8 (Windows-1252 "CSV") is refused, not garbled', async () => {
    const latin1 = Buffer.concat([Buffer.from('phone,name\n628111,Jos'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(await codeOf(latin1)).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('invalid UTF-8 far past the sniffed sample is still refused', async () => {
    const big = Buffer.concat([Buffer.from('phone,name\n' + '628111,Ana\n'.repeat(20_000)), Buffer.from([0xc3, 0x28, 0x0a])]);
    expect(await codeOf(big)).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('an unclosed quote is CORRUPT_FILE', async () => {
    expect(await codeOf('phone,name\n628111,"Ana\n628222,Budi\n')).toBe('CORRUPT_FILE');
  });

  it('limits: rows, cell size, columns, total bytes', async () => {
    const rows = 'phone\n' + '628111\n'.repeat(100);
    expect(await codeOf(rows, { maxRows: 100 })).toBe('TOO_MANY_ROWS');
    expect(await read(rows, { maxRows: 101 })).toHaveLength(101);
    expect(await codeOf(`phone,note\n628111,${'x'.repeat(40_000)}\n`)).toBe('CELL_TOO_LARGE');
    expect(await codeOf(`phone,note\n628111,"${'x'.repeat(300_000)}\n`, { maxColumns: 4 })).toBe('CELL_TOO_LARGE');
    expect(await codeOf(`${'a,'.repeat(50)}a\n`, { maxColumns: 50 })).toBe('TOO_MANY_COLUMNS');
    expect(await codeOf(rows, { maxUncompressedBytes: 100 })).toBe('ZIP_BOMB');
  });

  it('stops early and lets go of the file', async () => {
    const file = csv('phone\n' + '628111\n'.repeat(200_000));
    let seen = 0;
    for await (const _row of readCsvRows(file)) if (++seen === 2) break;
    expect(seen).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(openDescriptorsFor(file)).toBe(0);
  });
});
