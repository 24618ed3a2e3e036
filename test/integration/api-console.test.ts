import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDatabase, tempDir } from '../support/databases.js';
import { startTestApi, type TestApi } from '../support/harness.js';

// The api serves the console's build: the page (never cached, locked down by CSP) to browsers at
// `/`, its hashed assets cached for good, and JSON to everything else at `/`.

let api: TestApi;
let bare: TestApi;
beforeAll(async () => {
  const webDir = tempDir('web');
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/assets/app-3f2a1b.js"></script>');
  fs.writeFileSync(path.join(webDir, 'assets', 'app-3f2a1b.js'), 'console.log("hi");');
  api = await startTestApi(sqliteDatabase(), { WEB_DIR: webDir });
  bare = await startTestApi(sqliteDatabase(), { WEB_DIR: tempDir('no-build') });
});
afterAll(async () => {
  await api.close();
  await bare.close();
});

describe('the operator console', () => {
  it('is the page a browser gets at /, never cached and confined by a Content-Security-Policy', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('/assets/app-3f2a1b.js');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('serves hashed assets with a year-long immutable cache, and 404 JSON for missing ones', async () => {
    const asset = await api.app.inject({ method: 'GET', url: '/assets/app-3f2a1b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(asset.headers['cache-control']).toContain('max-age=31536000');
    const missing = await api.app.inject({ method: 'GET', url: '/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    const traversal = await api.app.inject({ method: 'GET', url: '/assets/..%2f..%2fetc%2fpasswd' });
    expect(traversal.statusCode).toBeGreaterThanOrEqual(400);
    expect(traversal.statusCode).toBeLessThan(500);
    expect(traversal.body).not.toContain('root:');
  });

  it('answers JSON at / to clients that do not ask for HTML, and when there is no build', async () => {
    const json = await api.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
    expect(json.json()).toMatchObject({ docs: '/api/docs' });
    const noBuild = await bare.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect(noBuild.statusCode).toBe(200);
    expect(noBuild.json()).toMatchObject({ docs: '/api/docs' });
  });
});
