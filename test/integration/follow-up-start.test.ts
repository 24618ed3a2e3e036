import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlastControl, startJobId } from '../../src/blasts/blast-control.js';
import { createFollowUps } from '../../src/blasts/follow-ups.js';
import type { FollowUpSegment } from '../../src/core/blast.js';
import { createBlastSignals } from '../../src/sending/blast-signals.js';
import { asAdmin, startTestApi, type TestApi } from '../support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('follow-ups waiting on a parent', () => {
  it('are started, scheduled or failed by the sweep when the parent ended with nothing queued for them (a crash in between)', async () => {
    const { runtime } = api;
    const { store } = runtime;
    const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'desk', friendlyName: 'Desk', businessUnit: 'Sales', provider: 'sandbox' } });
    expect(created.statusCode).toBe(201);
    const desk = { id: 'desk', uid: (await store.sessions.get('desk'))?.uid ?? '' };
    const at = new Date(Date.now() - 60_000).toISOString();
    const listId = randomUUID();
    await store.lists.create({ id: listId, name: 'People', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: at });
    await store.lists.insertRecipients(listId, [1, 2, 3].map((seq) => ({ seq, rowNumber: seq + 1, phone: `+628120000000${String(seq)}`, values: [] })));
    await store.lists.complete(listId, { counts: { rows: 3, valid: 3, duplicates: 0, invalid: 0, blank: 0 }, columns: [] }, at);

    const newBlast = async (followUp: { of: string; segment: FollowUpSegment; after: string | null } | null): Promise<string> => {
      const id = randomUUID();
      await store.blasts.create({ id, name: 'b', businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', media: null, sessions: [desk], checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: at, followUp });
      return id;
    };
    // The parent: sent, read and failed rows, then completed by a process that died before queueing anything more.
    const parent = await newBlast(null);
    await store.blasts.populate(parent, listId, at);
    for (const [seq, status] of [[1, 'sent'], [2, 'read'], [3, 'failed']] as const) {
      await runtime.database.db.updateTable('blast_recipients').set({ status }).where('blast_id', '=', parent).where('seq', '=', seq).execute();
    }
    await runtime.database.db.updateTable('blasts').set({ sent: 2, failed: 1, read: 1 }).where('id', '=', parent).execute();
    const failedEarly = await newBlast(null);
    expect(await store.blasts.transition(failedEarly, ['importing'], 'failed', at, { completedAt: at, error: { code: 'LIST_EMPTY', message: 'x' } })).toBe(true);

    const waiting = async (followUp: { of: string; segment: FollowUpSegment; after: string | null }): Promise<string> => {
      const id = await newBlast(followUp);
      expect(await store.blasts.transition(id, ['importing'], 'scheduled', at)).toBe(true);
      return id;
    };
    const now = await waiting({ of: parent, segment: 'not_read', after: null });
    const later = await waiting({ of: parent, segment: 'not_read', after: 'PT1H' });
    const empty = await waiting({ of: parent, segment: 'replied', after: null });
    const ofFailed = await waiting({ of: failedEarly, segment: 'failed', after: null });
    const ofNothing = await waiting({ of: randomUUID(), segment: 'failed', after: null });

    const control = createBlastControl({ store, events: runtime.events, signals: createBlastSignals(runtime.redis.client, runtime.redis.prefix), clock: runtime.clock, queues: runtime.queues });
    const followUps = createFollowUps({ store, control, queues: runtime.queues, clock: runtime.clock });
    // While the parent runs, the sweep leaves its follow-ups waiting (it fails those whose parent failed early or is gone).
    expect(await store.blasts.transition(parent, ['importing'], 'running', at, { startedAt: at })).toBe(true);
    expect(await followUps.sweep()).toBe(2);
    expect((await store.blasts.get(now))?.status).toBe('scheduled');

    const endedAt = new Date(Date.now() - 1_000).toISOString();
    expect(await store.blasts.transition(parent, ['running'], 'completed', endedAt, { completedAt: endedAt })).toBe(true);
    expect(await followUps.sweep()).toBe(3);

    const view = async (id: string) => {
      const blast = await store.blasts.get(id);
      return { status: blast?.status, total: blast?.figures.total, code: blast?.error?.code ?? null, scheduledAt: blast?.scheduledAt };
    };
    // not_read: the sent row (1); the read and failed ones are not in it.
    expect(await view(now)).toEqual({ status: 'running', total: 1, code: null, scheduledAt: endedAt });
    expect((await store.blasts.recipients(now, { limit: 10, offset: 0 })).items.map((row) => row.seq)).toEqual([1]);
    expect(await view(later)).toEqual({ status: 'scheduled', total: 0, code: null, scheduledAt: new Date(Date.parse(endedAt) + 3_600_000).toISOString() });
    const job = await runtime.queues.blasts.getJob(startJobId(later));
    expect(await job?.getState()).toBe('delayed');
    expect(await view(empty)).toMatchObject({ status: 'failed', total: 0, code: 'SEGMENT_EMPTY' });
    expect(await view(ofFailed)).toMatchObject({ status: 'failed', code: 'PARENT_FAILED' });
    expect(await view(ofNothing)).toMatchObject({ status: 'failed', code: 'PARENT_NOT_FOUND' });

    // The next sweep passes by the one still waiting for its time (its start job waits): a sweep is never filled with
    // follow-ups days ahead; an early start does not take its segment.
    expect(await followUps.sweep()).toBe(0);
    await followUps.start(later);
    expect(await view(later)).toEqual({ status: 'scheduled', total: 0, code: null, scheduledAt: new Date(Date.parse(endedAt) + 3_600_000).toISOString() });
  });
});
