import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import XLSX from 'xlsx';
import { linkedSandboxSessions, postBlast } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-reports-admin-key-0123456789abcdefghij';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'reports');

const blastEvent = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;

/** A sheet as a team keeps it: good rows, a bad number, a missing one, a blank line, a copy, a city with a comma. */
const SHEET = [
  'Name,Phone,City', //                        row 1
  'Ani,+6281200000001,Bandung', //            row 2
  'Budi,12345,Medan', //                       row 3: not a number
  'Citra,+6281200000002,Jakarta', //          row 4
  'Dewi,,Bogor', //                            row 5: no number
  ',,', //                                     row 6: blank
  'Eko,+62 812-0000-0001,Depok', //           row 7: Ani's number again
  'Fajar,+6281200000003,"Surabaya, Jatim"', // row 8
].join('\r\n');

const OUTCOMES = ['status', 'reason', 'detail', 'session', 'message_id', 'attempts'];
const timeHeaders = (zone: string) => ['sent_at', 'delivered_at', 'read_at', 'replied_at'].map((name) => `${name} (${zone})`);

describe('blast reports (sandbox)', () => {
  it("has one line per row of the uploaded sheet, rejects included, with the list's columns, times in the zone asked for", async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['reports-a']);
    const created = await postBlast(url, ADMIN, {
      fields: { name: 'Reminder', sessionId: 'reports-a', message: 'Hi {name} in {city}' },
      recipientsFile: { name: 'patients.csv', data: Buffer.from(SHEET) },
    });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);
    await events.waitFor(blastEvent('blast:completed', blastId), 'blast:completed', 60_000);
    await events.waitFor((frame) => blastEvent('blast:progress', blastId)(frame) && frame.data.read === 3, 'every read receipt', 30_000);
    const { json: blast } = await call<{ listId: string }>('GET', `/api/blasts/${blastId}`);
    const { json: list } = await call<{ counts: Record<string, number> }>('GET', `/api/lists/${blast.listId}`);
    expect(list.counts).toEqual({ rows: 7, valid: 3, duplicates: 1, invalid: 2, blank: 1 });

    const download = async (file: string) => fetch(`${url}/api/blasts/${blastId}/${file}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const csvOf = async (query: string) => parse((await (await download(`report.csv${query}`)).text()).replace(/^\uFEFF/, ''));

    // CSV, UTC by default: every row of the sheet but the blank one, in sheet order.
    const [header, ...rows] = await csvOf('');
    expect(header).toEqual(['row', 'phone', 'Name', 'City', ...OUTCOMES, ...timeHeaders('UTC'), 'reply_text']);
    expect(rows.map((row) => row.slice(0, 7))).toEqual([
      ['2', '+6281200000001', 'Ani', 'Bandung', 'read', '', ''],
      ['3', '12345', 'Budi', 'Medan', 'rejected', 'INVALID_PHONE', ''],
      ['4', '+6281200000002', 'Citra', 'Jakarta', 'read', '', ''],
      ['5', '', 'Dewi', 'Bogor', 'rejected', 'MISSING_PHONE', ''],
      // The cell as written; a leading + of anything but a bare number is escaped as a formula would be.
      ['7', "'+62 812-0000-0001", 'Eko', 'Depok', 'rejected', 'DUPLICATE', 'duplicate of row 2'],
      ['8', '+6281200000003', 'Fajar', 'Surabaya, Jatim', 'read', '', ''],
    ]);
    expect(rows).toHaveLength(list.counts.rows! - list.counts.blank!);
    const sentAt = header!.indexOf('sent_at (UTC)');
    const utcSent = rows[0]![sentAt]!;
    expect(utcSent).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(rows[1]![sentAt]).toBe('');

    // The same moments in Jakarta (UTC+7, no summer time), the headers saying so.
    const [jakartaHeader, ...jakartaRows] = await csvOf('?timeZone=Asia/Jakarta');
    expect(jakartaHeader).toEqual(['row', 'phone', 'Name', 'City', ...OUTCOMES, ...timeHeaders('Asia/Jakarta'), 'reply_text']);
    const jakartaSent = jakartaRows[0]![sentAt]!;
    expect(jakartaSent).toMatch(/\+07:00$/);
    expect(Date.parse(jakartaSent)).toBe(Date.parse(utcSent));
    expect(jakartaSent.slice(0, 19)).toBe(new Date(Date.parse(utcSent) + 7 * 3_600_000).toISOString().slice(0, 19));
    expect(jakartaRows.map((row) => row.slice(0, 6))).toEqual(rows.map((row) => row.slice(0, 6)));

    // XLSX: the same lines; times are date-time cells of the local time.
    const sheetOf = async (query: string) => {
      const response = await download(`report.xlsx${query}`);
      expect(response.status).toBe(200);
      const book = XLSX.read(Buffer.from(await response.arrayBuffer()), { cellNF: true });
      return book.Sheets[book.SheetNames[0]!]!;
    };
    const utcSheet = await sheetOf('');
    const table = XLSX.utils.sheet_to_json<(string | number)[]>(utcSheet, { header: 1, defval: '' });
    expect(table[0]).toEqual(header);
    expect(table.slice(1).map((row) => row.slice(0, 7))).toEqual(rows.map((row) => [Number(row[0]), ...row.slice(1, 7)]));
    const utcCell = utcSheet[XLSX.utils.encode_cell({ r: 1, c: sentAt })] as XLSX.CellObject;
    expect(utcCell).toMatchObject({ t: 'n', z: 'yyyy-mm-dd hh:mm:ss', w: utcSent.slice(0, 19).replace('T', ' ') });
    const jakartaSheet = await sheetOf('?timeZone=asia/jakarta');
    expect(jakartaSheet[XLSX.utils.encode_cell({ r: 0, c: sentAt })]).toMatchObject({ v: 'sent_at (Asia/Jakarta)' });
    const jakartaCell = jakartaSheet[XLSX.utils.encode_cell({ r: 1, c: sentAt })] as XLSX.CellObject;
    expect(jakartaCell).toMatchObject({ t: 'n', w: jakartaSent.slice(0, 19).replace('T', ' ') });
    expect((jakartaCell.v as number) - (utcCell.v as number)).toBeCloseTo(7 / 24, 9);

    // A zone that is not one is refused with a code, before anything is written.
    for (const zone of ['Mars/Olympus', '', 'x'.repeat(65)]) {
      const refused = await download(`report.xlsx?timeZone=${encodeURIComponent(zone)}`);
      expect(refused.status, zone).toBe(400);
      expect(((await refused.json()) as { error: { code: string } }).error.code, zone).toMatch(/^(INVALID_TIME_ZONE|VALIDATION_FAILED)$/);
    }
    const unknownZone = await download('report.csv?timeZone=Mars/Olympus');
    expect(((await unknownZone.json()) as { error: { code: string } }).error.code).toBe('INVALID_TIME_ZONE');

    // The tables the console shows carry each row's columns too.
    const recipients = await call<{ items: { rowNumber: number; vars: Record<string, string> }[] }>('GET', `/api/blasts/${blastId}/recipients`);
    expect(recipients.json.items.map((item) => [item.rowNumber, item.vars])).toEqual([
      [2, { name: 'Ani', city: 'Bandung' }],
      [4, { name: 'Citra', city: 'Jakarta' }],
      [8, { name: 'Fajar', city: 'Surabaya, Jatim' }],
    ]);
    const rejects = await call<{ items: { rowNumber: number; vars: Record<string, string> }[] }>('GET', `/api/lists/${blast.listId}/rejects`);
    expect(rejects.json.items.map((item) => [item.rowNumber, item.vars.name])).toEqual([[3, 'Budi'], [5, 'Dewi'], [7, 'Eko']]);

    // A follow-up sends to part of its parent's list: its report has its own recipients, no rejected rows of the parent's sheet.
    const followUp = await call<{ blastId: string }>('POST', '/api/blasts', { sessionId: 'reports-a', message: 'Thanks {name}', followUpOf: blastId, segment: 'delivered' });
    expect(followUp.status).toBe(202);
    await events.waitFor(blastEvent('blast:completed', followUp.json.blastId), 'the follow-up completed', 60_000);
    const followUpReport = parse((await (await fetch(`${url}/api/blasts/${followUp.json.blastId}/report.csv`, { headers: { authorization: `Bearer ${ADMIN}` } })).text()).replace(/^\uFEFF/, ''));
    expect(followUpReport.map((row) => row.slice(0, 3))).toEqual([['row', 'phone', 'Name'], ['2', '+6281200000001', 'Ani'], ['4', '+6281200000002', 'Citra'], ['8', '+6281200000003', 'Fajar']]);
  });
});
