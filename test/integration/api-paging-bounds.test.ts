import { describe, expect, inject, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { asAdmin, startTestApi } from '../support/harness.js';

type ErrorBody = { error: { code: string } };

describe.each(databaseKinds(inject('postgresUrl')))('page offsets past the database integers on $kind', ({ skip, create }) => {
  it.skipIf(skip)('answer 400 VALIDATION_FAILED, not a 500 (PostgreSQL refused 1e20 as a bigint)', async () => {
    const api = await startTestApi(await create());
    try {
      const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'page-a', friendlyName: 'Page', businessUnit: 'Clinic', provider: 'sandbox' } });
      expect(created.statusCode).toBe(201);
      const huge = '99999999999999999999';
      for (const url of [
        `/api/blasts?offset=${huge}`,
        `/api/lists?offset=${huge}`,
        `/api/blasts/00000000-0000-4000-8000-000000000000/recipients?offset=${huge}`,
        `/api/sessions/page-a/sandbox/outbox?offset=${huge}`,
      ]) {
        const response = await api.app.inject({ method: 'GET', url, headers: asAdmin });
        expect({ url, status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
      }
      // Ajv's coercion reads 1e400 as Infinity (and let it past its bounds): refused too.
      for (const url of ['/api/blasts?offset=1e400', '/api/lists?limit=1e400', '/api/blasts/00000000-0000-4000-8000-000000000000/replies?offset=-1e400']) {
        const response = await api.app.inject({ method: 'GET', url, headers: asAdmin });
        expect({ url, status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ url, status: 400, code: 'VALIDATION_FAILED' });
      }
      // The largest offset allowed is an empty page.
      const last = await api.app.inject({ method: 'GET', url: '/api/blasts?offset=100000000', headers: asAdmin });
      expect(last.statusCode).toBe(200);
      expect(last.json<{ items: unknown[] }>().items).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
