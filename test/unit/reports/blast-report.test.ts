import { describe, expect, it } from 'vitest';
import type { ListColumn, ListReject } from '../../../src/core/recipient-list.js';
import { reportHeader, reportRows } from '../../../src/reports/blast-report.js';
import type { ReportCell } from '../../../src/reports/report-writers.js';
import type { RecipientRow } from '../../../src/store/blast.repository.js';

const COLUMNS: ListColumn[] = [
  { header: 'Nama Pasien', key: 'nama_pasien' },
  { header: 'Kota', key: 'kota' },
];

function recipient(rowNumber: number | null, name: string, sentAt: string | null = null): RecipientRow {
  return {
    seq: rowNumber ?? 0,
    rowNumber,
    phone: `+62812000000${String(rowNumber ?? 0)}`,
    status: sentAt === null ? 'pending' : 'sent',
    reason: null,
    detail: null,
    sessionId: sentAt === null ? null : 'front',
    messageId: sentAt === null ? null : `m${String(rowNumber)}`,
    attempts: sentAt === null ? 0 : 1,
    sentAt,
    deliveredAt: null,
    readAt: null,
    repliedAt: null,
    replyText: null,
    vars: { nama_pasien: name, kota: 'Bandung' },
  };
}

function reject(rowNumber: number, name: string, reason: ListReject['reason'], duplicateOfRow: number | null = null): ListReject {
  return { rowNumber, rawValue: reason === 'MISSING_PHONE' ? '' : '0812', reason, duplicateOfRow, vars: { nama_pasien: name } };
}

/** Yields each item on a later turn, as a paged database read does, and says whether it was closed. */
function source<T>(items: readonly T[]): { items: AsyncGenerator<T>; closed: () => boolean } {
  let closed = false;
  async function* generate(): AsyncGenerator<T> {
    try {
      for (const item of items) {
        await Promise.resolve();
        yield item;
      }
    } finally {
      closed = true;
    }
  }
  return { items: generate(), closed: () => closed };
}

async function collect(rows: AsyncIterable<ReportCell[]>): Promise<ReportCell[][]> {
  const all: ReportCell[][] = [];
  for await (const row of rows) all.push(row);
  return all;
}

describe('the blast report', () => {
  it("names the list's columns by their header between the number and the outcome, and the zone in each time column", () => {
    expect(reportHeader(COLUMNS, 'Asia/Jakarta')).toEqual([
      'row', 'phone', 'Nama Pasien', 'Kota', 'status', 'reason', 'detail', 'session', 'message_id', 'attempts',
      'sent_at (Asia/Jakarta)', 'delivered_at (Asia/Jakarta)', 'read_at (Asia/Jakarta)', 'replied_at (Asia/Jakarta)', 'reply_text',
    ]);
  });

  it('puts every rejected row in its sheet place among the recipients, before, between and after them', async () => {
    const recipients = source([recipient(3, 'Ani', '2026-03-01T10:00:00.000Z'), recipient(4, 'Budi'), recipient(8, 'Citra')]);
    const rejects = source([reject(2, 'Dewi', 'INVALID_PHONE'), reject(5, 'Eko', 'DUPLICATE', 3), reject(6, 'Fajar', 'MISSING_PHONE'), reject(9, 'Gita', 'INVALID_PHONE'), reject(11, 'Hadi', 'INVALID_PHONE')]);
    const rows = await collect(reportRows(recipients.items, rejects.items, COLUMNS));
    expect(rows.map((row) => [row[0], row[2], row[4], row[5], row[6]])).toEqual([
      [2, 'Dewi', 'rejected', 'INVALID_PHONE', null],
      [3, 'Ani', 'sent', null, null],
      [4, 'Budi', 'pending', null, null],
      [5, 'Eko', 'rejected', 'DUPLICATE', 'duplicate of row 3'],
      [6, 'Fajar', 'rejected', 'MISSING_PHONE', null],
      [8, 'Citra', 'pending', null, null],
      [9, 'Gita', 'rejected', 'INVALID_PHONE', null],
      [11, 'Hadi', 'rejected', 'INVALID_PHONE', null],
    ]);
    // A column a reject did not keep (rejected before cells were kept) is empty, not "undefined".
    expect(rows[0]?.[3]).toBeNull();
    expect(rows[1]?.[3]).toBe('Bandung');
    // Times are moments, for the writer to put in the report's zone.
    expect(rows[1]?.[10]).toEqual(new Date('2026-03-01T10:00:00.000Z'));
    expect(rows.every((row) => row.length === reportHeader(COLUMNS, 'UTC').length)).toBe(true);
    expect(rejects.closed()).toBe(true);
  });

  it('lists the recipients alone when there are no rejects, and the rejects alone when no recipient was taken', async () => {
    const noRejects = await collect(reportRows(source([recipient(2, 'Ani'), recipient(3, 'Budi')]).items, source<ListReject>([]).items, COLUMNS));
    expect(noRejects.map((row) => row[0])).toEqual([2, 3]);
    const onlyRejects = await collect(reportRows(source<RecipientRow>([]).items, source([reject(2, 'Dewi', 'INVALID_PHONE'), reject(3, 'Eko', 'MISSING_PHONE')]).items, []));
    expect(onlyRejects.map((row) => [row[0], row[2]])).toEqual([[2, 'rejected'], [3, 'rejected']]);
  });

  it('closes the rejects source when the consumer stops early', async () => {
    const rejects = source([reject(5, 'Eko', 'INVALID_PHONE'), reject(6, 'Fajar', 'INVALID_PHONE')]);
    for await (const row of reportRows(source([recipient(2, 'Ani'), recipient(3, 'Budi')]).items, rejects.items, COLUMNS)) {
      expect(row[0]).toBe(2);
      break;
    }
    expect(rejects.closed()).toBe(true);
  });
});
