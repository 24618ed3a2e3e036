import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOOKUP_TIMEOUT_MS, postWebhook, type Resolve } from '../../src/webhooks/webhook-http.js';

// The HTTP side of a delivery against a real local server: what it refuses, what it reports.
describe('a webhook request', () => {
  let server: http.Server;
  let port = 0;
  const hits: string[] = [];
  let handler: (request: http.IncomingMessage, response: http.ServerResponse) => void = (_request, response) => {
    response.writeHead(200).end('ok');
  };

  beforeEach(async () => {
    hits.length = 0;
    server = http.createServer((request, response) => {
      hits.push(request.url ?? '');
      handler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const request = (url: string, publicOnly: boolean, timeoutMs = 2_000) => postWebhook({ url, headers: { 'webhook-id': 'evt_1' }, body: '{}', timeoutMs, publicOnly });

  it('connects only to the address it checked: a name resolving to a private address is refused at delivery time and nothing is sent', async () => {
    // "localhost" is any name whose DNS answer is (or has become) a loopback address: the check is on the resolved address.
    const refused = await request(`http://localhost:${port}/hook`, true);
    expect(refused.result).toMatchObject({ kind: 'refused' });
    const literal = await request(`http://127.0.0.1:${port}/hook`, true);
    expect(literal.result).toMatchObject({ kind: 'refused' });
    const mapped = await request(`http://[::ffff:127.0.0.1]:${port}/hook`, true);
    expect(mapped.result).toMatchObject({ kind: 'refused' });
    expect(hits).toEqual([]);
    // Where private addresses are allowed (an admin endpoint, WEBHOOK_ALLOW_PRIVATE=true), the same request goes.
    const allowed = await request(`http://localhost:${port}/hook`, false);
    expect(allowed.result).toEqual({ kind: 'response', status: 200, retryAfter: null });
    expect(allowed.body).toBe('ok');
    expect(hits).toEqual(['/hook']);
  });

  it('does not follow a redirect, keeps 1 KB of the body, and reports Retry-After and a timeout', async () => {
    handler = (request, response) => {
      if (request.url === '/moved') response.writeHead(302, { location: '/elsewhere' }).end();
      else if (request.url === '/busy') response.writeHead(429, { 'retry-after': '30' }).end('x'.repeat(5_000));
      // '/slow' never answers
    };
    const moved = await request(`http://127.0.0.1:${port}/moved`, false);
    expect(moved.result).toMatchObject({ kind: 'response', status: 302 });
    const busy = await request(`http://127.0.0.1:${port}/busy`, false);
    expect(busy.result).toEqual({ kind: 'response', status: 429, retryAfter: '30' });
    expect(busy.body).toHaveLength(1024);
    const slow = await request(`http://127.0.0.1:${port}/slow`, false, 300);
    expect(slow.result).toEqual({ kind: 'timeout' });
    expect(slow.durationMs).toBeLessThan(2_000);
    expect(hits).toEqual(['/moved', '/busy', '/slow']);
    const down = await request('http://127.0.0.1:1/nothing', false);
    expect(down.result).toMatchObject({ kind: 'network' });
  });

  it('bounds the name lookup of a public-only request: a resolver that never answers fails the attempt as a timeout, and one that answers is obeyed', async () => {
    const asked: string[] = [];
    const hanging: Resolve = (hostname) => {
      asked.push(hostname);
    };
    const started = performance.now();
    const hung = await postWebhook({ url: `http://hooks.example:${port}/hook`, headers: {}, body: '{}', timeoutMs: 60_000, publicOnly: true, resolve: hanging });
    expect(hung.result).toEqual({ kind: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(LOOKUP_TIMEOUT_MS - 50);
    expect(performance.now() - started).toBeLessThan(LOOKUP_TIMEOUT_MS + 2_000);
    expect(asked).toEqual(['hooks.example']);
    // A request's own shorter timeout bounds the lookup too.
    const short = await postWebhook({ url: `http://hooks.example:${port}/hook`, headers: {}, body: '{}', timeoutMs: 200, publicOnly: true, resolve: hanging });
    expect(short.result).toEqual({ kind: 'timeout' });
    expect(short.durationMs).toBeLessThan(1_500);
    // A resolver that answers late with a private address (rebinding) is still checked.
    const rebinding: Resolve = (_hostname, _family, callback) => {
      setTimeout(() => {
        callback(null, [{ address: '127.0.0.1', family: 4 }]);
      }, 50);
    };
    const refused = await postWebhook({ url: `http://hooks.example:${port}/hook`, headers: {}, body: '{}', timeoutMs: 2_000, publicOnly: true, resolve: rebinding });
    expect(refused.result).toMatchObject({ kind: 'refused' });
    expect(hits).toEqual([]);
  }, 15_000);
});
