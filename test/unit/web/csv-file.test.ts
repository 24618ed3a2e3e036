import { describe, expect, it } from 'vitest';
import { csvFileColumns, estimateCsvRows } from '../../../web/src/csv-file.js';

const file = (name: string, bytes: string | Buffer): File => new File([bytes], name);

// What the console shows before an upload must match what the importer will read.
describe('console: a CSV read in the page before it is uploaded', () => {
  it('offers the header row\'s columns as variables, the phone column aside', async () => {
    expect(await csvFileColumns(file('kontak.csv', '\uFEFFNama;WhatsApp;Kota\r\nAni;0812;Jakarta\r\n'))).toEqual([
      { header: 'Nama', key: 'nama' },
      { header: 'Kota', key: 'kota' },
    ]);
  });

  it('skips a "sep=" first line and splits by the delimiter it names', async () => {
    expect(await csvFileColumns(file('export.csv', 'sep=;\r\nphone;Full name, as written;city\r\n0812;Ani;Jakarta\r\n'))).toEqual([
      { header: 'Full name, as written', key: 'full_name_as_written' },
      { header: 'city', key: 'city' },
    ]);
  });

  it('reads Excel "Unicode Text" (UTF-16 with tabs), and counts its rows', async () => {
    const unicode = file('kontak.txt', Buffer.from('\uFEFFName\tMobile\r\nAni\t0812\r\nمحمد\t0813\r\n', 'utf16le'));
    expect(await csvFileColumns(unicode)).toEqual([{ header: 'Name', key: 'name' }]);
    expect(await estimateCsvRows(unicode)).toBe(2);
  });

  it('says nothing of a workbook (its header is read by the import)', async () => {
    expect(await csvFileColumns(file('book.xlsx', 'PK\u0003\u0004'))).toBeUndefined();
  });
});
