import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { excelStyleWorkbook, fixtureDir, OLE_HEADER } from '../fixtures/spreadsheets.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { parseLog, startApiProduct, type ProductProcess } from '../support/product.js';
import type { EventSocket, Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-lists-admin-key-0123456789abcdefghij';
const { environment, openSocket, track, cleanups } = e2eHarness(ADMIN, 'lists');

async function start(extra: Record<string, string> = {}): Promise<{ url: string; call: ReturnType<typeof apiClient>; events: EventSocket }> {
  const { product, url } = await startApiProduct('all', await environment(extra));
  track(product);
  return { url, call: apiClient(url, ADMIN), events: await openSocket(url) };
}

async function upload(url: string, route: string, file: { name: string; data: Buffer }, fields: Record<string, string>, key = ADMIN) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([file.data]), file.name);
  const response = await fetch(`${url}${route}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

const finished = (listId: string) => (frame: Frame): boolean =>
  frame.event === 'list:progress' && frame.data.listId === listId && frame.data.status !== 'importing';

describe('recipient lists over HTTP', () => {
  it('imports an uploaded workbook in the worker and tells the socket when it is ready', async () => {
    const { url, call, events } = await start();
    const dir = fixtureDir();
    cleanups.push(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const data = fs.readFileSync(await excelStyleWorkbook(path.join(dir, 'export.xlsx')));
    // The name says .csv; the content is a workbook, and the content wins.
    const created = await upload(url, '/api/lists', { name: 'export.csv', data }, { name: 'Pasien Oktober', businessUnit: 'Clinic' });
    expect(created.status).toBe(202);
    const listId = String(created.json.listId);

    const done = await events.waitFor(finished(listId), 'list:progress ready');
    expect(done.data).toMatchObject({ status: 'ready', counts: { valid: 2, duplicates: 1, invalid: 1 }, error: null });

    const list = await call<Record<string, unknown>>('GET', `/api/lists/${listId}`);
    expect(list.json).toMatchObject({ name: 'Pasien Oktober', status: 'ready', fileType: 'xlsx', phoneColumn: 'Phone', businessUnit: 'Clinic' });
    const rejects = await call<{ items: unknown[]; total: number }>('GET', `/api/lists/${listId}/rejects`);
    expect(rejects.json).toEqual({
      total: 2,
      items: [
        // Each with the row's other cells: whose row it was.
        { rowNumber: 3, rawValue: '6281234567890', reason: 'DUPLICATE', duplicateOfRow: 2, vars: expect.objectContaining({ name: '東京', active: 'FALSE' }) as unknown },
        { rowNumber: 4, rawValue: '', reason: 'MISSING_PHONE', duplicateOfRow: null, vars: expect.objectContaining({ name: 'Siti & "Co" <VIP>' }) as unknown },
      ],
    });
    const recipients = await call<{ items: { phone: string }[]; total: number }>('GET', `/api/lists/${listId}/recipients?limit=1&offset=1`);
    expect(recipients.json).toMatchObject({ total: 2, items: [{ phone: '+628123456789' }] });

    const preview = await call<{ unknownVariables: string[]; samples: { text: string }[] }>('POST', '/api/templates/preview', {
      message: '{Hi|Hello} {name}, see you on {joined}. {voucher}',
      listId,
    });
    expect(preview.status).toBe(200);
    expect(preview.json.unknownVariables).toEqual(['voucher']);
    // The unknown variable shows as a visible placeholder, not an empty gap.
    expect(preview.json.samples[0]?.text).toMatch(/^(Hi|Hello) Budi Santoso, see you on 2023-01-01\. ‹voucher›$/);
    const syntax = await call<{ error: { code: string } }>('POST', '/api/templates/preview', { message: 'Hi {name' });
    expect(syntax.status).toBe(400);
    expect(syntax.json.error.code).toBe('TEMPLATE_SYNTAX');

    const key = await call<{ secret: string }>('POST', '/api/keys', { name: 'other unit', businessUnit: 'Sales' });
    expect((await apiClient(url, key.json.secret)('GET', `/api/lists/${listId}`)).status).toBe(404);
    expect((await call('DELETE', `/api/lists/${listId}`)).status).toBe(204);
    expect((await call('GET', `/api/lists/${listId}`)).status).toBe(404);
  });

  it('refuses what is not a spreadsheet, and what is too large, before any import', async () => {
    const { url } = await start({ UPLOAD_MAX_BYTES: '1000' });
    const xls = await upload(url, '/api/lists', { name: 'old.xls', data: OLE_HEADER }, { businessUnit: 'Clinic' });
    expect(xls.status).toBe(415);
    expect(xls.json.error?.code).toBe('UNSUPPORTED_FILE_TYPE');
    const ansi = await upload(url, '/api/lists', { name: 'kontak.csv', data: Buffer.from('phone;name\r\n6281234567890;Jos\xe9\r\n', 'latin1') }, { businessUnit: 'Clinic' });
    expect(ansi.status).toBe(415);
    expect(ansi.json.error?.code).toBe('UNSUPPORTED_FILE_TYPE');
    expect(ansi.json.error?.message).toContain('CSV UTF-8');
    const big = await upload(url, '/api/lists', { name: 'big.csv', data: Buffer.alloc(5_000, 0x41) }, { businessUnit: 'Clinic' });
    expect(big.status).toBe(413);
    expect(big.json.error?.code).toBe('UPLOAD_TOO_LARGE');
    const noFile = await fetch(`${url}/api/lists`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` }, body: new FormData() });
    expect(noFile.status).toBeGreaterThanOrEqual(400);
    expect(noFile.status).toBeLessThan(500);
    const json = await fetch(`${url}/api/lists`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    const badField = await upload(url, '/api/lists', { name: 'a.csv', data: Buffer.from('phone\n0812\n') }, { businessUnit: 'Clinic', defaultCountry: 'XX' });
    expect(badField.status).toBe(400);
  });

  it('reads a legacy-encoded CSV in the encoding the upload names, and says the field exists when none is named (issue 19)', async () => {
    const { url, call, events } = await start();
    // Excel's "CSV (Comma delimited)" on a Western European Windows: Windows-1252, not UTF-8.
    const ansi = Buffer.from('phone;name;note\r\n6281234567890;Jos\xe9;Caf\xe9 \x80 \xab50%\xbb\r\n', 'latin1');
    const refused = await upload(url, '/api/lists', { name: 'kontak.csv', data: ansi }, { businessUnit: 'Clinic' });
    expect(refused.status).toBe(415);
    expect(refused.json.error?.message).toContain('encoding field');
    const created = await upload(url, '/api/lists', { name: 'kontak.csv', data: ansi }, { businessUnit: 'Clinic', encoding: 'windows-1252' });
    expect(created.status).toBe(202);
    const done = await events.waitFor(finished(String(created.json.listId)), 'list ready');
    expect(done.data).toMatchObject({ status: 'ready', counts: { rows: 1, valid: 1 } });
    const recipients = await call<{ items: { vars: Record<string, string> }[] }>('GET', `/api/lists/${String(created.json.listId)}/recipients`);
    expect(recipients.json.items.map((item) => item.vars)).toEqual([{ name: 'José', note: 'Café € «50%»' }]);

    // Any WHATWG label; bytes the encoding does not define are refused, not replaced.
    const cyrillic = await upload(url, '/api/lists', { name: 'k.csv', data: Buffer.concat([Buffer.from('phone,name\n6281234567891,'), Buffer.from([0xcf, 0xe5, 0xf2, 0xf0]), Buffer.from('\n')]) }, { businessUnit: 'Clinic', encoding: 'cp1251' });
    expect(cyrillic.status).toBe(202);
    const sjis = await upload(url, '/api/lists', { name: 'k.csv', data: Buffer.from([0x70, 0x0a, 0x81, 0x0a]) }, { businessUnit: 'Clinic', encoding: 'shift_jis' });
    expect(sjis).toMatchObject({ status: 415, json: { error: { code: 'UNSUPPORTED_FILE_TYPE' } } });
    const unknown = await upload(url, '/api/lists', { name: 'k.csv', data: ansi }, { businessUnit: 'Clinic', encoding: 'klingon-1' });
    expect(unknown).toMatchObject({ status: 400, json: { error: { code: 'VALIDATION_FAILED' } } });
    expect(JSON.stringify(unknown.json)).toContain('encoding');
    const done2 = await events.waitFor(finished(String(cyrillic.json.listId)), 'cyrillic list ready');
    expect(done2.data).toMatchObject({ status: 'ready', counts: { valid: 1 } });
    const names = await call<{ items: { vars: Record<string, string> }[] }>('GET', `/api/lists/${String(cyrillic.json.listId)}/recipients`);
    expect(names.json.items.map((item) => item.vars.name)).toEqual(['Петр']);
  });

  it('imports Excel "Unicode Text" (UTF-16, tab-separated .txt) uploaded as it is', async () => {
    const { url, call, events } = await start();
    const text = '\uFEFFName\tMobile\r\nAni\t0812 3456 7890\r\nمحمد\t+966 50 123 4567\r\n';
    const created = await upload(url, '/api/lists', { name: 'kontak.txt', data: Buffer.from(text, 'utf16le') }, { businessUnit: 'Clinic' });
    expect(created.status).toBe(202);
    const done = await events.waitFor(finished(String(created.json.listId)), 'list ready');
    expect(done.data).toMatchObject({ status: 'ready', counts: { rows: 2, valid: 2, duplicates: 0, invalid: 0, blank: 0 } });
    const recipients = await call<{ items: { phone: string; vars: Record<string, string> }[] }>('GET', `/api/lists/${String(created.json.listId)}/recipients`);
    expect(recipients.json.items.map((item) => [item.phone, item.vars.name])).toEqual([
      ['+6281234567890', 'Ani'],
      ['+966501234567', 'محمد'],
    ]);
  });

  it('fails a list whose file has no phone column, with a code the user can act on', async () => {
    const { url, call, events } = await start();
    const created = await upload(url, '/api/lists', { name: 'a.csv', data: Buffer.from('name;city\nAni;Jakarta\n') }, { businessUnit: 'Clinic' });
    const done = await events.waitFor(finished(String(created.json.listId)), 'list failed');
    expect(done.data).toMatchObject({ status: 'failed', error: { code: 'NO_PHONE_COLUMN' } });
    const list = await call<{ error: { details: unknown } }>('GET', `/api/lists/${String(created.json.listId)}`);
    expect(list.json.error.details).toEqual({ headersSeen: ['name', 'city'] });

    // A damaged workbook: the reader (in its own thread) refuses it, the worker lives on.
    const dir = fixtureDir();
    cleanups.push(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const whole = fs.readFileSync(await excelStyleWorkbook(path.join(dir, 'whole.xlsx')));
    const damaged = await upload(url, '/api/lists', { name: 'damaged.xlsx', data: whole.subarray(0, Math.floor(whole.length * 0.6)) }, { businessUnit: 'Clinic' });
    const refused = await events.waitFor(finished(String(damaged.json.listId)), 'damaged list failed');
    expect(refused.data).toMatchObject({ status: 'failed', error: { code: 'CORRUPT_FILE' } });
    const good = await upload(url, '/api/lists', { name: 'good.xlsx', data: whole }, { businessUnit: 'Clinic' });
    expect((await events.waitFor(finished(String(good.json.listId)), 'good list')).data).toMatchObject({ status: 'ready' });

    // A client choosing a list to send to asks for the ready ones only.
    const ids = async (query: string) =>
      (await call<{ items: { id: string }[]; total: number }>('GET', `/api/lists${query}`)).json.items.map((item) => item.id);
    expect(await ids('?status=ready')).toEqual([String(good.json.listId)]);
    expect((await ids('?status=failed')).sort()).toEqual([String(created.json.listId), String(damaged.json.listId)].sort());
    expect(await ids('?status=ready&purpose=suppression')).toEqual([]);
    expect((await call('GET', '/api/lists?status=done')).status).toBe(400);
  });
});

describe('the import processes of a worker', () => {
  const isProcess = (pid: number): boolean => fs.existsSync(`/proc/${String(pid)}`);
  const readyPids = (product: ProductProcess): number[] =>
    product.lines.flatMap((line) => {
      const log = parseLog(line);
      return log?.msg === 'import process ready' ? [Number(log.pid)] : [];
    });
  /** The pid of the next import process to say it is ready (the `count`th since the start). */
  const nthReady = async (product: ProductProcess, count: number): Promise<number> => {
    await product.waitForLine(() => readyPids(product).length >= count, `import process ${String(count)} ready`);
    return readyPids(product)[count - 1] ?? 0;
  };

  it('imports in a process started ahead, replaces it after each import or when it was killed, and leaves none behind', async () => {
    const { product, url } = await startApiProduct('all', await environment({ LOG_LEVEL: 'debug' }));
    track(product);
    const events = await openSocket(url);
    const first = await nthReady(product, 1);
    expect(fs.readFileSync(`/proc/${String(first)}/cmdline`, 'utf8')).toContain('import-child.js');

    const csv = { name: 'a.csv', data: Buffer.from('phone;name\n0812 3456 7890;Ani\n0813 1111 2222;Budi\n') };
    const one = await upload(url, '/api/lists', csv, { businessUnit: 'Clinic' });
    const done = await events.waitFor(finished(String(one.json.listId)), 'first list ready');
    expect(done.data).toMatchObject({ status: 'ready', counts: { valid: 2 } });
    // The process that imported it has exited; another was started for the next list.
    const second = await nthReady(product, 2);
    expect(second).not.toBe(first);
    expect(isProcess(first)).toBe(false);

    // Killed while it waited: the next list is imported all the same, by a new process.
    process.kill(second, 'SIGKILL');
    const two = await upload(url, '/api/lists', csv, { businessUnit: 'Clinic' });
    const doneTwo = await events.waitFor(finished(String(two.json.listId)), 'second list ready');
    expect(doneTwo.data).toMatchObject({ status: 'ready', counts: { valid: 2 } });
    // At the first attempt: no import failed on the dead process and was retried.
    expect(product.lines.filter((line) => parseLog(line)?.msg === 'list import failed')).toEqual([]);
    const third = await nthReady(product, 3);
    expect([first, second]).not.toContain(third);

    expect(await product.stop()).toEqual({ code: 0, signal: null });
    expect(isProcess(third)).toBe(false);
  });
});

describe('suppressions over HTTP', () => {
  it('adds, lists, imports from a file and removes opt-outs per business unit', async () => {
    const { url, call, events } = await start();
    const added = await call<Record<string, unknown>>('POST', '/api/suppressions', { businessUnit: 'Clinic', phones: ['0812-3456-7890', '+6281234567890', 'nope'], reason: 'asked' });
    expect(added.json).toEqual({ businessUnit: 'Clinic', added: 1, alreadySuppressed: 0, invalid: [{ value: 'nope', reason: 'INVALID_PHONE' }] });

    const imported = await upload(url, '/api/suppressions/import', { name: 'optout.csv', data: Buffer.from('whatsapp\n081234567891\n081234567890\n') }, { businessUnit: 'Clinic' });
    expect(imported.status).toBe(202);
    await events.waitFor(finished(String(imported.json.listId)), 'suppression import');
    const listed = await call<{ items: { phone: string; source: string }[]; total: number }>('GET', '/api/suppressions?businessUnit=Clinic');
    expect(listed.json.total).toBe(2);
    expect(listed.json.items.map((item) => [item.phone, item.source]).sort()).toEqual([
      ['+6281234567890', 'api'],
      ['+6281234567891', 'import'],
    ]);

    const key = await call<{ secret: string }>('POST', '/api/keys', { name: 'sales', businessUnit: 'Sales' });
    const sales = apiClient(url, key.json.secret);
    expect((await sales<{ total: number }>('GET', '/api/suppressions')).json.total).toBe(0);
    expect((await sales('POST', '/api/suppressions', { businessUnit: 'Clinic', phones: ['+6281234567892'] })).status).toBe(403);

    expect((await call('DELETE', '/api/suppressions/%2B6281234567890?businessUnit=Clinic')).status).toBe(204);
    expect((await call('DELETE', '/api/suppressions/%2B6281234567890?businessUnit=Clinic')).status).toBe(404);
  });
});

describe('imports of several business units', () => {
  /** A CSV of `rows` distinct mobile numbers. */
  const csvOf = (rows: number, first = 0): Buffer => {
    const lines = ['phone,name'];
    for (let index = first; index < first + rows; index += 1) lines.push(`0812${String(index).padStart(8, '0')},Pasien ${index}`);
    return Buffer.from(`${lines.join('\n')}\n`);
  };

  it("takes them in turn: a unit's backlog does not hold another unit's list", async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const events = await openSocket(url);
    // Three slow lists of one unit, then two rows of another.
    const backlog: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const created = await upload(url, '/api/lists', { name: `big-${index}.csv`, data: csvOf(100_000, index * 100_000) }, { businessUnit: 'Clinic' });
      expect(created.status).toBe(202);
      backlog.push(String(created.json.listId));
    }
    const small = await upload(url, '/api/lists', { name: 'small.csv', data: csvOf(2) }, { businessUnit: 'Sales' });
    expect(small.status).toBe(202);
    const smallId = String(small.json.listId);

    const done = await events.waitFor(finished(smallId), 'the small list ready');
    expect(done.data).toMatchObject({ status: 'ready', counts: { valid: 2 } });
    for (const listId of backlog) {
      const frame = await events.waitFor(finished(listId), 'a backlog list ready');
      expect(frame.data).toMatchObject({ status: 'ready', counts: { valid: 100_000 } });
    }
    // The small list ran after the first of the backlog, before its second began; each ran once.
    for (const listId of [...backlog, smallId]) {
      await product.waitForLine((line) => parseLog(line)?.msg === 'job completed' && parseLog(line)?.jobId === `list-${listId}`, 'job completed');
    }
    const started = product.lines.map((line) => parseLog(line)).filter((log) => log?.msg === 'job started' && String(log.jobId).startsWith('list-'));
    expect(started.map((log) => String(log?.jobId))).toEqual([backlog[0], smallId, backlog[1], backlog[2]].map((listId) => `list-${String(listId)}`));
  });
});
