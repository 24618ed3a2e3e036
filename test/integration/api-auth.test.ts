import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

async function createKey(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: body });
  expect(response.statusCode).toBe(201);
  const created = response.json<{ key: { id: string }; secret: string }>();
  return { id: created.key.id, secret: created.secret };
}

describe('API keys and authentication', () => {
  it('refuses /api without a key, with a bad key, and with a malformed header', async () => {
    const missing = await api.app.inject({ method: 'GET', url: '/api/sessions' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: { code: 'API_KEY_MISSING', message: expect.any(String) as string } });
    const wrong = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey('wab_nope') });
    expect(wrong.json<{ error: { code: string } }>().error.code).toBe('API_KEY_INVALID');
    const basic = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.statusCode).toBe(401);
  });

  it('accepts the admin key as a Bearer token or as X-API-Key', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: asAdmin })).statusCode).toBe(200);
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(ADMIN_KEY) })).statusCode).toBe(200);
  });

  it('creates a key whose secret is shown once and works at once; listing never shows it', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: asAdmin,
      payload: { name: 'marketing frontend', businessUnit: 'Marketing' },
    });
    expect(response.statusCode).toBe(201);
    const created = response.json<{ key: Record<string, unknown>; secret: string }>();
    expect(created.secret).toMatch(/^wab_[A-Za-z0-9_-]{43}$/);
    expect(created.key).toMatchObject({ name: 'marketing frontend', role: 'operator', businessUnit: 'Marketing', revokedAt: null });
    expect(created.secret.startsWith(String(created.key.prefix))).toBe(true);

    const own = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(created.secret) });
    expect(own.statusCode).toBe(200);

    const list = await api.app.inject({ method: 'GET', url: '/api/keys', headers: asAdmin });
    expect(list.body).not.toContain(created.secret);
    expect(list.body).not.toContain('hash');
    expect(list.json<{ items: { id: string }[] }>().items.map((key) => key.id)).toContain(created.key.id);
  });

  it('tells a key who it is (GET /api/me), so a client can show or hide admin screens', async () => {
    const me = (headers: Record<string, string>) => api.app.inject({ method: 'GET', url: '/api/me', headers });
    expect((await me(asAdmin)).json()).toEqual({ admin: true, keyId: null, businessUnit: null });
    const scoped = await createKey({ name: 'sales', businessUnit: 'Sales' });
    expect((await me(withKey(scoped.secret))).json()).toEqual({ admin: false, keyId: scoped.id, businessUnit: 'Sales' });
    const admin = await createKey({ name: 'second admin', role: 'admin' });
    expect((await me(withKey(admin.secret))).json()).toEqual({ admin: true, keyId: admin.id, businessUnit: null });
    expect((await api.app.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
  });

  it('keeps key management to admin keys', async () => {
    const operator = await createKey({ name: 'ops' });
    const attempt = await api.app.inject({ method: 'POST', url: '/api/keys', headers: withKey(operator.secret), payload: { name: 'x' } });
    expect(attempt.statusCode).toBe(403);
    expect(attempt.json<{ error: { code: string } }>().error.code).toBe('ADMIN_REQUIRED');
    const listing = await api.app.inject({ method: 'GET', url: '/api/keys', headers: withKey(operator.secret) });
    expect(listing.statusCode).toBe(403);

    const admin = await createKey({ name: 'second admin', role: 'admin' });
    const byAdmin = await api.app.inject({ method: 'GET', url: '/api/keys', headers: withKey(admin.secret) });
    expect(byAdmin.statusCode).toBe(200);
  });

  it('refuses an admin key limited to a unit', async () => {
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/keys',
      headers: asAdmin,
      payload: { name: 'x', role: 'admin', businessUnit: 'Marketing' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_FAILED');
  });

  it('revokes a key: it stops working at once, and revoking an unknown key is a 404', async () => {
    const key = await createKey({ name: 'temporary' });
    const revoked = await api.app.inject({ method: 'DELETE', url: `/api/keys/${key.id}`, headers: asAdmin });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
    const after = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(key.secret) });
    expect(after.statusCode).toBe(401);
    const unknown = await api.app.inject({ method: 'DELETE', url: '/api/keys/00000000-0000-4000-8000-00000000abcd', headers: asAdmin });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('API_KEY_NOT_FOUND');
    const badId = await api.app.inject({ method: 'DELETE', url: '/api/keys/../../etc', headers: asAdmin });
    expect(badId.statusCode).toBeGreaterThanOrEqual(400);
    expect(badId.statusCode).toBeLessThan(500);
  });

  it('never writes a key or an auth header into the logs', async () => {
    const key = await createKey({ name: 'log check' });
    await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey(key.secret) });
    await api.app.inject({ method: 'GET', url: '/api/sessions', headers: { authorization: `Bearer ${key.secret}` } });
    await api.app.inject({ method: 'GET', url: '/api/sessions', headers: withKey('wab_wrong-secret-value') });
    const all = api.logs.join('\n');
    expect(api.logs.length).toBeGreaterThan(5);
    expect(all).not.toContain(key.secret);
    expect(all).not.toContain(ADMIN_KEY);
    expect(all).not.toContain('wab_wrong-secret-value');
  });
});
