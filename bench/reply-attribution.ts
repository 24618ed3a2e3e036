/**
 * bench/reply-attribution: what storing and attributing one reply costs on a large ledger. A
 * 100k-recipient blast (all sent), three other blasts on the same phones (an older one from the
 * same session, one from another session, one of another unit), then 10k replies one after the
 * other through the real repository path (store.replies.record: attribution, insert, first-reply
 * row update and counter), timed each.
 *   npm run bench:replies                     (SQLite; PostgreSQL too with TEST_POSTGRES_URL set)
 *   npm run bench:replies -- --pg postgres://postgres@127.0.0.1:5432/postgres
 */
import { sql } from 'kysely';
import { defaultPacing } from '../src/core/pacing.js';
import { createLogger } from '../src/logging/logger.js';
import { createDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { createStore } from '../src/store/store.js';
import { postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/databases.js';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const REPLIES = Number(process.env.BENCH_REPLIES ?? 10_000);
const SENT_AT = '2026-03-01T10:00:00.000Z';
const pgArg = process.argv.indexOf('--pg');
const PG_URL = pgArg >= 0 ? process.argv[pgArg + 1] : process.env.TEST_POSTGRES_URL;

const phoneOf = (i: number): string => `+62812${String(10_000_000 + i)}`;

interface Figures {
  median: number;
  p95: number;
  mean: number;
  /** The same, for a transaction of one single-row UPDATE on the same database: what any durable write costs here. */
  floor: { median: number; p95: number; mean: number };
  setupS: number;
}

function summary(times: number[]): { median: number; p95: number; mean: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95), mean: sorted.reduce((sum, t) => sum + t, 0) / sorted.length };
}

async function run(database: TestDatabase): Promise<Figures> {
  const setupStart = performance.now();
  const handle = createDatabase(database.target);
  try {
    await migrateToLatest(handle, createLogger('silent'));
    const store = createStore(handle);
    for (const [id, unit] of [['s1', 'Marketing'], ['s2', 'Marketing'], ['s3', 'Sales']] as const) {
      await store.sessions.insert({
        id,
        uid: `uid-${id}`,
        friendlyName: id,
        businessUnit: unit,
        provider: 'sandbox',
        pacing: defaultPacing('sandbox'),
        sandbox: null,
        createdAt: SENT_AT,
        updatedAt: SENT_AT,
      });
    }
    await store.lists.create({
      id: 'list-1',
      name: 'Customers',
      purpose: 'recipients',
      businessUnit: 'Marketing',
      fileName: 'customers.csv',
      fileSize: 1,
      blobSha256: 'a'.repeat(64),
      phoneColumn: 'phone',
      defaultCountry: 'ID',
      createdAt: SENT_AT,
    });
    for (let from = 0; from < RECIPIENTS; from += 5_000) {
      const chunk = Array.from({ length: Math.min(5_000, RECIPIENTS - from) }, (_, k) => {
        const i = from + k;
        return { seq: i + 1, rowNumber: i + 2, phone: phoneOf(i), values: [`Customer ${i}`] };
      });
      await store.lists.insertRecipients('list-1', chunk);
    }
    await store.lists.complete('list-1', { counts: { rows: RECIPIENTS, valid: RECIPIENTS, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'name', key: 'name' }] }, SENT_AT);
    // The blast under test last; the others messaged the same phones (older, another session, another unit).
    const blasts = [
      { id: 'older', session: 's1', unit: 'Marketing', sentAt: '2026-02-28T10:00:00.000Z' },
      { id: 'other-session', session: 's2', unit: 'Marketing', sentAt: SENT_AT },
      { id: 'other-unit', session: 's3', unit: 'Sales', sentAt: SENT_AT },
      { id: 'main', session: 's1', unit: 'Marketing', sentAt: SENT_AT },
    ];
    for (const blast of blasts) {
      await store.blasts.create({
        id: blast.id,
        name: blast.id,
        businessUnit: blast.unit,
        status: 'importing',
        listId: 'list-1',
        message: 'Hi {name}',
        media: null,
        sessions: [{ id: blast.session, uid: `uid-${blast.session}` }],
        checkNumbers: false,
        typing: false,
        pacing: null,
        scheduledAt: null,
        createdAt: SENT_AT,
      });
      await store.blasts.populate(blast.id, 'list-1', SENT_AT);
      // Every row sent (in one statement: the sending path is bench/blast's business).
      await sql`UPDATE blast_recipients SET status = 'sent', session_id = ${blast.session}, sent_at = ${blast.sentAt}, message_id = ${`${blast.id}-`} || seq
        WHERE blast_id = ${blast.id}`.execute(handle.db);
      await sql`UPDATE blasts SET status = 'completed', sent = total WHERE id = ${blast.id}`.execute(handle.db);
    }
    if (database.target.kind === 'postgres') await sql`ANALYZE`.execute(handle.db);
    const setupS = (performance.now() - setupStart) / 1_000;

    const times: number[] = [];
    let attributed = 0;
    for (let r = 0; r < REPLIES; r++) {
      // Spread over the blast, some phones answering twice (a second reply is not the row's first).
      const i = (r * 7_919) % Math.min(RECIPIENTS, Math.ceil(REPLIES * 0.8));
      const receivedAt = new Date(Date.parse(SENT_AT) + 3_600_000 + r * 1_000).toISOString();
      const reply = {
        sessionUid: 'uid-s1',
        sessionId: 's1',
        businessUnit: 'Marketing',
        phone: phoneOf(i),
        messageId: `3EB0${String(r).padStart(12, '0')}`,
        kind: 'text' as const,
        text: 'Yes, thank you!',
        optOut: false,
        receivedAt,
      };
      const start = performance.now();
      const stored = await store.replies.record(reply, 72, receivedAt);
      times.push(performance.now() - start);
      if (stored?.attribution?.blastId === 'main') attributed += 1;
    }
    if (attributed !== REPLIES) throw new Error(`only ${attributed} of ${REPLIES} replies went to the blast that last messaged them`);
    const main = await store.blasts.get('main');
    const distinct = Math.min(RECIPIENTS, Math.ceil(REPLIES * 0.8));
    if (main?.figures.replied !== distinct) throw new Error(`replied ${String(main?.figures.replied)}, expected ${distinct}`);
    const floorTimes: number[] = [];
    for (let k = 0; k < 1_000; k++) {
      const start = performance.now();
      await handle.db.transaction().execute((trx) => sql`UPDATE blasts SET updated_at = ${String(k)} WHERE id = 'older'`.execute(trx));
      floorTimes.push(performance.now() - start);
    }
    return { ...summary(times), floor: summary(floorTimes), setupS };
  } finally {
    await handle.close();
    await database.drop();
  }
}

const results: [string, Figures][] = [['SQLite', await run(sqliteDatabase())]];
if (PG_URL) results.push(['PostgreSQL', await run(await postgresDatabase(PG_URL))]);
console.log(`ledger: ${RECIPIENTS} recipients × 4 blasts on the same phones; ${REPLIES} replies, one at a time`);
console.log('per reply     median ms   p95 ms   mean ms   | one-row UPDATE transaction: median   p95    mean   (setup s)');
const ms = (value: number, width: number): string => value.toFixed(3).padStart(width);
for (const [name, figures] of results) {
  const { floor } = figures;
  console.log(
    `${name.padEnd(12)}  ${ms(figures.median, 9)}  ${ms(figures.p95, 7)}  ${ms(figures.mean, 8)}   |                      ${ms(floor.median, 8)} ${ms(floor.p95, 7)} ${ms(floor.mean, 7)}   (${figures.setupS.toFixed(1)})`,
  );
}
console.log(`RESULT ${results.map(([name, figures]) => `${name} ${figures.median.toFixed(3)} ms median / ${figures.p95.toFixed(3)} ms p95 per reply`).join(', ')}`);
