import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { defaultPacing } from '../../src/core/pacing.js';
import { REPLY_TEXT_LIMIT } from '../../src/core/reply.js';
import type { SessionRef } from '../../src/core/session-config.js';
import { createLogger } from '../../src/logging/logger.js';
import type { NewBlast, Outcome } from '../../src/store/blast.repository.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { RECORD_BATCH_LIMIT, type IncomingReply } from '../../src/store/reply.repository.js';
import { createStore, type Store } from '../../src/store/store.js';
import { ReplyWriter } from '../../src/replies/reply-writer.js';
import { purgeReplies } from '../../src/worker/maintenance.processor.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const log = createLogger('silent');
const AT = '2026-03-01T10:00:00.000Z';
const at = (time: string): string => `2026-03-01T${time}.000Z`;
const hoursAfter = (iso: string, hours: number): string => new Date(Date.parse(iso) + hours * 3_600_000).toISOString();
const WINDOW = 72;

const phoneOf = (seq: number): string => `+62812${String(10_000_000 + seq)}`;
const ref = (id: string): SessionRef => ({ id, uid: `uid-${id}` });

// Replies are attributed on both databases alike: the contract the figures, reports and follow-ups build on.
describe.each(databaseKinds(inject('postgresUrl')))('reply store contract on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;
  let token = 0;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, log);
    store = createStore(handle);
    for (const [id, businessUnit] of [['s1', 'Marketing'], ['s2', 'Marketing'], ['s3', 'Sales']] as const) {
      await store.sessions.insert({
        id,
        uid: ref(id).uid,
        friendlyName: `Account ${id}`,
        businessUnit,
        provider: 'sandbox',
        pacing: defaultPacing('sandbox'),
        sandbox: null,
        createdAt: AT,
        updatedAt: AT,
      });
    }
    await store.lists.create({
      id: 'list-1',
      name: 'People',
      purpose: 'recipients',
      businessUnit: 'Marketing',
      fileName: 'people.csv',
      fileSize: 100,
      blobSha256: 'a'.repeat(64),
      phoneColumn: 'Phone',
      defaultCountry: 'ID',
      createdAt: AT,
    });
    const recipients = Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, rowNumber: i + 2, phone: phoneOf(i + 1), values: [`Person ${i + 1}`, `City ${i + 1}`] }));
    await store.lists.insertRecipients('list-1', recipients);
    await store.lists.complete(
      'list-1',
      { counts: { rows: 6, valid: 6, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }, { header: 'City', key: 'city' }] },
      AT,
    );
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  /** A running blast of list-1 made with `session`, whose recipients `seqs` were sent at `sentAt` (the others skipped). */
  async function blastSent(id: string, session: string, seqs: number[], sentAt: string, businessUnit = 'Marketing'): Promise<void> {
    const blast: NewBlast = {
      id,
      name: `Blast ${id}`,
      businessUnit,
      status: 'importing',
      listId: 'list-1',
      message: 'Hello {name}',
      media: null,
      sessions: [ref(session)],
      checkNumbers: false,
      typing: false,
      pacing: null,
      scheduledAt: null,
      createdAt: AT,
    };
    await store.blasts.create(blast);
    await store.blasts.populate(id, 'list-1', AT);
    expect(await store.blasts.transition(id, ['importing'], 'running', AT, { startedAt: AT })).toBe(true);
    token += 1;
    const claimed = await store.blasts.claim(id, 'list-1', session, token, 100, sentAt);
    const outcomes: Outcome[] = claimed.map(({ seq }) =>
      seqs.includes(seq)
        ? { seq, status: 'sent', reason: null, detail: null, messageId: `${id}-${seq}`, attempts: 1, at: sentAt }
        : { seq, status: 'skipped', reason: 'CANCELLED', detail: 'not in this test', messageId: null, attempts: 0, at: sentAt },
    );
    await store.blasts.recordOutcomes(id, token, outcomes);
  }

  const reply = (overrides: Partial<IncomingReply> & { phone: string; messageId: string; receivedAt: string }): IncomingReply => ({
    sessionUid: 'uid-s1',
    sessionId: 's1',
    businessUnit: 'Marketing',
    kind: 'text',
    text: 'Thanks!',
    optOut: false,
    ...overrides,
  });
  const record = (incoming: IncomingReply, windowHours = WINDOW) => store.replies.record(incoming, windowHours, incoming.receivedAt);
  const replied = async (blastId: string): Promise<number | undefined> => (await store.blasts.get(blastId))?.figures.replied;
  const row = async (blastId: string, seq: number) => (await store.blasts.recipients(blastId, { limit: 1, offset: seq - 1 })).items[0];

  describe.skipIf(skip)('webhooks', () => {
    it('writes message.replied in the reply\'s own transaction, for attributed replies of a unit an endpoint wants, with the sheet row', async () => {
      await blastSent('wanted', 's1', [1, 2], at('10:00:00'));
      // Before any endpoint: nothing is written.
      await record(reply({ phone: phoneOf(1), messageId: 'W0', receivedAt: at('10:30:00') }));
      await store.webhooks.create({
        id: 'ep-1', businessUnit: 'Marketing', url: 'https://crm.example.com/hook', events: ['message.replied'], description: null, enabled: true,
        disabledReason: null, failingSince: null, createdAt: AT, updatedAt: AT, secret: 'whsec_x', previousSecret: null, previousSecretExpiresAt: null,
      });
      await store.webhooks.create({
        id: 'ep-2', businessUnit: 'Sales', url: 'https://sales.example.com/hook', events: ['*'], description: null, enabled: true,
        disabledReason: null, failingSince: null, createdAt: AT, updatedAt: AT, secret: 'whsec_y', previousSecret: null, previousSecretExpiresAt: null,
      });
      await store.replies.recordMany(
        [
          reply({ phone: phoneOf(1), messageId: 'W1', text: 'again', receivedAt: at('11:00:00') }),
          reply({ phone: phoneOf(2), messageId: 'W2', text: 'STOP', optOut: true, receivedAt: at('11:00:01') }),
          reply({ phone: phoneOf(9), messageId: 'W3', receivedAt: at('11:00:02') }), // nobody's reply: no event
          reply({ phone: phoneOf(2), messageId: 'W4', businessUnit: 'Sales', sessionUid: 'uid-s3', sessionId: 's3', receivedAt: at('11:00:03') }),
        ],
        WINDOW,
        at('11:00:05'),
      );
      const events = await handle.db.selectFrom('webhook_events').select(['type', 'business_unit', 'body']).where('type', '=', 'message.replied').execute();
      expect(events.map((event) => [event.type, event.business_unit])).toEqual([['message.replied', 'Marketing']]);
      const body = JSON.parse(events[0]?.body ?? '{}') as { data: { items: Record<string, unknown>[] } };
      expect(body.data.items).toEqual([
        { blastId: 'wanted', row: 2, phone: phoneOf(1), sessionId: 's1', messageId: 'W1', kind: 'text', text: 'again', optOut: false, first: false, at: at('11:00:00') },
        { blastId: 'wanted', row: 3, phone: phoneOf(2), sessionId: 's1', messageId: 'W2', kind: 'text', text: 'STOP', optOut: true, first: true, at: at('11:00:01') },
      ]);
    });
  });

  describe.skipIf(skip)('attribution', () => {
    it('goes to the most recent blast that messaged the phone from that very session, in its unit', async () => {
      await blastSent('older', 's1', [1, 2, 3], at('10:00:00'));
      await blastSent('newer', 's1', [1], at('11:00:00'));
      await blastSent('other-session', 's2', [2], at('11:30:00'));
      await blastSent('other-unit', 's3', [3], at('11:30:00'), 'Sales');

      const one = await record(reply({ phone: phoneOf(1), messageId: 'M1', receivedAt: at('12:00:00') }));
      expect(one?.attribution).toEqual({ blastId: 'newer', seq: 1, first: true });
      // s2 messaged phone 2 later, but the reply came in on s1: it answers s1's message.
      expect((await record(reply({ phone: phoneOf(2), messageId: 'M2', receivedAt: at('12:00:00') })))?.attribution).toEqual({ blastId: 'older', seq: 2, first: true });
      expect(
        (await record(reply({ phone: phoneOf(2), messageId: 'M3', sessionUid: 'uid-s2', sessionId: 's2', receivedAt: at('12:00:00') })))?.attribution,
      ).toEqual({ blastId: 'other-session', seq: 2, first: true });
      // A session of another unit (or moved to one) never feeds a Marketing blast, nor the other way round.
      expect((await record(reply({ phone: phoneOf(3), messageId: 'M4', businessUnit: 'Sales', receivedAt: at('12:00:00') })))?.attribution).toBeNull();
      expect((await record(reply({ phone: phoneOf(3), messageId: 'M5', receivedAt: at('12:00:00') })))?.attribution).toEqual({ blastId: 'older', seq: 3, first: true });

      expect(await replied('older')).toBe(2);
      expect(await replied('newer')).toBe(1);
      expect(await replied('other-session')).toBe(1);
      expect(await replied('other-unit')).toBe(0);
      expect((await store.blasts.get('older'))?.figures.replyRate).toBe(0.6667);
    });

    it('leaves a reply outside the window, or before any send, unattributed (but stored)', async () => {
      await blastSent('b1', 's1', [1], at('10:00:00'));
      const late = await record(reply({ phone: phoneOf(1), messageId: 'LATE', receivedAt: hoursAfter(at('10:00:00'), WINDOW + 1) }));
      expect(late).toMatchObject({ messageId: 'LATE', attribution: null });
      const early = await record(reply({ phone: phoneOf(1), messageId: 'EARLY', receivedAt: at('09:00:00') }));
      expect(early?.attribution).toBeNull();
      const stranger = await record(reply({ phone: '+6289999999999', messageId: 'WHO', receivedAt: at('10:30:00') }));
      expect(stranger?.attribution).toBeNull();
      expect(await replied('b1')).toBe(0);
      // A longer window reaches it.
      expect((await record(reply({ phone: phoneOf(1), messageId: 'LATE2', receivedAt: hoursAfter(at('10:00:00'), WINDOW + 1) }), WINDOW + 2))?.attribution).toEqual({
        blastId: 'b1',
        seq: 1,
        first: true,
      });
    });

    it('takes a redelivered message once, and only the first reply sets the row', async () => {
      await blastSent('b1', 's1', [1, 2], at('10:00:00'));
      const first = reply({ phone: phoneOf(1), messageId: '3EB0FIRST', text: 'Yes please', receivedAt: at('10:10:00') });
      expect((await record(first))?.attribution?.first).toBe(true);
      expect(await record(first)).toBeUndefined();
      const second = await record(reply({ phone: phoneOf(1), messageId: '3EB0SECOND', kind: 'image', text: null, receivedAt: at('10:20:00') }));
      expect(second?.attribution).toEqual({ blastId: 'b1', seq: 1, first: false });

      expect(await row('b1', 1)).toMatchObject({ repliedAt: at('10:10:00'), replyText: 'Yes please' });
      expect(await row('b1', 2)).toMatchObject({ repliedAt: null, replyText: null });
      expect(await replied('b1')).toBe(1);
      expect((await store.blasts.recipients('b1', { replied: true, limit: 10, offset: 0 })).items.map((item) => item.seq)).toEqual([1]);
      expect((await store.blasts.recipients('b1', { replied: false, limit: 10, offset: 0 })).items.map((item) => item.seq)).toEqual([2, 3, 4, 5, 6]);

      const page = await store.replies.forBlast('b1', { limit: 10, offset: 0 });
      expect(page.total).toBe(2);
      expect(page.items).toEqual([
        {
          seq: 1,
          rowNumber: 2,
          phone: phoneOf(1),
          vars: { name: 'Person 1', city: 'City 1' },
          sessionId: 's1',
          messageId: '3EB0FIRST',
          kind: 'text',
          text: 'Yes please',
          optOut: false,
          receivedAt: at('10:10:00'),
        },
        expect.objectContaining({ messageId: '3EB0SECOND', kind: 'image', text: null }),
      ]);
      expect((await store.replies.forBlast('b1', { limit: 1, offset: 1 })).items.map((item) => item.messageId)).toEqual(['3EB0SECOND']);
      expect((await store.blasts.timeline('b1', { fromSeconds: Date.parse(at('10:00:00')) / 1_000, bucketSeconds: 3_600 }))[0]).toMatchObject({ replied: 1 });
    });

    it('counts replied exactly when the same messages arrive many times at once', async () => {
      await blastSent('b1', 's1', [1, 2, 3, 4, 5, 6], at('10:00:00'));
      const messages = [1, 2, 3, 4, 5, 6].flatMap((seq) => [
        reply({ phone: phoneOf(seq), messageId: `A${seq}`, receivedAt: at('10:30:00') }),
        reply({ phone: phoneOf(seq), messageId: `B${seq}`, receivedAt: at('10:31:00') }),
      ]);
      const results = await Promise.all([...messages, ...messages, ...messages].map((incoming) => record(incoming)));
      expect(results.filter((result) => result !== undefined)).toHaveLength(12);
      expect(results.filter((result) => result?.attribution?.first === true)).toHaveLength(6);
      expect(await replied('b1')).toBe(6);
      expect((await store.replies.forBlast('b1', { limit: 100, offset: 0 })).total).toBe(12);
    });

    it('bounds what it keeps: a long text is cut, an over-long message id is kept as its digest and still deduplicated', async () => {
      await blastSent('b1', 's1', [1], at('10:00:00'));
      const longId = 'X'.repeat(500);
      const stored = await record(reply({ phone: phoneOf(1), messageId: longId, text: '😀'.repeat(REPLY_TEXT_LIMIT + 10), optOut: true, receivedAt: at('10:05:00') }));
      expect(stored?.messageId).toMatch(/^h:[0-9a-f]{64}$/);
      expect(Array.from(stored?.text ?? '')).toHaveLength(REPLY_TEXT_LIMIT);
      expect(await record(reply({ phone: phoneOf(1), messageId: longId, receivedAt: at('10:05:00') }))).toBeUndefined();
      const [item] = (await store.replies.forBlast('b1', { limit: 1, offset: 0 })).items;
      expect(item).toMatchObject({ optOut: true, messageId: stored?.messageId });
    });
  });

  describe.skipIf(skip)('batches (recordMany)', () => {
    it('stores a batch once per message, sets each row by its earliest reply, and counts each row once', async () => {
      await blastSent('b1', 's1', [1, 2, 3], at('10:00:00'));
      await blastSent('b2', 's2', [1, 2], at('10:30:00'));
      await blastSent('sales', 's3', [4], at('10:30:00'), 'Sales');
      // One row already answered in an earlier batch: a batch never sets it again, nor counts it.
      await record(reply({ phone: phoneOf(3), messageId: 'EARLIER', text: 'Earlier', receivedAt: at('10:40:00') }));
      const batch = [
        reply({ phone: phoneOf(1), messageId: 'A1', text: 'First of row 1', receivedAt: at('11:00:00') }),
        reply({ phone: phoneOf(1), messageId: 'A1', text: 'Same message again', receivedAt: at('11:00:00') }),
        reply({ phone: phoneOf(1), messageId: 'A2', text: 'Second of row 1', receivedAt: at('11:01:00') }),
        reply({ phone: phoneOf(2), messageId: 'B1', sessionUid: 'uid-s2', sessionId: 's2', text: 'To s2', receivedAt: at('11:02:00') }),
        reply({ phone: phoneOf(2), messageId: 'B1', text: 'Same id, other session: another message', receivedAt: at('11:02:00') }),
        reply({ phone: phoneOf(3), messageId: 'C1', text: 'Row 3 again', receivedAt: at('11:03:00') }),
        reply({ phone: phoneOf(4), messageId: 'D1', sessionUid: 'uid-s3', sessionId: 's3', businessUnit: 'Sales', text: 'Sales', receivedAt: at('11:04:00') }),
        reply({ phone: phoneOf(5), messageId: 'E1', text: 'Never messaged', receivedAt: at('11:05:00') }),
        reply({ phone: phoneOf(3), messageId: 'EARLIER', text: 'Redelivered', receivedAt: at('10:40:00') }),
      ];
      const results = await store.replies.recordMany(batch, WINDOW, at('11:10:00'));
      expect(results.map((result) => result?.attribution ?? (result ? null : 'duplicate'))).toEqual([
        { blastId: 'b1', seq: 1, first: true },
        'duplicate',
        { blastId: 'b1', seq: 1, first: false },
        { blastId: 'b2', seq: 2, first: true },
        { blastId: 'b1', seq: 2, first: true },
        { blastId: 'b1', seq: 3, first: false },
        { blastId: 'sales', seq: 4, first: true },
        null,
        'duplicate',
      ]);
      expect(results[0]).toMatchObject({ messageId: 'A1', text: 'First of row 1', sessionId: 's1' });

      expect(await row('b1', 1)).toMatchObject({ repliedAt: at('11:00:00'), replyText: 'First of row 1' });
      expect(await row('b1', 2)).toMatchObject({ repliedAt: at('11:02:00'), replyText: 'Same id, other session: another message' });
      expect(await row('b1', 3)).toMatchObject({ repliedAt: at('10:40:00'), replyText: 'Earlier' });
      expect(await row('b2', 2)).toMatchObject({ repliedAt: at('11:02:00'), replyText: 'To s2' });
      expect(await replied('b1')).toBe(3);
      expect(await replied('b2')).toBe(1);
      expect(await replied('sales')).toBe(1);
      expect((await store.replies.forBlast('b1', { limit: 100, offset: 0 })).items.map((item) => item.messageId)).toEqual(['EARLIER', 'A1', 'A2', 'B1', 'C1']);

      // The same batch again (a reconnect's backlog redelivered): nothing stored, nothing counted.
      expect((await store.replies.recordMany(batch, WINDOW, at('11:20:00'))).every((result) => result === undefined)).toBe(true);
      expect([await replied('b1'), await replied('b2'), await replied('sales')]).toEqual([3, 1, 1]);
    });

    it('gives each reply of a batch its own window and most recent send', async () => {
      await blastSent('older', 's1', [1, 2], at('10:00:00'));
      await blastSent('newer', 's1', [1], at('12:00:00'));
      const results = await store.replies.recordMany(
        [
          reply({ phone: phoneOf(1), messageId: 'BEFORE-NEWER', receivedAt: at('11:00:00') }),
          reply({ phone: phoneOf(1), messageId: 'AFTER-NEWER', receivedAt: at('12:30:00') }),
          reply({ phone: phoneOf(2), messageId: 'TOO-LATE', receivedAt: hoursAfter(at('10:00:00'), WINDOW + 1) }),
          reply({ phone: phoneOf(2), messageId: 'BEFORE-ANY', receivedAt: at('09:00:00') }),
        ],
        WINDOW,
        AT,
      );
      expect(results.map((result) => result?.attribution)).toEqual([{ blastId: 'older', seq: 1, first: true }, { blastId: 'newer', seq: 1, first: true }, null, null]);
      expect([await replied('older'), await replied('newer')]).toEqual([1, 1]);
    });

    it('counts exactly when concurrent batches answer the same rows, and refuses an oversized batch', async () => {
      await blastSent('b1', 's1', [1, 2, 3, 4, 5, 6], at('10:00:00'));
      const batches = Array.from({ length: 4 }, (_, b) =>
        [1, 2, 3, 4, 5, 6].map((seq) => reply({ phone: phoneOf(seq), messageId: `M${seq}-${b % 2}`, receivedAt: at(`10:3${b}:00`) })),
      );
      const results = (await Promise.all(batches.map((batch) => store.replies.recordMany(batch, WINDOW, AT)))).flat();
      expect(results.filter((result) => result !== undefined)).toHaveLength(12);
      expect(results.filter((result) => result?.attribution?.first === true)).toHaveLength(6);
      expect(await replied('b1')).toBe(6);
      await expect(store.replies.recordMany(Array.from({ length: RECORD_BATCH_LIMIT + 1 }, (_, i) => reply({ phone: phoneOf(1), messageId: `X${i}`, receivedAt: AT })), WINDOW, AT)).rejects.toThrow(RangeError);
    });
  });

  describe.skipIf(skip)('the engine\'s reply writer on this database', () => {
    it('stores concurrent replies in shared transactions with exact counters, each caller answered with its own reply', async () => {
      await blastSent('b1', 's1', [1, 2, 3, 4, 5, 6], at('10:00:00'));
      const batches: number[] = [];
      const replies = {
        recordMany: async (batch: readonly IncomingReply[], windowHours: number, now: string) => {
          batches.push(batch.length);
          return store.replies.recordMany(batch, windowHours, now);
        },
      };
      const writer = new ReplyWriter({ replies, windowHours: WINDOW, now: () => AT }, { maxBatch: 8, lingerMs: 600_000 });
      // Each row answered three times (two messages, one of them redelivered), all at once.
      const incoming = [1, 2, 3, 4, 5, 6].flatMap((seq) => [
        reply({ phone: phoneOf(seq), messageId: `A${seq}`, text: `First ${seq}`, receivedAt: at('10:30:00') }),
        reply({ phone: phoneOf(seq), messageId: `B${seq}`, receivedAt: at('10:31:00') }),
        reply({ phone: phoneOf(seq), messageId: `A${seq}`, receivedAt: at('10:30:00') }),
      ]);
      const answers = Promise.all(incoming.map((item) => writer.write(item)));
      await writer.stop(); // The last, short batch is written now rather than after the (long) linger.
      const results = await answers;
      expect(batches).toEqual([8, 8, 2]);
      expect(results.map((result) => result?.messageId)).toEqual(incoming.map((item, i) => (i % 3 === 2 ? undefined : item.messageId)));
      expect(results.filter((result) => result?.attribution?.first === true).map((result) => result?.messageId)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6']);
      expect(await replied('b1')).toBe(6);
      expect(await row('b1', 6)).toMatchObject({ repliedAt: at('10:30:00'), replyText: 'First 6' });
    });
  });

  describe.skipIf(skip)('retention', () => {
    it('purges replies older than the cut-off in bounded batches, and keeps the figures and first reply on the row', async () => {
      await blastSent('b1', 's1', [1], at('10:00:00'));
      for (let i = 0; i < 7; i++) await record(reply({ phone: phoneOf(1), messageId: `OLD${i}`, receivedAt: at(`10:0${i}:30`) }));
      await record(reply({ phone: phoneOf(1), messageId: 'NEW', receivedAt: at('11:00:00') }));
      expect(await store.replies.purgeBefore(at('10:30:00'), 3)).toBe(3);
      expect(await purgeReplies(store, at('10:30:00'), 3, 10)).toBe(4);
      expect((await store.replies.forBlast('b1', { limit: 100, offset: 0 })).items.map((item) => item.messageId)).toEqual(['NEW']);
      expect(await replied('b1')).toBe(1);
      expect(await row('b1', 1)).toMatchObject({ repliedAt: at('10:00:30') });
    });
  });
});
