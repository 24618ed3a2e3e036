import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it, vi } from 'vitest';
import XLSX from 'xlsx';
import { readXlsxRows } from '../../src/import/xlsx-reader.js';
import { csvReport, escapeFormula, xlsxReport, type ReportCell, type ReportSheet } from '../../src/reports/report-writers.js';

type Cell = ReportCell;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-reports-'));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function* rowsOf(rows: readonly (readonly Cell[])[]): AsyncGenerator<readonly Cell[]> {
  for (const row of rows) {
    await Promise.resolve();
    yield row;
  }
}

/** A source that counts the rows taken from it and whether it was closed. */
function countedRows(total: number): { rows: AsyncGenerator<readonly Cell[]>; pulled: () => number; closed: () => boolean } {
  let pulled = 0;
  let closed = false;
  async function* rows(): AsyncGenerator<readonly Cell[]> {
    try {
      for (let i = 0; i < total; i += 1) {
        await Promise.resolve();
        pulled += 1;
        yield [`628${String(i).padStart(9, '0')}`, `Recipient number ${i}`, i];
      }
    } finally {
      closed = true;
    }
  }
  return { rows: rows(), pulled: () => pulled, closed: () => closed };
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<unknown>) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('The report stream must carry Buffers.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 50; i += 1) await nextTurn();
}

/** Waits until the writer has started taking rows and then stops on its own: its buffers are full. */
async function untilIdle(pulled: () => number): Promise<void> {
  for (let before = -1, i = 0; (pulled() === 0 || pulled() !== before) && i < 100; i += 1) {
    before = pulled();
    await sleep(50);
  }
}

describe('escapeFormula', () => {
  it.each(['=', '+', '-', '@', '\t', '\r'])('puts an apostrophe before a text starting with %j', (start) => {
    expect(escapeFormula(`${start}cmd|' /C calc'!A0`)).toBe(`'${start}cmd|' /C calc'!A0`);
  });

  it('leaves other text alone, an apostrophe or a formula character further in included', () => {
    for (const text of ['', 'Budi', "'=1", ' =1', 'a=b', '6281234567890', 'محمد', '+6281234567890', '-12.5']) expect(escapeFormula(text)).toBe(text);
  });
});

describe('csvReport', () => {
  it('writes a BOM, CRLF line ends, RFC 4180 quoting, numbers as they are and null as empty', async () => {
    const csv = await bytesOf(csvReport({
      header: ['name', 'note, quoted'],
      rows: rowsOf([
        ['Budi', 'a,b'],
        ['He said "hi"', 'line one\r\nline two'],
        ['lone\rcr', 'lone\nlf'],
        [42, null],
        [-1.5, ''],
        [null, 6281234567890],
      ]),
    }));
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.subarray(3).toString('utf8')).toBe(
      'name,"note, quoted"\r\n'
      + 'Budi,"a,b"\r\n'
      + '"He said ""hi""","line one\r\nline two"\r\n'
      + '"lone\rcr","lone\nlf"\r\n'
      + '42,\r\n'
      + '-1.5,\r\n'
      + ',6281234567890\r\n',
    );
  });

  it('escapes each formula start in text cells, the header included, and quotes after escaping', async () => {
    const csv = await bytesOf(csvReport({
      header: ['=title', 'plain'],
      rows: rowsOf([['=1+2', '+628123'], ['-5', '@SUM(A1)'], ['=HYPERLINK("x")', '\tTab'], ['=1,2', -5]]),
    }));
    expect(csv.toString('utf8')).toBe(
      "\uFEFF'=title,plain\r\n"
      + "'=1+2,+628123\r\n"
      + "-5,'@SUM(A1)\r\n"
      + '"\'=HYPERLINK(""x"")",\'\tTab\r\n'
      + '"\'=1,2",-5\r\n',
    );
  });

  it('keeps Arabic and emoji as UTF-8', async () => {
    const csv = await bytesOf(csvReport({ header: ['name'], rows: rowsOf([['محمد عبد الله'], ['Promo 🎉 👩🏽‍💻']]) }));
    expect(csv.toString('utf8')).toBe('\uFEFFname\r\nمحمد عبد الله\r\nPromo 🎉 👩🏽‍💻\r\n');
  });

  it('pulls rows only as the consumer reads', async () => {
    const total = 100_000;
    const source = countedRows(total);
    const stream = csvReport({ header: ['phone', 'name', 'n'], rows: source.rows });
    await settle();
    expect(source.pulled()).toBeLessThan(total / 5);

    const text = (await bytesOf(stream)).toString('utf8');
    expect(source.pulled()).toBe(total);
    expect(text.endsWith(`Recipient number ${total - 1},${total - 1}\r\n`)).toBe(true);
  });

  it('destroys the stream with the error the source throws', async () => {
    const failure = new Error('store went away');
    async function* rows(): AsyncGenerator<readonly Cell[]> {
      yield ['ok'];
      await Promise.resolve();
      throw failure;
    }
    await expect(bytesOf(csvReport({ header: ['a'], rows: rows() }))).rejects.toBe(failure);
  });
});

const ARABIC = 'محمد عبد الله';
const EMOJI = 'Promo 🎉🔥 👩🏽‍💻';
const LONG_TEXT = 'ا'.repeat(250) + '😀'.repeat(125);
const ODD_TEXTS = ['=HYPERLINK("x")', '<b>&amp;</b> "q" \'s', 'line one\r\nline two', '  padded\t', '_x0041_ stays', '@mention', '+628', '-dash'];

function sampleRow(i: number): (string | number | null)[] {
  const text = i % 2 === 0 ? ARABIC : EMOJI;
  return [6281234500000 + i, text, i % 100 === 0 ? LONG_TEXT : ODD_TEXTS[i % ODD_TEXTS.length]!, null, i % 3 === 0 ? -i / 4 : null];
}

/** What the project's reader gives back: escaped formulas, '' for a null between cells, trailing empties dropped. */
function expectedCells(row: readonly (string | number | null)[]): string[] {
  const cells = row.map((value) => (value === null ? '' : typeof value === 'number' ? String(value) : /^[=+\-@]/.test(value) && !/^[+-]\d+$/.test(value) ? `'${value}` : value));
  while (cells.at(-1) === '') cells.pop();
  return cells;
}

async function writeXlsx(name: string, sheet: ReportSheet): Promise<string> {
  const file = path.join(dir, name);
  await pipeline(xlsxReport(sheet), fs.createWriteStream(file));
  return file;
}

describe('xlsxReport', () => {
  it('round-trips 2,000 rows of Arabic, emoji, long text, formulas, numbers and nulls through the import reader', async () => {
    const header = ['phone', 'name', 'message', 'empty', '=score'];
    const rows = Array.from({ length: 2000 }, (_, i) => sampleRow(i));
    const file = await writeXlsx('round-trip.xlsx', { header, rows: rowsOf(rows), sheetName: 'Blast [March]: results' });

    const read: { rowNumber: number; cells: string[] }[] = [];
    for await (const row of readXlsxRows(file)) read.push(row);

    expect(read).toHaveLength(2001);
    expect(read[0]).toEqual({ rowNumber: 1, cells: ['phone', 'name', 'message', 'empty', "'=score"] });
    read.slice(1).forEach((row, i) => {
      expect(row).toEqual({ rowNumber: i + 2, cells: expectedCells(rows[i]!) });
    });
    expect(read[1]!.cells).toEqual(['6281234500000', ARABIC, LONG_TEXT, '', '0']);
    expect(read[2]!.cells).toEqual(['6281234500001', EMOJI, '<b>&amp;</b> "q" \'s']);
    expect(read[9]!.cells).toEqual(['6281234500008', ARABIC, '\'=HYPERLINK("x")']);
    expect(read[4]!.cells).toEqual(['6281234500003', EMOJI, '  padded\t', '', '-0.75']);
    expect(read[5]!.cells).toEqual(['6281234500004', ARABIC, '_x0041_ stays']);
    expect(read[6]!.cells).toEqual(['6281234500005', EMOJI, '@mention'.replace('@', "'@")]);
    expect(LONG_TEXT.length).toBe(500);
  });

  it('writes numbers as numeric cells with references, text as inline strings, and a file SheetJS opens', async () => {
    const file = await writeXlsx('sheetjs.xlsx', { header: ['phone', 'name'], rows: rowsOf([[6281234567890, ARABIC], [1.5, null], [null, '=1+1']]) });
    const book = XLSX.read(fs.readFileSync(file));
    expect(book.SheetNames).toEqual(['Sheet1']);

    const named = await writeXlsx('named.xlsx', { header: ['a'], rows: rowsOf([]), sheetName: "'Blast [March]: 2025/03 😀😀😀😀" });
    // Excel refuses : \\ / ? * [ ], an apostrophe at either end and more than 31 characters; the cut half emoji goes too.
    expect(XLSX.read(fs.readFileSync(named)).SheetNames).toEqual(['Blast March 2025 03 😀😀😀']);
    const sheet = book.Sheets.Sheet1!;
    expect(sheet.A2).toMatchObject({ t: 'n', v: 6281234567890 });
    expect(sheet.B2).toMatchObject({ t: 's', v: ARABIC });
    expect(sheet.A3).toMatchObject({ t: 'n', v: 1.5 });
    expect(sheet.B3).toBeUndefined();
    expect(sheet.B4).toMatchObject({ t: 's', v: "'=1+1" });
    expect(sheet.B4).not.toHaveProperty('f');
  });

  it('drops characters XML cannot carry instead of writing a broken file', async () => {
    const file = await writeXlsx('controls.xlsx', { header: ['text'], rows: rowsOf([['a\u0000b\u0001c\u001Fd\uFFFEe'], ['lone \uD83D surrogate \uDE00 ok 😀']]) });
    const read: string[][] = [];
    for await (const row of readXlsxRows(file)) read.push(row.cells);
    expect(read).toEqual([['text'], ['abcde'], ['lone  surrogate  ok 😀']]);
  });

  it('pulls rows only as the consumer reads', async () => {
    const total = 100_000;
    const source = countedRows(total);
    const stream = xlsxReport({ header: ['phone', 'name', 'n'], rows: source.rows });
    await untilIdle(source.pulled);
    // Bounded by the compressed bytes buffered (a few thousand rows here), not by the row count.
    expect(source.pulled()).toBeGreaterThan(0);
    expect(source.pulled()).toBeLessThan(total / 5);

    const bytes = await bytesOf(stream);
    expect(source.pulled()).toBe(total);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
  });

  it('closes the source when the consumer stops early', async () => {
    const source = countedRows(100_000);
    const stream = xlsxReport({ header: ['phone', 'name', 'n'], rows: source.rows });
    await untilIdle(source.pulled);
    expect(source.closed()).toBe(false);
    stream.destroy();
    await vi.waitFor(() => {
      expect(source.closed()).toBe(true);
    });
    expect(source.pulled()).toBeLessThan(100_000);
  });

  it('destroys the stream with the error the source throws', async () => {
    const failure = new Error('store went away');
    async function* rows(): AsyncGenerator<readonly Cell[]> {
      for (let i = 0; i < 5000; i += 1) {
        await Promise.resolve();
        yield [i, `row ${i}`];
      }
      throw failure;
    }
    await expect(bytesOf(xlsxReport({ header: ['a', 'b'], rows: rows() }))).rejects.toBe(failure);
  });

  it('fails with the source error even when nothing reads the stream', async () => {
    const failure = new Error('at once');
    // eslint-disable-next-line require-yield
    async function* rows(): AsyncGenerator<readonly Cell[]> {
      await Promise.resolve();
      throw failure;
    }
    const stream = xlsxReport({ header: ['a'], rows: rows() });
    const error = await new Promise((resolve) => stream.once('error', resolve));
    expect(error).toBe(failure);
  });
});

describe('moments in a time zone', () => {
  // 10:00 UTC on the day before Paris moves to summer time, and 10:00 UTC on the day after.
  const winter = new Date('2026-03-28T10:00:00.000Z');
  const summer = new Date('2026-03-30T10:00:00.000Z');

  it('writes CSV times as ISO 8601 with the zone\'s offset of that day, and UTC exactly as before', async () => {
    const rows = [[winter, summer], [null, new Date('2026-03-01T23:30:15.250Z')]];
    const paris = (await bytesOf(csvReport({ header: ['a', 'b'], rows: rowsOf(rows), timeZone: 'Europe/Paris' }))).toString('utf8');
    expect(paris.split('\r\n').slice(1, 3)).toEqual(['2026-03-28T11:00:00.000+01:00,2026-03-30T12:00:00.000+02:00', ',2026-03-02T00:30:15.250+01:00']);
    const utc = (await bytesOf(csvReport({ header: ['a', 'b'], rows: rowsOf(rows) }))).toString('utf8');
    expect(utc.split('\r\n')[1]).toBe('2026-03-28T10:00:00.000Z,2026-03-30T10:00:00.000Z');
    const newfoundland = (await bytesOf(csvReport({ header: ['a'], rows: rowsOf([[winter]]), timeZone: 'America/St_Johns' }))).toString('utf8');
    expect(newfoundland.split('\r\n')[1]).toBe('2026-03-28T07:30:00.000-02:30');
  });

  it('writes XLSX times as date-time cells of the local time, which Excel, SheetJS and the importer show as such', async () => {
    // The second a time fell in, as the CSV's text shows it: not rounded up by its milliseconds.
    const late = new Date(summer.getTime() + 999);
    const file = await writeXlsx('moments.xlsx', { header: ['sent_at (Europe/Paris)', 'read_at (Europe/Paris)'], rows: rowsOf([[winter, late], [null, 'not a time']]), timeZone: 'Europe/Paris' });
    const sheet = XLSX.read(fs.readFileSync(file), { cellNF: true }).Sheets.Sheet1!;
    // A number with a date-time format, shown (`w`) as the local time of each day's offset.
    expect(sheet.A2).toMatchObject({ t: 'n', z: 'yyyy-mm-dd hh:mm:ss', w: '2026-03-28 11:00:00' });
    expect(sheet.B2).toMatchObject({ t: 'n', z: 'yyyy-mm-dd hh:mm:ss', w: '2026-03-30 12:00:00' });
    expect(sheet.A3).toBeUndefined();
    const asDates = XLSX.read(fs.readFileSync(file), { cellDates: true }).Sheets.Sheet1!;
    expect(asDates.A2).toMatchObject({ t: 'd' });

    const read: string[][] = [];
    for await (const row of readXlsxRows(file)) read.push(row.cells);
    // The importer reads a date-time cell back as ISO 8601 local time.
    expect(read).toEqual([['sent_at (Europe/Paris)', 'read_at (Europe/Paris)'], ['2026-03-28T11:00:00', '2026-03-30T12:00:00'], ['', 'not a time']]);
  });
});
