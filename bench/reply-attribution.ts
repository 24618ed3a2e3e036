/**
 * bench/reply-attribution: what storing and attributing a reply costs on a large ledger. A
 * 100k-recipient blast (all sent), three other blasts on the same phones (an older one from the
 * same session, one from another session, one of another unit), then 10k replies three ways, from
 * no replies each time: (a) one after the other through store.replies.record (a transaction each);
 * (b) a burst through the engine's ReplyWriter with 50 handlers awaiting their commit at once
 * (BENCH_IN_FLIGHT); (c) all 10k handed over at once (a reconnect's backlog). Each reports the
 * amortised cost (total ÷ replies) and the p50/p95 latency of a reply's durable write.
 *   npm run bench:replies                     (SQLite; PostgreSQL too with TEST_POSTGRES_URL set)
 *   npm run bench:replies -- --pg postgres://postgres@127.0.0.1:5432/postgres
 */
import { sql } from 'kysely';
import { defaultPacing } from '../src/core/pacing.js';
import { createLogger } from '../src/logging/logger.js';
import { createDatabase } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { ReplyWriter } from '../src/replies/reply-writer.js';
import type { IncomingReply, StoredReply } from '../src/store/reply.repository.js';
import { createStore } from '../src/store/store.js';
import { postgresDatabase, sqliteDatabase, type TestDatabase } from '../test/support/databases.js';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const REPLIES = Number(process.env.BENCH_REPLIES ?? 10_000);
const BURST_IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 50);
const SENT_AT = '2026-03-01T10:00:00.000Z';
const pgArg = process.argv.indexOf('--pg');
const PG_URL = pgArg >= 0 ? process.argv[pgArg + 1] : process.env.TEST_POSTGRES_URL;

const phoneOf = (i: number): string => `+62812${String(10_000_000 + i)}`;

/** One way of feeding the replies: per reply, the amortised cost (total ÷ replies) and the latency of its durable write. */
interface Mode {
  amortised: number;
  median: number;
  p95: number;
  mean: number;
}

interface Figures {
  /** One after the other, each its own transaction (store.replies.record). */
  one: Mode;
  /** BURST_IN_FLIGHT awaiting their commit at once, through the engine's ReplyWriter. */
  fifty: Mode;
  /** All of them at once (a reconnect's backlog), through the ReplyWriter. */
  all: Mode;
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

    const distinct = Math.min(RECIPIENTS, Math.ceil(REPLIES * 0.8));
    const replyOf = (r: number, mode: string): IncomingReply => {
      // Spread over the blast, some phones answering twice (a second reply is not the row's first).
      const i = (r * 7_919) % distinct;
      return {
        sessionUid: 'uid-s1',
        sessionId: 's1',
        businessUnit: 'Marketing',
        phone: phoneOf(i),
        messageId: `3EB0${mode}${String(r).padStart(12, '0')}`,
        kind: 'text' as const,
        text: 'Yes, thank you!',
        optOut: false,
        receivedAt: new Date(Date.parse(SENT_AT) + 3_600_000 + r * 1_000).toISOString(),
      };
    };
    const verify = async (results: (StoredReply | undefined)[], mode: string): Promise<void> => {
      const attributed = results.filter((stored) => stored?.attribution?.blastId === 'main').length;
      if (attributed !== REPLIES) throw new Error(`${mode}: only ${attributed} of ${REPLIES} replies went to the blast that last messaged them`);
      const main = await store.blasts.get('main');
      if (main?.figures.replied !== distinct) throw new Error(`${mode}: replied ${String(main?.figures.replied)}, expected ${distinct}`);
      const firsts = results.filter((stored) => stored?.attribution?.first).length;
      if (firsts !== distinct) throw new Error(`${mode}: ${firsts} first replies, expected ${distinct}`);
    };
    // Each mode starts from no replies at all, so each pays the first-reply row writes.
    const reset = async (): Promise<void> => {
      await sql`DELETE FROM replies`.execute(handle.db);
      await sql`UPDATE blast_recipients SET replied_at = NULL, reply_text = NULL WHERE replied_at IS NOT NULL`.execute(handle.db);
      await sql`UPDATE blasts SET replied = 0`.execute(handle.db);
      if (database.target.kind === 'postgres') await sql`VACUUM ANALYZE`.execute(handle.db);
    };

    // (a) One at a time: each reply its own transaction, as when replies trickle in.
    const times: number[] = [];
    const sequential: (StoredReply | undefined)[] = [];
    const sequentialStart = performance.now();
    for (let r = 0; r < REPLIES; r++) {
      const reply = replyOf(r, 'A');
      const start = performance.now();
      sequential.push(await store.replies.record(reply, 72, reply.receivedAt));
      times.push(performance.now() - start);
    }
    const one: Mode = { ...summary(times), amortised: (performance.now() - sequentialStart) / REPLIES };
    await verify(sequential, 'one at a time');

    // (b) Bursts through the engine's writer: `inFlight` handlers awaiting their reply's commit at
    // once (each starting the next reply as soon as its own is stored), as when a campaign's
    // recipients answer within minutes or a reconnect hands over its backlog.
    const burst = async (inFlight: number, mode: string): Promise<Mode> => {
      await reset();
      const writer = new ReplyWriter({ replies: store.replies, windowHours: 72, now: () => new Date().toISOString() });
      const latencies: number[] = [];
      const results: (StoredReply | undefined)[] = [];
      let next = 0;
      const startAll = performance.now();
      await Promise.all(
        Array.from({ length: Math.min(inFlight, REPLIES) }, async () => {
          while (next < REPLIES) {
            const r = next++;
            const start = performance.now();
            results[r] = await writer.write(replyOf(r, mode));
            latencies.push(performance.now() - start);
          }
        }),
      );
      const amortised = (performance.now() - startAll) / REPLIES;
      await writer.stop();
      await verify(results, mode);
      return { ...summary(latencies), amortised };
    };
    const fifty = await burst(BURST_IN_FLIGHT, 'B');
    const all = await burst(REPLIES, 'C');
    const floorTimes: number[] = [];
    for (let k = 0; k < 1_000; k++) {
      const start = performance.now();
      await handle.db.transaction().execute((trx) => sql`UPDATE blasts SET updated_at = ${String(k)} WHERE id = 'older'`.execute(trx));
      floorTimes.push(performance.now() - start);
    }
    return { one, fifty, all, floor: summary(floorTimes), setupS };
  } finally {
    await handle.close();
    await database.drop();
  }
}

const results: [string, Figures][] = [['SQLite', await run(sqliteDatabase())]];
if (PG_URL) results.push(['PostgreSQL', await run(await postgresDatabase(PG_URL))]);
console.log(`ledger: ${RECIPIENTS} recipients × 4 blasts on the same phones; ${REPLIES} replies (20 % a second reply from the same number)`);
console.log('per reply (ms)                              amortised   write p50   write p95');
const ms = (value: number, width: number): string => value.toFixed(3).padStart(width);
for (const [name, figures] of results) {
  const rows: [string, Mode][] = [
    ['one at a time', figures.one],
    [`burst, ${BURST_IN_FLIGHT} in flight`, figures.fifty],
    [`burst, all ${REPLIES} at once`, figures.all],
  ];
  for (const [mode, figure] of rows) console.log(`${name.padEnd(11)} ${mode.padEnd(30)} ${ms(figure.amortised, 9)}  ${ms(figure.median, 10)}  ${ms(figure.p95, 10)}`);
  const { floor } = figures;
  console.log(`${name.padEnd(11)} ${'one-row UPDATE transaction'.padEnd(30)} ${ms(floor.mean, 9)}  ${ms(floor.median, 10)}  ${ms(floor.p95, 10)}   (setup ${figures.setupS.toFixed(1)} s)`);
}
console.log(
  `RESULT ${results.map(([name, figures]) => `${name} ${figures.fifty.amortised.toFixed(3)} ms amortised per reply in a burst (${BURST_IN_FLIGHT} in flight; p95 write ${figures.fifty.p95.toFixed(1)} ms), ${figures.one.amortised.toFixed(3)} ms one at a time`).join(', ')}`,
);
