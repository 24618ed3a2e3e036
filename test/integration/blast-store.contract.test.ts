import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { Blast } from '../../src/core/blast.js';
import { defaultPacing } from '../../src/core/pacing.js';
import type { SessionRef } from '../../src/core/session-config.js';
import { createLogger } from '../../src/logging/logger.js';
import type { NewBlast, Outcome, RecipientRow } from '../../src/store/blast.repository.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const log = createLogger('silent');
const AT = '2026-03-01T10:00:00.000Z';
const LATER = '2026-03-01T10:05:00.000Z';

const phoneOf = (seq: number): string => `62812${String(10_000_000 + seq)}`;
/** The sessions the contract's blasts are made with, as stored in beforeEach. */
const ref = (id: string): SessionRef => ({ id, uid: `uid-${id}` });
const refs = (...ids: string[]): SessionRef[] => ids.map(ref);

function newBlast(id: string, overrides: Partial<NewBlast> = {}): NewBlast {
  return {
    id,
    name: `Blast ${id}`,
    businessUnit: 'Marketing',
    status: 'importing',
    listId: 'list-1',
    message: 'Hello {{name}}',
    media: null,
    sessions: refs('s1'),
    checkNumbers: false,
    typing: false,
    pacing: null,
    scheduledAt: null,
    createdAt: AT,
    ...overrides,
  };
}

function sent(seq: number, messageId: string): Outcome {
  return { seq, status: 'sent', reason: null, detail: null, messageId, attempts: 1, at: LATER };
}

// The blast ledger is the truth of what was sent: every database must keep it the same way.
describe.each(databaseKinds(inject('postgresUrl')))('blast store contract on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;

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
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  /** A ready list of `count` recipients: seq 1…count on sheet rows 2…count+1, each with a name. */
  async function listOf(id: string, count: number): Promise<void> {
    await store.lists.create({
      id,
      name: `List ${id}`,
      purpose: 'recipients',
      businessUnit: 'Marketing',
      fileName: 'people.csv',
      fileSize: 100,
      blobSha256: 'a'.repeat(64),
      phoneColumn: 'Phone',
      defaultCountry: 'ID',
      createdAt: AT,
    });
    const recipients = Array.from({ length: count }, (_, i) => ({ seq: i + 1, rowNumber: i + 2, phone: phoneOf(i + 1), values: [`Person ${i + 1}`] }));
    await store.lists.insertRecipients(id, recipients);
    await store.lists.complete(id, { counts: { rows: count, valid: count, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }] }, AT);
  }

  /** A blast over `list-1` (of `count` recipients), populated and running. */
  async function runningBlast(id: string, count: number, overrides: Partial<NewBlast> = {}): Promise<void> {
    if ((await store.lists.get('list-1')) === undefined) await listOf('list-1', count);
    await store.blasts.create(newBlast(id, overrides));
    await store.blasts.populate(id, 'list-1', AT);
    expect(await store.blasts.transition(id, ['importing'], 'running', AT, { startedAt: AT })).toBe(true);
  }

  const figures = async (id: string): Promise<Blast['figures'] | undefined> => (await store.blasts.get(id))?.figures;
  const unfinished = async (id: string): Promise<{ pending: number; sending: { sessionId: string; count: number }[] }> => {
    const { pending, sending } = await store.blasts.unfinished(id);
    return { pending, sending: [...sending].sort((a, b) => a.sessionId.localeCompare(b.sessionId)) };
  };
  const seqs = (rows: readonly { seq: number }[]): number[] => rows.map((row) => row.seq);
  const statusOf = async (id: string, seq: number): Promise<RecipientRow | undefined> =>
    (await store.blasts.recipients(id, { limit: 1, offset: seq - 1 })).items[0];

  describe.skipIf(skip)('blasts', () => {
    it('stores a blast and returns it exactly, sessions and JSON fields included', async () => {
      const pacing = { minDelayMs: 30_000, window: { startHour: 22, endHour: 6, timezone: 'Asia/Jakarta' } };
      const media = { sha256: 'b'.repeat(64), kind: 'image' as const, mimetype: 'image/png', fileName: 'promo.png' };
      await store.blasts.create(newBlast('b1', { sessions: refs('s2', 's1'), pacing, media, checkNumbers: true, typing: true, scheduledAt: LATER }));
      expect(await store.blasts.get('b1')).toEqual({
        id: 'b1',
        name: 'Blast b1',
        businessUnit: 'Marketing',
        status: 'importing',
        listId: 'list-1',
        message: 'Hello {{name}}',
        media,
        sessions: [
          { sessionId: 's1', sessionUid: 'uid-s1', pausedReason: null },
          { sessionId: 's2', sessionUid: 'uid-s2', pausedReason: null },
        ],
        checkNumbers: true,
        typing: true,
        pacing,
        scheduledAt: LATER,
        startedAt: null,
        completedAt: null,
        pause: null,
        error: null,
        stopOnReply: false,
        followUp: null,
        figures: { total: 0, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0, replied: 0, replyRate: null, pending: 0 },
        createdAt: AT,
        updatedAt: AT,
      });
      expect(await store.blasts.get('missing')).toBeUndefined();
    });

    it('lists newest first, filtered by status, session and business unit, with the total', async () => {
      await store.blasts.create(newBlast('b1', { createdAt: '2026-03-01T01:00:00.000Z', sessions: refs('s1') }));
      await store.blasts.create(newBlast('b2', { createdAt: '2026-03-01T02:00:00.000Z', sessions: refs('s1', 's2') }));
      await store.blasts.create(newBlast('b3', { createdAt: '2026-03-01T03:00:00.000Z', sessions: refs('s3'), businessUnit: 'Sales' }));
      await store.blasts.transition('b2', ['importing'], 'scheduled', AT);
      const ids = (page: { items: Blast[] }): string[] => page.items.map((blast) => blast.id);

      const all = await store.blasts.list({ limit: 2, offset: 0 });
      expect(ids(all)).toEqual(['b3', 'b2']);
      expect(all.total).toBe(3);
      expect(all.items[1]?.sessions.map((session) => session.sessionId)).toEqual(['s1', 's2']);
      expect(ids(await store.blasts.list({ limit: 2, offset: 2 }))).toEqual(['b1']);
      expect(await store.blasts.list({ status: 'importing', limit: 10, offset: 0 })).toMatchObject({ total: 2, items: [{ id: 'b3' }, { id: 'b1' }] });
      expect(await store.blasts.list({ sessionId: 's1', limit: 1, offset: 0 })).toMatchObject({ total: 2, items: [{ id: 'b2' }] });
      expect(await store.blasts.list({ businessUnit: 'Marketing', status: 'scheduled', limit: 10, offset: 0 })).toMatchObject({ total: 1, items: [{ id: 'b2' }] });
      expect(await store.blasts.list({ businessUnit: 'Sales', sessionId: 's1', limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
      expect((await store.blasts.waitingForList('list-1')).sort()).toEqual(['b1', 'b3']);
    });

    it('moves only from the given statuses, with the fields that go with the move', async () => {
      await store.blasts.create(newBlast('b1'));
      expect(await store.blasts.transition('b1', ['importing'], 'scheduled', AT)).toBe(true);
      expect(await store.blasts.transition('b1', ['importing'], 'failed', AT)).toBe(false);
      expect(await store.blasts.transition('b1', ['scheduled', 'paused'], 'running', LATER, { startedAt: LATER })).toBe(true);
      expect(await store.blasts.transition('b1', ['running'], 'paused', LATER, { pause: { reason: 'operator', detail: 'lunch' } })).toBe(true);
      expect(await store.blasts.get('b1')).toMatchObject({ status: 'paused', startedAt: LATER, pause: { reason: 'operator', detail: 'lunch' }, updatedAt: LATER });
      expect(await store.blasts.transition('b1', ['paused'], 'running', LATER, { pause: null })).toBe(true);
      expect((await store.blasts.get('b1'))?.pause).toBeNull();
      const error = { code: 'LIST_FAILED', message: 'The list could not be read', details: { row: 3 } };
      expect(await store.blasts.transition('b1', ['running'], 'failed', LATER, { completedAt: LATER, error })).toBe(true);
      expect(await store.blasts.get('b1')).toMatchObject({ status: 'failed', completedAt: LATER, error });
      expect(await store.blasts.transition('missing', ['importing'], 'scheduled', AT)).toBe(false);
    });
  });

  describe.skipIf(skip)('the recipient ledger', () => {
    it('copies the list’s recipients as pending, and starts from scratch when populated again', async () => {
      await listOf('list-1', 5);
      await store.blasts.create(newBlast('b1'));
      expect(await store.blasts.populate('b1', 'list-1', AT)).toBe(5);
      expect(await figures('b1')).toEqual({ total: 5, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0, replied: 0, replyRate: null, pending: 5 });
      const page = await store.blasts.recipients('b1', { limit: 10, offset: 0 });
      expect(page.total).toBe(5);
      expect(page.items[0]).toEqual({
        seq: 1,
        rowNumber: 2,
        phone: phoneOf(1),
        status: 'pending',
        reason: null,
        detail: null,
        sessionId: null,
        messageId: null,
        attempts: 0,
        sentAt: null,
        deliveredAt: null,
        readAt: null,
        repliedAt: null,
        replyText: null,
        vars: { name: 'Person 1' },
      });

      await store.blasts.claim('b1', 'list-1', 's1', 1, 2, AT);
      await store.blasts.recordOutcomes('b1', 1, [sent(1, 'm1')]);
      await store.blasts.applyReceipts([{ messageId: 'm1', sessionUid: 'uid-s1', status: 'read', at: LATER }]);
      expect(await store.blasts.populate('b1', 'list-1', LATER)).toBe(5);
      expect(await figures('b1')).toEqual({ total: 5, sent: 0, failed: 0, skipped: 0, delivered: 0, read: 0, replied: 0, replyRate: null, pending: 5 });
      expect((await store.blasts.recipients('b1', { status: 'pending', limit: 10, offset: 0 })).items.every((row) => row.sessionId === null)).toBe(true);
      expect(await store.blasts.hasPending('b1')).toBe(true);
    });

    // On PostgreSQL the claim's `seq IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)` must run once;
    // planned as a nested-loop semi join it is rescanned per row and takes every pending row.
    it('claims no more recipients than asked', async () => {
      await runningBlast('b1', 50);
      expect(seqs(await store.blasts.claim('b1', 'list-1', 's1', 1, 1, AT))).toEqual([1]);
      expect(await unfinished('b1')).toEqual({ pending: 49, sending: [{ sessionId: 's1', count: 1 }] });
    });

    it('hands out each pending recipient once, in list order, with its template values', async () => {
      await runningBlast('b1', 5);
      const first = await store.blasts.claim('b1', 'list-1', 's1', 1, 2, AT);
      expect(first).toEqual([
        { seq: 1, phone: phoneOf(1), attempts: 0, vars: { name: 'Person 1' }, chatSessionId: null },
        { seq: 2, phone: phoneOf(2), attempts: 0, vars: { name: 'Person 2' }, chatSessionId: null },
      ]);
      expect(seqs(await store.blasts.claim('b1', 'list-1', 's2', 2, 2, AT))).toEqual([3, 4]);
      expect(seqs(await store.blasts.claim('b1', 'list-1', 's1', 1, 10, AT))).toEqual([5]);
      expect(await store.blasts.claim('b1', 'list-1', 's1', 1, 10, AT)).toEqual([]);
      expect(await store.blasts.hasPending('b1')).toBe(false);
    });

    it('never hands the same recipient to two concurrent claims', async () => {
      await runningBlast('b1', 60);
      const claimed: number[] = [];
      for (let round = 0; round < 20 && claimed.length < 60; round++) {
        const batches = await Promise.all(
          [1, 2, 3, 4, 5, 6].map((token) => store.blasts.claim('b1', 'list-1', `s${String((token % 3) + 1)}`, token, 4, AT)),
        );
        for (const batch of batches) claimed.push(...seqs(batch));
      }
      expect(claimed).toHaveLength(60);
      expect(new Set(claimed).size).toBe(60);
      expect(await unfinished('b1')).toMatchObject({ pending: 0 });
    });

    it('writes outcomes only for rows still claimed under the same token, and counts them', async () => {
      await runningBlast('b1', 5);
      await store.blasts.claim('b1', 'list-1', 's1', 7, 4, AT);

      // A stale lease (an earlier token) must not overwrite what the current holder does.
      expect(await store.blasts.recordOutcomes('b1', 6, [sent(1, 'stale')])).toBe(0);
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'pending', messageId: null });
      // A row that was never claimed is not written either.
      expect(await store.blasts.recordOutcomes('b1', 7, [sent(5, 'unclaimed')])).toBe(0);

      const outcomes: Outcome[] = [
        sent(1, 'm1'),
        { seq: 2, status: 'failed', reason: 'SEND_FAILED', detail: 'timed out', messageId: null, attempts: 3, at: LATER },
        { seq: 3, status: 'skipped', reason: 'SUPPRESSED', detail: 'opted out', messageId: null, attempts: 0, at: LATER },
        sent(9, 'no-such-row'),
      ];
      expect(await store.blasts.recordOutcomes('b1', 7, outcomes)).toBe(3);
      expect(await figures('b1')).toEqual({ total: 5, sent: 1, failed: 1, skipped: 1, delivered: 0, read: 0, replied: 0, replyRate: 0, pending: 2 });
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'sent', messageId: 'm1', attempts: 1, sentAt: LATER, sessionId: 's1' });
      expect(await statusOf('b1', 2)).toMatchObject({ status: 'failed', reason: 'SEND_FAILED', detail: 'timed out', attempts: 3, sentAt: null });
      expect(await statusOf('b1', 3)).toMatchObject({ status: 'skipped', reason: 'SUPPRESSED', sentAt: null });

      // Written once: a repeat (a retried job) changes nothing and counts nothing.
      expect(await store.blasts.recordOutcomes('b1', 7, [sent(1, 'm1-again')])).toBe(0);
      expect(await statusOf('b1', 1)).toMatchObject({ messageId: 'm1' });
      expect((await figures('b1'))?.sent).toBe(1);
      expect(await store.blasts.recordOutcomes('b1', 7, [])).toBe(0);
    });

    it('re-leases a session’s own claimed rows to its new token, and leaves other sessions’ rows alone', async () => {
      await runningBlast('b1', 6);
      await store.blasts.claim('b1', 'list-1', 's1', 1, 2, AT);
      await store.blasts.claim('b1', 'list-1', 's2', 2, 2, AT);

      const orphans = await store.blasts.reclaim('b1', 's1', 3, LATER);
      expect(orphans).toEqual([
        { seq: 1, phone: phoneOf(1), attempts: 0, vars: { name: 'Person 1' }, chatSessionId: null },
        { seq: 2, phone: phoneOf(2), attempts: 0, vars: { name: 'Person 2' }, chatSessionId: null },
      ]);
      expect(await store.blasts.reclaim('b1', 's1', 3, LATER)).toEqual([]);
      expect(await store.blasts.reclaim('missing', 's1', 4, LATER)).toEqual([]);

      // The old lease is fenced off; the new one and the other session's are not.
      expect(await store.blasts.recordOutcomes('b1', 1, [sent(1, 'old')])).toBe(0);
      expect(await store.blasts.recordOutcomes('b1', 3, [sent(1, 'm1'), sent(3, 'wrong-session')])).toBe(1);
      expect(await store.blasts.recordOutcomes('b1', 2, [sent(3, 'm3')])).toBe(1);
      expect(await unfinished('b1')).toEqual({ pending: 2, sending: [{ sessionId: 's1', count: 1 }, { sessionId: 's2', count: 1 }] });
    });

    it('puts released rows back for any session', async () => {
      await runningBlast('b1', 5);
      await store.blasts.claim('b1', 'list-1', 's1', 1, 3, AT);
      await store.blasts.release('b1', 2, [1, 2]); // not this token's rows: nothing happens
      await store.blasts.release('b1', 1, []);
      expect(await unfinished('b1')).toEqual({ pending: 2, sending: [{ sessionId: 's1', count: 3 }] });

      await store.blasts.release('b1', 1, [1, 2]);
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'pending', sessionId: null });
      expect(await unfinished('b1')).toEqual({ pending: 4, sending: [{ sessionId: 's1', count: 1 }] });
      expect(seqs(await store.blasts.claim('b1', 'list-1', 's2', 5, 3, AT))).toEqual([1, 2, 4]);
      expect(await store.blasts.recordOutcomes('b1', 1, [sent(1, 'released')])).toBe(0);
    });
  });

  describe.skipIf(skip)('receipts', () => {
    beforeEach(async () => {
      await runningBlast('b1', 4);
      await store.blasts.claim('b1', 'list-1', 's1', 1, 4, AT);
      await store.blasts.recordOutcomes('b1', 1, [
        sent(1, 'm1'),
        sent(2, 'm2'),
        sent(3, 'm3'),
        { seq: 4, status: 'failed', reason: 'REJECTED', detail: null, messageId: 'm4', attempts: 1, at: LATER },
      ]);
    });

    it('counts delivered then read once each', async () => {
      const delivered = await store.blasts.applyReceipts([{ messageId: 'm1', sessionUid: 'uid-s1', status: 'delivered', at: '2026-03-01T10:06:00.000Z' }]);
      expect(delivered).toEqual({ blastIds: new Set(['b1']), unmatched: [] });
      expect(await figures('b1')).toMatchObject({ sent: 3, delivered: 1, read: 0 });
      await store.blasts.applyReceipts([{ messageId: 'm1', sessionUid: 'uid-s1', status: 'read', at: '2026-03-01T10:07:00.000Z' }]);
      expect(await figures('b1')).toMatchObject({ sent: 3, delivered: 1, read: 1, pending: 0 });
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'read', deliveredAt: '2026-03-01T10:06:00.000Z', readAt: '2026-03-01T10:07:00.000Z' });
    });

    it('applies a receipt only from the session that sent the message: not another session, unit, or a later session bearing its id', async () => {
      const forged = [
        { messageId: 'm1', sessionUid: 'uid-s3', status: 'read' as const, at: LATER },
        { messageId: 'm1', sessionUid: 'uid-s2', status: 'delivered' as const, at: LATER },
        { messageId: 'm1', sessionUid: 'uid-of-a-recreated-s1', status: 'read' as const, at: LATER },
      ];
      expect(await store.blasts.applyReceipts(forged)).toEqual({ blastIds: new Set(), unmatched: forged });
      expect(await figures('b1')).toMatchObject({ sent: 3, delivered: 0, read: 0 });
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'sent', deliveredAt: null, readAt: null });
    });

    it('counts a read without a delivered receipt as both', async () => {
      await store.blasts.applyReceipts([{ messageId: 'm2', sessionUid: 'uid-s1', status: 'read', at: '2026-03-01T10:07:00.000Z' }]);
      expect(await figures('b1')).toMatchObject({ delivered: 1, read: 1 });
      expect(await statusOf('b1', 2)).toMatchObject({ status: 'read', deliveredAt: '2026-03-01T10:07:00.000Z', readAt: '2026-03-01T10:07:00.000Z' });
    });

    it('returns receipts for unknown messages as unmatched', async () => {
      const receipt = { messageId: 'not-yet-recorded', sessionUid: 'uid-s1', status: 'delivered' as const, at: LATER };
      const result = await store.blasts.applyReceipts([receipt, { messageId: 'm3', sessionUid: 'uid-s1', status: 'delivered', at: LATER }]);
      expect(result).toEqual({ blastIds: new Set(['b1']), unmatched: [receipt] });
      expect(await store.blasts.applyReceipts([])).toEqual({ blastIds: new Set(), unmatched: [] });
    });

    it('does not count a duplicate, a late delivered after read, or a receipt for a failed row', async () => {
      await store.blasts.applyReceipts([
        { messageId: 'm1', sessionUid: 'uid-s1', status: 'delivered', at: LATER },
        { messageId: 'm1', sessionUid: 'uid-s1', status: 'delivered', at: LATER },
        { messageId: 'm2', sessionUid: 'uid-s1', status: 'read', at: LATER },
        { messageId: 'm2', sessionUid: 'uid-s1', status: 'read', at: LATER },
      ]);
      const again = await store.blasts.applyReceipts([
        { messageId: 'm1', sessionUid: 'uid-s1', status: 'delivered', at: LATER },
        { messageId: 'm2', sessionUid: 'uid-s1', status: 'delivered', at: LATER },
        { messageId: 'm2', sessionUid: 'uid-s1', status: 'read', at: LATER },
        { messageId: 'm4', sessionUid: 'uid-s1', status: 'read', at: LATER },
      ]);
      expect(again).toEqual({ blastIds: new Set(), unmatched: [] });
      expect(await figures('b1')).toEqual({ total: 4, sent: 3, failed: 1, skipped: 0, delivered: 2, read: 1, replied: 0, replyRate: 0, pending: 0 });
      expect(await statusOf('b1', 2)).toMatchObject({ status: 'read' });
      expect(await statusOf('b1', 4)).toMatchObject({ status: 'failed', deliveredAt: null, readAt: null });
    });
  });

  describe.skipIf(skip)('error acks (issue 15, item 1)', () => {
    beforeEach(async () => {
      await runningBlast('b1', 3, { sessions: refs('s1', 's2') });
      await store.blasts.claim('b1', 'list-1', 's1', 1, 3, AT);
      await store.blasts.recordOutcomes('b1', 1, [sent(1, 'm1'), sent(2, 'm2'), sent(3, 'm3')]);
      await store.blasts.applyReceipts([{ messageId: 'm2', sessionUid: 'uid-s1', status: 'read', at: LATER }]);
    });

    it('fails a sent (or even acknowledged) row with WhatsApp\'s code, moving it from sent to failed in the figures and the timeline', async () => {
      const result = await store.blasts.applyAckFailures([
        { messageId: 'm1', sessionUid: 'uid-s1', code: '463', detail: 'WhatsApp refused the message (error 463)' },
        { messageId: 'm2', sessionUid: 'uid-s1', code: '479', detail: 'WhatsApp refused the message (error 479)' },
      ]);
      expect(result).toEqual({ blastIds: new Set(['b1']), unmatched: [] });
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'failed', reason: 'WHATSAPP_REJECTED', detail: 'WhatsApp refused the message (error 463)', sentAt: null });
      expect(await statusOf('b1', 2)).toMatchObject({ status: 'failed', reason: 'WHATSAPP_REJECTED', deliveredAt: null, readAt: null });
      expect(await figures('b1')).toEqual({ total: 3, sent: 1, failed: 2, skipped: 0, delivered: 0, read: 0, replied: 0, replyRate: 0, pending: 0 });
      const buckets = await store.blasts.timeline('b1', { fromSeconds: Date.parse(AT) / 1000 - 3_600, bucketSeconds: 86_400 });
      expect(buckets.reduce((sum, bucket) => sum + bucket.sent, 0)).toBe(1);
      expect(buckets.reduce((sum, bucket) => sum + bucket.failed, 0)).toBe(2);
      // Heard twice: counted once.
      expect(await store.blasts.applyAckFailures([{ messageId: 'm1', sessionUid: 'uid-s1', code: '463', detail: 'again' }])).toEqual({ blastIds: new Set(), unmatched: [] });
      expect(await figures('b1')).toMatchObject({ sent: 1, failed: 2 });
    });

    it('changes only a row the session with that uid sent; one not yet recorded comes back unmatched', async () => {
      const forged = [
        { messageId: 'm3', sessionUid: 'uid-s2', code: '463', detail: 'x' },
        { messageId: 'm3', sessionUid: 'uid-of-a-recreated-s1', code: '463', detail: 'x' },
        { messageId: 'not-yet-recorded', sessionUid: 'uid-s1', code: '479', detail: 'x' },
      ];
      expect(await store.blasts.applyAckFailures(forged)).toEqual({ blastIds: new Set(), unmatched: forged });
      expect(await statusOf('b1', 3)).toMatchObject({ status: 'sent' });
      expect(await figures('b1')).toMatchObject({ sent: 3, failed: 0 });
    });

    it('a receipt and an error ack for the same row applied at once: one applies, the other is read again, and the figures match the row (review #9)', async () => {
      const receipt = { messageId: 'm1', sessionUid: 'uid-s1', status: 'delivered' as const, at: LATER };
      const failure = { messageId: 'm1', sessionUid: 'uid-s1', code: '463', detail: 'WhatsApp refused the message (error 463)' };
      // On PostgreSQL the row is held by another transaction, so both read it as sent before either writes.
      const holder = database.target.kind === 'postgres' ? new pg.Client({ connectionString: database.url }) : undefined;
      if (holder) {
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query(`UPDATE blast_recipients SET detail = detail WHERE blast_id = 'b1' AND seq = 1`);
      }
      const both = Promise.all([store.blasts.applyReceipts([receipt]), store.blasts.applyAckFailures([failure])]);
      if (holder) {
        const waiting = async (): Promise<number> => {
          await holder.query('SELECT pg_stat_clear_snapshot()'); // else read once per transaction
          return Number((await holder.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows[0]?.n);
        };
        while ((await waiting()) < 2) await new Promise((resolve) => setImmediate(resolve));
        await holder.query('COMMIT');
        await holder.end();
      }
      const [receipts, failures] = await both;
      // What was not applied is heard again (as the engine retries it), and reads the row as it is now.
      await store.blasts.applyReceipts(receipts.unmatched);
      await store.blasts.applyAckFailures(failures.unmatched);
      expect(await statusOf('b1', 1)).toMatchObject({ status: 'failed', reason: 'WHATSAPP_REJECTED', deliveredAt: null });
      expect(await figures('b1')).toEqual({ total: 3, sent: 2, failed: 1, skipped: 0, delivered: 1, read: 1, replied: 0, replyRate: 0, pending: 0 });
    });
  });

  describe.skipIf(skip)('ending rows nobody will send', () => {
    it('skips the pending rows of a cancelled blast and fails the claimed rows of a lost session', async () => {
      await runningBlast('b1', 6);
      await store.blasts.claim('b1', 'list-1', 's1', 1, 2, AT);
      await store.blasts.claim('b1', 'list-1', 's2', 2, 1, AT);
      expect(await unfinished('b1')).toEqual({ pending: 3, sending: [{ sessionId: 's1', count: 2 }, { sessionId: 's2', count: 1 }] });

      expect(await store.blasts.closeRows('b1', { status: 'pending' }, { status: 'skipped', reason: 'CANCELLED', detail: 'cancelled by operator' }, LATER)).toBe(3);
      expect(await figures('b1')).toEqual({ total: 6, sent: 0, failed: 0, skipped: 3, delivered: 0, read: 0, replied: 0, replyRate: null, pending: 3 });
      expect(await statusOf('b1', 6)).toMatchObject({ status: 'skipped', reason: 'CANCELLED', detail: 'cancelled by operator' });
      expect((await store.blasts.get('b1'))?.updatedAt).toBe(LATER);

      const lost = { status: 'failed' as const, reason: 'SESSION_LOST' as const, detail: 's1 was logged out' };
      expect(await store.blasts.closeRows('b1', { status: 'sending', sessionIds: ['s1'] }, lost, LATER)).toBe(2);
      expect(await unfinished('b1')).toEqual({ pending: 0, sending: [{ sessionId: 's2', count: 1 }] });
      expect(await figures('b1')).toMatchObject({ failed: 2, skipped: 3, pending: 1 });
      // The lost session's lease can no longer write over them.
      expect(await store.blasts.recordOutcomes('b1', 1, [sent(1, 'late')])).toBe(0);
      expect(await store.blasts.closeRows('b1', { status: 'pending' }, { status: 'skipped', reason: 'CANCELLED', detail: '' }, LATER)).toBe(0);
    });
  });

  describe.skipIf(skip)('sessions of a blast', () => {
    it('sends only running blasts from sessions that are not paused on them, oldest first', async () => {
      await runningBlast('b1', 2, { sessions: refs('s1', 's2'), createdAt: '2026-03-01T01:00:00.000Z' });
      await runningBlast('b2', 2, { sessions: refs('s1'), createdAt: '2026-03-01T02:00:00.000Z' });
      await store.blasts.create(newBlast('b3', { sessions: refs('s1') }));
      await store.blasts.transition('b3', ['importing'], 'scheduled', AT);
      await runningBlast('b4', 2, { sessions: refs('s1') });
      await store.blasts.transition('b4', ['running'], 'paused', AT);

      expect(await store.blasts.activeForSession(ref('s1'))).toEqual([{ id: 'b1', listId: 'list-1' }, { id: 'b2', listId: 'list-1' }]);
      expect((await store.blasts.liveBlastsOf(ref('s1'))).sort()).toEqual(['b1', 'b2', 'b4']);

      await store.blasts.pauseSession('b1', 's1', 'restricted:rate_limited');
      expect(await store.blasts.activeForSession(ref('s1'))).toEqual([{ id: 'b2', listId: 'list-1' }]);
      expect(await store.blasts.activeForSession(ref('s2'))).toEqual([{ id: 'b1', listId: 'list-1' }]);
      expect((await store.blasts.get('b1'))?.sessions).toEqual([
        { sessionId: 's1', sessionUid: 'uid-s1', pausedReason: 'restricted:rate_limited' },
        { sessionId: 's2', sessionUid: 'uid-s2', pausedReason: null },
      ]);
      // A paused session still belongs to the blast.
      expect((await store.blasts.liveBlastsOf(ref('s1'))).sort()).toEqual(['b1', 'b2', 'b4']);

      await store.blasts.resumeSessions('b1');
      expect((await store.blasts.activeForSession(ref('s1'))).map((blast) => blast.id)).toEqual(['b1', 'b2']);
      expect((await store.blasts.get('b1'))?.sessions.every((session) => session.pausedReason === null)).toBe(true);
      expect(await store.blasts.activeForSession(ref('s3'))).toEqual([]);
      expect(await store.blasts.liveBlastsOf(ref('s3'))).toEqual([]);
    });
  });

  describe.skipIf(skip)('the very sessions a blast was made with', () => {
    it('never hands a blast to a session re-created under the id of one it was made with, nor to one moved to another unit', async () => {
      await runningBlast('b1', 2, { sessions: refs('s1', 's2') });
      await store.blasts.create(newBlast('b2', { sessions: refs('s1'), createdAt: LATER }));
      await store.blasts.transition('b2', ['importing'], 'scheduled', AT);
      await store.blasts.create(newBlast('b3', { sessions: refs('s1') }));
      await store.blasts.transition('b3', ['importing'], 'cancelled', AT);
      expect(await store.blasts.unfinishedForSession(ref('s1'))).toEqual(['b1', 'b2']);
      expect(await store.blasts.sendingSessions('b1')).toEqual(['s1', 's2']);
      expect(await store.blasts.orphaned()).toEqual([]);

      // s1 is deleted, and Sales creates a session with its id.
      expect(await store.sessions.delete(ref('s1'))).toBe(true);
      const again = { id: 's1', uid: 'uid-s1-again' };
      await store.sessions.insert({ ...again, friendlyName: 'Sales s1', businessUnit: 'Sales', provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: LATER, updatedAt: LATER });
      expect(await store.blasts.unfinishedForSession(again)).toEqual([]);
      expect(await store.blasts.activeForSession(again)).toEqual([]);
      expect(await store.blasts.liveBlastsOf(again)).toEqual([]);
      expect(await store.blasts.activeForSession(ref('s1'))).toEqual([]);
      // b1 goes on with s2 alone; b2 has no session left.
      expect(await store.blasts.sendingSessions('b1')).toEqual(['s2']);
      expect(await store.blasts.sendingSessions('b2')).toEqual([]);
      expect(await store.blasts.orphaned()).toEqual(['b2']);
      expect(await store.blasts.activeForSession(ref('s2'))).toEqual([{ id: 'b1', listId: 'list-1' }]);

      // s2 is moved to another unit: it sends Marketing's blast no more.
      expect(await store.sessions.update(ref('s2'), { businessUnit: 'Sales' }, LATER)).toBeDefined();
      expect(await store.blasts.activeForSession(ref('s2'))).toEqual([]);
      expect(await store.blasts.sendingSessions('b1')).toEqual([]);
      expect(await store.blasts.orphaned()).toEqual(['b1', 'b2']);
    });

    it('counts as orphaned a blast left bound to no session (as migration 0008 leaves one whose session was re-created)', async () => {
      await runningBlast('b1', 2, { sessions: refs('s1') });
      await runningBlast('b2', 2, { sessions: refs('s2') });
      await handle.db.updateTable('blast_sessions').set({ session_uid: null }).where('blast_id', '=', 'b1').execute();
      expect(await store.blasts.orphaned()).toEqual(['b1']);
    });
  });

  describe.skipIf(skip)('the timeline', () => {
    const at = (time: string): string => `2026-03-01T${time}Z`;
    const seconds = (iso: string): number => Date.parse(iso) / 1_000;

    beforeEach(async () => {
      await runningBlast('b1', 8, { sessions: refs('s1', 's2') });
      await store.blasts.claim('b1', 'list-1', 's1', 1, 5, at('10:00:10.500'));
      await store.blasts.recordOutcomes('b1', 1, [
        { ...sent(1, 'm1'), at: at('10:00:20.000') },
        { ...sent(2, 'm2'), at: at('10:00:59.999') },
        { ...sent(3, 'm3'), at: at('10:01:00.000') },
        { seq: 4, status: 'failed', reason: 'REJECTED', detail: null, messageId: null, attempts: 3, at: at('10:04:00.000') },
        { seq: 5, status: 'skipped', reason: 'SUPPRESSED', detail: null, messageId: null, attempts: 0, at: at('10:04:00.000') },
      ]);
      await store.blasts.claim('b1', 'list-1', 's2', 2, 2, at('10:01:05.000'));
      await store.blasts.recordOutcomes('b1', 2, [
        { ...sent(6, 'm6'), at: at('10:02:30.000') },
        { seq: 7, status: 'failed', reason: 'REJECTED', detail: null, messageId: null, attempts: 1, at: at('10:01:06.000') },
      ]);
      await store.blasts.applyReceipts([
        { messageId: 'm1', sessionUid: 'uid-s1', status: 'delivered', at: at('10:00:40.000') },
        { messageId: 'm1', sessionUid: 'uid-s1', status: 'read', at: at('10:01:30.000') },
        { messageId: 'm2', sessionUid: 'uid-s1', status: 'read', at: at('10:02:59.000') },
        { messageId: 'm6', sessionUid: 'uid-s2', status: 'delivered', at: at('10:03:00.000') },
      ]);
      // Another blast's sends are not this one's.
      await runningBlast('b2', 8);
      await store.blasts.claim('b2', 'list-1', 's1', 3, 1, at('10:00:01.000'));
      await store.blasts.recordOutcomes('b2', 3, [{ ...sent(1, 'other'), at: at('10:00:02.000') }]);
    });

    it('counts sends, failures (at their claim), deliveries and reads per bucket, in one query', async () => {
      expect(await store.blasts.timeline('b1', { fromSeconds: seconds(at('10:00:00.000')), bucketSeconds: 60 })).toEqual([
        { index: 0, sent: 2, failed: 1, delivered: 1, read: 0, replied: 0 },
        { index: 1, sent: 1, failed: 1, delivered: 0, read: 1, replied: 0 },
        { index: 2, sent: 1, failed: 0, delivered: 1, read: 1, replied: 0 },
        { index: 3, sent: 0, failed: 0, delivered: 1, read: 0, replied: 0 },
      ]);
      // Whole seconds: 10:00:59.999 is in the bucket starting 10:00:30, 10:01:00 in the next.
      expect(await store.blasts.timeline('b1', { fromSeconds: seconds(at('10:00:00.000')), bucketSeconds: 30 })).toEqual([
        { index: 0, sent: 1, failed: 1, delivered: 0, read: 0, replied: 0 },
        { index: 1, sent: 1, failed: 0, delivered: 1, read: 0, replied: 0 },
        { index: 2, sent: 1, failed: 1, delivered: 0, read: 0, replied: 0 },
        { index: 3, sent: 0, failed: 0, delivered: 0, read: 1, replied: 0 },
        { index: 5, sent: 1, failed: 0, delivered: 1, read: 1, replied: 0 },
        { index: 6, sent: 0, failed: 0, delivered: 1, read: 0, replied: 0 },
      ]);
      expect(await store.blasts.timeline('b1', { fromSeconds: seconds(at('10:00:00.000')), bucketSeconds: 3_600 })).toEqual([
        { index: 0, sent: 4, failed: 2, delivered: 3, read: 2, replied: 0 },
      ]);
      expect(await store.blasts.timeline('missing', { fromSeconds: 0, bucketSeconds: 60 })).toEqual([]);
    });

    it('finds the latest send, failure or receipt', async () => {
      expect(await store.blasts.lastActivity('b1')).toBe(at('10:03:00.000'));
      expect(await store.blasts.lastActivity('b2')).toBe(at('10:00:02.000'));
      expect(await store.blasts.lastActivity('missing')).toBeNull();
    });
  });

  describe.skipIf(skip)('reading the ledger', () => {
    beforeEach(async () => {
      await runningBlast('b1', 7);
      await store.blasts.claim('b1', 'list-1', 's1', 1, 4, AT);
      await store.blasts.recordOutcomes('b1', 1, [
        sent(3, 'm3'),
        { seq: 4, status: 'failed', reason: 'NOT_ON_WHATSAPP', detail: null, messageId: null, attempts: 1, at: LATER },
      ]);
    });

    it('pages recipients by status, claimed ones shown as pending', async () => {
      const pending = await store.blasts.recipients('b1', { status: 'pending', limit: 3, offset: 0 });
      expect(pending.total).toBe(5);
      expect(pending.items.map((row) => [row.seq, row.status, row.sessionId])).toEqual([
        [1, 'pending', 's1'],
        [2, 'pending', 's1'],
        [5, 'pending', null],
      ]);
      expect(seqs((await store.blasts.recipients('b1', { status: 'pending', limit: 3, offset: 3 })).items)).toEqual([6, 7]);
      expect(await store.blasts.recipients('b1', { status: 'sent', limit: 10, offset: 0 })).toMatchObject({ total: 1, items: [{ seq: 3, rowNumber: 4, messageId: 'm3' }] });
      expect(await store.blasts.recipients('b1', { status: 'failed', limit: 10, offset: 0 })).toMatchObject({ total: 1, items: [{ seq: 4, reason: 'NOT_ON_WHATSAPP' }] });
      expect(await store.blasts.recipients('b1', { status: 'read', limit: 10, offset: 0 })).toEqual({ items: [], total: 0 });
      const all = await store.blasts.recipients('b1', { limit: 2, offset: 6 });
      expect(all).toMatchObject({ total: 7, items: [{ seq: 7, rowNumber: 8, phone: phoneOf(7) }] });
    });

    it('iterates every recipient in list order across pages', async () => {
      for (const pageSize of [3, 7, 1_000]) {
        const rows: RecipientRow[] = [];
        for await (const row of store.blasts.allRecipients('b1', pageSize)) rows.push(row);
        expect(seqs(rows), `page size ${String(pageSize)}`).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(rows.map((row) => row.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8]);
        expect(rows.map((row) => row.status)).toEqual(['pending', 'pending', 'sent', 'failed', 'pending', 'pending', 'pending']);
        expect(rows.map((row) => row.vars.name)).toEqual([1, 2, 3, 4, 5, 6, 7].map((seq) => `Person ${String(seq)}`));
      }
      const none: RecipientRow[] = [];
      for await (const row of store.blasts.allRecipients('missing', 3)) none.push(row);
      expect(none).toEqual([]);
    });

    it("iterates the list's rejects in row order across pages, with the cells each kept", async () => {
      await store.lists.insertRejects('list-1', [
        { rowNumber: 12, rawValue: '0812', reason: 'INVALID_PHONE', duplicateOfRow: null, values: ['Short'] },
        { rowNumber: 9, rawValue: '', reason: 'MISSING_PHONE', duplicateOfRow: null, values: ['Nobody'] },
        { rowNumber: 10, rawValue: phoneOf(1), reason: 'DUPLICATE', duplicateOfRow: 2, values: ['Again'] },
      ]);
      for (const pageSize of [1, 2, 1_000]) {
        const rejects: [number, string, string | undefined][] = [];
        for await (const reject of store.lists.allRejects('list-1', pageSize)) rejects.push([reject.rowNumber, reject.reason, reject.vars.name]);
        expect(rejects, `page size ${String(pageSize)}`).toEqual([
          [9, 'MISSING_PHONE', 'Nobody'],
          [10, 'DUPLICATE', 'Again'],
          [12, 'INVALID_PHONE', 'Short'],
        ]);
      }
      const none: unknown[] = [];
      for await (const reject of store.lists.allRejects('missing', 3)) none.push(reject);
      expect(none).toEqual([]);
    });
  });
  describe.skipIf(skip)('account health (issue 17)', () => {
    const reply = (sessionId: string, phone: string, messageId: string, receivedAt: string) => ({
      sessionUid: ref(sessionId).uid,
      sessionId,
      businessUnit: 'Marketing',
      phone,
      messageId,
      kind: 'text' as const,
      text: 'hello',
      optOut: false,
      receivedAt,
    });

    it('marks each person who wrote to one of the blast\'s sessions with the last one; claims prefer them, or take only them', async () => {
      // seq 2 wrote to s1, seq 3 to s2 then s1 (s1 last), seq 4 to s1 while it was in another unit (not this blast's chat).
      await store.replies.record(reply('s1', phoneOf(2), 'R1', AT), 72, AT);
      await store.replies.record(reply('s2', phoneOf(3), 'R2', AT), 72, AT);
      await store.replies.record(reply('s1', phoneOf(3), 'R3', LATER), 72, LATER);
      await store.replies.record({ ...reply('s1', phoneOf(4), 'R4', AT), businessUnit: 'Sales' }, 72, AT);
      await store.replies.record(reply('s2', phoneOf(5), 'R5', AT), 72, AT);
      await runningBlast('b-health', 6, { sessions: refs('s1', 's2') });
      expect(await store.blasts.markChats('b-health', 'Marketing', refs('s1', 's2'))).toBe(3);

      // s2 held to existing chats: the one person whose last chat is with it.
      const onlyChats = await store.blasts.claim('b-health', 'list-1', 's2', 1, 10, AT, 'chats');
      expect(onlyChats.map((row) => [row.seq, row.chatSessionId])).toEqual([[5, 's2']]);
      expect(await store.blasts.hasPending('b-health', 's2')).toBe(false);
      expect(await store.blasts.hasPending('b-health', 's1')).toBe(true);
      // s2 again, preferring: everyone but s1's people.
      const preferred = await store.blasts.claim('b-health', 'list-1', 's2', 1, 10, AT, 'prefer');
      expect(seqs(preferred)).toEqual([1, 4, 6]);
      expect(preferred.every((row) => row.chatSessionId === null)).toBe(true);
      // Only s1's people are left: s2 takes them too rather than leave them waiting.
      const fallback = await store.blasts.claim('b-health', 'list-1', 's2', 1, 10, AT, 'prefer');
      expect(fallback.map((row) => [row.seq, row.chatSessionId])).toEqual([
        [2, 's1'],
        [3, 's1'],
      ]);
      // Another unit's replies are not this blast's chats.
      expect(preferred.find((row) => row.seq === 4)?.chatSessionId).toBeNull();
    });

    it('sums hourly counts over a window, keeps the last assessment and the operator\'s acknowledgement, and forgets what is old', async () => {
      const uid = ref('s1').uid;
      await store.health.addCounts([
        { sessionUid: uid, hour: 100, kind: 'sent', count: 10 },
        { sessionUid: uid, hour: 100, kind: 'sent', count: 5 },
        { sessionUid: uid, hour: 105, kind: 'sent', count: 7 },
        { sessionUid: uid, hour: 105, kind: 'opted_out', count: 1 },
        { sessionUid: ref('s2').uid, hour: 105, kind: 'sent', count: 99 },
      ]);
      await store.health.addCounts([{ sessionUid: uid, hour: 105, kind: 'sent', count: 3 }]);
      const window = await store.health.counts(uid, 100, 103);
      expect(window.counts).toMatchObject({ sent: 25, opted_out: 1, failed: 0 });
      expect(window.sentBeforeGrace).toBe(15);
      expect((await store.health.counts(uid, 101, 103)).counts.sent).toBe(10);

      const assessed = { sessionUid: uid, sessionId: 's1', score: 30, band: 'stop' as const, reasons: [{ code: 'OPT_OUT_RATE', points: 40, figure: 0.06, detail: 'x' }], bandSince: AT, assessedAt: AT, unhealthyDays: 2, lastUnhealthyDay: '2026-03-01' };
      await store.health.put(assessed);
      expect(await store.health.get(uid)).toMatchObject({ acknowledgedScore: null, announcedBand: null });
      expect(await store.health.acknowledge(uid, 30, LATER)).toBe(true);
      // A later assessment never writes over the operator's word, nor over the announced band.
      await store.health.announced(uid, 'stop');
      await store.health.put({ ...assessed, score: 32, assessedAt: LATER });
      expect(await store.health.get(uid)).toMatchObject({ score: 32, band: 'stop', acknowledgedScore: 30, acknowledgedAt: LATER, announcedBand: 'stop', unhealthyDays: 2, reasons: [{ code: 'OPT_OUT_RATE' }] });
      // Clearing an acknowledgement read earlier leaves a newer one alone.
      await store.health.clearAcknowledgement(uid, AT);
      expect((await store.health.get(uid))?.acknowledgedScore).toBe(30);
      await store.health.clearAcknowledgement(uid, LATER);
      expect(await store.health.get(uid)).toMatchObject({ acknowledgedScore: null, acknowledgedAt: null });
      expect([...(await store.health.getMany([uid, 'uid-none'])).keys()]).toEqual([uid]);
      expect(await store.health.acknowledge('uid-none', 10, LATER)).toBe(false);
      // A new link starts its warm-up again.
      await store.health.restartWarmup(uid);
      expect(await store.health.get(uid)).toMatchObject({ unhealthyDays: 0, lastUnhealthyDay: null });

      // Old hours go; so does the health of a session that is gone.
      await store.health.put({ ...assessed, sessionUid: 'uid-deleted', sessionId: 'gone' });
      expect(await store.health.prune(104)).toBe(1);
      expect((await store.health.counts(uid, 0, 0)).counts.sent).toBe(10);
      expect(await store.health.get('uid-deleted')).toBeNull();
      expect(await store.health.get(uid)).not.toBeNull();
    });
  });
});
