import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { excelStyleWorkbook, fixtureDir, writeZip } from '../fixtures/spreadsheets.js';
import { linkedSandboxSessions } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-fuzz-admin-key-0123456789abcdefghijkl';
const { environment, openSocket, track, cleanups } = e2eHarness(ADMIN, 'fuzz');

const SEED = 20261124;
const REQUESTS = 1_200;
const CANARY = path.join(os.tmpdir(), `wab-fuzz-canary-${SEED}`);

/** mulberry32: the same seed, the same requests, on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Attack {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer | FormData;
}

describe('hostile input', () => {
  it(`${REQUESTS} generated hostile requests and uploads: never a 5xx, the worker survives, nothing written outside DATA_DIR`, async () => {
    const env = await environment({ BODY_LIMIT_BYTES: '65536', UPLOAD_MAX_BYTES: '2000000', XLSX_MAX_UNCOMPRESSED_BYTES: '20000000' });
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['fuzz-a']);
    const random = prng(SEED);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

    const dir = fixtureDir();
    cleanups.push(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const workbook = fs.readFileSync(await excelStyleWorkbook(path.join(dir, 'good.xlsx')));
    const bomb = fs.readFileSync(
      await writeZip(path.join(dir, 'bomb.xlsx'), [
        ['[Content_Types].xml', '<Types/>'],
        ['xl/workbook.xml', '<workbook/>'],
        ['xl/worksheets/sheet1.xml', Buffer.alloc(30_000_000, 0x20)],
      ]),
    );
    const hugeCell = `phone,name\n+6281234567890,${'x'.repeat(300_000)}\n`;
    const files: (() => { name: string; data: Buffer })[] = [
      () => ({ name: 'cut.xlsx', data: workbook.subarray(0, Math.floor(random() * workbook.length)) }),
      () => {
        const copy = Buffer.from(workbook);
        for (let i = 0; i < 20; i++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
        return { name: 'corrupt.xlsx', data: copy };
      },
      () => ({ name: 'bomb.xlsx', data: bomb }),
      () => ({ name: 'garbage.xlsx', data: bytes(2_000) }),
      () => ({ name: 'zip-head.xlsx', data: Buffer.concat([Buffer.from('PK\x03\x04'), bytes(500)]) }),
      () => ({ name: 'huge-cell.csv', data: Buffer.from(hugeCell) }),
      () => ({ name: 'formulas.csv', data: Buffer.from('phone,name\n+6281234567890,=cmd|\' /C calc\'!A0\n=1+1,@SUM(A1)\n') }),
      () => ({ name: 'latin1.csv', data: Buffer.concat([Buffer.from('phone,name\n+6281234567890,'), Buffer.from([0xe9, 0xff, 0xfe, 0x0a])]) }),
      () => ({ name: 'wide.csv', data: Buffer.from(`${Array.from({ length: 5_000 }, (_, i) => `c${i}`).join(',')}\n`) }),
      () => ({ name: '../../../etc/passwd', data: Buffer.from('phone\n+6281234567890\n') }),
    ];
    const traversal = ['..%2F..%2F..%2F..%2Ftmp%2F' + path.basename(CANARY), '....//....//tmp', '%00', 'a'.repeat(5_000), '%E0%A4%A', '..', 'CON', '${jndi:ldap://x}'];
    const junkValues = [null, true, -1, Number.MAX_VALUE * 2, 'x'.repeat(100_000), { __proto__: { admin: true } }, ['a'], '\u0000', '\ud800', '<script>', '{{7*7}}'];
    const junkObject = (): Record<string, unknown> => {
      const keys = ['id', 'friendlyName', 'businessUnit', 'provider', 'message', 'listId', 'sessionId', 'sessionIds', 'phones', 'name', 'pacing', 'scheduledAt', 'constructor', '__proto__'];
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 6) }, () => [pick(keys), pick(junkValues)]));
    };

    const generators: (() => Attack)[] = [
      () => ({ method: pick(['POST', 'PATCH']), url: pick(['/api/sessions/config', '/api/sessions/fuzz-a', '/api/blasts', '/api/suppressions', '/api/templates/preview', '/api/keys']), headers: { 'content-type': 'application/json' }, body: JSON.stringify(junkObject()) }),
      () => ({ method: 'POST', url: pick(['/api/blasts', '/api/suppressions', '/api/sessions/config']), headers: { 'content-type': 'application/json' }, body: Buffer.concat([Buffer.from('{"message":"'), bytes(50), Buffer.from('"}')]) }),
      () => ({ method: 'POST', url: '/api/templates/preview', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'x'.repeat(70_000) }) }),
      () => ({ method: 'POST', url: pick(['/api/blasts', '/api/sessions/config']), headers: { 'content-type': pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=zzz']) }, body: bytes(300) }),
      () => ({ method: pick(['GET', 'DELETE', 'PATCH']), url: `/api/${pick(['sessions', 'lists', 'blasts', 'suppressions'])}/${pick(traversal)}` }),
      () => ({ method: 'GET', url: `/api/${pick(['lists', 'blasts', 'suppressions', 'sessions'])}?limit=${pick(['-1', '1e9', 'abc', '%00', ''])}&offset=${pick(['-5', 'x', '99999999999999999999'])}&status=${pick(['<x>', 'running', ''])}` }),
      () => ({ method: 'GET', url: `/api/ws-ticket?${pick(['sessionId', 'blastId'])}=${pick(traversal)}` }),
      () => {
        const file = pick(files)();
        const form = new FormData();
        const route = pick(['/api/lists', '/api/blasts', '/api/suppressions/import']);
        if (route === '/api/blasts') {
          form.append('sessionId', 'fuzz-a');
          form.append('message', pick(['Hi {name}', 'Hi {{', '{a|{b|{c', '=cmd']));
          form.append('recipientsFile', new Blob([file.data]), file.name);
          if (random() < 0.3) form.append('media', new Blob([bytes(1_000)]), 'x.png');
        } else {
          form.append('businessUnit', pick(['Clinic', '../../x', '']));
          form.append('file', new Blob([file.data]), file.name);
        }
        return { method: 'POST', url: route, body: form };
      },
    ];

    const failures: { attack: string; status: number }[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, REQUESTS - i) }, async () => {
          const attack = pick(generators)();
          const response = await fetch(`${url}${attack.url}`, {
            method: attack.method,
            headers: { authorization: `Bearer ${ADMIN}`, ...attack.headers },
            ...(attack.body === undefined ? {} : { body: attack.body }),
          });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status >= 500) failures.push({ attack: `${attack.method} ${attack.url.slice(0, 120)}`, status: response.status });
        }),
      );
    }
    console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    if (failures.length > 0) console.log(product.lines.filter((line) => line.includes('unhandled error')).slice(0, 3).join('\n').slice(0, 3000));
    expect(failures).toEqual([]);

    // The worker is alive and still imports: a good list after all that becomes ready.
    expect(product.child.exitCode).toBeNull();
    expect((await call('GET', '/ready')).status).toBe(200);
    const form = new FormData();
    form.append('businessUnit', 'Clinic');
    form.append('file', new Blob([workbook]), 'good.xlsx');
    const created = (await (await fetch(`${url}/api/lists`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: form })).json()) as { listId: string };
    await events.waitFor((frame: Frame) => frame.event === 'list:progress' && frame.data.listId === created.listId && frame.data.status === 'ready', 'a good list imported after the fuzz', 60_000);
    expect(fs.existsSync(CANARY)).toBe(false);
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('issue 14, items 9-11: files and ids, headers and a 500, names', () => {
  /** The status line a raw HTTP request gets (for what fetch will not send: lying lengths, huge headers). */
  function rawStatus(url: string, request: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.end(request));
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      socket.on('close', () => {
        resolve(answer.split('\r\n')[0] ?? '');
      });
      socket.on('error', reject);
    });
  }

  it('broken bodies, lengths, headers and URLs are 4xx, every page refuses framing, an invisible unit name is refused', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const auth = { authorization: `Bearer ${ADMIN}` };
    const boundary = 'fuzzBoundary14';
    const part = (name: string, value: string): string => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const cutFile = (field: string): string => `--${boundary}\r\ncontent-disposition: form-data; name="${field}"; filename="a.csv"\r\ncontent-type: text/csv\r\n\r\nphone\n+62812345678`;
    const multipart = [
      { route: '/api/lists', body: part('businessUnit', 'Clinic') + cutFile('file') },
      { route: '/api/suppressions/import', body: part('businessUnit', 'Clinic') + cutFile('file') },
      { route: '/api/blasts', body: part('sessionId', 'nobody') + part('message', 'Hi') + cutFile('recipientsFile') },
      { route: '/api/blasts', body: part('sessionId', 'nobody') + part('message', 'Hi') + cutFile('media') },
      { route: '/api/lists', body: `--${boundary}\r\ncontent-disposition: form-da` },
      { route: '/api/lists', body: `--${boundary}--garbage\r\n\r\n` },
    ];
    for (const { route, body } of multipart) {
      for (const contentType of [`multipart/form-data; boundary=${boundary}`, 'multipart/form-data', 'multipart/form-data; boundary=', `multipart/form-data; boundary="${'b'.repeat(200)}"`]) {
        const response = await fetch(`${url}${route}`, { method: 'POST', headers: { ...auth, 'content-type': contentType }, body });
        expect({ route, contentType, status: response.status, ok: response.status >= 400 && response.status < 500 }).toEqual({ route, contentType, status: response.status, ok: true });
        await response.arrayBuffer();
      }
    }

    const host = new URL(url).host;
    const raw = [
      `GET /api/me HTTP/1.1\r\nhost: ${host}\r\nx-big: ${'a'.repeat(20_000)}\r\nconnection: close\r\n\r\n`,
      `POST /api/sessions/config HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: abc\r\nconnection: close\r\n\r\n{}`,
      `POST /api/sessions/config HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 5\r\ncontent-length: 7\r\nconnection: close\r\n\r\n{}`,
      `POST /api/sessions/config HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${ADMIN}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      `GET /api/sessions/%E0%A4%A HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${ADMIN}\r\nconnection: close\r\n\r\n`,
      `GET /api/lists?limit=%ZZ&businessUnit=%E2%80%8B HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${ADMIN}\r\nconnection: close\r\n\r\n`,
      `GET /api/%00/x HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${ADMIN}\r\nconnection: close\r\n\r\n`,
    ];
    for (const request of raw) {
      const status = await rawStatus(url, request);
      expect({ request: request.slice(0, 60), status: /^HTTP\/1\.1 4\d\d /.test(status) }).toEqual({ request: request.slice(0, 60), status: true });
    }
    for (const [contentType, body] of [['application/json; charset=latin1', '{"id":'], ['text/plain', '{"id":"x"}'], ['application/json', '\ud800'], ['application/vnd.api+json', '{}']]) {
      const response = await fetch(`${url}/api/sessions/config`, { method: 'POST', headers: { ...auth, 'content-type': contentType as string }, body });
      expect({ contentType, ok: response.status >= 400 && response.status < 500 }).toEqual({ contentType, ok: true });
      await response.arrayBuffer();
    }

    for (const page of ['/', '/api/docs/', '/admin/queues', '/api/me', '/nowhere']) {
      const response = await fetch(`${url}${page}`, { headers: { accept: 'text/html' } });
      await response.arrayBuffer();
      expect({ page, xfo: response.headers.get('x-frame-options'), frames: response.headers.get('content-security-policy')?.includes("frame-ancestors 'none'"), nosniff: response.headers.get('x-content-type-options') })
        .toEqual({ page, xfo: 'DENY', frames: true, nosniff: 'nosniff' });
    }

    for (const businessUnit of ['Clinic\u200b', '\u202eClinic', 'Cli\u00a0nic', 'Clinic\u0000']) {
      const response = await fetch(`${url}/api/sessions/config`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'unit-fuzz', friendlyName: 'x', businessUnit }) });
      expect({ businessUnit: JSON.stringify(businessUnit), status: response.status }).toEqual({ businessUnit: JSON.stringify(businessUnit), status: 400 });
      await response.arrayBuffer();
    }

    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
    expect(product.output).not.toContain('unhandled error');
  });
});
