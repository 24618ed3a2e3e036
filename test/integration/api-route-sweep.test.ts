import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
beforeAll(async () => {
  // The sweep is ~40 keyless requests from one address: more than the failed-authentication limit.
  api = await startTestApi(undefined, { AUTH_FAILURES_PER_MINUTE: '1000' });
});
afterAll(async () => {
  await api.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Every documented /api operation, with its path parameters filled in. */
async function operations(fill: Record<string, string>): Promise<{ method: Method; url: string; route: string }[]> {
  const doc = (await api.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  return Object.entries(doc.paths).filter(([route]) => route.startsWith('/api/')).flatMap(([route, ops]) =>
    Object.keys(ops).map((method) => ({
      method: method.toUpperCase() as Method,
      route: `${method} ${route}`,
      url: route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(fill[name] ?? 'x')),
    })),
  );
}

describe('route sweep', () => {
  it('answers 401 on every /api route without a key, whatever the method and path', async () => {
    const ops = await operations({ id: randomUUID(), phone: '+6281234567890' });
    expect(ops.length).toBeGreaterThan(30);
    const answers = await Promise.all(ops.map(async (op) => ({ route: op.route, status: (await api.app.inject({ method: op.method, url: op.url })).statusCode })));
    expect(answers.filter((answer) => answer.status !== 401)).toEqual([]);
  });

  it('keeps every resource of another business unit out of reach of a unit-scoped key', async () => {
    const { store } = api.runtime;
    const now = new Date().toISOString();
    // Sales owns a session, a list, a blast and an opt-out; the key below belongs to Clinic.
    expect((await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'sales-a', friendlyName: 'Sales', businessUnit: 'Sales', provider: 'sandbox' } })).statusCode).toBe(201);
    const listId = randomUUID();
    await store.lists.create({ id: listId, name: 'Sales list', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: now });
    const blastId = randomUUID();
    await store.blasts.create({ id: blastId, name: 'Sales blast', businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', media: null, sessions: [{ id: 'sales-a', uid: (await store.sessions.get('sales-a'))?.uid ?? '' }], checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: now });
    await api.app.inject({ method: 'POST', url: '/api/suppressions', headers: asAdmin, payload: { businessUnit: 'Sales', phones: ['+6281234567890'] } });
    const clinic = (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'clinic', businessUnit: 'Clinic' } })).json<{ secret: string }>().secret;
    const as = withKey(clinic);

    const hidden: [Method, string, unknown?][] = [
      ['GET', '/api/sessions/sales-a'],
      ['GET', '/api/sessions/sales-a/health'],
      ['POST', '/api/sessions/sales-a/health/acknowledge'],
      ['PATCH', '/api/sessions/sales-a', { friendlyName: 'mine' }],
      ['DELETE', '/api/sessions/sales-a'],
      ['POST', '/api/sessions/sales-a/connect'],
      ['POST', '/api/sessions/sales-a/disconnect'],
      ['POST', '/api/sessions/sales-a/logout'],
      ['GET', '/api/sessions/sales-a/sandbox/outbox'],
      ['POST', '/api/sessions/sales-a/sandbox/scan'],
      ['POST', '/api/sessions/sales-a/sandbox/inbound', { from: '+6281234567899', text: 'STOP', whileDisconnected: true }],
      ['POST', '/api/sessions/sales-a/sandbox/signal', { kind: 'ack_error', code: '463' }],
      ['POST', '/api/sessions/sales-a/sandbox/signal', { kind: 'capping', state: 'CAPPED' }],
      ['GET', `/api/lists/${listId}`],
      ['GET', `/api/lists/${listId}/recipients`],
      ['DELETE', `/api/lists/${listId}`],
      ['GET', `/api/blasts/${blastId}`],
      ['GET', `/api/blasts/${blastId}/recipients`],
      ['GET', `/api/blasts/${blastId}/report.csv`],
      ['GET', `/api/blasts/${blastId}/timeline`],
      ['POST', `/api/blasts/${blastId}/pause`],
      ['POST', `/api/blasts/${blastId}/cancel`],
      ['GET', '/api/ws-ticket?sessionId=sales-a'],
      ['GET', `/api/ws-ticket?blastId=${blastId}`],
      ['POST', '/api/templates/preview', { message: 'Hi', listId }],
      ['POST', '/api/blasts', { sessionId: 'sales-a', message: 'Hi', listId }],
    ];
    for (const [method, url, payload] of hidden) {
      const response = await api.app.inject({ method, url, headers: as, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
      expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 404 });
    }
    const forbidden: [Method, string, unknown][] = [
      ['POST', '/api/sessions/config', { id: 'sneaky', friendlyName: 'x', businessUnit: 'Sales' }],
      ['POST', '/api/suppressions', { businessUnit: 'Sales', phones: ['+6281234567891'] }],
    ];
    for (const [method, url, payload] of forbidden) {
      const response = await api.app.inject({ method, url, headers: as, payload: payload as Record<string, unknown> });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 403 });
    }
    // Listings show nothing of Sales, even when asked for it.
    for (const url of ['/api/sessions', '/api/lists', '/api/blasts', '/api/suppressions', '/api/sessions?businessUnit=Sales', '/api/blasts?businessUnit=Sales', '/api/suppressions?businessUnit=Sales']) {
      const body = (await api.app.inject({ method: 'GET', url, headers: as })).body;
      expect({ url, leaks: body.includes('Sales') || body.includes('+6281234567890') }).toEqual({ url, leaks: false });
    }
    // The admin still sees it all.
    expect((await api.app.inject({ method: 'GET', url: `/api/blasts/${blastId}`, headers: asAdmin })).statusCode).toBe(200);
  });

  it('gives a session deleted and re-created under its id by another unit nothing of the first one: not its blasts, not its sends', async () => {
    const { store } = api.runtime;
    const now = new Date().toISOString();
    const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'reused-a', friendlyName: 'Sales', businessUnit: 'Sales', provider: 'sandbox' } });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toContain('uid');
    const first = await store.sessions.get('reused-a');
    if (!first) throw new Error('session not stored');
    const listId = randomUUID();
    await store.lists.create({ id: listId, name: 'Sales list', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: now });
    const blastId = randomUUID();
    await store.blasts.create({ id: blastId, name: 'Sales blast', businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', media: null, sessions: [{ id: first.id, uid: first.uid }], checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: now });
    const sales = (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'sales', businessUnit: 'Sales' } })).json<{ secret: string }>().secret;

    // Neither deleted nor moved away under its blast, by its unit or by the admin.
    for (const [method, url, headers, payload] of [
      ['DELETE', '/api/sessions/reused-a', withKey(sales)],
      ['DELETE', '/api/sessions/reused-a', asAdmin],
      ['PATCH', '/api/sessions/reused-a', asAdmin, { businessUnit: 'Clinic' }],
    ] as const) {
      const response = await api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
      expect({ method, status: response.statusCode, error: response.json<{ error: unknown }>().error }).toEqual({
        method,
        status: 409,
        error: { code: 'SESSION_IN_USE', message: expect.stringContaining(blastId) as string, details: { blastIds: [blastId] } },
      });
    }

    // Deleted all the same (a race with the check, or before it existed); Clinic takes the id.
    expect(await store.sessions.delete(first)).toBe(true);
    const clinic = (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'clinic', businessUnit: 'Clinic' } })).json<{ secret: string }>().secret;
    const as = withKey(clinic);
    expect((await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: as, payload: { id: 'reused-a', friendlyName: 'Clinic', provider: 'sandbox' } })).statusCode).toBe(201);
    const second = await store.sessions.get('reused-a');
    expect(second?.uid).not.toBe(first.uid);
    if (!second) throw new Error('session not stored');
    expect(await store.blasts.activeForSession(second)).toEqual([]);
    expect(await store.blasts.unfinishedForSession(second)).toEqual([]);
    expect(await store.blasts.sendingSessions(blastId)).toEqual([]);
    for (const [method, url] of [
      ['GET', `/api/blasts/${blastId}`],
      ['POST', `/api/blasts/${blastId}/resume`],
      ['POST', `/api/blasts/${blastId}/cancel`],
    ] as const) {
      expect({ url, status: (await api.app.inject({ method, url, headers: as })).statusCode }).toEqual({ url, status: 404 });
    }
    expect((await api.app.inject({ method: 'GET', url: '/api/blasts?sessionId=reused-a', headers: as })).json<{ total: number }>().total).toBe(0);
    // Clinic's session has no blast of its own: Sales' blast does not hold it.
    expect((await api.app.inject({ method: 'PATCH', url: '/api/sessions/reused-a', headers: as, payload: { friendlyName: 'Clinic front desk' } })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/sessions/reused-a', headers: as })).statusCode).toBe(204);
  });
});
