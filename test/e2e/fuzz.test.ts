import Database from 'better-sqlite3';
import fs from 'node:fs';
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

describe('issue 14, items 5 and 6: one unit cannot stall the imports or fill the database', () => {
  it('a sheet of 16,383 identical headers, three slow lists of one unit, and refused uploads', async () => {
    const env = await environment({ UPLOAD_MAX_BYTES: '8000000' });
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    const upload = async (route: string, fields: [string, string][], file: { field: string; name: string; data: Buffer } | undefined, fieldsAfter: [string, string][] = [], key = ADMIN) => {
      const form = new FormData();
      for (const [name, value] of fields) form.append(name, value);
      if (file) form.append(file.field, new Blob([file.data]), file.name);
      for (const [name, value] of fieldsAfter) form.append(name, value);
      const response = await fetch(`${url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
      return { status: response.status, json: (await response.json()) as { listId?: string; error?: { code: string } } };
    };
    const ended = (listId: string | undefined) => (frame: Frame): boolean => frame.event === 'list:progress' && frame.data.listId === listId && frame.data.status !== 'importing';
    const csv = (rows: number, first: number): Buffer =>
      Buffer.from(`phone,name\n${Array.from({ length: rows }, (_, index) => `0812${String(first + index).padStart(8, '0')},P${index}`).join('\n')}\n`);

    // 16,383 headers all "a" (the phone column named "a"): refused by the column limit, at once.
    const wide = await upload('/api/lists', [['businessUnit', 'Clinic'], ['phoneColumn', 'a']], { field: 'file', name: 'wide.csv', data: Buffer.from(`${Array.from({ length: 16_383 }, () => 'a').join(',')}\n0812000000001\n`) });
    expect(wide.status).toBe(202);
    const wideEnd = await events.waitFor(ended(wide.json.listId), 'the wide list ended', 20_000);
    expect(wideEnd.data).toMatchObject({ status: 'failed', error: { code: 'TOO_MANY_COLUMNS' } });

    // Three slow lists of Clinic, then two rows of Sales: Sales's list is not held behind all three.
    const backlog: (string | undefined)[] = [];
    for (let index = 0; index < 3; index += 1) backlog.push((await upload('/api/lists', [['businessUnit', 'Clinic']], { field: 'file', name: 'big.csv', data: csv(100_000, index * 100_000) })).json.listId);
    const small = await upload('/api/lists', [['businessUnit', 'Sales']], { field: 'file', name: 'small.csv', data: csv(2, 0) });
    await events.waitFor(ended(small.json.listId), 'the small list ended', 60_000);
    const smallEndedAt = product.lines.length;
    for (const listId of backlog) await events.waitFor(ended(listId), 'a backlog list ended', 120_000);
    const thirdStarted = product.lines.findIndex((line) => line.includes('"job started"') && line.includes(`list-${String(backlog[2])}`));
    expect(thirdStarted).toBeGreaterThan(smallEndedAt);

    // Refused uploads store nothing; deleted lists take their files with them.
    const key = await call<{ secret: string }>('POST', '/api/keys', { name: 'sales', businessUnit: 'Sales' });
    const big = { field: 'file', name: 'big.csv', data: csv(100_000, 500_000) };
    const refused = [
      await upload('/api/lists', [], big, [['businessUnit', 'Clinic']], key.json.secret),
      await upload('/api/lists', [['businessUnit', 'Sales']], { field: 'file', name: 'old.xls', data: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]) }),
      await upload('/api/lists', [['businessUnit', 'Sales']], big, [['defaultCountry', 'XX']]),
      await upload('/api/blasts', [['message', 'Hi']], { field: 'recipientsFile', name: 'r.csv', data: big.data }, [['sessionId', 'nobody']]),
    ];
    expect(refused.map((response) => [response.status, response.json.error?.code])).toEqual([
      [403, 'BUSINESS_UNIT_FORBIDDEN'],
      [415, 'UNSUPPORTED_FILE_TYPE'],
      [400, 'VALIDATION_FAILED'],
      [404, 'SESSION_NOT_FOUND'],
    ]);
    for (const listId of [wide.json.listId, small.json.listId, ...backlog]) expect((await call('DELETE', `/api/lists/${String(listId)}`)).status).toBe(204);
    const database = new Database(env.DATABASE_URL ?? '', { readonly: true });
    cleanups.push(() => {
      database.close();
    });
    expect(database.prepare('SELECT (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM blob_chunks) AS chunks').get()).toEqual({ blobs: 0, chunks: 0 });
  });
});
