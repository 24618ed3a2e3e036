/**
 * bench/report: how fast a large blast's report streams, and that it stays lean. A 100k-row sheet
 * (BENCH_REPORT_ROWS) made of 90 % recipients, all sent, delivered and read, and 10 % rejected rows
 * spread through it, with four list columns; then the CSV and the XLSX report (in Asia/Jakarta, so
 * every time is shifted) are written to /dev/null through the same code the route uses (store pages
 * → rows merged in sheet order → writer). Prints rows/s, bytes, and the heap's growth while
 * writing, which must not follow the row count.
 *   npm run bench:report                      (SQLite; PostgreSQL too with TEST_POSTGRES_URL set)
 */
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { defaultPacing } from '../src/core/pacing.js';
import { createLogger } from '../src/logging/logger.js';
import { reportHeader, reportRows } from '../src/reports/blast-report.js';
import { csvReport, xlsxReport, type ReportSheet } from '../src/reports/report-writers.js';
import { createDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore, type Store } from '../src/store/store.js';
import { postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/databases.js';

const ROWS = Number(process.env.BENCH_REPORT_ROWS ?? 100_000);
const AT = '2026-03-01T10:00:00.000Z';
const ZONE = process.env.BENCH_REPORT_ZONE ?? 'Asia/Jakarta';
const COLUMNS = [
  { header: 'Name', key: 'name' },
  { header: 'City', key: 'city' },
  { header: 'Segment', key: 'segment' },
  { header: 'Notes', key: 'notes' },
];
const cells = (row: number): string[] => [`Customer ${String(row)}`, ['Jakarta', 'Surabaya', 'Bandung'][row % 3] ?? '', row % 2 ? 'gold' : 'silver', `visit on ${String(row % 28)} March, bring the card`];

async function fill(store: Store, handle: ReturnType<typeof createDatabase>): Promise<void> {
  await store.sessions.insert({
    id: 's1', uid: 'uid-s1', friendlyName: 's1', businessUnit: 'Marketing', provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT,
  });
  await store.lists.create({
    id: 'list-1', name: 'Customers', purpose: 'recipients', businessUnit: 'Marketing', fileName: 'customers.xlsx', fileSize: 1,
    blobSha256: 'a'.repeat(64), phoneColumn: 'Phone', defaultCountry: 'ID', createdAt: AT,
  });
  let seq = 0;
  for (let from = 2; from < ROWS + 2; from += 5_000) {
    const rows = Array.from({ length: Math.min(5_000, ROWS + 2 - from) }, (_, k) => from + k);
    const rejected = rows.filter((row) => row % 10 === 0);
    await store.lists.insertRecipients('list-1', rows.filter((row) => row % 10 !== 0).map((row) => ({ seq: ++seq, rowNumber: row, phone: `+62812${String(10_000_000 + row)}`, values: cells(row) })));
    await store.lists.insertRejects('list-1', rejected.map((row) => ({ rowNumber: row, rawValue: `0812-${String(row)}`, reason: 'INVALID_PHONE' as const, duplicateOfRow: null, values: cells(row) })));
  }
  await store.lists.complete('list-1', { counts: { rows: ROWS, valid: seq, duplicates: 0, invalid: ROWS - seq, blank: 0 }, columns: COLUMNS }, AT);
  await store.blasts.create({
    id: 'b1', name: 'b1', businessUnit: 'Marketing', status: 'importing', listId: 'list-1', message: 'Hi {name}', media: null,
    sessions: [{ id: 's1', uid: 'uid-s1' }], checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: AT,
  });
  await store.blasts.populate('b1', 'list-1', AT);
  await sql`UPDATE blast_recipients SET status = 'read', session_id = 's1', attempts = 1, message_id = 'm-' || seq,
    sent_at = ${AT}, delivered_at = '2026-03-01T10:00:05.000Z', read_at = '2026-03-01T10:01:00.000Z' WHERE blast_id = 'b1'`.execute(handle.db);
}

/** Bytes written, time, and the heap's highest growth over its level before, sampled every 5 ms. */
async function measure(write: (sheet: ReportSheet) => NodeJS.ReadableStream, store: Store): Promise<{ rows: number; ms: number; bytes: number; heapGrowthMb: number }> {
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  let bytes = 0;
  let rows = 0;
  const counted = (async function* () {
    for await (const row of reportRows(store.blasts.allRecipients('b1'), store.lists.allRejects('list-1'), COLUMNS)) {
      rows += 1;
      yield row;
    }
  })();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done();
    },
  });
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 5);
  const started = performance.now();
  try {
    await pipeline(write({ header: reportHeader(COLUMNS, ZONE), rows: counted, timeZone: ZONE, sheetName: 'Recipients' }), sink);
  } finally {
    clearInterval(sampler);
  }
  return { rows, ms: performance.now() - started, bytes, heapGrowthMb: Math.round((peak - before) / 1_048_576) };
}

async function run(database: TestDatabase): Promise<void> {
  const handle = createDatabase(database.target);
  try {
    await migrateToLatest(handle, createLogger('silent'));
    const store = createStore(handle);
    await fill(store, handle);
    if (database.target.kind === 'postgres' && process.env.BENCH_REPORT_ANALYZE === '1') await sql`ANALYZE`.execute(handle.db);
    for (const [format, write] of [['csv', csvReport], ['xlsx', xlsxReport]] as const) {
      const result = await measure(write, store);
      if (result.rows !== ROWS) throw new Error(`the ${format} report has ${String(result.rows)} lines, not ${String(ROWS)}`);
      console.log(
        `${database.target.kind.padEnd(8)} report.${format.padEnd(4)} ${String(result.rows).padStart(8)} rows ${(result.ms / 1_000).toFixed(2).padStart(6)} s `
        + `${String(Math.round(result.rows / (result.ms / 1_000))).padStart(8)} rows/s ${(result.bytes / 1_048_576).toFixed(1).padStart(6)} MB  heap +${String(result.heapGrowthMb)} MB while writing`,
      );
    }
  } finally {
    await handle.close();
    await database.drop();
  }
}

const databases: (() => Promise<TestDatabase>)[] = [() => Promise.resolve(sqliteDatabase())];
if (process.env.TEST_POSTGRES_URL) {
  const url = process.env.TEST_POSTGRES_URL;
  databases.push(() => postgresDatabase(url));
}
for (const open of databases) await run(await open());
