import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

type ErrorBody = { error: { code: string } };

describe('HTTP behaviour', () => {
  it('answers /health and /ready without a key', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await api.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    // No worker has said which WhatsApp Web version it uses yet: null, not an error.
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: { ok: true }, redis: { ok: true } }, whatsapp: null });
  });

  it('maps malformed requests to clear 4xx codes', async () => {
    const cases = [
      { payload: '{"id":', type: 'application/json', status: 400, code: 'INVALID_JSON' },
      { payload: 'id=x', type: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { payload: JSON.stringify({ id: 'x', friendlyName: 'y'.repeat(2_000_000) }), type: 'application/json', status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { payload: '[]', type: 'application/json', status: 400, code: 'VALIDATION_FAILED' },
      { payload: 'null', type: 'application/json', status: 400, code: 'VALIDATION_FAILED' },
    ];
    for (const { payload, type, status, code } of cases) {
      const response = await api.app.inject({
        method: 'POST',
        url: '/api/sessions/config',
        headers: { ...asAdmin, 'content-type': type },
        payload,
      });
      expect({ status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ status, code });
    }
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/nothing-here', headers: asAdmin });
    expect(response.statusCode).toBe(404);
    expect(response.json<ErrorBody>().error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('echoes a sane request id and makes one otherwise', async () => {
    const given = await api.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const hostile = await api.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'bad\nid' } });
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Swagger UI and an OpenAPI document of every /api route with its errors', async () => {
    const ui = await api.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
    const doc = (await api.app.inject({ method: 'GET', url: '/api/docs/json' })).json<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(doc.paths)
      .filter(([route]) => route.startsWith('/api/'))
      .flatMap(([route, methods]) => Object.entries(methods).map(([method, op]) => ({ route, method, op })));
    expect(operations.map(({ method, route }) => `${method} ${route}`).sort()).toEqual(
      [
        'delete /api/keys/{id}',
        'delete /api/lists/{id}',
        'delete /api/sessions/{id}',
        'delete /api/suppressions/{phone}',
        'get /api/blasts',
        'get /api/blasts/{id}',
        'get /api/blasts/{id}/recipients',
        'get /api/blasts/{id}/replies',
        'get /api/blasts/{id}/segments',
        'get /api/blasts/{id}/report.csv',
        'get /api/blasts/{id}/report.xlsx',
        'get /api/blasts/{id}/timeline',
        'get /api/keys',
        'get /api/lists',
        'get /api/lists/{id}',
        'get /api/lists/{id}/recipients',
        'get /api/lists/{id}/rejects',
        'get /api/me',
        'get /api/sessions',
        'get /api/sessions/{id}',
        'get /api/sessions/{id}/health',
        'get /api/sessions/{id}/sandbox/outbox',
        'get /api/suppressions',
        'get /api/ws-ticket',
        'patch /api/sessions/{id}',
        'post /api/blasts',
        'post /api/blasts/estimate',
        'post /api/blasts/{id}/cancel',
        'post /api/blasts/{id}/pause',
        'post /api/blasts/{id}/resume',
        'post /api/keys',
        'post /api/lists',
        'post /api/sessions/config',
        'post /api/sessions/{id}/connect',
        'post /api/sessions/{id}/disconnect',
        'post /api/sessions/{id}/health/acknowledge',
        'post /api/sessions/{id}/logout',
        'post /api/sessions/{id}/sandbox/inbound',
        'post /api/sessions/{id}/sandbox/scan',
        'post /api/sessions/{id}/sandbox/signal',
        'post /api/suppressions',
        'post /api/suppressions/import',
        'post /api/templates/preview',
        'delete /api/webhooks/{id}',
        'get /api/webhooks',
        'get /api/webhooks/{id}',
        'get /api/webhooks/{id}/deliveries',
        'patch /api/webhooks/{id}',
        'post /api/webhooks',
        'post /api/webhooks/{id}/deliveries/{deliveryId}/retry',
        'post /api/webhooks/{id}/replay',
        'post /api/webhooks/{id}/rotate-secret',
        'post /api/webhooks/{id}/test',
        'delete /api/units/{id}',
        'get /api/units',
        'get /api/units/{id}',
        'patch /api/units/{id}',
        'post /api/units',
      ].sort(),
    );
    for (const { op } of operations) expect(Object.keys(op.responses)).toContain('401');

    // POST /api/blasts documents its two bodies apart: the form's text fields and files, and JSON with JSON types.
    type Body = { schema: { properties: Record<string, { type?: string; format?: string; description?: string }> } };
    const create = doc.paths['/api/blasts']?.post as unknown as { requestBody: { content: Record<string, Body | undefined> } };
    expect(Object.keys(create.requestBody.content).sort()).toEqual(['application/json', 'multipart/form-data']);
    const json = create.requestBody.content['application/json']?.schema.properties ?? {};
    const form = create.requestBody.content['multipart/form-data']?.schema.properties ?? {};
    expect([json.checkNumbers?.type, json.stopOnReply?.type, json.sessionIds?.type, json.pacing?.type]).toEqual(['boolean', 'boolean', 'array', 'object']);
    expect(json.recipientsFile).toBeUndefined();
    expect(form.recipientsFile?.format).toBe('binary');
    expect(json.message?.description).toBe(form.message?.description);
  });

  it('keeps Bull Board for admins: basic auth with the admin key, or the key header', async () => {
    const anonymous = await api.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('Basic');
    const basic = Buffer.from(`admin:${ADMIN_KEY}`).toString('base64');
    const page = await api.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: `Basic ${basic}` } });
    expect(page.statusCode).toBe(200);
    const queues = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: withKey(ADMIN_KEY) });
    expect(queues.json<{ queues: { name: string }[] }>().queues.map((queue) => queue.name)).toContain('maintenance');

    const created = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'operator' } });
    const operator = created.json<{ secret: string }>().secret;
    const refused = await api.app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: withKey(operator) });
    expect(refused.statusCode).toBe(401);
  });

  it('serves Prometheus metrics to admins only: request durations by route pattern, queue depths, session status', async () => {
    await api.app.inject({ method: 'GET', url: '/api/sessions/nobody', headers: asAdmin });
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics', headers: asAdmin });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/wab_http_request_duration_seconds_count\{[^}]*route="\/api\/sessions\/:id"[^}]*status="404"[^}]*\} 1/);
    expect(metrics.body).toMatch(/wab_queue_jobs\{[^}]*queue="blasts"/);
    expect(metrics.body).toContain('wab_websocket_clients');
    expect(metrics.body).not.toContain('nobody');

    const created = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'scraper' } });
    const operator = created.json<{ secret: string }>().secret;
    expect((await api.app.inject({ method: 'GET', url: '/metrics', headers: withKey(operator) })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
  });
});
