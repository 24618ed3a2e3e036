import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
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
      ['PATCH', '/api/sessions/sales-a', { friendlyName: 'mine' }],
      ['DELETE', '/api/sessions/sales-a'],
      ['POST', '/api/sessions/sales-a/connect'],
      ['POST', '/api/sessions/sales-a/disconnect'],
      ['POST', '/api/sessions/sales-a/logout'],
      ['GET', '/api/sessions/sales-a/sandbox/outbox'],
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
});
