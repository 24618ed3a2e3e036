import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

/**
 * The operator's word on a session its health stopped (issue 17): POST /api/sessions/:id/health/acknowledge,
 * or resuming a blast of it. Over the real API, store and Redis.
 */
let api: TestApi;

async function stoppedSessionWithBlasts(id: string, blasts: number): Promise<{ uid: string; blastIds: string[] }> {
  const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id, friendlyName: id, businessUnit: 'Clinic', provider: 'sandbox' } });
  expect(created.statusCode).toBe(201);
  const { store } = api.runtime;
  const uid = (await store.sessions.get(id))?.uid ?? '';
  const now = new Date().toISOString();
  const listId = randomUUID();
  await store.lists.create({ id: listId, name: 'L', purpose: 'recipients', businessUnit: 'Clinic', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: now });
  const blastIds: string[] = [];
  for (let n = 0; n < blasts; n++) {
    const blastId = randomUUID();
    await store.blasts.create({ id: blastId, name: `B${String(n)}`, businessUnit: 'Clinic', status: 'importing', listId, message: 'Hi', media: null, sessions: [{ id, uid }], checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: now });
    expect(await store.blasts.transition(blastId, ['importing'], 'running', now, { startedAt: now })).toBe(true);
    await store.blasts.pauseSession(blastId, id, 'health_stop');
    blastIds.push(blastId);
  }
  await store.health.put({ sessionUid: uid, sessionId: id, score: 30, band: 'stop', reasons: [], bandSince: now, assessedAt: now, unhealthyDays: 1, lastUnhealthyDay: null });
  return { uid, blastIds };
}

const pausedReasons = async (blastId: string): Promise<(string | null)[]> =>
  (await api.runtime.store.blasts.get(blastId))?.sessions.map((session) => session.pausedReason) ?? [];

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

describe('the operator\'s word on a stopped session', () => {
  it('acknowledge: it sends again at the at-risk pace on every blast it serves, until its score drops below today\'s', async () => {
    const { uid, blastIds } = await stoppedSessionWithBlasts('stopped', 2);
    const answer = await api.app.inject({ method: 'POST', url: '/api/sessions/stopped/health/acknowledge', headers: asAdmin });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ band: 'stop', score: 30, acknowledged: { score: 30 }, enforcement: { pace: 'at_risk', slowdown: 4, paused: false } });
    for (const blastId of blastIds) expect(await pausedReasons(blastId)).toEqual([null]);
    expect(await api.runtime.store.health.get(uid)).toMatchObject({ acknowledgedScore: 30 });
    // Not stopped (any more): nothing to acknowledge.
    await api.runtime.store.health.put({ sessionUid: uid, sessionId: 'stopped', score: 90, band: 'healthy', reasons: [], bandSince: new Date().toISOString(), assessedAt: new Date().toISOString(), unhealthyDays: 1, lastUnhealthyDay: null });
    const again = await api.app.inject({ method: 'POST', url: '/api/sessions/stopped/health/acknowledge', headers: asAdmin });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'SESSION_NOT_STOPPED' } });
  });

  it('resuming a paused blast of it does the same, before the blast runs again; another unit\'s key cannot', async () => {
    const { uid, blastIds } = await stoppedSessionWithBlasts('stopped-too', 2);
    const [paused, other] = blastIds as [string, string];
    const now = new Date().toISOString();
    expect(await api.runtime.store.blasts.transition(paused, ['running'], 'paused', now, { pause: { reason: 'SESSION_HEALTH', detail: null } })).toBe(true);

    const sales = (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'sales', businessUnit: 'Sales' } })).json<{ secret: string }>().secret;
    expect((await api.app.inject({ method: 'POST', url: '/api/sessions/stopped-too/health/acknowledge', headers: withKey(sales) })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions/stopped-too/health', headers: withKey(sales) })).statusCode).toBe(404);
    expect(await api.runtime.store.health.get(uid)).toMatchObject({ acknowledgedScore: null });

    const resumed = await api.app.inject({ method: 'POST', url: `/api/blasts/${paused}/resume`, headers: asAdmin });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toMatchObject({ status: 'running' });
    expect(resumed.json()).toMatchObject({ status: 'running' });
    expect(await api.runtime.store.health.get(uid)).toMatchObject({ acknowledgedScore: 30 });
    expect(await pausedReasons(paused)).toEqual([null]);
    // Its other blast, running all along, has it back too.
    expect(await pausedReasons(other)).toEqual([null]);
  });
});
