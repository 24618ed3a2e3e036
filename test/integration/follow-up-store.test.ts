import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { FOLLOW_UP_SEGMENTS, type FollowUpSegment } from '../../src/core/blast.js';
import { SEGMENT_RULES, segmentSizes } from '../../src/core/follow-up.js';
import { defaultPacing } from '../../src/core/pacing.js';
import { createLogger } from '../../src/logging/logger.js';
import type { NewBlast } from '../../src/store/blast.repository.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore, type Store } from '../../src/store/store.js';
import { databaseKinds, type TestDatabase } from '../support/databases.js';

const log = createLogger('silent');
const AT = '2026-03-01T10:00:00.000Z';
const LATER = '2026-03-01T11:00:00.000Z';
const phoneOf = (seq: number): string => `+62812${String(10_000_000 + seq)}`;

/**
 * The parent's ledger, one row per seq: its status and whether a reply is attributed to it.
 * seq:      1     2          3     4     5        6       7       8          9
 */
const LEDGER: [string, boolean][] = [
  ['sent', false],
  ['delivered', false],
  ['read', false],
  ['read', true],
  ['sent', true],
  ['failed', false],
  ['skipped', false],
  ['delivered', true],
  ['failed', true],
];
const EXPECTED: Record<FollowUpSegment, number[]> = {
  not_delivered: [1, 5],
  not_read: [1, 2, 5, 8],
  not_replied: [1, 2, 3],
  replied: [4, 5, 8, 9],
  failed: [6, 9],
  delivered: [2, 3, 4, 8],
};

function blast(id: string, overrides: Partial<NewBlast> = {}): NewBlast {
  return {
    id,
    name: `Blast ${id}`,
    businessUnit: 'Marketing',
    status: 'importing',
    listId: 'list-1',
    message: 'Hello {name}',
    media: null,
    sessions: [{ id: 's1', uid: 'uid-s1' }],
    checkNumbers: false,
    typing: false,
    pacing: null,
    scheduledAt: null,
    createdAt: AT,
    ...overrides,
  };
}

// Segments are read from the ledger on both databases alike; so is stopOnReply's look-up of replies.
describe.each(databaseKinds(inject('postgresUrl')))('follow-up store on $kind', ({ skip, create }) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let store: Store;

  beforeEach(async () => {
    if (skip) return;
    database = await create();
    handle = createDatabase(database.target);
    await migrateToLatest(handle, log);
    store = createStore(handle);
    await store.sessions.insert({ id: 's1', uid: 'uid-s1', friendlyName: 'A', businessUnit: 'Marketing', provider: 'sandbox', pacing: defaultPacing('sandbox'), sandbox: null, createdAt: AT, updatedAt: AT });
    await store.lists.create({ id: 'list-1', name: 'List', purpose: 'recipients', businessUnit: 'Marketing', fileName: 'p.csv', fileSize: 1, blobSha256: 'a'.repeat(64), phoneColumn: 'Phone', defaultCountry: 'ID', createdAt: AT });
    await store.lists.insertRecipients('list-1', LEDGER.map((_, i) => ({ seq: i + 1, rowNumber: i + 2, phone: phoneOf(i + 1), values: [`Person ${i + 1}`] })));
    await store.lists.complete('list-1', { counts: { rows: LEDGER.length, valid: LEDGER.length, duplicates: 0, invalid: 0, blank: 0 }, columns: [{ header: 'Name', key: 'name' }] }, AT);
    // The parent: populated, then its rows given the outcomes above, and completed.
    await store.blasts.create(blast('parent'));
    await store.blasts.populate('parent', 'list-1', AT);
    for (const [index, [status, replied]] of LEDGER.entries()) {
      await handle.db
        .updateTable('blast_recipients')
        .set({ status, replied_at: replied ? LATER : null, sent_at: status === 'failed' || status === 'skipped' ? null : AT })
        .where('blast_id', '=', 'parent')
        .where('seq', '=', index + 1)
        .execute();
    }
    expect(await store.blasts.transition('parent', ['importing'], 'completed', LATER, { completedAt: LATER })).toBe(true);
  });
  afterEach(async () => {
    if (skip) return;
    await handle.close();
    await database.drop();
  });

  /** A follow-up of the parent, waiting to start (scheduled, empty ledger). */
  async function followUp(id: string, segment: FollowUpSegment): Promise<void> {
    await store.blasts.create(blast(id, { followUp: { of: 'parent', segment, after: 'PT1H' }, stopOnReply: true }));
    expect(await store.blasts.transition(id, ['importing'], 'scheduled', AT)).toBe(true);
  }
  const seqsOf = async (id: string): Promise<number[]> => (await store.blasts.recipients(id, { limit: 100, offset: 0 })).items.map((row) => row.seq);

  describe.skipIf(skip)('segments', () => {
    it('stores what makes a blast a follow-up, and stopOnReply', async () => {
      await followUp('f1', 'not_replied');
      expect(await store.blasts.get('f1')).toMatchObject({ followUp: { of: 'parent', segment: 'not_replied', after: 'PT1H' }, stopOnReply: true });
      expect(await store.blasts.get('parent')).toMatchObject({ followUp: null, stopOnReply: false });
    });

    it('fills a follow-up with exactly the rows of each segment, same seqs and phones, with the list columns as variables', async () => {
      for (const segment of FOLLOW_UP_SEGMENTS) {
        await followUp(`f-${segment}`, segment);
        const total = await store.followUps.populateSegment(`f-${segment}`, 'parent', SEGMENT_RULES[segment], LATER);
        expect({ segment, total, seqs: await seqsOf(`f-${segment}`) }).toEqual({ segment, total: EXPECTED[segment].length, seqs: EXPECTED[segment] });
        expect((await store.blasts.get(`f-${segment}`))?.figures).toMatchObject({ total: EXPECTED[segment].length, pending: EXPECTED[segment].length, sent: 0 });
      }
      // Claimed like any blast's rows: the parent's list columns come with them.
      expect(await store.blasts.transition('f-not_replied', ['scheduled'], 'running', LATER, { startedAt: LATER })).toBe(true);
      const claimed = await store.blasts.claim('f-not_replied', 'list-1', 's1', 1, 10, LATER);
      expect(claimed.map((row) => [row.seq, row.phone, row.vars.name])).toEqual([
        [1, phoneOf(1), 'Person 1'],
        [2, phoneOf(2), 'Person 2'],
        [3, phoneOf(3), 'Person 3'],
      ]);
    });

    it('takes the segment as it stands when filled: a second fill sees a reply that came in between', async () => {
      await followUp('f1', 'not_replied');
      expect(await store.followUps.populateSegment('f1', 'parent', SEGMENT_RULES.not_replied, LATER)).toBe(3);
      await handle.db.updateTable('blast_recipients').set({ replied_at: LATER }).where('blast_id', '=', 'parent').where('seq', '=', 2).execute();
      expect(await store.followUps.populateSegment('f1', 'parent', SEGMENT_RULES.not_replied, LATER)).toBe(2);
      expect(await seqsOf('f1')).toEqual([1, 3]);
    });

    it('a follow-up waiting for its start cannot be paused (in the same UPDATE); once started it can', async () => {
      await followUp('f1', 'not_read');
      const pause = { pause: { reason: 'PAUSED_BY_USER', detail: null }, unlessWaitingFollowUp: true } as const;
      expect(await store.blasts.transition('f1', ['scheduled', 'running'], 'paused', LATER, pause)).toBe(false);
      expect(await store.blasts.transition('f1', ['scheduled'], 'running', LATER, { startedAt: LATER })).toBe(true);
      expect(await store.blasts.transition('f1', ['scheduled', 'running'], 'paused', LATER, pause)).toBe(true);
    });

    it('leaves the ledger of a follow-up that has started (or ended) alone', async () => {
      await followUp('f1', 'not_read');
      expect(await store.followUps.populateSegment('f1', 'parent', SEGMENT_RULES.not_read, LATER)).toBe(4);
      expect(await store.blasts.transition('f1', ['scheduled'], 'running', LATER, { startedAt: LATER })).toBe(true);
      expect(await store.followUps.populateSegment('f1', 'parent', SEGMENT_RULES.failed, LATER)).toBeUndefined();
      expect(await seqsOf('f1')).toEqual(EXPECTED.not_read);
    });

    it('counts every segment in one grouped query, as the fills find them', async () => {
      const sizes = segmentSizes(await store.followUps.segmentCounts('parent'));
      expect(sizes).toEqual(Object.fromEntries(FOLLOW_UP_SEGMENTS.map((segment) => [segment, EXPECTED[segment].length])));
      expect(segmentSizes(await store.followUps.segmentCounts('no-such-blast'))).toEqual({ not_delivered: 0, not_read: 0, not_replied: 0, replied: 0, failed: 0, delivered: 0 });
    });

    it('finds the follow-ups waiting on a parent, and those whose parent ended or went', async () => {
      await followUp('f1', 'failed');
      await followUp('f2', 'replied');
      await store.blasts.create(blast('running-parent'));
      await store.blasts.create(blast('f3', { followUp: { of: 'running-parent', segment: 'failed', after: null } }));
      await store.blasts.transition('f3', ['importing'], 'scheduled', AT);
      await store.blasts.create(blast('f4', { followUp: { of: 'deleted-parent', segment: 'failed', after: null } }));
      await store.blasts.transition('f4', ['importing'], 'scheduled', AT);
      expect(await store.followUps.waitingOn('parent')).toEqual(['f1', 'f2']);
      expect((await store.followUps.parentEnded(100, LATER)).sort()).toEqual(['f1', 'f2', 'f4']);
      expect(await store.followUps.parentEnded(1, LATER)).toHaveLength(1);
      // One whose start is set and still ahead waits for its start job: the sweep passes it by until that time has come.
      await store.followUps.setStart('f2', '2099-01-01T00:00:00.000Z');
      expect((await store.followUps.parentEnded(100, LATER)).sort()).toEqual(['f1', 'f4']);
      expect((await store.followUps.parentEnded(100, '2099-01-01T00:00:00.000Z')).sort()).toEqual(['f1', 'f2', 'f4']);
      // Started: no longer waiting.
      await store.blasts.transition('f1', ['scheduled'], 'running', LATER, { startedAt: LATER });
      expect(await store.followUps.waitingOn('parent')).toEqual(['f2']);
      await store.followUps.setStart('f2', LATER);
      expect((await store.blasts.get('f2'))?.scheduledAt).toBe(LATER);
    });
  });

  describe.skipIf(skip)('stopOnReply', () => {
    const reply = (over: { phone: string; session_uid?: string; business_unit?: string; received_at?: string; blast_id?: string | null; message_id?: string }) =>
      handle.db
        .insertInto('replies')
        .values({
          session_uid: 'uid-s1',
          session_id: 's1',
          business_unit: 'Marketing',
          message_id: `m-${Math.random()}`,
          kind: 'text',
          text: 'hi',
          received_at: LATER,
          blast_id: null,
          blast_seq: null,
          created_at: LATER,
          ...over,
        })
        .execute();

    it('finds, for a batch of phones, who replied since: to one of the sessions, or to the parent from any session of the unit', async () => {
      await reply({ phone: phoneOf(1) }); // to s1, after: yes
      await reply({ phone: phoneOf(2), received_at: '2026-03-01T09:00:00.000Z' }); // before the blast: no
      await reply({ phone: phoneOf(3), session_uid: 'uid-other' }); // another session, not to the parent: no
      await reply({ phone: phoneOf(4), session_uid: 'uid-other', blast_id: 'parent' }); // another session, to the parent: yes
      await reply({ phone: phoneOf(5), business_unit: 'Sales', blast_id: 'parent' }); // another unit: no
      await reply({ phone: phoneOf(6), session_uid: 'uid-s1-old' }); // a session since replaced under the same id: no
      const phones = Array.from({ length: 8 }, (_, i) => phoneOf(i + 1));
      const found = await store.followUps.repliedSince({ businessUnit: 'Marketing', sessionUids: ['uid-s1'], parentId: 'parent', since: AT, phones });
      expect([...found].sort()).toEqual([phoneOf(1), phoneOf(4)]);
      // Not a follow-up: only replies to its sessions count.
      expect([...(await store.followUps.repliedSince({ businessUnit: 'Marketing', sessionUids: ['uid-s1'], parentId: null, since: AT, phones }))]).toEqual([phoneOf(1)]);
      expect((await store.followUps.repliedSince({ businessUnit: 'Marketing', sessionUids: ['uid-s1'], parentId: 'parent', since: AT, phones: [] })).size).toBe(0);
      // A batch bigger than one query's chunk.
      const many = [...Array.from({ length: 1_200 }, (_, i) => `+1555${String(1_000_000 + i)}`), phoneOf(1)];
      expect([...(await store.followUps.repliedSince({ businessUnit: 'Marketing', sessionUids: ['uid-s1'], parentId: null, since: AT, phones: many }))]).toEqual([phoneOf(1)]);
    });
  });
});
