import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

// Issue 22: business units are a resource. A name that differs only in case or spacing is the
// unit it looks like; an admin's new name adds a unit (unless UNITS_STRICT); renames reach every
// resource; a unit still in use is not deleted.

type Unit = { id: string; name: string; variantOf: string | null };
type ErrorBody = { error: { code: string; message: string; details?: unknown } };

async function units(api: TestApi, headers: Record<string, string> = asAdmin): Promise<Unit[]> {
  const response = await api.app.inject({ method: 'GET', url: '/api/units', headers });
  expect(response.statusCode).toBe(200);
  return response.json<{ items: Unit[] }>().items;
}

async function keyOf(api: TestApi, businessUnit: string | undefined, headers: Record<string, string> = asAdmin): Promise<Record<string, string>> {
  const created = await api.app.inject({ method: 'POST', url: '/api/keys', headers, payload: { name: `${businessUnit ?? 'any'} key`, ...(businessUnit === undefined ? {} : { businessUnit }) } });
  expect(created.statusCode).toBe(201);
  return withKey(created.json<{ secret: string }>().secret);
}

function session(api: TestApi, id: string, businessUnit: string | undefined, headers: Record<string, string> = asAdmin) {
  return api.app.inject({
    method: 'POST',
    url: '/api/sessions/config',
    headers,
    payload: { id, friendlyName: id, provider: 'sandbox', ...(businessUnit === undefined ? {} : { businessUnit }) },
  });
}

async function uploadList(api: TestApi, businessUnit: string, headers: Record<string, string> = asAdmin) {
  const form = new FormData();
  form.append('businessUnit', businessUnit);
  form.append('file', new Blob(['phone\n+6281234567890\n']), 'a.csv');
  const request = new Request('http://x/api/lists', { method: 'POST', body: form });
  return api.app.inject({
    method: 'POST',
    url: '/api/lists',
    headers: { ...headers, 'content-type': request.headers.get('content-type') ?? '' },
    payload: Buffer.from(await request.arrayBuffer()),
  });
}

describe.each(databaseKinds(inject('postgresUrl')))('business units, on $kind', ({ skip, create }) => {
  let api: TestApi;
  beforeAll(async () => {
    if (!skip) api = await startTestApi(await create());
  });
  afterAll(async () => {
    if (!skip) await api.close();
  });

  it.skipIf(skip)('on an empty install an admin naming a new unit adds it; the same name in another case or spacing is that unit', async () => {
    expect(await units(api)).toEqual([]);
    const first = await session(api, 'marketing-promo', 'Marketing');
    expect(first.statusCode).toBe(201);
    expect((await units(api)).map((unit) => unit.name)).toEqual(['Marketing']);

    for (const [id, spelling] of [['promo-2', 'marketing'], ['promo-3', '  MARKETING ']] as const) {
      const created = await session(api, id, spelling);
      expect(created.statusCode).toBe(201);
      expect(created.json<{ businessUnit: string }>().businessUnit).toBe('Marketing');
    }
    expect((await units(api)).map((unit) => unit.name)).toEqual(['Marketing']);

    // Filters and multipart uploads take any spelling too.
    const filtered = await api.app.inject({ method: 'GET', url: '/api/sessions?businessUnit=mArKeTiNg', headers: asAdmin });
    expect(filtered.json<{ items: { id: string }[] }>().items.map((item) => item.id).sort()).toEqual(['marketing-promo', 'promo-2', 'promo-3']);
    const list = await uploadList(api, 'MARKETING');
    expect(list.statusCode).toBe(202);
    const stored = await api.app.inject({ method: 'GET', url: `/api/lists/${list.json<{ listId: string }>().listId}`, headers: asAdmin });
    expect(stored.json<{ businessUnit: string }>().businessUnit).toBe('Marketing');
  });

  it.skipIf(skip)('adds one unit when many requests name a new one at once, in different spellings', async () => {
    const spellings = ['Ops', 'ops', 'OPS', ' Ops ', 'oPs', 'Ops', 'ops ', 'OPs'];
    const created = await Promise.all(spellings.map((spelling, n) => session(api, `ops-${String(n)}`, spelling)));
    expect(created.map((response) => response.statusCode)).toEqual(spellings.map(() => 201));
    const names = new Set(created.map((response) => response.json<{ businessUnit: string }>().businessUnit));
    expect(names.size).toBe(1);
    expect((await units(api)).filter((unit) => unit.name.toLowerCase() === 'ops')).toHaveLength(1);
    for (const response of created) {
      const id = response.json<{ id: string }>().id;
      expect((await api.app.inject({ method: 'DELETE', url: `/api/sessions/${id}`, headers: asAdmin })).statusCode).toBe(204);
    }
    const ops = (await units(api)).find((unit) => unit.name.toLowerCase() === 'ops');
    expect((await api.app.inject({ method: 'DELETE', url: `/api/units/${String(ops?.id)}`, headers: asAdmin })).statusCode).toBe(204);
  });

  it.skipIf(skip)('gives a unit-scoped key its own unit only, in any spelling, and nothing to manage', async () => {
    const marketing = await keyOf(api, 'marketing');
    const me = await api.app.inject({ method: 'GET', url: '/api/me', headers: marketing });
    expect(me.json<{ businessUnit: string }>().businessUnit).toBe('Marketing');
    await keyOf(api, 'Finance');
    expect((await units(api)).map((unit) => unit.name)).toEqual(['Finance', 'Marketing']);
    expect((await units(api, marketing)).map((unit) => unit.name)).toEqual(['Marketing']);

    const own = await session(api, 'promo-4', 'marketing', marketing);
    expect(own.statusCode).toBe(201);
    expect(own.json<{ businessUnit: string }>().businessUnit).toBe('Marketing');
    const other = await session(api, 'promo-5', 'finance', marketing);
    expect([other.statusCode, other.json<ErrorBody>().error.code]).toEqual([403, 'BUSINESS_UNIT_FORBIDDEN']);
    // A name no unit has is refused as another unit's is: nothing added, no list of units told.
    const unknown = await session(api, 'promo-6', 'Research', marketing);
    expect([unknown.statusCode, unknown.json<ErrorBody>().error.code]).toEqual([403, 'BUSINESS_UNIT_FORBIDDEN']);
    expect(unknown.body).not.toContain('Finance');

    const finance = (await units(api)).find((unit) => unit.name === 'Finance');
    const hidden = await api.app.inject({ method: 'GET', url: `/api/units/${String(finance?.id)}`, headers: marketing });
    expect(hidden.statusCode).toBe(404);
    for (const [method, url] of [['POST', '/api/units'], ['PATCH', `/api/units/${String(finance?.id)}`]] as const) {
      const refused = await api.app.inject({ method, url, headers: marketing, payload: { name: 'Mine now' } });
      expect([method, refused.statusCode, refused.json<ErrorBody>().error.code]).toEqual([method, 403, 'ADMIN_REQUIRED']);
    }
    const deleted = await api.app.inject({ method: 'DELETE', url: `/api/units/${String(finance?.id)}`, headers: marketing });
    expect(deleted.statusCode).toBe(403);
    expect((await units(api)).map((unit) => unit.name)).toEqual(['Finance', 'Marketing']);
  });

  it.skipIf(skip)('lets only an admin add units by naming them: a key seeing every unit gets a 422 listing the known ones', async () => {
    const operator = await keyOf(api, undefined);
    const refused = await session(api, 'ops-1', 'Operations', operator);
    expect(refused.statusCode).toBe(422);
    const body = refused.json<{ error: { code: string; details: { known: string[] } } }>();
    expect(body.error.code).toBe('UNIT_UNKNOWN');
    expect(body.error.details.known).toEqual(['Finance', 'Marketing']);
    expect((await session(api, 'ops-2', 'finance', operator)).json<{ businessUnit: string }>().businessUnit).toBe('Finance');
  });

  it.skipIf(skip)('keeps names normalised, bounded and unique without regard to case or spacing', async () => {
    const added = await api.app.inject({ method: 'POST', url: '/api/units', headers: asAdmin, payload: { name: '  Sales    East ' } });
    expect(added.statusCode).toBe(201);
    expect(added.json<Unit>().name).toBe('Sales East');
    for (const name of ['sales east', 'SALES  EAST', 'Marketing']) {
      const taken = await api.app.inject({ method: 'POST', url: '/api/units', headers: asAdmin, payload: { name } });
      expect([name, taken.statusCode, taken.json<ErrorBody>().error.code]).toEqual([name, 409, 'UNIT_EXISTS']);
    }
    for (const name of ['Sales\u200bWest', 'Sales\u0000', 'a\u202eb', '', '   ', 'x'.repeat(65)]) {
      const refused = await api.app.inject({ method: 'POST', url: '/api/units', headers: asAdmin, payload: { name } });
      expect([JSON.stringify(name), refused.statusCode, refused.json<ErrorBody>().error.code]).toEqual([JSON.stringify(name), 400, 'VALIDATION_FAILED']);
    }
    expect((await units(api)).map((unit) => unit.name)).toEqual(['Finance', 'Marketing', 'Sales East']);
  });

  it.skipIf(skip)('renames a unit everywhere it is shown, and its keys keep their unit', async () => {
    const marketing = await keyOf(api, 'Marketing');
    const unit = (await units(api)).find((candidate) => candidate.name === 'Marketing');
    const taken = await api.app.inject({ method: 'PATCH', url: `/api/units/${String(unit?.id)}`, headers: asAdmin, payload: { name: 'FINANCE' } });
    expect([taken.statusCode, taken.json<ErrorBody>().error.code]).toEqual([409, 'UNIT_EXISTS']);

    const renamed = await api.app.inject({ method: 'PATCH', url: `/api/units/${String(unit?.id)}`, headers: asAdmin, payload: { name: 'Growth' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json<Unit>()).toMatchObject({ id: unit?.id, name: 'Growth' });
    const promo = await api.app.inject({ method: 'GET', url: '/api/sessions/marketing-promo', headers: marketing });
    expect(promo.json<{ businessUnit: string }>().businessUnit).toBe('Growth');
    expect((await api.app.inject({ method: 'GET', url: '/api/me', headers: marketing })).json<{ businessUnit: string }>().businessUnit).toBe('Growth');
    const lists = await api.app.inject({ method: 'GET', url: '/api/lists', headers: marketing });
    expect(lists.json<{ items: { businessUnit: string }[] }>().items.map((list) => list.businessUnit)).toEqual(['Growth']);
    // The old name is free again: a new unit, not an alias.
    expect((await session(api, 'old-name', 'marketing')).json<{ businessUnit: string }>().businessUnit).toBe('marketing');
  });

  it.skipIf(skip)('refuses to delete a unit that is still used, saying what uses it, and deletes an empty one', async () => {
    const growth = (await units(api)).find((unit) => unit.name === 'Growth');
    const refused = await api.app.inject({ method: 'DELETE', url: `/api/units/${String(growth?.id)}`, headers: asAdmin });
    expect(refused.statusCode).toBe(409);
    const body = refused.json<{ error: { code: string; details: { references: Record<string, number> } } }>();
    expect(body.error.code).toBe('UNIT_IN_USE');
    expect(body.error.details.references).toEqual({ sessions: 4, apiKeys: 2, lists: 1 });

    const sales = (await units(api)).find((unit) => unit.name === 'Sales East');
    expect((await api.app.inject({ method: 'DELETE', url: `/api/units/${String(sales?.id)}`, headers: asAdmin })).statusCode).toBe(204);
    expect((await api.app.inject({ method: 'GET', url: `/api/units/${String(sales?.id)}`, headers: asAdmin })).statusCode).toBe(404);
    expect((await units(api)).map((unit) => unit.name)).not.toContain('Sales East');
  });
});

describe('business units with UNITS_STRICT=true', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(undefined, { UNITS_STRICT: 'true' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('refuses a name no unit has, even from an admin, with the known units; any spelling of a known one works', async () => {
    expect((await api.app.inject({ method: 'POST', url: '/api/units', headers: asAdmin, payload: { name: 'Marketing' } })).statusCode).toBe(201);
    const refused = await session(api, 'promo-1', 'Marketting');
    expect(refused.statusCode).toBe(422);
    const body = refused.json<{ error: { code: string; message: string; details: { businessUnit: string; known: string[] } } }>();
    expect(body.error).toMatchObject({ code: 'UNIT_UNKNOWN', details: { businessUnit: 'Marketting', known: ['Marketing'] } });
    expect(body.error.message).toContain('UNITS_STRICT');
    const filter = await api.app.inject({ method: 'GET', url: '/api/sessions?businessUnit=Nobody', headers: asAdmin });
    expect(filter.statusCode).toBe(422);
    const key = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'k', businessUnit: 'Research' } });
    expect(key.statusCode).toBe(422);
    expect((await units(api)).map((unit) => unit.name)).toEqual(['Marketing']);

    const created = await session(api, 'promo-2', 'MARKETING');
    expect(created.statusCode).toBe(201);
    expect(created.json<{ businessUnit: string }>().businessUnit).toBe('Marketing');
  });
});
