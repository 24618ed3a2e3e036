import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDatabase } from '../support/databases.js';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi(sqliteDatabase(), { RATE_LIMIT_PER_MINUTE: '5' });
});
afterAll(async () => {
  await api.close();
});

describe('rate limit per API key', () => {
  it('answers 429 RATE_LIMITED with Retry-After past the limit, per key, and never limits the admin key', async () => {
    const keys = await Promise.all(
      ['first', 'second'].map(async (name) => (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name } })).json<{ secret: string }>().secret),
    );
    const [first, second] = keys as [string, string];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(first) })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);

    const limited = await api.app.inject({ method: 'GET', url: '/api/lists', headers: withKey(first) });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: { limit: 5 } } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // Another key has its own budget; the environment's admin key has none.
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(second) })).statusCode).toBe(200);
    for (let i = 0; i < 10; i++) expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: asAdmin })).statusCode).toBe(200);
    // Health and readiness are outside /api and never limited.
    for (let i = 0; i < 10; i++) expect((await api.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
