import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDatabase, tempDir } from '../support/databases.js';
import { ADMIN_KEY, asAdmin, startTestApi, type TestApi } from '../support/harness.js';

// Issue 14, item 10: every page (the console, Swagger UI, Bull Board) refuses to be framed, and a
// body or URL a client broke is that client's 4xx, never our 500.

let api: TestApi;
beforeAll(async () => {
  const webDir = tempDir('web');
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>console</title>');
  fs.writeFileSync(path.join(webDir, 'assets', 'app-1.js'), 'console.log(1);');
  api = await startTestApi(sqliteDatabase(), { WEB_DIR: webDir });
});
afterAll(async () => {
  await api.close();
});

type ErrorBody = { error: { code: string; message: string } };
const basic = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}` };

describe('security headers', () => {
  it('come with every response: the console, its assets, Swagger UI, Bull Board, the API, its errors', async () => {
    const responses = {
      console: await api.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } }),
      asset: await api.app.inject({ method: 'GET', url: '/assets/app-1.js' }),
      docs: await api.app.inject({ method: 'GET', url: '/api/docs/' }),
      docsJson: await api.app.inject({ method: 'GET', url: '/api/docs/json' }),
      bullBoard: await api.app.inject({ method: 'GET', url: '/admin/queues', headers: basic }),
      bullBoardRefused: await api.app.inject({ method: 'GET', url: '/admin/queues' }),
      api: await api.app.inject({ method: 'GET', url: '/api/me', headers: asAdmin }),
      notFound: await api.app.inject({ method: 'GET', url: '/nothing' }),
      badUrl: await api.app.inject({ method: 'GET', url: '/admin/queues/%E0%A4%A' }),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect({ name, status: response.statusCode < 500 }).toEqual({ name, status: true });
      expect({ name, xfo: response.headers['x-frame-options'] }).toEqual({ name, xfo: 'DENY' });
      expect({ name, csp: response.headers['content-security-policy'] }).toEqual({ name, csp: expect.stringContaining("frame-ancestors 'none'") as string });
      expect({ name, nosniff: response.headers['x-content-type-options'] }).toEqual({ name, nosniff: 'nosniff' });
      expect({ name, referrer: response.headers['referrer-policy'] }).toEqual({ name, referrer: 'no-referrer' });
    }
    expect(responses.bullBoard.statusCode).toBe(200);
    expect(responses.docs.statusCode).toBe(200);
    // The console keeps its own, stricter policy.
    expect(responses.console.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe('broken bodies and URLs', () => {
  const boundary = 'Xy1Z';
  const cutShort = (fileField: string, fields: Record<string, string>): string =>
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('') +
    `--${boundary}\r\ncontent-disposition: form-data; name="${fileField}"; filename="a.csv"\r\ncontent-type: text/csv\r\n\r\nphone\n+6281234567890\n`;

  it('a multipart body cut off inside a file answers 400 MALFORMED_MULTIPART on every upload route', async () => {
    // The blast's fields are judged before its files are read: its session must exist and be linked for the file to be reached.
    const desk = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'cut-desk', friendlyName: 'Desk', businessUnit: 'Clinic', provider: 'sandbox' } });
    expect(desk.statusCode).toBe(201);
    await api.runtime.store.sessions.markLinked('cut-desk', new Date().toISOString());
    const uploads = [
      { url: '/api/lists', payload: cutShort('file', { businessUnit: 'Clinic' }) },
      { url: '/api/suppressions/import', payload: cutShort('file', { businessUnit: 'Clinic' }) },
      { url: '/api/blasts', payload: cutShort('recipientsFile', { sessionId: 'cut-desk', message: 'Hi' }) },
      { url: '/api/blasts', payload: cutShort('media', { sessionId: 'cut-desk', message: 'Hi' }) },
      { url: '/api/lists', payload: `--${boundary}\r\ncontent-disposition: form-da` },
    ];
    for (const { url, payload } of uploads) {
      const response = await api.app.inject({
        method: 'POST',
        url,
        headers: { ...asAdmin, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      expect({ url, status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ url, status: 400, code: 'MALFORMED_MULTIPART' });
    }
    // Refused on its fields before the cut-off file is read: the part's failure must not end the process
    // (it was an uncaught 'error' on a stream nobody read).
    const refused = await api.app.inject({
      method: 'POST',
      url: '/api/blasts',
      headers: { ...asAdmin, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: cutShort('recipientsFile', { sessionId: 'nobody', message: 'Hi' }),
    });
    expect({ status: refused.statusCode, code: refused.json<ErrorBody>().error.code }).toEqual({ status: 404, code: 'SESSION_NOT_FOUND' });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(api.logs.join('\n')).not.toContain('unhandled error');
  });

  it('a URL that does not decode answers 400 BAD_URL in the API\'s error shape, wherever it points', async () => {
    for (const url of ['/api/sessions/%E0%A4%A', '/api/docs/%E0%A4%A', '/assets/%E0%A4%A', '/admin/queues/%E0%A4%A']) {
      const response = await api.app.inject({ method: 'GET', url, headers: asAdmin });
      expect({ url, status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ url, status: 400, code: 'BAD_URL' });
    }
  });
});

describe('request logs', () => {
  it('never carry a WebSocket ticket or another secret from a URL', async () => {
    const { ticket } = (await api.app.inject({ method: 'GET', url: '/api/ws-ticket', headers: asAdmin })).json<{ ticket: string }>();
    expect(ticket.length).toBeGreaterThan(20);
    await api.app.inject({ method: 'GET', url: `/?ticket=${ticket}` });
    await api.app.inject({ method: 'GET', url: `/api/lists?limit=5&api_key=${ADMIN_KEY}&TOKEN=tok-secret-1` });
    const logs = api.logs.join('\n');
    expect(logs).toContain('"url":"/?ticket=[redacted]"');
    expect(logs).toContain('"url":"/api/lists?limit=5&api_key=[redacted]&TOKEN=[redacted]"');
    expect(logs).not.toContain(ticket);
    expect(logs).not.toContain(ADMIN_KEY);
    expect(logs).not.toContain('tok-secret-1');
  });
});
