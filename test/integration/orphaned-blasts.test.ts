import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlastControl } from '../../src/blasts/blast-control.js';
import type { BlastStatus } from '../../src/core/blast-state.js';
import { createLogger } from '../../src/logging/logger.js';
import { createBlastSignals } from '../../src/sending/blast-signals.js';
import { failOrphanedBlasts } from '../../src/worker/maintenance.processor.js';
import { asAdmin, startTestApi, type TestApi } from '../support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('blasts left with no session', () => {
  it('are failed by the maintenance sweep, whatever state they were left in; the others go on', async () => {
    const { runtime } = api;
    const { store } = runtime;
    const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'desk', friendlyName: 'Desk', businessUnit: 'Sales', provider: 'sandbox' } });
    expect(created.statusCode).toBe(201);
    const desk = { id: 'desk', uid: (await store.sessions.get('desk'))?.uid ?? '' };
    const at = new Date().toISOString();
    const listId = randomUUID();
    await store.lists.create({ id: listId, name: 'People', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: at });

    const blast = async (status: BlastStatus, orphaned: boolean): Promise<string> => {
      const id = randomUUID();
      await store.blasts.create({
        id, name: `${status}${orphaned ? ' orphaned' : ''}`, businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', media: null, sessions: [desk],
        checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: at,
      });
      if (status !== 'importing') expect(await store.blasts.transition(id, ['importing'], status, at)).toBe(true);
      // What migration 0008 leaves for a blast whose session was re-created after it.
      if (orphaned) await runtime.database.db.updateTable('blast_sessions').set({ session_uid: null }).where('blast_id', '=', id).execute();
      return id;
    };
    const orphans = [await blast('running', true), await blast('paused', true), await blast('scheduled', true)];
    const healthy = await blast('running', false);

    const control = createBlastControl({ store, events: runtime.events, signals: createBlastSignals(runtime.redis.client, runtime.redis.prefix), clock: runtime.clock, queues: runtime.queues });
    // What the worker runs as it starts, and its maintenance job every few minutes.
    const sweep = () => failOrphanedBlasts({ store, control, log: createLogger('silent') });
    expect(await sweep()).toBe(3);

    for (const id of orphans) {
      const after = await store.blasts.get(id);
      expect({ was: after?.name, status: after?.status, code: after?.error?.code }).toEqual({ was: after?.name, status: 'failed', code: 'SESSION_DELETED' });
    }
    expect((await store.blasts.get(healthy))?.status).toBe('running');
    // Nothing more to do the next time.
    expect(await sweep()).toBe(0);
  });
});
