import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

// Issue 14, items 9 and 11: a session id taken in another unit says so and nothing more; names
// (business units above all) are one visible form, never a look-alike with invisible characters.

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

type ErrorBody = { error: { code: string; message: string; details?: { field: string; message: string }[] } };

async function keyOf(businessUnit: string): Promise<Record<string, string>> {
  const created = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: `${businessUnit} key`, businessUnit } });
  expect(created.statusCode).toBe(201);
  return withKey(created.json<{ secret: string }>().secret);
}

describe('session ids are global', () => {
  it('answers 409 SESSION_EXISTS for an id another unit holds, naming neither that unit nor that session', async () => {
    const payload = { id: 'hq-line', friendlyName: 'Secret merger hotline', businessUnit: 'Finance', provider: 'sandbox' };
    expect((await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload })).statusCode).toBe(201);
    const clinic = await keyOf('Clinic');
    const taken = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: clinic, payload: { id: 'hq-line', friendlyName: 'Mine' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json<ErrorBody>()).toEqual({ error: { code: 'SESSION_EXISTS', message: expect.stringContaining('"hq-line"') as string } });
    expect(taken.body).not.toMatch(/Finance|merger|hotline/i);
    // Everything else about it stays hidden: 404 as if it did not exist.
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions/hq-line', headers: clinic })).statusCode).toBe(404);
    // The OpenAPI description says so.
    const doc = (await api.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{ paths: Record<string, { post?: { description?: string } }> }>();
    expect(doc.paths['/api/sessions/config']?.post?.description).toContain('Session ids are global');
  });
});

describe('names', () => {
  const lookAlikes = ['Clinic\u200b', '\u200bClinic', 'Cli\u200dnic', '\u202eClinic', 'Clinic\u2066', 'Clinic\u0000', 'Clinic\u0007', 'Cli\nnic', 'Cli\u00a0nic', 'Clinic\ufe0f', 'Clinic\u2800', '\u3164', 'Cli\ufeffnic', 'Clinic\u00ad', 'Clinic\u{e0041}', '\u115f', ' ', '\ud800'];

  it('refuses a business unit with invisible, control, format or special-space characters, wherever one is given', async () => {
    const clinic = await keyOf('Clinic');
    for (const unit of lookAlikes) {
      // A lone surrogate cannot be written in a URL; it is tried in bodies only.
      const inUrl = !/[\ud800-\udfff]/.test(unit);
      const requests = [
        { method: 'POST' as const, url: '/api/keys', headers: asAdmin, payload: { name: 'k', businessUnit: unit } },
        { method: 'POST' as const, url: '/api/sessions/config', headers: asAdmin, payload: { id: 'look-alike', friendlyName: 'x', businessUnit: unit } },
        { method: 'POST' as const, url: '/api/suppressions', headers: asAdmin, payload: { businessUnit: unit, phones: ['+6281234567890'] } },
        ...(inUrl
          ? [
              { method: 'GET' as const, url: `/api/sessions?businessUnit=${encodeURIComponent(unit)}`, headers: clinic },
              { method: 'GET' as const, url: `/api/lists?businessUnit=${encodeURIComponent(unit)}`, headers: asAdmin },
            ]
          : []),
      ];
      for (const request of requests) {
        const response = await api.app.inject(request);
        const body = response.json<ErrorBody>();
        expect({ unit: JSON.stringify(unit), url: request.url.split('?')[0], status: response.statusCode, code: body.error.code, field: body.error.details?.[0]?.field })
          .toEqual({ unit: JSON.stringify(unit), url: request.url.split('?')[0], status: 400, code: 'VALIDATION_FAILED', field: 'businessUnit' });
      }
    }
    const refused = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'k', businessUnit: 'A\u200b' } });
    expect(refused.json<ErrorBody>().error.details?.[0]?.message).toContain('visible text');
  });

  it('refuses a multipart upload whose business unit or name hides characters', async () => {
    for (const [field, value] of [['businessUnit', 'Clinic\u200b'], ['name', 'list\u202etxt.exe']]) {
      const form = new FormData();
      form.append('businessUnit', field === 'businessUnit' ? value : 'Clinic');
      if (field === 'name') form.append('name', value);
      form.append('file', new Blob(['phone\n+6281234567890\n']), 'a.csv');
      const request = new Request('http://x/api/lists', { method: 'POST', body: form });
      const response = await api.app.inject({
        method: 'POST',
        url: '/api/lists',
        headers: { ...asAdmin, 'content-type': request.headers.get('content-type') ?? '' },
        payload: Buffer.from(await request.arrayBuffer()),
      });
      expect({ field, status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ field, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('keeps one form of a name: NFC and trimmed, so "Café" written two ways is one unit', async () => {
    const decomposed = ' Cafe\u0301 ';
    const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'cafe-1', friendlyName: '  Caf\u0065\u0301 line ', businessUnit: decomposed } });
    expect(created.statusCode).toBe(201);
    expect(created.json<{ businessUnit: string; friendlyName: string }>()).toMatchObject({ businessUnit: 'Café', friendlyName: 'Café line' });
    const cafe = await keyOf('Caf\u00e9');
    const visible = await api.app.inject({ method: 'GET', url: '/api/sessions', headers: cafe });
    expect(visible.json<{ items: { id: string }[] }>().items.map((item) => item.id)).toEqual(['cafe-1']);
  });

  it('refuses hidden characters in the names people read, and keeps emoji and joiners that scripts need', async () => {
    const refused = [
      { url: '/api/sessions/config', payload: { id: 'bidi-1', friendlyName: 'Promo\u202egnp.exe', businessUnit: 'Clinic' } },
      { url: '/api/sessions/config', payload: { id: 'zw-1', friendlyName: 'Promo\u200b', businessUnit: 'Clinic' } },
      { url: '/api/keys', payload: { name: 'frontend\u0000' } },
    ];
    for (const { url, payload } of refused) {
      const response = await api.app.inject({ method: 'POST', url, headers: asAdmin, payload });
      expect({ url, status: response.statusCode }).toEqual({ url, status: 400 });
    }
    for (const [id, friendlyName] of [['emoji-1', 'Promo 🎉 👩‍💻 ❤️'], ['persian-1', 'می‌خواهم']]) {
      const response = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id, friendlyName, businessUnit: 'Clinic' } });
      expect({ id, status: response.statusCode }).toEqual({ id, status: 201 });
    }
  });
});
