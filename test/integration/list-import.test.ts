import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListPurpose, RecipientList } from '../../src/core/recipient-list.js';
import { systemClock } from '../../src/infra/clock.js';
import { importList, type ImportStore } from '../../src/lists/import-list.js';
import { createImportTools } from '../../src/lists/import-tools.js';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createSqliteImportStore } from '../../src/store/sqlite-import-store.js';
import { createStore, type Store } from '../../src/store/store.js';
import {
  ARABIC,
  EMOJI,
  excelStyleWorkbook,
  fixtureDir,
  googleSheetsWorkbook,
  inline,
  libreOfficeWorkbook,
  n,
  OLE_HEADER,
  row,
  s,
  sharedStringsXml,
  sheetWorkbook,
  stylesXml,
  worksheetXml,
  writeText,
  writeWorkbook,
  zipBombWorkbook,
} from '../fixtures/spreadsheets.js';
import { sqliteDatabase, type TestDatabase } from '../support/databases.js';

let database: TestDatabase;
let handle: DatabaseHandle;
let store: Store;
let importStore: ImportStore;
let dir: string;

beforeEach(async () => {
  database = sqliteDatabase();
  handle = createDatabase(database.target);
  await migrateToLatest(handle, createLogger('silent'));
  store = createStore(handle);
  dir = fixtureDir();
});
afterEach(async () => {
  await handle.close();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Stores a file as the api would and runs the worker's import on it. */
async function importFile(
  file: string,
  options: { phoneColumn?: string; defaultCountry?: string; maxRows?: number; purpose?: ListPurpose } = {},
): Promise<RecipientList> {
  const blob = await store.blobs.put(fs.createReadStream(file), { maxBytes: 50 * 1024 * 1024, now: new Date().toISOString() });
  const id = randomUUID();
  await store.lists.create({
    id,
    name: path.basename(file),
    purpose: options.purpose ?? 'recipients',
    businessUnit: 'Clinic',
    fileName: path.basename(file),
    fileSize: blob.size,
    blobSha256: blob.sha256,
    phoneColumn: options.phoneColumn ?? null,
    defaultCountry: options.defaultCountry ?? 'ID',
    createdAt: new Date().toISOString(),
  });
  const tools = createImportTools({ maxRows: (options.maxRows ?? 1_000_000) + 1, maxUncompressedBytes: 64 * 1024 * 1024, maxCompressionRatio: 200 });
  await importList(id, { store: importStore, tools, clock: systemClock, log: createLogger('silent'), tmpDir: path.join(dir, 'tmp') });
  const list = await store.lists.get(id);
  if (!list) throw new Error('list vanished');
  return list;
}

const rejectsOf = async (list: RecipientList) => (await store.lists.rejects(list.id, { limit: 100, offset: 0 })).items.map(({ vars: _vars, ...reject }) => reject);
/** Each reject's row and the other cells it kept, by column key. */
const rejectCellsOf = async (list: RecipientList) => (await store.lists.rejects(list.id, { limit: 100, offset: 0 })).items.map((reject) => [reject.rowNumber, reject.vars]);
const recipientsOf = async (list: RecipientList) => (await store.lists.recipients(list.id, { limit: 100, offset: 0 })).items;

// The importer runs over the Kysely store (PostgreSQL's path, and any in-process import) and over
// the lean SQLite store of the import process (the SQLite product's path): the same outcomes.
describe.each(['kysely store', 'sqlite import store'] as const)('with the %s', (variant) => {
  beforeEach(() => {
    if (!handle.sqlite) throw new Error('the import tests run on SQLite');
    importStore = variant === 'kysely store' ? store : createSqliteImportStore(handle.sqlite);
  });

  describe('importing a campaign sheet as a hospital team would save it from Excel', () => {
    it('takes every good row, and reports every other one with its sheet row number and reason', async () => {
      const long = 'x'.repeat(500);
      const strings = sharedStringsXml(['No', 'Nama Pasien', 'No. HP', 'Catatan', 'Budi', 'Siti', 'Ana', 'Dup', 'Bad', 'NoPhone', ARABIC, EMOJI, long, 'Garbage', '0812-3456-7891', '+62 812 3456 7890', '12345', "'081234567893", '(0812) 3456.7894', '+60123456789', 'call me', 'kontrol {tanggal}']);
      const sheet = worksheetXml(
        [
          '<row r="1" spans="1:4"/>',
          row(2, [s('A2', 0), s('B2', 1), s('C2', 2), s('D2', 3)]),
          row(3, [n('A3', '1'), s('B3', 4), n('C3', '6281234567890'), s('D3', 21)]),
          row(4, [n('A4', '2'), s('B4', 5), s('C4', 14)]),
          row(5, [n('A5', '3'), s('B5', 6), n('C5', '6.2812345678920E+12')]),
          row(6, [n('A6', '4'), s('B6', 7), s('C6', 15)]),
          '<row r="7" spans="1:4"><c r="A7" s="1"/></row>',
          row(8, [n('A8', '5'), s('B8', 8), s('C8', 16)]),
          row(9, [n('A9', '6'), s('B9', 9)]),
          row(10, [n('A10', '7'), s('B10', 10), s('C10', 17)]),
          row(11, [n('A11', '8'), s('B11', 11), s('C11', 18)]),
          row(12, [n('A12', '9'), s('B12', 12), s('C12', 19)]),
          row(13, [n('A13', '10'), s('B13', 13), s('C13', 20)]),
        ].join(''),
      );
      const list = await importFile(await sheetWorkbook(path.join(dir, 'pasien.xlsx'), sheet, strings));

      expect(list).toMatchObject({
        status: 'ready',
        error: null,
        fileType: 'xlsx',
        headerRow: 2,
        phoneColumn: 'No. HP',
        counts: { rows: 11, valid: 6, duplicates: 1, invalid: 3, blank: 1 },
      });
      expect(list.columns).toEqual([
        { header: 'No', key: 'no', maxLength: 1 },
        { header: 'Nama Pasien', key: 'nama_pasien', maxLength: 500 },
        { header: 'Catatan', key: 'catatan', maxLength: 17 },
      ]);
      expect(await rejectsOf(list)).toEqual([
        { rowNumber: 6, rawValue: '+62 812 3456 7890', reason: 'DUPLICATE', duplicateOfRow: 3 },
        { rowNumber: 8, rawValue: '12345', reason: 'INVALID_PHONE', duplicateOfRow: null },
        { rowNumber: 9, rawValue: '', reason: 'MISSING_PHONE', duplicateOfRow: null },
        { rowNumber: 13, rawValue: 'call me', reason: 'INVALID_PHONE', duplicateOfRow: null },
      ]);
      // A rejected row keeps its other cells: whose row it was shows without the file.
      expect(await rejectCellsOf(list)).toEqual([
        [6, { no: '4', nama_pasien: 'Dup', catatan: '' }],
        [8, { no: '5', nama_pasien: 'Bad', catatan: '' }],
        [9, { no: '6', nama_pasien: 'NoPhone', catatan: '' }],
        [13, { no: '10', nama_pasien: 'Garbage', catatan: '' }],
      ]);
      const recipients = await recipientsOf(list);
      expect(recipients.map((r) => [r.rowNumber, r.phone])).toEqual([
        [3, '+6281234567890'],
        [4, '+6281234567891'],
        [5, '+6281234567892'],
        [10, '+6281234567893'],
        [11, '+6281234567894'],
        [12, '+60123456789'],
      ]);
      expect(recipients[0]?.vars).toEqual({ no: '1', nama_pasien: 'Budi', catatan: 'kontrol {tanggal}' });
      expect(recipients[3]?.vars.nama_pasien).toBe(ARABIC);
      expect(recipients[4]?.vars.nama_pasien).toBe(EMOJI);
      expect(recipients[5]?.vars.nama_pasien).toBe(long);
    });

    it('reads the real-writer variants: Excel, LibreOffice (header on row 3), Google Sheets', async () => {
      const excel = await importFile(await excelStyleWorkbook(path.join(dir, 'excel.xlsx')));
      expect(excel).toMatchObject({ status: 'ready', headerRow: 1, phoneColumn: 'Phone' });
      // B3 holds the same number in scientific notation (6.2812345678900E+12): a duplicate, not a new row.
      expect((await recipientsOf(excel)).map((r) => [r.rowNumber, r.phone])).toEqual([
        [2, '+6281234567890'],
        [6, '+628123456789'],
      ]);
      expect(await rejectsOf(excel)).toEqual([
        { rowNumber: 3, rawValue: '6281234567890', reason: 'DUPLICATE', duplicateOfRow: 2 },
        { rowNumber: 4, rawValue: '', reason: 'MISSING_PHONE', duplicateOfRow: null },
      ]);
      expect((await recipientsOf(excel))[0]?.vars).toMatchObject({ name: 'Budi Santoso', joined: '2023-01-01', total: '3', active: 'TRUE', note: 'ok!' });

      const libre = await importFile(await libreOfficeWorkbook(path.join(dir, 'libre.xlsx')));
      expect(libre).toMatchObject({ status: 'ready', headerRow: 3, phoneColumn: 'Phone', counts: { rows: 2, valid: 2, duplicates: 0, invalid: 0, blank: 0 } });
      expect((await recipientsOf(libre)).map((r) => [r.rowNumber, r.phone, r.vars])).toEqual([
        [4, '+6281234567891', { name: 'Ani', born: '1992-01-01' }],
        [5, '+6281234567892', { name: 'Rahman', born: 'TRUE' }],
      ]);

      const google = await importFile(await googleSheetsWorkbook(path.join(dir, 'google.xlsx')), { defaultCountry: 'US' });
      expect(google.status).toBe('ready');
      expect(google.headerRow).toBe(1);
    });
  });

  describe('CSV files', () => {
    it('sniffs ";" with a BOM, keeps quoted newlines, and normalises national numbers', async () => {
      const csv = '\uFEFFNama;WhatsApp;Pesan\r\nAni;0812 3456 7890;"baris satu\r\nbaris dua"\r\nBeni;+62-812-3456-7890;dup\r\n;;\r\nCitra;08123;pendek\r\n';
      const list = await importFile(writeText(path.join(dir, 'kontak.csv'), csv));
      expect(list).toMatchObject({ status: 'ready', fileType: 'csv', phoneColumn: 'WhatsApp', counts: { rows: 4, valid: 1, duplicates: 1, invalid: 1, blank: 1 } });
      const [ani] = await recipientsOf(list);
      expect(ani).toMatchObject({ rowNumber: 2, phone: '+6281234567890', vars: { nama: 'Ani', pesan: 'baris satu\r\nbaris dua' } });
      expect(await rejectsOf(list)).toEqual([
        { rowNumber: 3, rawValue: '+62-812-3456-7890', reason: 'DUPLICATE', duplicateOfRow: 2 },
        { rowNumber: 5, rawValue: '08123', reason: 'INVALID_PHONE', duplicateOfRow: null },
      ]);
      expect(await rejectCellsOf(list)).toEqual([
        [3, { nama: 'Beni', pesan: 'dup' }],
        [5, { nama: 'Citra', pesan: 'pendek' }],
      ]);
    });

    it('keeps each column\'s longest value (for the message-length check), and cuts a rejected phone cell to 100 characters', async () => {
      const csv = `name,phone,notes\nAni,+6281234567890,${'n'.repeat(32_767)}\nBudi Santoso,+6281234567891,short\nCitra Lestari Wulandari,${'9'.repeat(32_767)},x\n`;
      const list = await importFile(writeText(path.join(dir, 'long.csv'), csv));
      expect(list.counts).toMatchObject({ valid: 2, invalid: 1 });
      // Only the recipients count: the rejected row's longer name is no value a message gets.
      expect(list.columns).toEqual([
        { header: 'name', key: 'name', maxLength: 'Budi Santoso'.length },
        { header: 'notes', key: 'notes', maxLength: 32_767 },
      ]);
      expect(await rejectsOf(list)).toEqual([{ rowNumber: 4, rawValue: `${'9'.repeat(99)}…`, reason: 'INVALID_PHONE', duplicateOfRow: null }]);
    });

    it('reads Excel "Unicode Text" (UTF-16 with tabs) as it reads a CSV', async () => {
      const text = '\uFEFFName\tMobile\tCity\r\nAni\t0812 3456 7890\tJakarta\r\nمحمد\t+966 50 123 4567\tالرياض\r\nBeni\t0812-3456-7890\tBandung\r\nCitra\t12\tMedan\r\n';
      const list = await importFile(writeText(path.join(dir, 'kontak.txt'), Buffer.from(text, 'utf16le')));
      expect(list).toMatchObject({ status: 'ready', fileType: 'csv', phoneColumn: 'Mobile', counts: { rows: 4, valid: 2, duplicates: 1, invalid: 1, blank: 0 } });
      expect((await recipientsOf(list)).map((recipient) => [recipient.rowNumber, recipient.phone, recipient.vars.name, recipient.vars.city])).toEqual([
        [2, '+6281234567890', 'Ani', 'Jakarta'],
        [3, '+966501234567', 'محمد', 'الرياض'],
      ]);
      expect(await rejectsOf(list)).toEqual([
        { rowNumber: 4, rawValue: '0812-3456-7890', reason: 'DUPLICATE', duplicateOfRow: 2 },
        { rowNumber: 5, rawValue: '12', reason: 'INVALID_PHONE', duplicateOfRow: null },
      ]);
    });

    it('finds duplicates across import batches, naming the row that was kept', async () => {
      const lines = ['phone,name'];
      for (let i = 0; i < 2_500; i++) lines.push(`+628123400${String(i).padStart(4, '0')},n${i}`);
      lines.push('+6281234000007,late duplicate');
      const list = await importFile(writeText(path.join(dir, 'big.csv'), lines.join('\n')));
      expect(list.counts).toEqual({ rows: 2_501, valid: 2_500, duplicates: 1, invalid: 0, blank: 0 });
      expect(await rejectsOf(list)).toEqual([{ rowNumber: 2_502, rawValue: '+6281234000007', reason: 'DUPLICATE', duplicateOfRow: 9 }]);
      // Found only as its batch was stored: its cells come from the row it was read as.
      expect(await rejectCellsOf(list)).toEqual([[2_502, { name: 'late duplicate' }]]);
    });

    it('names the kept row for every later copy, in another batch or the same one, and keeps the rows after them', async () => {
      const lines = ['phone,name'];
      for (let i = 0; i < 2_100; i++) lines.push(`0812340${String(i).padStart(5, '0')},n${i}`);
      // Rows 2,102–2,105, a batch after row 9's: three copies of its number (written three ways) and a new number between them.
      lines.push('+6281234000007,copy one', '0812-3400-0007,copy two', '081299999999,new', '6281234000007,copy three');
      // Row 2,106: a copy of a number of the same batch.
      lines.push('081299999999,copy of new');
      const list = await importFile(writeText(path.join(dir, 'copies.csv'), lines.join('\n')));
      expect(list.counts).toEqual({ rows: 2_105, valid: 2_101, duplicates: 4, invalid: 0, blank: 0 });
      expect(await rejectsOf(list)).toEqual([
        { rowNumber: 2_102, rawValue: '+6281234000007', reason: 'DUPLICATE', duplicateOfRow: 9 },
        { rowNumber: 2_103, rawValue: '0812-3400-0007', reason: 'DUPLICATE', duplicateOfRow: 9 },
        { rowNumber: 2_105, rawValue: '6281234000007', reason: 'DUPLICATE', duplicateOfRow: 9 },
        { rowNumber: 2_106, rawValue: '081299999999', reason: 'DUPLICATE', duplicateOfRow: 2_104 },
      ]);
      const last = (await store.lists.recipients(list.id, { limit: 10, offset: 2_098 })).items;
      expect(last.map((recipient) => [recipient.rowNumber, recipient.phone, recipient.vars.name])).toEqual([
        [2_100, '+6281234002098', 'n2098'],
        [2_101, '+6281234002099', 'n2099'],
        [2_104, '+6281299999999', 'new'],
      ]);
      const seqs = last.map((recipient) => recipient.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });
  });

  describe('a list deleted while it imports', () => {
    it('leaves no row behind, not even in the list made next, which may take its number', async () => {
      const lines = ['phone,name'];
      for (let i = 0; i < 2_500; i++) lines.push(`+628123400${String(i).padStart(4, '0')},n${i}`);
      const file = writeText(path.join(dir, 'deleted.csv'), lines.join('\n'));
      // The store the import writes through, as it is; once the first batch is in, the user
      // deletes the list and uploads another.
      const real = importStore;
      let next: string | undefined;
      importStore = {
        ...real,
        lists: {
          ...real.lists,
          insertRecipients: async (listId, recipients) => {
            const skipped = await real.lists.insertRecipients(listId, recipients);
            if (next === undefined) {
              expect(await store.lists.delete(listId)).toBe(true);
              next = randomUUID();
              await store.lists.create({ id: next, name: 'next', purpose: 'recipients', businessUnit: 'Clinic', fileName: 'next.csv', fileSize: 1, blobSha256: 'b'.repeat(64), phoneColumn: null, defaultCountry: 'ID', createdAt: new Date().toISOString() });
            }
            return skipped;
          },
        },
      };
      try {
        await expect(importFile(file)).rejects.toThrow('list vanished');
      } finally {
        importStore = real;
      }
      expect(next).toBeDefined();
      expect(await store.lists.recipients(next ?? '', { limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
      const left = await handle.db.selectFrom('list_recipients').select((eb) => eb.fn.countAll<string | number>().as('rows')).executeTakeFirstOrThrow();
      expect(Number(left.rows)).toBe(0);
    });
  });

  describe('files that cannot be imported fail their list with a clear code', () => {
    it('NO_PHONE_COLUMN, naming the headers it saw', async () => {
      const list = await importFile(writeText(path.join(dir, 'x.csv'), 'name,city\nAni,Jakarta\n'));
      expect(list.status).toBe('failed');
      expect(list.error).toMatchObject({ code: 'NO_PHONE_COLUMN', details: { headersSeen: ['name', 'city'] } });
      expect(list.error?.message).toContain('name, city');
    });

    it('PHONE_COLUMN_NOT_FOUND when the named column is not there', async () => {
      const list = await importFile(writeText(path.join(dir, 'x.csv'), 'phone,name\n081234567890,Ani\n'), { phoneColumn: 'Mobile' });
      expect(list.error?.code).toBe('PHONE_COLUMN_NOT_FOUND');
    });

    it('uses the column the client names, even with an unusual header', async () => {
      const list = await importFile(writeText(path.join(dir, 'x.csv'), 'id,Kontak Darurat,HP Ortu\n1,x,081234567890\n'), { phoneColumn: 'HP Ortu' });
      expect(list).toMatchObject({ status: 'ready', phoneColumn: 'HP Ortu', counts: { valid: 1 } });
    });

    it.each([
      ['ZIP_BOMB', (file: string) => zipBombWorkbook(file, 200 * 1024 * 1024)],
      ['UNSUPPORTED_FILE_TYPE', (file: string) => Promise.resolve(writeText(file, OLE_HEADER))],
      ['CORRUPT_FILE', (file: string) => Promise.resolve(writeText(file, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 7)])))],
    ])('%s', async (code, build) => {
      const list = await importFile(await build(path.join(dir, 'hostile.xlsx')));
      expect(list).toMatchObject({ status: 'failed', error: { code } });
      expect(await recipientsOf(list)).toEqual([]);
    });

    it('TOO_MANY_ROWS over the configured limit', async () => {
      const rows = ['phone', ...Array.from({ length: 20 }, (_, i) => `08123456${String(i).padStart(4, '0')}`)];
      const list = await importFile(writeText(path.join(dir, 'x.csv'), rows.join('\n')), { maxRows: 10 });
      expect(list).toMatchObject({ status: 'failed', error: { code: 'TOO_MANY_ROWS' } });
    });

    it('EMPTY_FILE for a sheet with no rows at all', async () => {
      const list = await importFile(await sheetWorkbook(path.join(dir, 'empty.xlsx'), worksheetXml(row(1, [inline('A1', '')]))));
      expect(list).toMatchObject({ status: 'failed', error: { code: 'EMPTY_FILE' } });
    });
  });

  describe('suppression lists', () => {
    it('adds the imported numbers to the unit\'s suppressions', async () => {
      await store.suppressions.add([{ businessUnit: 'Clinic', phone: '+6281234567890', reason: null, source: 'api', createdAt: '2026-01-01T00:00:00.000Z' }]);
      const list = await importFile(writeText(path.join(dir, 'optout.csv'), 'nomor hp\n081234567890\n081234567891\n'), { purpose: 'suppression' });
      expect(list.status).toBe('ready');
      const page = await store.suppressions.page({ businessUnit: 'Clinic', limit: 10, offset: 0 });
      expect(page.items.map((item) => [item.phone, item.source]).sort()).toEqual([
        ['+6281234567890', 'api'],
        ['+6281234567891', 'import'],
      ]);
    });
  });
  describe('the same sheet saved as .xlsx and as CSV (issue 19)', () => {
    it('Excel: gives the same counts and the same values', async () => {
      // As Excel saves it: row 4 left empty (not stored in the xlsx, an empty line in the CSV), a
      // duration, a date, a line break typed in a cell (CRLF in the file), an error cell (#N/A).
      const strings = sharedStringsXml(['phone', 'name', 'since', 'call time', 'note', 'Ani', 'Budi', 'line one\r\nline two', 'Cita']);
      const styles = stylesXml([0, 164, 165], { 164: 'yyyy-mm-dd', 165: '[h]:mm:ss' });
      const sheet = worksheetXml(
        [
          row(1, [s('A1', 0), s('B1', 1), s('C1', 2), s('D1', 3), s('E1', 4)]),
          row(2, [n('A2', '6281234567890'), s('B2', 5), n('C2', '45000', 1), n('D2', '1.5', 2), s('E2', 7)]),
          row(3, [n('A3', '6281234567891'), s('B3', 6), n('C3', '45001', 1), n('D3', '0.25', 2), '<c r="E3" t="e"><f>VLOOKUP(A3,X:Y,2,0)</f><v>#N/A</v></c>']),
          row(5, [n('A5', '6281234567892'), s('B5', 8), n('C5', '45002', 1), n('D5', '10.6320601851852', 2)]),
          row(6, [n('A6', '6281234567890'), s('B6', 5)]),
        ].join(''),
      );
      const xlsx = await writeWorkbook(path.join(dir, 'same.xlsx'), { sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: sheet }], sharedStrings: strings, styles });
      // Excel's "CSV UTF-8": BOM, CRLF records, the cell's line break kept as LF inside quotes, #N/A as shown.
      const csv = writeText(
        path.join(dir, 'same.csv'),
        '\uFEFFphone,name,since,call time,note\r\n6281234567890,Ani,2023-03-15,36:00:00,"line one\nline two"\r\n6281234567891,Budi,2023-03-16,6:00:00,\r\n,,,,\r\n6281234567892,Cita,2023-03-17,255:10:10,\r\n6281234567890,Ani,,,\r\n',
      );
      const fromXlsx = await importFile(xlsx);
      const fromCsv = await importFile(csv);
      expect(fromXlsx.counts).toEqual({ rows: 5, valid: 3, duplicates: 1, invalid: 0, blank: 1 });
      expect(fromCsv.counts).toEqual(fromXlsx.counts);
      const values = async (list: RecipientList) => (await recipientsOf(list)).map((r) => [r.rowNumber, r.phone, r.vars]);
      expect(await values(fromXlsx)).toEqual([
        [2, '+6281234567890', { name: 'Ani', since: '2023-03-15', call_time: '36:00:00', note: 'line one\nline two' }],
        [3, '+6281234567891', { name: 'Budi', since: '2023-03-16', call_time: '6:00:00', note: '' }],
        [5, '+6281234567892', { name: 'Cita', since: '2023-03-17', call_time: '255:10:10', note: '' }],
      ]);
      expect(await values(fromCsv)).toEqual(await values(fromXlsx));
      expect((await rejectsOf(fromCsv)).map((r) => [r.rowNumber, r.reason])).toEqual((await rejectsOf(fromXlsx)).map((r) => [r.rowNumber, r.reason]));
    });

    it('LibreOffice: the same, with its row attributes, LF line breaks and a CSV written with LF', async () => {
      const attrs = ' customFormat="false" ht="12.8" hidden="false" customHeight="false" outlineLevel="0" collapsed="false"';
      const strings = sharedStringsXml(['phone', 'name', 'call time', 'Ani', 'Budi', 'two\nlines']);
      const styles = stylesXml([0, 164], { 164: '[HH]:MM:SS' });
      const sheet = worksheetXml(
        [
          row(1, [s('A1', 0, 0), s('B1', 1, 0), s('C1', 2, 0)], attrs),
          row(2, [n('A2', '6281234567890', 0), s('B2', 3, 0), n('C2', '1.5', 1)], attrs),
          // Row 3 is empty: LibreOffice does not store it.
          row(4, [n('A4', '6281234567891', 0), s('B4', 5, 0), n('C4', '0.5', 1)], attrs),
          row(5, [n('A5', '12', 0), s('B5', 4, 0)], attrs),
        ].join(''),
      );
      const xlsx = await writeWorkbook(path.join(dir, 'libre-same.xlsx'), { sheets: [{ name: 'Sheet1', target: 'worksheets/sheet1.xml', xml: sheet }], sharedStrings: strings, styles });
      const csv = writeText(path.join(dir, 'libre-same.csv'), 'phone,name,call time\n6281234567890,Ani,36:00:00\n,,\n6281234567891,"two\nlines",12:00:00\n12,Budi,\n');
      const fromXlsx = await importFile(xlsx);
      const fromCsv = await importFile(csv);
      expect(fromXlsx.counts).toEqual({ rows: 4, valid: 2, duplicates: 0, invalid: 1, blank: 1 });
      expect(fromCsv.counts).toEqual(fromXlsx.counts);
      const values = async (list: RecipientList) => (await recipientsOf(list)).map((r) => [r.rowNumber, r.phone, r.vars]);
      expect(await values(fromXlsx)).toEqual([
        [2, '+6281234567890', { name: 'Ani', call_time: '36:00:00' }],
        [4, '+6281234567891', { name: 'two\nlines', call_time: '12:00:00' }],
      ]);
      expect(await values(fromCsv)).toEqual(await values(fromXlsx));
      expect((await rejectsOf(fromCsv)).map((r) => [r.rowNumber, r.reason])).toEqual([[5, 'INVALID_PHONE']]);
      expect((await rejectsOf(fromXlsx)).map((r) => [r.rowNumber, r.reason])).toEqual([[5, 'INVALID_PHONE']]);
    });
  });
});
