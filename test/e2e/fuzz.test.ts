import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { excelStyleWorkbook, fixtureDir, writeZip } from '../fixtures/spreadsheets.js';
import { sql } from 'kysely';
import { linkedSandboxSessions, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { openProductDatabase } from '../support/databases.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { nextNewYorkSpringForward } from '../support/dst.js';
import { startApiProduct } from '../support/product.js';
import { EventSocket, isStatus, UpgradeRefused, type Frame } from '../support/ws-client.js';
import { prng } from '../support/prng.js';

const ADMIN = 'e2e-fuzz-admin-key-0123456789abcdefghijkl';
const { environment, openSocket, track, keep, cleanups } = e2eHarness(ADMIN, 'fuzz');

const SEED = 20261124;
const REQUESTS = 1_200;
const CANARY = path.join(os.tmpdir(), `wab-fuzz-canary-${SEED}`);

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

describe('issue 14, items 7 and 8: failed authentication and WebSockets', () => {
  it('a flood of wrong credentials on every door ends in 429 AUTH_RATE_LIMITED (never a 5xx), while the admin key known from that address keeps working', async () => {
    const env = await environment({ AUTH_FAILURES_PER_MINUTE: '20' });
    const { product, url } = await startApiProduct('api', env);
    track(product);
    const call = apiClient(url, ADMIN);
    expect((await call('GET', '/api/me')).status).toBe(200);
    const random = prng(SEED + 7);
    const junk = (): string => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 60) }, () => 33 + Math.floor(random() * 90))).toString();
    const doors: (() => Promise<number>)[] = [
      async () => (await fetch(`${url}/api/sessions`, { headers: { authorization: `Bearer wab_${junk()}` } })).status,
      async () => (await fetch(`${url}/api/ws-ticket`, { headers: { 'x-api-key': junk() } })).status,
      async () => (await fetch(`${url}/api/blasts`, { method: 'POST' })).status,
      async () => (await fetch(`${url}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`admin:${junk()}`).toString('base64')}` } })).status,
      async () => (await fetch(`${url}/metrics`, { headers: { authorization: `Basic ${Buffer.from(junk()).toString('base64')}` } })).status,
      () => EventSocket.open(url, junk()).then(
        (socket) => {
          socket.close();
          return 101;
        },
        (error: unknown) => (error instanceof UpgradeRefused ? error.status : 0),
      ),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 120; i += 8) statuses.push(...(await Promise.all(Array.from({ length: 8 }, () => (doors[Math.floor(random() * doors.length)] ?? doors[0])?.() ?? Promise.resolve(0)))));
    expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
    expect(statuses.filter((status) => status === 401)).toHaveLength(20);
    const limited = await fetch(`${url}/api/sessions`, { headers: { authorization: 'Bearer wab_one-more' } });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('AUTH_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('GET', '/api/sessions')).status).toBe(200);
  });

  it('a key asking for tickets and sockets without end is capped, and its revocation closes them all', async () => {
    const env = await environment({ WS_MAX_SOCKETS_PER_KEY: '5' });
    const { product, url } = await startApiProduct('api', env);
    track(product);
    const created = await apiClient(url, ADMIN)<{ key: { id: string }; secret: string }>('POST', '/api/keys', { name: 'greedy', businessUnit: 'Clinic' });
    const greedy = apiClient(url, created.json.secret);
    // Its first request makes it known from this address (a burst of an unknown key's first requests counts as guesses until they succeed).
    expect((await greedy('GET', '/api/me')).status).toBe(200);
    const tickets = await Promise.all(Array.from({ length: 40 }, () => greedy<{ ticket?: string; error?: { code: string } }>('GET', '/api/ws-ticket')));
    expect(tickets.filter((answer) => answer.status === 200)).toHaveLength(5);
    expect([...new Set(tickets.filter((answer) => answer.status !== 200).map((answer) => `${answer.status} ${String(answer.json.error?.code)}`))]).toEqual(['429 WS_LIMIT_REACHED']);
    const granted = tickets.flatMap((answer) => (answer.json.ticket === undefined ? [] : [answer.json.ticket]));
    const sockets = await Promise.all(granted.slice(0, 4).map((ticket) => EventSocket.open(url, ticket)));
    for (const socket of sockets) keep(socket);
    expect((await apiClient(url, ADMIN)('DELETE', `/api/keys/${created.json.key.id}`)).status).toBe(200);
    expect(await Promise.all(sockets.map((socket) => socket.closed))).toEqual(sockets.map(() => ({ code: 4403 })));
    await expect(EventSocket.open(url, granted[4] ?? '')).rejects.toMatchObject({ status: 401 });
  });
});

describe('sandbox settings and message size (issue 14, items 3 and 4)', () => {
  it('refuses unbounded sandbox settings; settings stored before neither spin the QR loop nor hold a blast in running', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const call = apiClient(url, ADMIN);
    const hostile: Record<string, unknown>[] = [
      { qrRotateMs: 0 },
      { qrRotateMs: -1 },
      { notOnWhatsApp: null },
      { notOnWhatsApp: { suffixes: [null], numbers: 'all' } },
      { notOnWhatsApp: { numbers: Array.from({ length: 2_000 }, () => '+6281200000001') } },
      { sendLatencyMs: 2_147_483_647 },
      { deliveryDelayMs: 1e300, readDelayMs: -5 },
      { transientFailureRate: 2 },
      { restrictAfterSends: 'soon' },
      { linkMode: 'loop' },
      { phone: `+${'9'.repeat(10_000)}` },
      { qrRotateMS: 0, extra: true },
      { seed: -1 },
    ];
    expect((await call('POST', '/api/sessions/config', { id: 'fuzz-sbx', friendlyName: 'x', businessUnit: 'Clinic', provider: 'sandbox' })).status).toBe(201);
    for (const sandbox of hostile) {
      const created = await call<{ error: { code: string } }>('POST', '/api/sessions/config', { id: 'fuzz-sbx-2', friendlyName: 'x', businessUnit: 'Clinic', provider: 'sandbox', sandbox });
      const patched = await call<{ error: { code: string } }>('PATCH', '/api/sessions/fuzz-sbx', { sandbox });
      expect({ sandbox, created: [created.status, created.json.error.code], patched: [patched.status, patched.json.error.code] }).toEqual({
        sandbox,
        created: [400, 'VALIDATION_FAILED'],
        patched: [400, 'VALIDATION_FAILED'],
      });
    }

    // As a version without bounds stored them: written straight into the database.
    const database = openProductDatabase(String(env.DATABASE_URL));
    const stored = { linkMode: 'scan', qrRotateMs: 0, notOnWhatsApp: null, deliveryDelayMs: null };
    await sql`UPDATE session_configs SET sandbox = ${JSON.stringify(stored)} WHERE id = 'fuzz-sbx'`.execute(database.db);
    await database.close();
    const events = await openSocket(url, '?sessionId=fuzz-sbx');
    expect((await call('POST', '/api/sessions/fuzz-sbx/connect')).status).toBe(202);
    const qr = await events.waitFor((frame) => frame.event === 'qr:update', 'the first QR code');
    // The next QR comes no sooner than the 5 s minimum, not in a loop.
    expect(Date.parse(String(qr.data.expiresAt)) - Date.now()).toBeGreaterThan(3_000);
    expect((await call('POST', '/api/sessions/fuzz-sbx/sandbox/scan')).status).toBe(202);
    await events.waitFor(isStatus('fuzz-sbx', 'connected'), 'fuzz-sbx connected');
    expect(events.frames.filter((frame) => frame.event === 'qr:update').length).toBeLessThanOrEqual(2);

    const all = await openSocket(url);
    const csv = 'phone,name\n+6281200000001,A\n+6281200000002,B\n+6281200000003,C\n';
    const blast = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-sbx', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: Buffer.from(csv) } });
    expect(blast.status).toBe(202);
    const done = await all.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blast.json.blastId, 'the blast to complete', 15_000);
    expect(done.data).toMatchObject({ status: 'completed', sent: 3, failed: 0 });
    expect(product.output).not.toContain('unhandled error');
  });

  it('never builds a message or a preview past WhatsApp\'s limit: 32,767-character cells used thousands of times', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['fuzz-long']);
    const cell = 'w'.repeat(32_767);
    const csv = `phone,a,b\n${Array.from({ length: 20 }, (_, i) => `+62812000001${String(i).padStart(2, '0')},${cell},${cell}`).join('\n')}\n`;
    const form = new FormData();
    form.append('businessUnit', 'Clinic');
    form.append('file', new Blob([csv]), 'wide.csv');
    const list = (await (await fetch(`${url}/api/lists`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: form })).json()) as { listId: string };
    await events.waitFor((frame: Frame) => frame.event === 'list:progress' && frame.data.listId === list.listId && frame.data.status === 'ready', 'the list imported');

    const templates = ['{a}'.repeat(21_000), `{a}{b}${'{x|{a}}'.repeat(100)}`, '{a}{b}{a}', `${'{a|b|c}'.repeat(9_000)}{a}{b}{a}`];
    for (const message of templates) {
      const started = Date.now();
      const preview = await call<{ error: { code: string } }>('POST', '/api/templates/preview', { message, listId: list.listId, count: 20 });
      const created = await call<{ error: { code: string } }>('POST', '/api/blasts', { sessionId: 'fuzz-long', message, listId: list.listId });
      expect({ length: message.length, preview: [preview.status, preview.json.error.code], created: [created.status, created.json.error.code] }).toEqual({
        length: message.length,
        preview: [422, 'MESSAGE_TOO_LONG'],
        created: [422, 'MESSAGE_TOO_LONG'],
      });
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    // Uploaded with the blast, the file is not known at creation: each message is checked as it is sent.
    const blast = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-long', message: '{a}{b}{a}' }, recipientsFile: { name: 'wide.csv', data: Buffer.from(csv) } });
    expect(blast.status).toBe(202);
    const done = await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blast.json.blastId, 'the blast to complete', 30_000);
    expect(done.data).toMatchObject({ status: 'completed', total: 20, sent: 0, failed: 20 });
    const outbox = await call<{ total: number }>('GET', '/api/sessions/fuzz-long/sandbox/outbox');
    expect(outbox.json.total).toBe(0);
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('issue 14, item 1: one estimate freezes the api and the worker', () => {
  it('estimates with a window whose start hour the clocks skip, on that night, answer within 2 s while the process keeps answering; out-of-bounds numbers and dates are 400s', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    expect((await call('POST', '/api/sessions/config', { id: 'dst-a', friendlyName: 'DST', businessUnit: 'Clinic', provider: 'sandbox' })).status).toBe(201);
    const night = nextNewYorkSpringForward();
    const attack = (startHour: number, timezone: string, scheduledAt: Date) => ({
      sessionIds: ['dst-a'],
      recipients: 100_000_000,
      scheduledAt: scheduledAt.toISOString(),
      pacing: { minDelayMs: 1, maxDelayMs: 1, hourlyCap: 1, window: { startHour, endHour: startHour + 3, timezone } },
    });
    const estimate = async (body: unknown): Promise<{ status: number; ms: number; json: { error?: { code: string } } }> => {
      const began = performance.now();
      const response = await fetch(`${url}/api/blasts/estimate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, json: (await response.json()) as { error?: { code: string } }, ms: performance.now() - began };
    };

    // Four at once, on the nights New York, Santiago and Beirut skip an hour (the last two at midnight), and beside them a plain request.
    const bodies = [
      attack(2, 'America/New_York', night),
      attack(2, 'America/New_York', new Date(night.getTime() + 20 * 60_000)),
      attack(0, 'America/Santiago', new Date(night.getTime() + 1_000)),
      attack(0, 'Asia/Beirut', new Date(night.getTime() + 2_000)),
    ];
    const estimates = Promise.all(bodies.map(estimate));
    const began = performance.now();
    const health = await fetch(`${url}/api/sessions`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    expect(performance.now() - began).toBeLessThan(1_000);
    for (const answered of await estimates) {
      expect(answered.status).toBe(200);
      expect(answered.ms).toBeLessThan(2_000);
    }

    // Numbers and dates out of bounds: a 400 with a code, never a 5xx nor a long computation.
    const DAY = 86_400_000;
    const refused: [unknown, string][] = [
      [{ ...attack(2, 'America/New_York', night), scheduledAt: new Date(Date.now() + 400 * DAY).toISOString() }, 'SCHEDULE_TOO_FAR'],
      [{ ...attack(2, 'America/New_York', night), scheduledAt: '9999-12-31T23:59:59Z' }, 'SCHEDULE_TOO_FAR'],
      [{ ...attack(2, 'America/New_York', night), scheduledAt: '1970-01-01T00:00:00Z' }, 'SCHEDULE_IN_PAST'],
      [{ ...attack(2, 'America/New_York', night), recipients: 1e12 }, 'VALIDATION_FAILED'],
      [{ ...attack(2, 'America/New_York', night), pacing: { window: { startHour: 2, endHour: 5, timezone: 'America/New_York' }, hourlyCap: 1e300 } }, 'VALIDATION_FAILED'],
      [{ ...attack(2, 'America/New_York', night), messageLength: 1e9 }, 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of refused) {
      const answered = await estimate(body);
      expect({ status: answered.status, code: answered.json.error?.code }).toEqual({ status: 400, code });
      expect(answered.ms).toBeLessThan(2_000);
    }
    const farBlast = await call<{ error: { code: string } }>('POST', '/api/blasts', { sessionId: 'dst-a', message: 'Hi', listId: '00000000-0000-4000-8000-000000000000', scheduledAt: '9999-12-31T23:59:59Z' });
    expect(farBlast.status).toBeLessThan(500);
    expect(product.child.exitCode).toBeNull();
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('deleted and reused sessions (issue 14, item 2)', () => {
  it('hostile deletes, moves and re-creations of a session with an unfinished blast: never a 5xx, never a send from another session', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['fz-reuse'], { businessUnit: 'Sales' });
    const created = await postBlast(url, ADMIN, {
      fields: { sessionId: 'fz-reuse', message: 'Sales offer {name}', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() },
      recipientsFile: { name: 'sales.csv', data: recipientsCsv(10) },
    });
    const blastId = String(created.json.blastId);
    for (;;) {
      const status = (await call<{ status: string }>('GET', `/api/blasts/${blastId}`)).json.status;
      if (status === 'scheduled') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Everything but an explicit cancelBlasts=true: refused, the session and its blast kept.
    const junk = ['', 'false', '1', 'yes', 'TRUE', '%00', 'true%00', '[]', 'false&cancelBlasts=true', 'x'.repeat(5_000)];
    // (' Sales', 'sales' and 'SALES' are not among them: a unit is one whatever its case or spacing
    // (issue 22), so they are the session's own unit, and no move.)
    const units: unknown[] = ['Clinic', 'Sales\u200b', '', null, 7, ['Clinic'], { name: 'Clinic' }];
    const attacks: Promise<{ what: string; status: number }>[] = [
      ...junk.map(async (value) => ({ what: `DELETE cancelBlasts=${value.slice(0, 20)}`, status: (await call('DELETE', `/api/sessions/fz-reuse?cancelBlasts=${value}`)).status })),
      ...units.map(async (unit) => ({ what: `PATCH businessUnit=${JSON.stringify(unit)}`, status: (await call('PATCH', '/api/sessions/fz-reuse', { businessUnit: unit })).status })),
      ...['fz-reuse', 'FZ-REUSE', 'fz-reuse ', 'fz-reuse\u0000'].map(async (id) => ({ what: `POST config ${JSON.stringify(id)}`, status: (await call('POST', '/api/sessions/config', { id, friendlyName: 'Clinic', businessUnit: 'Clinic', provider: 'sandbox' })).status })),
    ];
    const answers = await Promise.all(attacks);
    expect(answers.filter((answer) => answer.status >= 500)).toEqual([]);
    expect(answers.filter((answer) => answer.status === 204 || answer.status === 201 || answer.status === 200).map((answer) => answer.what)).toEqual([]);
    expect((await call<{ businessUnit: string }>('GET', '/api/sessions/fz-reuse')).json.businessUnit).toBe('Sales');
    expect((await call<{ status: string }>('GET', `/api/blasts/${blastId}`)).json.status).toBe('scheduled');
    for (const spelling of [' Sales ', 'sales', 'SALES']) {
      const sameUnit = await call<{ businessUnit: string }>('PATCH', '/api/sessions/fz-reuse', { businessUnit: spelling });
      expect({ status: sameUnit.status, unit: sameUnit.json.businessUnit }).toEqual({ status: 200, unit: 'Sales' });
    }
    expect((await call<{ status: string }>('GET', `/api/blasts/${blastId}`)).json.status).toBe('scheduled');

    // A delete that cancels its blast raced by Clinic taking the id and connecting it, again and again.
    const race = await Promise.all([
      call('DELETE', '/api/sessions/fz-reuse?cancelBlasts=true'),
      ...Array.from({ length: 6 }, async () => {
        const taken = await call('POST', '/api/sessions/config', { id: 'fz-reuse', friendlyName: 'Clinic', businessUnit: 'Clinic', provider: 'sandbox', sandbox: { linkMode: 'auto', autoLinkMs: 20 } });
        return taken.status === 201 ? call('POST', '/api/sessions/fz-reuse/connect') : taken;
      }),
    ]);
    expect(race.filter((answer) => answer.status >= 500)).toEqual([]);
    // Cancelled by the delete that won, and never sent, from either session.
    expect((await call('GET', `/api/blasts/${blastId}`)).json).toMatchObject({ status: 'cancelled', sent: 0, skipped: 10 });
    const after = await call<{ businessUnit: string }>('GET', '/api/sessions/fz-reuse');
    expect([200, 404]).toContain(after.status);
    if (after.status === 200) expect(after.json.businessUnit).toBe('Clinic');
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
    const database = openProductDatabase(String(env.DATABASE_URL));
    cleanups.push(() => database.close());
    const counted = await sql<{ blobs: number | string; chunks: number | string }>`SELECT (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM blob_chunks) AS chunks`.execute(database.db);
    expect(counted.rows.map((row) => ({ blobs: Number(row.blobs), chunks: Number(row.chunks) }))).toEqual([{ blobs: 0, chunks: 0 }]);
  });
});

describe('issue 14, items 9-11: files and ids, headers and a 500, names', () => {
  /** The status line a raw HTTP request gets (for what fetch will not send: lying lengths, huge headers). */
  function rawStatus(url: string, request: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      // Written, not ended: a client that half-closes before the answer may get none (Node's server ends such a socket).
      const socket = net.connect(Number(port), hostname, () => socket.write(request));
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
        if (answer.includes('\r\n')) socket.destroy();
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

describe('hostile input: the sandbox capping signal (issue 15, item 2)', () => {
  it('refuses out-of-bounds quota, usage and cycle end with a 400 and a code, never a 5xx, and accepts a sane one', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['fuzz-cap']);
    const soon = new Date(Date.now() + 60_000).toISOString();
    // (Numbers in strings, null and one-element arrays are coerced by the schema's validator to sane integers, as everywhere in the API.)
    const bad: Record<string, unknown>[] = [
      { quota: -1 },
      { quota: 1.5 },
      { quota: 1_000_001 },
      { quota: Number.MAX_SAFE_INTEGER },
      { used: -5 },
      { used: 1e308 },
      { resetsAt: 'tomorrow' },
      { resetsAt: '2026-13-45T99:99:99Z' },
      { resetsAt: `${soon}${' '.repeat(100)}` },
      { resetsAt: new Date(Date.now() - 60_000).toISOString() },
      { resetsAt: new Date(Date.now() + 40 * 86_400_000).toISOString() },
      { resetsAt: '+275760-09-13T00:00:00.000Z' },
      { resetsAt: 12345 },
      { state: 'NONE' },
      { state: 'capped' },
      { extra: true },
    ];
    const answers = [];
    for (const fields of bad) {
      const response = await call<{ error?: { code: string } }>('POST', '/api/sessions/fuzz-cap/sandbox/signal', { kind: 'capping', state: 'CAPPED', ...fields });
      answers.push({ fields, status: response.status, code: response.json.error?.code });
    }
    expect(answers).toEqual(bad.map((fields) => ({ fields, status: 400, code: 'VALIDATION_FAILED' })));
    const fine = await call('POST', '/api/sessions/fuzz-cap/sandbox/signal', { kind: 'capping', state: 'SECOND_WARNING', quota: 1_000_000, used: 0, resetsAt: soon });
    expect(fine.status).toBe(202);
  });
});

describe('issue 15, items 3 and 7: sandbox inbound while disconnected, number-check settings', () => {
  it('refuses hostile inbound messages and checkNumbers values with a 4xx, bounds the backlog, and stays up', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const call = apiClient(url, ADMIN);
    expect((await call('POST', '/api/sessions/config', { id: 'fuzz-inbound', friendlyName: 'x', businessUnit: 'Clinic', provider: 'sandbox' })).status).toBe(201);
    expect((await call('POST', '/api/sessions/config', { id: 'fuzz-real', friendlyName: 'x', businessUnit: 'Clinic' })).status).toBe(201);

    const from = '+6281200000001';
    const hostile: Record<string, unknown>[] = [
      { from, text: 'STOP', whileDisconnected: 'yes' },
      { from, text: 'STOP', whileDisconnected: 2 },
      { from, text: 'STOP', whileDisconnected: {} },
      { from, text: 'STOP', messageId: '' },
      { from, text: 'STOP', messageId: 'A'.repeat(65) },
      { from, text: 'STOP', messageId: '../../etc/passwd' },
      { from, text: 'STOP', messageId: 'id with spaces' },
      { from, text: 'STOP', messageId: 'ID\u0000' },
      { from, text: 'STOP', messageId: '3EB0\u200b' },
      { from, text: 'STOP', messageId: ['3EB0', '3EB1'] },
      { from, text: 'STOP', whileDisconnected: true, extra: 1 },
      { from: '6281200000001', text: 'STOP', whileDisconnected: true },
      { from, text: 'x'.repeat(4_097), whileDisconnected: true },
      { from, text: '', whileDisconnected: true },
    ];
    for (const body of hostile) {
      const response = await call<{ error?: { code: string } }>('POST', '/api/sessions/fuzz-inbound/sandbox/inbound', body);
      expect({ body, status: response.status, code: response.json.error?.code }).toEqual({ body, status: 400, code: 'VALIDATION_FAILED' });
    }
    const good = { from, text: 'STOP', whileDisconnected: true, messageId: '3EB0FUZZ' };
    expect((await call<{ error: { code: string } }>('POST', '/api/sessions/fuzz-real/sandbox/inbound', good)).json.error.code).toBe('NOT_SANDBOX');
    expect((await call('POST', '/api/sessions/nobody/sandbox/inbound', good)).status).toBe(404);

    // The backlog is bounded: a session that never connects cannot fill the database.
    const database = openProductDatabase(String(env.DATABASE_URL));
    const { uid } = await database.db.selectFrom('session_configs').select('uid').where('id', '=', 'fuzz-inbound').executeTakeFirstOrThrow();
    const rows = Array.from({ length: 999 }, (_, i) => ({ session_id: 'fuzz-inbound', session_uid: uid, seq: i + 1, message_id: `3EB0${i}`, sender: from, text: 'x', queued_at: new Date().toISOString() }));
    for (let start = 0; start < rows.length; start += 200) await database.db.insertInto('sandbox_backlog').values(rows.slice(start, start + 200)).execute();
    await database.close();
    expect((await call('POST', '/api/sessions/fuzz-inbound/sandbox/inbound', good)).status).toBe(202);
    const full = await call<{ error: { code: string } }>('POST', '/api/sessions/fuzz-inbound/sandbox/inbound', good);
    expect([full.status, full.json.error.code]).toEqual([409, 'SANDBOX_BACKLOG_FULL']);

    for (const checkNumbers of ['yes', 2, {}, [true, false], 'null']) {
      const created = await call<{ error?: { code: string } }>('POST', '/api/sessions/config', { id: 'fuzz-checks', friendlyName: 'x', businessUnit: 'Clinic', checkNumbers });
      const patched = await call<{ error?: { code: string } }>('PATCH', '/api/sessions/fuzz-real', { checkNumbers });
      expect({ checkNumbers, created: [created.status, created.json.error?.code], patched: [patched.status, patched.json.error?.code] }).toEqual({
        checkNumbers,
        created: [400, 'VALIDATION_FAILED'],
        patched: [400, 'VALIDATION_FAILED'],
      });
    }
    expect((await call<{ checkNumbers: boolean }>('PATCH', '/api/sessions/fuzz-real', { checkNumbers: false })).json.checkNumbers).toBe(false);
    expect((await call<{ checkNumbers: boolean }>('PATCH', '/api/sessions/fuzz-real', { checkNumbers: null })).json.checkNumbers).toBe(true);
    expect((await call<{ checkNumbers: boolean }>('GET', '/api/sessions/fuzz-inbound')).json.checkNumbers).toBe(false);

    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('issue 15, item 1: sandbox signals (error acks, time-lock, disconnect)', () => {
  it('refuses every malformed signal with a 4xx and a machine-readable code; the worker survives what it accepts', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    const created = await call('POST', '/api/sessions/config', {
      id: 'signal-fuzz',
      friendlyName: 'Signals',
      businessUnit: 'Clinic',
      provider: 'sandbox',
      sandbox: { linkMode: 'auto', autoLinkMs: 20 },
    });
    expect(created.status).toBe(201);
    expect((await call('POST', '/api/sessions/signal-fuzz/connect')).status).toBe(202);
    await events.waitFor(isStatus('signal-fuzz', 'connected'), 'signal-fuzz connected');

    // (A number where a string is due, or the reverse, is coerced as everywhere in the API: `"code": 463` is `"463"`.)
    const hostile: unknown[] = [
      null,
      [],
      'ack_error',
      {},
      { kind: 'ack_error' },
      { kind: 'ack_error', code: '46' },
      { kind: 'ack_error', code: '4630' },
      { kind: 'ack_error', code: '46a' },
      { kind: 'ack_error', code: '463', extra: true },
      { kind: 'ack_error', code: '١٢٣' },
      { kind: 'ack_error', code: '9'.repeat(100_000) },
      { kind: 'timelock' },
      { kind: 'timelock', until: 'tomorrow' },
      { kind: 'timelock', until: 1_700_000_000 },
      { kind: 'timelock', until: `2026-01-01T00:00:00${'0'.repeat(50)}Z` },
      { kind: 'timelock', until: '2026-13-45T99:99:99Z' },
      { kind: 'timelock', until: '' },
      { kind: 'disconnect' },
      { kind: 'disconnect', code: 402.5 },
      { kind: 'disconnect', code: 399 },
      { kind: 'disconnect', code: 600 },
      { kind: 'disconnect', code: -1 },
      { kind: 'disconnect', code: Number.MAX_SAFE_INTEGER },
      { kind: 'capping', state: 'BANNED' },
      { kind: 'whatever', code: '463' },
      { kind: '__proto__', code: '463' },
      { __proto__: { kind: 'ack_error', code: '463' } },
    ];
    for (const body of hostile) {
      const response = await fetch(`${url}/api/sessions/signal-fuzz/sandbox/signal`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { error?: { code?: unknown } };
      const shown = (JSON.stringify(body) as string | undefined)?.slice(0, 80);
      expect({ body: shown, status: response.status, code: typeof answer.error?.code }).toEqual({ body: shown, status: 400, code: 'string' });
    }
    // Not a sandbox, or not there: 4xx, never a 5xx.
    expect((await call('POST', '/api/sessions/nobody/sandbox/signal', { kind: 'ack_error', code: '463' })).status).toBe(404);

    // Accepted ones, far-out dates included, leave the worker answering (no timer overflow, no crash).
    for (const body of [
      { kind: 'timelock', until: '9999-12-31T23:59:59Z' },
      { kind: 'timelock', until: '1970-01-01T00:00:00Z' },
      { kind: 'ack_error', code: '999' },
      { kind: 'ack_error', code: '000' },
      { kind: 'disconnect', code: 599 },
      { kind: 'disconnect', code: 500 },
    ]) {
      expect((await call('POST', '/api/sessions/signal-fuzz/sandbox/signal', body)).status).toBe(202);
    }
    expect((await call<{ restriction: unknown }>('GET', '/api/sessions/signal-fuzz')).status).toBe(200);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('hostile replies (issue 16)', () => {
  it('refuses bad sandbox replies and paging with a 4xx and a code; an oversized or odd reply never breaks the blast figures', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['reply-fuzz']);
    const created = await postBlast(url, ADMIN, {
      fields: { name: 'Reply fuzz', sessionId: 'reply-fuzz', message: 'Hi {name}' },
      recipientsFile: { name: 'people.csv', data: recipientsCsv(2) },
    });
    const blastId = String(created.json.blastId);
    await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId, 'blast:completed', 60_000);
    const from = '+6281200000001';

    const hostile: unknown[] = [
      {},
      { from },
      { from, text: '' },
      { from, kind: 'text' },
      { from, text: 'x'.repeat(4_097) },
      { from, text: 'hi', kind: 'hologram' },
      { from, text: 'hi', kind: ['image', 'video'] },
      { from, text: 'hi', viaLid: 'sometimes' },
      { from, text: 'hi', viaLid: { yes: true } },
      { from, text: 'hi', messageId: 'x'.repeat(65) },
      { from, text: 'hi', messageId: '../../etc' },
      { from: 'lid:123', text: 'hi', viaLid: true },
      { from: '123456789012345@lid', text: 'hi' },
      { from, text: 'hi', extra: 1 },
      { from, text: { toString: 'STOP' } },
      { __proto__: { from, text: 'hi' } },
    ];
    // (A one-element array or a number where a string is due is coerced as everywhere in the API.)
    for (const body of hostile) {
      const response = await fetch(`${url}/api/sessions/reply-fuzz/sandbox/inbound`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { error?: { code?: unknown } };
      const shown = (JSON.stringify(body) as string | undefined)?.slice(0, 80);
      expect({ body: shown, status: response.status, code: typeof answer.error?.code }).toEqual({ body: shown, status: 400, code: 'string' });
    }

    for (const query of ['limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'offset=-1', 'offset=1e400', 'limit=1&limit=2', 'cursor=1', 'replied=maybe']) {
      for (const route of ['recipients', 'replies']) {
        if (query === 'replied=maybe' && route === 'replies') continue;
        const response = await call<{ error?: { code?: string } }>('GET', `/api/blasts/${blastId}/${route}?${query}`);
        expect({ route, query, status: response.status, code: typeof response.json.error?.code }).toEqual({ route, query, status: 400, code: 'string' });
      }
    }
    expect((await call('GET', '/api/blasts/00000000-0000-4000-8000-000000000000/replies')).status).toBe(404);
    expect((await call('GET', '/api/blasts/not-a-uuid/replies')).status).toBeLessThan(500);

    // Control characters (NUL first: PostgreSQL refuses it in text) are refused, not stored; line ends and tabs are text.
    for (const text of ['a\u0000b', '\u0007', 'x\u001b[31m']) {
      const refused = await call<{ error: { code: string } }>('POST', '/api/sessions/reply-fuzz/sandbox/inbound', { from, text });
      expect({ text, status: refused.status, code: refused.json.error.code }).toEqual({ text, status: 400, code: 'VALIDATION_FAILED' });
    }
    // The largest text allowed, with emoji, a bidi override and line ends, by LID; then a caption-less sticker: stored, bounded, counted once.
    const big = `${'😀'.repeat(2_000)}\u202e\r\n\t${'a'.repeat(92)}`;
    expect((await call('POST', '/api/sessions/reply-fuzz/sandbox/inbound', { from, text: big, viaLid: true, messageId: 'BIG1' })).status).toBe(202);
    expect((await call('POST', '/api/sessions/reply-fuzz/sandbox/inbound', { from, kind: 'sticker', messageId: 'STK1' })).status).toBe(202);
    await events.waitFor((frame) => frame.event === 'message:replied' && frame.data.kind === 'sticker', 'the sticker reply', 20_000);
    await events.waitFor((frame) => frame.event === 'message:replied' && frame.data.kind === 'text', 'the big reply', 20_000);
    const replies = await call<{ items: { text: string | null; kind: string }[]; total: number }>('GET', `/api/blasts/${blastId}/replies?limit=1000&offset=0`);
    expect(replies.json.total).toBe(2);
    expect(replies.json.items.find((item) => item.kind === 'text')?.text).toBe(big);
    expect((await call<Record<string, unknown>>('GET', `/api/blasts/${blastId}`)).json).toMatchObject({ replied: 1, replyRate: 0.5 });
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
  });
});

describe('issue 16: hostile follow-up fields', () => {
  it('refuses bad durations, huge or ambiguous after, unknown segments and parents of other units with a clear 4xx, and makes nothing', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['fuzz-clinic']);
    await linkedSandboxSessions(call, events, ['fuzz-sales'], { businessUnit: 'Sales' });
    const parent = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-clinic', message: 'Hi {name}' }, recipientsFile: { name: 'p.csv', data: recipientsCsv(2) } });
    const parentId = String(parent.json.blastId);
    await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === parentId, 'the parent to complete', 30_000);
    const listId = (await call<{ listId: string }>('GET', `/api/blasts/${parentId}`)).json.listId;
    const key = await call<{ secret: string }>('POST', '/api/keys', { name: 'fuzz-sales', businessUnit: 'Sales' });
    const sales = apiClient(url, key.json.secret);

    const base = { sessionId: 'fuzz-clinic', message: 'Again {name}', followUpOf: parentId, segment: 'delivered' };
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...base, after: 'PT' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: 'P1Y' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: 'P1M' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: '-PT1H' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: 'PT\u0663H' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: '24h' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: 'PT1E9S' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: 'P367D' }, 400, 'AFTER_TOO_FAR'],
      [{ ...base, after: 'P9999999999999999999D' }, 400, 'INVALID_DURATION'],
      [{ ...base, after: 'PT9999999999S' }, 400, 'AFTER_TOO_FAR'],
      [{ ...base, after: 'PT1H'.repeat(100) }, 400, 'VALIDATION_FAILED'],
      [{ ...base, after: 86_400 }, 400, 'VALIDATION_FAILED'],
      [{ ...base, segment: 'everyone' }, 400, 'UNKNOWN_SEGMENT'],
      [{ ...base, segment: '__proto__' }, 400, 'UNKNOWN_SEGMENT'],
      [{ ...base, segment: 'x'.repeat(1_000) }, 400, 'VALIDATION_FAILED'],
      [{ ...base, segment: ['delivered'] }, 400, 'VALIDATION_FAILED'],
      [{ ...base, followUpOf: 'garbage' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, followUpOf: "' OR 1=1 --" }, 400, 'VALIDATION_FAILED'],
      [{ ...base, followUpOf: '00000000-0000-4000-8000-000000000000' }, 404, 'PARENT_NOT_FOUND'],
      [{ ...base, listId }, 400, 'FOLLOW_UP_WITH_RECIPIENTS'],
      [{ ...base, scheduledAt: new Date(Date.now() + 3_600_000).toISOString() }, 400, 'SCHEDULED_AT_ON_FOLLOW_UP'],
      [{ ...base, after: 'PT1H', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() }, 400, 'SCHEDULED_AT_ON_FOLLOW_UP'],
      [{ ...base, segment: undefined }, 400, 'SEGMENT_REQUIRED'],
      [{ sessionId: 'fuzz-clinic', message: 'Hi', listId, segment: 'failed' }, 400, 'SEGMENT_WITHOUT_FOLLOW_UP'],
      [{ sessionId: 'fuzz-clinic', message: 'Hi', listId, after: 'PT1H' }, 400, 'AFTER_WITHOUT_FOLLOW_UP'],
      [{ ...base, stopOnReply: 'yes' }, 400, 'VALIDATION_FAILED'],
      [{ ...base, businessUnit: 'Sales' }, 422, 'PARENT_OTHER_UNIT'],
      [{ ...base, message: 'Hi {voucher}' }, 422, 'TEMPLATE_UNKNOWN_VARIABLES'],
    ];
    for (const [body, status, code] of cases) {
      const response = await call<{ error?: { code: string } }>('POST', '/api/blasts', body);
      expect({ body: JSON.stringify(body).slice(0, 120), status: response.status, code: response.json.error?.code }).toEqual({ body: JSON.stringify(body).slice(0, 120), status, code });
    }
    // Another unit's key: the parent does not exist for it, whatever it adds.
    for (const body of [
      { sessionId: 'fuzz-sales', message: 'Hi', followUpOf: parentId, segment: 'delivered' },
      { sessionId: 'fuzz-sales', message: 'Hi', followUpOf: parentId, segment: 'delivered', businessUnit: 'Clinic' },
      { sessionId: 'fuzz-sales', message: 'Hi', followUpOf: parentId, segment: 'delivered', after: 'P366D', stopOnReply: true },
    ]) {
      const response = await sales<{ error: { code: string } }>('POST', '/api/blasts', body);
      expect([response.status, response.json.error.code]).toEqual([404, 'PARENT_NOT_FOUND']);
    }
    expect((await sales('GET', `/api/blasts/${parentId}/segments`)).status).toBe(404);
    expect((await call('GET', '/api/blasts/not-a-uuid/segments')).status).toBe(400);

    // The multipart form: the same checks, and an uploaded file beside followUpOf is refused (and not kept).
    const withFile = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-clinic', message: 'Hi', followUpOf: parentId, segment: 'failed' }, recipientsFile: { name: 'p.csv', data: recipientsCsv(2) } });
    expect([withFile.status, withFile.json.error?.code]).toEqual([400, 'FOLLOW_UP_WITH_RECIPIENTS']);
    const badBool = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-clinic', message: 'Hi', followUpOf: parentId, segment: 'failed', stopOnReply: 'maybe' } });
    expect([badBool.status, badBool.json.error?.code]).toEqual([400, 'VALIDATION_FAILED']);
    const multipartAfter = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-clinic', message: 'Hi', followUpOf: parentId, segment: 'failed', after: 'P400D' } });
    expect([multipartAfter.status, multipartAfter.json.error?.code]).toEqual([400, 'AFTER_TOO_FAR']);

    // Nothing was made by any refusal: the parent is the only blast and its list the only list.
    expect((await call<{ total: number }>('GET', '/api/blasts')).json.total).toBe(1);
    expect((await call<{ total: number }>('GET', '/api/lists')).json.total).toBe(1);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('issue 19: the encoding field of list and blast uploads', () => {
  it('refuses unknown, overlong and malformed labels with a 400 and a code, on lists and blasts; reads what it accepts; stays up', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['fuzz-encoding']);
    const ansi = Buffer.from('Name,Phone\r\nJos\xe9,+6281200000001\r\n', 'latin1');
    const listUpload = async (encoding: string, data = ansi): Promise<{ status: number; code: unknown }> => {
      const form = new FormData();
      form.append('businessUnit', 'Clinic');
      form.append('encoding', encoding);
      form.append('file', new Blob([data]), 'kontak.csv');
      const response = await fetch(`${url}/api/lists`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: form });
      const answer = (await response.json()) as { error?: { code?: unknown } };
      return { status: response.status, code: answer.error?.code };
    };
    const hostile = [
      '', ' ', 'klingon', 'replacement', 'iso-2022-kr', 'x-user-defined', 'utf-7', 'windows-1252\u0000', 'windows-1252\r\nX-Injected: 1',
      '../../etc/passwd', 'a'.repeat(41), 'w'.repeat(100_000), '__proto__', 'constructor', '%00', 'utf8; rm -rf /', '{"$ne":null}', '😀',
    ];
    for (const label of hostile) {
      const shown = label.slice(0, 40);
      expect({ label: shown, ...(await listUpload(label)) }).toEqual({ label: shown, status: 400, code: 'VALIDATION_FAILED' });
      const blast = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-encoding', message: 'Hi {name}', encoding: label }, recipientsFile: { name: 'r.csv', data: ansi } });
      expect({ label: shown, status: blast.status, code: blast.json.error?.code }).toEqual({ label: shown, status: 400, code: 'VALIDATION_FAILED' });
    }
    // Bytes the named encoding does not define (a Shift_JIS lead byte with no trail): 415, not replacement characters.
    expect(await listUpload('shift_jis', Buffer.from([0x70, 0x0a, 0x81]))).toEqual({ status: 415, code: 'UNSUPPORTED_FILE_TYPE' });
    // Labels are case-insensitive and have aliases; UTF-16 without its byte order mark needs one named.
    expect((await listUpload('LATIN1')).status).toBe(202);
    expect((await listUpload('utf-16le', Buffer.from('Name,Phone\r\nAni,+6281200000002\r\n', 'utf16le'))).status).toBe(202);
    // A blast's recipientsFile in a named encoding imports and sends with the decoded name.
    const blast = await postBlast(url, ADMIN, { fields: { sessionId: 'fuzz-encoding', message: 'Hi {name}', encoding: 'windows-1252' }, recipientsFile: { name: 'r.csv', data: ansi } });
    expect(blast.status).toBe(202);
    const blastId = String(blast.json.blastId);
    await events.waitFor((frame: Frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId, 'the blast completed');
    const { listId } = (await call<{ listId: string }>('GET', `/api/blasts/${blastId}`)).json;
    const recipients = await call<{ items: { vars: Record<string, string> }[] }>('GET', `/api/lists/${listId}/recipients`);
    expect(recipients.json.items.map((item) => item.vars.name)).toEqual(['José']);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
    expect(product.output).not.toContain('unhandled error');
  });
});

describe('hostile webhook input', () => {
  it('junk bodies, ids, windows and URLs on every webhook route: a 4xx with a code, never a 5xx; nothing stored; other units untouched', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const admin = apiClient(url, ADMIN);
    const key = await admin<{ secret: string }>('POST', '/api/keys', { name: 'hooks', businessUnit: 'Clinic' });
    const unit = apiClient(url, key.json.secret);
    const adminHook = await admin<{ id: string }>('POST', '/api/webhooks', { url: 'https://93.184.215.14/admin', events: ['*'] });
    const own = await unit<{ id: string }>('POST', '/api/webhooks', { url: 'https://93.184.215.14/own', events: ['blast.completed'] });
    expect([adminHook.status, own.status]).toEqual([201, 201]);
    const random = prng(SEED + 18);
    const junk = (): unknown =>
      [
        null,
        42,
        'x'.repeat(3_000),
        [],
        {},
        { url: 'javascript:alert(1)', events: ['*'] },
        { url: 'http://[fe80::1%25eth0]/', events: ['*'] },
        { url: 'http://2130706433/', events: ['*'] },
        { url: 'http://0x7f.1/', events: ['*'] },
        { url: 'http://127.1/', events: ['*'] },
        { url: 'https://93.184.215.14/', events: Array.from({ length: 60 }, () => 'blast.started') },
        { url: 'https://93.184.215.14/', events: ['__proto__'] },
        { url: 'https://93.184.215.14/', events: ['*'], businessUnit: 'Lab' },
        { url: 'https://93.184.215.14/', events: ['*'], businessUnit: '\u202eevil' },
        { since: 'yesterday' },
        { since: '2026-01-01T00:00:00Z', until: '2025-01-01T00:00:00Z' },
        { since: '+275760-09-13T00:00:00Z' },
        { since: new Date().toISOString(), events: ['nope'] },
        { enabled: 'yes' },
        { __proto__: { url: 'http://127.0.0.1/' } },
      ][Math.floor(random() * 20)];
    const ids = [own.json.id, adminHook.json.id, 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '..%2F..%2Fetc', 'a'.repeat(300)];
    const routes = (id: string): [string, string][] => [
      ['POST', '/api/webhooks'],
      ['PATCH', `/api/webhooks/${id}`],
      ['POST', `/api/webhooks/${id}/replay`],
      ['POST', `/api/webhooks/${id}/test`],
      ['POST', `/api/webhooks/${id}/rotate-secret`],
      ['POST', `/api/webhooks/${id}/deliveries/${id}/retry`],
      ['GET', `/api/webhooks/${id}/deliveries?failed=maybe&limit=100000`],
      ['DELETE', `/api/webhooks/${id}`],
    ];
    for (let n = 0; n < 150; n++) {
      const id = ids[Math.floor(random() * ids.length)] ?? '';
      const [method, route] = routes(id)[Math.floor(random() * 8)] ?? ['GET', '/api/webhooks'];
      if (method === 'DELETE' && id === own.json.id) continue;
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${key.json.secret}`, ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: JSON.stringify(junk()) }),
      });
      expect(response.status, `${method} ${route}`).toBeLessThan(500);
      if (response.status >= 400) {
        const answer = (await response.json()) as { error?: { code?: unknown } };
        expect(typeof answer.error?.code).toBe('string');
      }
    }
    // The unit's key never reached the admin's endpoint, nor created one elsewhere or pointing home.
    const listed = await admin<{ items: { id: string; url: string; businessUnit: string | null }[] }>('GET', '/api/webhooks?limit=1000');
    expect(listed.json.items.find((item) => item.id === adminHook.json.id)?.url).toBe('https://93.184.215.14/admin');
    for (const item of listed.json.items.filter((entry) => entry.businessUnit !== null)) {
      expect(item.businessUnit).toBe('Clinic');
      expect(item.url).toMatch(/^https:\/\/93\.184\.215\.14\//);
    }
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
  });
});

describe('issue 19: hostile report time zones', () => {
  it('refuses every zone that is not an IANA name with a 400 and a code, sees no other unit\'s report, and stays up', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const admin = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(admin, events, ['tz-a']);
    const key = await admin<{ secret: string }>('POST', '/api/keys', { name: 'clinic', businessUnit: 'Clinic' });
    const other = await admin<{ secret: string }>('POST', '/api/keys', { name: 'sales', businessUnit: 'Sales' });
    const created = await postBlast(url, key.json.secret, { fields: { sessionId: 'tz-a', message: 'Hi {name}' }, recipientsFile: { name: 'p.csv', data: recipientsCsv(3) } });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);
    await events.waitFor((frame: Frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId, 'blast:completed', 60_000);

    const zones = ['Mars/Olympus', '../../etc/passwd', 'UTC\u0000', 'Europe/Paris ', '+07:00', 'GMT+7', '🕰️', 'a'.repeat(10_000), '%', 'Asia/Jakarta/x', 'constructor', '__proto__'];
    for (const format of ['csv', 'xlsx']) {
      for (const zone of zones) {
        const response = await fetch(`${url}/api/blasts/${blastId}/report.${format}?timeZone=${encodeURIComponent(zone)}`, { headers: { authorization: `Bearer ${key.json.secret}` } });
        expect(response.status, `${format} ${zone.slice(0, 20)}`).toBeGreaterThanOrEqual(400);
        expect(response.status, `${format} ${zone.slice(0, 20)}`).toBeLessThan(500);
        expect(typeof ((await response.json()) as { error?: { code?: unknown } }).error?.code).toBe('string');
      }
      const twice = await fetch(`${url}/api/blasts/${blastId}/report.${format}?timeZone=UTC&timeZone=Asia/Jakarta`, { headers: { authorization: `Bearer ${key.json.secret}` } });
      expect(twice.status).toBe(400);
      const unknown = await fetch(`${url}/api/blasts/${blastId}/report.${format}?zone=UTC`, { headers: { authorization: `Bearer ${key.json.secret}` } });
      expect(unknown.status).toBe(400);
      // Another unit's key learns nothing of the blast, whatever the zone.
      const foreign = await fetch(`${url}/api/blasts/${blastId}/report.${format}?timeZone=Asia/Jakarta`, { headers: { authorization: `Bearer ${other.json.secret}` } });
      expect(foreign.status).toBe(404);
      const good = await fetch(`${url}/api/blasts/${blastId}/report.${format}?timeZone=America/New_York`, { headers: { authorization: `Bearer ${key.json.secret}` } });
      expect(good.status).toBe(200);
      await good.arrayBuffer();
    }
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
  });
});

describe('hostile business unit names (issue 22)', () => {
  it('junk names on /api/units and every field that names a unit: a 4xx with a code, never a 5xx; a unit key adds nothing; stored names stay visible, bounded and one per spelling', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const admin = apiClient(url, ADMIN);
    const key = await admin<{ secret: string }>('POST', '/api/keys', { name: 'units', businessUnit: 'Clinic' });
    expect(key.status).toBe(201);
    const unitKey = apiClient(url, key.json.secret);
    const clinic = (await admin<{ items: { id: string; name: string }[] }>('GET', '/api/units')).json.items[0];
    expect(clinic?.name).toBe('Clinic');
    const random = prng(SEED + 22);
    const names: unknown[] = [
      '\u0000', 'A\u200b', '\u202eevil', 'Clinic\u200d', ' '.repeat(70), 'x'.repeat(65), 'x'.repeat(64), 'e\u0301'.repeat(40), 'İ'.repeat(64),
      '𝔘'.repeat(40), '__proto__', 'constructor', '../../etc/passwd', '%00', 'Clinic', 'CLINIC', ' clinic  ', 'Sales  East', 'sales east',
      '\ud800', '🏥 Ward', 'a\tb', 'a\nb', '\u00a0Clinic', 1e3, null, ['Clinic'], { name: 'Clinic' }, '',
    ];
    const pick = (): unknown => names[Math.floor(random() * names.length)];
    const ids = [clinic?.id ?? '', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', 'a'.repeat(300)];
    const requests = (name: unknown): [string, string, unknown][] => {
      const id = ids[Math.floor(random() * ids.length)] ?? '';
      // A lone surrogate cannot be URI-encoded: its bytes as CESU-8, which no decoder should accept.
      const encoded = (text: string): string => {
        try {
          return encodeURIComponent(text);
        } catch {
          return '%ED%A0%80';
        }
      };
      const query = typeof name === 'string' ? encoded(name) : encodeURIComponent(JSON.stringify(name));
      return [
        ['POST', '/api/units', { name }],
        ['PATCH', `/api/units/${id}`, { name }],
        ['GET', `/api/units/${id}`, undefined],
        ['POST', '/api/sessions/config', { id: `fz-${String(Math.floor(random() * 1e6))}`, friendlyName: 'Fuzz', provider: 'sandbox', businessUnit: name }],
        ['POST', '/api/keys', { name: 'fuzz', businessUnit: name }],
        ['POST', '/api/suppressions', { businessUnit: name, phones: ['+6281234567890'] }],
        ['POST', '/api/webhooks', { url: 'https://93.184.215.14/u', events: ['*'], businessUnit: name }],
        ['GET', `/api/sessions?businessUnit=${query}`, undefined],
        ['GET', `/api/suppressions?businessUnit=${query}`, undefined],
      ];
    };
    const send = async (secret: string, [method, route, body]: [string, string, unknown]): Promise<number> => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(response.status, `${method} ${route} ${JSON.stringify({ body }).slice(0, 90)}`).toBeLessThan(500);
      if (response.status >= 400) expect(typeof ((await response.json()) as { error?: { code?: unknown } }).error?.code).toBe('string');
      else await response.arrayBuffer();
      return response.status;
    };
    const multipart = async (secret: string, name: unknown): Promise<void> => {
      const form = new FormData();
      form.append('businessUnit', String(name));
      form.append('file', new Blob(['phone\n+6281234567890\n']), 'a.csv');
      const response = await fetch(`${url}/api/lists`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: form });
      expect(response.status, `POST /api/lists ${JSON.stringify(name)}`).toBeLessThan(500);
      await response.arrayBuffer();
    };

    // The unit's key first: whatever it names, no unit is added, renamed or deleted.
    for (let n = 0; n < 120; n++) {
      const all = requests(pick());
      await send(key.json.secret, all[Math.floor(random() * all.length)] ?? all[0]!);
      if (n % 20 === 0) await multipart(key.json.secret, pick());
    }
    await send(key.json.secret, ['DELETE', `/api/units/${clinic?.id ?? ''}`, undefined]);
    expect((await admin<{ items: { name: string }[] }>('GET', '/api/units')).json.items.map((unit) => unit.name)).toEqual(['Clinic']);

    // Then the admin, who may add units by naming them.
    for (let n = 0; n < 150; n++) {
      const all = requests(pick());
      await send(ADMIN, all[Math.floor(random() * all.length)] ?? all[0]!);
      if (n % 25 === 0) await multipart(ADMIN, pick());
    }
    const stored = (await admin<{ items: { name: string; variantOf: string | null }[] }>('GET', '/api/units')).json.items;
    const keys = new Set<string>();
    for (const { name } of stored) {
      // Bounded in characters (code points), as the schema and PostgreSQL's varchar(64) count them.
      expect(Array.from(name).length).toBeLessThanOrEqual(64);
      expect(name).toBe(name.normalize('NFC').trim().replace(/ {2,}/g, ' '));
      expect(name).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\u00a0]/u);
      const spelling = name.toLowerCase();
      expect(keys.has(spelling), `two units spelt "${name}"`).toBe(false);
      keys.add(spelling);
    }
    // The unit key still sees exactly its own unit, whatever the admin renamed it to.
    expect((await unitKey<{ items: unknown[] }>('GET', '/api/units')).json.items).toHaveLength(1);
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(product.child.exitCode).toBeNull();
  });
});

