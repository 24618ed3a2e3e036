import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_KEY, asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';
import { EventSocket, UpgradeRefused } from '../support/ws-client.js';

const LIMIT = 5;
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi(undefined, { AUTH_FAILURES_PER_MINUTE: String(LIMIT) });
});
afterAll(async () => {
  await api.close();
});

const basic = (password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` });

async function newKey(name: string): Promise<string> {
  const response = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name } });
  return response.json<{ secret: string }>().secret;
}

/** LIMIT refusals, then the next attempt is turned away before its credential is looked at. */
async function exhaust(from: string, attempt: () => Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  for (let i = 0; i < LIMIT; i++) expect((await attempt()).statusCode, `attempt ${i + 1} from ${from}`).toBe(401);
  return attempt();
}

function expectLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toMatchObject({ error: { code: 'AUTH_RATE_LIMITED', details: { limit: LIMIT } } });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('failed authentication, limited per client address before the credential is checked', () => {
  it('on /api: wrong or missing keys get 429 past the limit, for that address only; keys known there keep working', async () => {
    const regular = await newKey('used from the office before the attack');
    const fresh = await newKey('never used from the office');
    const office = '198.51.100.10';
    expect((await api.app.inject({ method: 'GET', url: '/api/me', headers: withKey(regular), remoteAddress: office })).statusCode).toBe(200);

    let n = 0;
    const limited = await exhaust(office, () =>
      api.app.inject({ method: 'GET', url: '/api/sessions', remoteAddress: office, headers: n++ % 2 === 0 ? withKey(`wab_guess${n}`) : {} }),
    );
    expectLimited(limited);
    // Even a valid key is not looked at from there, unless it authenticated from there before.
    expectLimited(await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(fresh), remoteAddress: office }));
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(regular), remoteAddress: office })).statusCode).toBe(200);
    expectLimited(await api.app.inject({ method: 'GET', url: '/api/ws-ticket', remoteAddress: office }));

    // Another address has its own count: refused with 401, and a good key works.
    const elsewhere = '198.51.100.11';
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey('wab_guess'), remoteAddress: elsewhere })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(fresh), remoteAddress: elsewhere })).statusCode).toBe(200);
  });

  it('on Bull Board (basic auth) and /metrics alike, sharing the address\'s count', async () => {
    const board = '198.51.100.20';
    expectLimited(await exhaust(board, () => api.app.inject({ method: 'GET', url: '/admin/queues', headers: basic('guess'), remoteAddress: board })));
    expectLimited(await api.app.inject({ method: 'GET', url: '/metrics', headers: basic('guess'), remoteAddress: board }));
    expectLimited(await api.app.inject({ method: 'GET', url: '/api/me', headers: withKey('wab_guess'), remoteAddress: board }));

    const scraper = '198.51.100.21';
    expectLimited(await exhaust(scraper, () => api.app.inject({ method: 'GET', url: '/metrics', headers: withKey('wrong-admin-key'), remoteAddress: scraper })));
    // The admin elsewhere is unaffected.
    expect((await api.app.inject({ method: 'GET', url: '/metrics', headers: asAdmin })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/admin/queues', headers: basic(ADMIN_KEY) })).statusCode).toBe(200);
  });

  it('counts concurrent guesses as they come in: a burst gets no more tries than the limit', async () => {
    const burst = await Promise.all(
      Array.from({ length: LIMIT * 4 }, (_, i) => api.app.inject({ method: 'GET', url: '/api/me', headers: withKey(`wab_burst${i}`), remoteAddress: '198.51.100.30' })),
    );
    const statuses = burst.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LIMIT);
    expect(statuses.filter((status) => status === 429)).toHaveLength(LIMIT * 3);
  });

  it('lets a burst of first requests of a good key in, however many more than the limit', async () => {
    const fresh = await newKey('a script that starts with many calls at once');
    const burst = await Promise.all(
      Array.from({ length: LIMIT * 6 }, () => api.app.inject({ method: 'GET', url: '/api/me', headers: withKey(fresh), remoteAddress: '198.51.100.31' })),
    );
    expect(burst.map((response) => response.statusCode)).toEqual(Array<number>(LIMIT * 6).fill(200));
    // Nothing was counted against the address: guesses from there still get their LIMIT tries.
    expectLimited(await exhaust('198.51.100.31', () => api.app.inject({ method: 'GET', url: '/api/me', headers: withKey('wab_guess'), remoteAddress: '198.51.100.31' })));
  });

  it('counts an IPv6 client by its /64', async () => {
    const limited = await exhaust('2001:db8:5:6::/64', () => {
      const host = Math.floor(Math.random() * 0xffff).toString(16);
      return api.app.inject({ method: 'GET', url: '/api/me', headers: withKey('wab_guess'), remoteAddress: `2001:db8:5:6::${host}` });
    });
    expectLimited(limited);
    expect((await api.app.inject({ method: 'GET', url: '/api/me', headers: withKey('wab_guess'), remoteAddress: '2001:db8:5:7::1' })).statusCode).toBe(401);
  });

  it('on the WebSocket upgrade: bad tickets are counted, then refused with 429', async () => {
    const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const refused = await EventSocket.open(url, `not-a-ticket-${i}`).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(UpgradeRefused);
      statuses.push((refused as UpgradeRefused).status);
    }
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429]);
  });
});

describe('TRUST_PROXY', () => {
  it('true means one proxy: a client cannot dodge the limit by writing X-Forwarded-For itself', async () => {
    const behindProxy = await startTestApi(undefined, { AUTH_FAILURES_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'true' });
    try {
      const proxy = '10.1.2.3';
      let n = 0;
      const attempt = () =>
        behindProxy.app.inject({
          method: 'GET',
          url: '/api/me',
          remoteAddress: proxy,
          // What the client sent (a new forged address each time), then what the proxy appended.
          headers: { ...withKey('wab_guess'), 'x-forwarded-for': `192.0.2.${n++}, 203.0.113.9` },
        });
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) statuses.push((await attempt()).statusCode);
      expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429]);
      // Another client behind the same proxy has its own count.
      const other = await behindProxy.app.inject({ method: 'GET', url: '/api/me', remoteAddress: proxy, headers: { ...withKey('wab_guess'), 'x-forwarded-for': '203.0.113.10' } });
      expect(other.statusCode).toBe(401);
    } finally {
      await behindProxy.close();
    }
  });
});
