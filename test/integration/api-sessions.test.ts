import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
let marketing: string;
let finance: string;
let everyUnit: string;

beforeAll(async () => {
  api = await startTestApi();
  const make = async (body: Record<string, unknown>): Promise<string> => {
    const response = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: body });
    return response.json<{ secret: string }>().secret;
  };
  marketing = await make({ name: 'marketing', businessUnit: 'Marketing' });
  finance = await make({ name: 'finance', businessUnit: 'Finance' });
  everyUnit = await make({ name: 'ops' });
});
afterAll(async () => {
  await api.close();
});

type ErrorBody = { error: { code: string; message: string; details?: { field: string; message: string }[] } };

const create = (headers: Record<string, string>, payload: unknown) =>
  api.app.inject({ method: 'POST', url: '/api/sessions/config', headers, payload: payload as Record<string, unknown> });

describe('session configs', () => {
  it('creates a config with safe defaults, then lists, gets, updates and deletes it', async () => {
    const created = await create(asAdmin, { id: 'marketing-promo', friendlyName: 'Q4 Marketing Promo', businessUnit: 'Marketing' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: 'marketing-promo',
      friendlyName: 'Q4 Marketing Promo',
      businessUnit: 'Marketing',
      provider: 'baileys',
      sandbox: null,
      pacing: { minDelayMs: 8000, maxDelayMs: 20000, hourlyCap: 200, dailyCap: 1000 },
    });

    const list = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: asAdmin });
    expect(list.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toContain('marketing-promo');

    const patched = await api.app.inject({
      method: 'PATCH',
      url: '/api/sessions/marketing-promo',
      headers: asAdmin,
      payload: { friendlyName: 'Promo', pacing: { minDelayMs: 10000, maxDelayMs: 30000 } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ friendlyName: 'Promo', pacing: { minDelayMs: 10000, maxDelayMs: 30000, hourlyCap: 200 } });

    const got = await api.app.inject({ method: 'GET', url: '/api/sessions/marketing-promo', headers: asAdmin });
    expect(got.json()).toMatchObject({ friendlyName: 'Promo' });

    const deleted = await api.app.inject({ method: 'DELETE', url: '/api/sessions/marketing-promo', headers: asAdmin });
    expect(deleted.statusCode).toBe(204);
    const gone = await api.app.inject({ method: 'GET', url: '/api/sessions/marketing-promo', headers: asAdmin });
    expect(gone.statusCode).toBe(404);
    expect(gone.json<ErrorBody>().error.code).toBe('SESSION_NOT_FOUND');
  });

  it('creates sandbox sessions that may send at full speed', async () => {
    const created = await create(asAdmin, { id: 'demo', friendlyName: 'Demo', businessUnit: 'Sales', provider: 'sandbox' });
    expect(created.json()).toMatchObject({ provider: 'sandbox', sandbox: {}, pacing: { minDelayMs: 0, maxDelayMs: 0 } });
  });

  it('adds a sending window and a warm-up, then removes each with null, keeping the rest', async () => {
    await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'windowed', friendlyName: 'W', businessUnit: 'Ops' } });
    const patch = (pacing: Record<string, unknown>) =>
      api.app.inject({ method: 'PATCH', url: '/api/sessions/windowed', headers: asAdmin, payload: { pacing } });
    const set = await patch({ hourlyCap: 50, window: { startHour: 9, endHour: 17, timezone: 'Asia/Jakarta' }, warmup: { initialDailyCap: 20, dailyIncrease: 10 } });
    expect(set.json()).toMatchObject({ pacing: { hourlyCap: 50, window: { startHour: 9 }, warmup: { initialDailyCap: 20 } } });
    const noWindow = await patch({ window: null });
    expect(noWindow.statusCode).toBe(200);
    expect(noWindow.json<{ pacing: Record<string, unknown> }>().pacing).not.toHaveProperty('window');
    expect(noWindow.json()).toMatchObject({ pacing: { hourlyCap: 50, warmup: { initialDailyCap: 20 } } });
    const noWarmup = await patch({ warmup: null });
    expect(noWarmup.json<{ pacing: Record<string, unknown> }>().pacing).not.toHaveProperty('warmup');
    const stored = await api.app.inject({ method: 'GET', url: '/api/sessions/windowed', headers: asAdmin });
    expect(stored.json<{ pacing: Record<string, unknown> }>().pacing).not.toHaveProperty('window');
    expect(stored.json()).toMatchObject({ pacing: { hourlyCap: 50 } });
    expect((await patch({ hourlyCap: null })).statusCode).toBe(400);
  });

  it.each([
    ['a QR rotation of 0 ms (a PNG rendered in a loop)', { qrRotateMs: 0 }],
    ['a QR rotation below 5 s', { qrRotateMs: 4_999 }],
    ['notOnWhatsApp null', { notOnWhatsApp: null }],
    ['a list that is not one', { notOnWhatsApp: { suffixes: { a: '0000' } } }],
    ['a list of 1,001 numbers', { notOnWhatsApp: { numbers: Array.from({ length: 1_001 }, (_, i) => `+62811${String(100_000 + i)}`) } }],
    ['a suffix that is not digits', { notOnWhatsApp: { suffixes: ['x'.repeat(10_000)] } }],
    ['a failure rate above 1', { transientFailureRate: 1.5 }],
    ['a send latency of a month', { sendLatencyMs: 2_600_000_000 }],
    ['a delivery delay that is not a number', { deliveryDelayMs: 'soon' }],
    ['an unknown setting', { qrRotateMS: 20_000 }],
    ['a phone that is not E.164', { phone: 'x'.repeat(1_000) }],
  ])('refuses sandbox settings with %s, on create and on PATCH', async (label, sandbox) => {
    const id = `bounded-${label.length}-${Object.keys(sandbox).join('')}`.toLowerCase().slice(0, 60);
    const created = await create(asAdmin, { id, friendlyName: 'x', businessUnit: 'M', provider: 'sandbox', sandbox });
    expect(created.statusCode).toBe(400);
    expect(created.json<ErrorBody>().error.code).toBe('VALIDATION_FAILED');
    expect(created.json<ErrorBody>().error.details?.[0]?.field).toMatch(/^sandbox/);
    expect((await create(asAdmin, { id, friendlyName: 'x', businessUnit: 'M', provider: 'sandbox' })).statusCode).toBe(201);
    const patched = await api.app.inject({ method: 'PATCH', url: `/api/sessions/${id}`, headers: asAdmin, payload: { sandbox } });
    expect(patched.statusCode).toBe(400);
    expect((await api.app.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: asAdmin })).json()).toMatchObject({ sandbox: {} });
  });

  it('takes every sandbox setting within its bounds, and shows them back', async () => {
    const sandbox = {
      seed: 4_294_967_295,
      linkMode: 'auto',
      autoLinkMs: 0,
      qrRotateMs: 5_000,
      sendLatencyMs: 30_000,
      deliveryDelayMs: null,
      readDelayMs: 600_000,
      notOnWhatsApp: { suffixes: ['0003'], numbers: ['+628111111111'] },
      transientFailureRate: 1,
      restrictAfterSends: 0,
      phone: '+15550000001',
    };
    const created = await create(asAdmin, { id: 'all-settings', friendlyName: 'x', businessUnit: 'M', provider: 'sandbox', sandbox });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ sandbox: unknown }>().sandbox).toEqual(sandbox);
  });

  it('answers a duplicate id with 409 SESSION_EXISTS', async () => {
    await create(asAdmin, { id: 'twice', friendlyName: 'One', businessUnit: 'Sales' });
    const again = await create(asAdmin, { id: 'twice', friendlyName: 'Two', businessUnit: 'Sales' });
    expect(again.statusCode).toBe(409);
    expect(again.json<ErrorBody>().error.code).toBe('SESSION_EXISTS');
  });

  it('lists every invalid field in one 400', async () => {
    const response = await create(asAdmin, { id: '../etc/passwd', friendlyName: '', provider: 'telegram', colour: 'red', businessUnit: 'M' });
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorBody>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details?.map((d) => d.field).sort()).toEqual(['colour', 'friendlyName', 'id', 'provider']);
  });

  it.each([
    ['an upper-case id', { id: 'Promo', friendlyName: 'x', businessUnit: 'M' }],
    ['an id over 64 characters', { id: 'a'.repeat(65), friendlyName: 'x', businessUnit: 'M' }],
    ['an id starting with a dash', { id: '-promo', friendlyName: 'x', businessUnit: 'M' }],
    ['a missing businessUnit for a key of every unit', { id: 'no-unit', friendlyName: 'x' }],
    ['inconsistent pacing', { id: 'pace', friendlyName: 'x', businessUnit: 'M', pacing: { minDelayMs: 9000, maxDelayMs: 1000 } }],
    ['an unknown time zone', { id: 'tz', friendlyName: 'x', businessUnit: 'M', pacing: { window: { startHour: 8, endHour: 17, timezone: 'Nowhere/City' } } }],
    ['sandbox settings on a baileys session', { id: 'sbx', friendlyName: 'x', businessUnit: 'M', sandbox: { linkMode: 'auto' } }],
    ['a warm-up cap beyond any account', { id: 'warm', friendlyName: 'x', businessUnit: 'M', pacing: { warmup: { initialDailyCap: 1e15, dailyIncrease: 1 } } }],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, payload) => {
    const response = await create(asAdmin, payload);
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.code).toBe('VALIDATION_FAILED');
  });

  it('answers an unknown or malformed id with 404 or 400, never 500', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions/unknown', headers: asAdmin })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'PATCH', url: '/api/sessions/unknown', headers: asAdmin, payload: { friendlyName: 'x' } })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'DELETE', url: '/api/sessions/unknown', headers: asAdmin })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions/%2e%2e%2fetc', headers: asAdmin })).statusCode).toBe(400);
    expect((await api.app.inject({ method: 'PATCH', url: '/api/sessions/unknown', headers: asAdmin, payload: {} })).statusCode).toBe(400);
  });
});

describe('business-unit scoping', () => {
  beforeAll(async () => {
    await create(asAdmin, { id: 'mkt-1', friendlyName: 'Marketing 1', businessUnit: 'Marketing' });
    await create(asAdmin, { id: 'fin-1', friendlyName: 'Finance 1', businessUnit: 'Finance' });
  });

  it('shows a unit key only its unit', async () => {
    const list = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(marketing) });
    const ids = list.json<{ items: { id: string; businessUnit: string }[] }>().items;
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((s) => s.businessUnit === 'Marketing')).toBe(true);
    const filtered = await api.app.inject({ method: 'GET', url: '/api/sessions?businessUnit=Finance', headers: withKey(marketing) });
    expect(filtered.json<{ items: unknown[] }>().items).toEqual([]);
    const all = await api.app.inject({ method: 'GET', url: '/api/sessions?businessUnit=Finance', headers: withKey(everyUnit) });
    expect(all.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toEqual(['fin-1']);
  });

  it('answers another unit\'s session with 404, whatever the verb', async () => {
    for (const [method, payload] of [['GET', undefined], ['PATCH', { friendlyName: 'taken' }], ['DELETE', undefined]] as const) {
      const response = await api.app.inject({ method, url: '/api/sessions/fin-1', headers: withKey(marketing), payload });
      expect(response.statusCode).toBe(404);
    }
    const stillThere = await api.app.inject({ method: 'GET', url: '/api/sessions/fin-1', headers: withKey(finance) });
    expect(stillThere.json()).toMatchObject({ friendlyName: 'Finance 1' });
  });

  it('creates in the key\'s own unit by default and refuses another unit with 403', async () => {
    const own = await create(withKey(marketing), { id: 'mkt-2', friendlyName: 'Marketing 2' });
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({ businessUnit: 'Marketing' });
    const other = await create(withKey(marketing), { id: 'sneaky', friendlyName: 'x', businessUnit: 'Finance' });
    expect(other.statusCode).toBe(403);
    expect(other.json<ErrorBody>().error.code).toBe('BUSINESS_UNIT_FORBIDDEN');
    const move = await api.app.inject({ method: 'PATCH', url: '/api/sessions/mkt-2', headers: withKey(marketing), payload: { businessUnit: 'Finance' } });
    expect(move.statusCode).toBe(403);
  });
});
