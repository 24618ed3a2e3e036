import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sql } from 'kysely';
import { createLogger } from '../../src/logging/logger.js';
import { createDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { createStore } from '../../src/store/store.js';
import { databaseKinds, NATURAL_LANGUAGE_COLLATION, postgresDatabase } from '../support/databases.js';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

type Part = { name: string; value: string } | { name: string; filename: string; data: Buffer };

/** A multipart body with its parts in the given order (fields may come after the file). */
function multipart(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----upload-${randomUUID()}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = 'filename' in part ? `form-data; name="${part.name}"; filename="${part.filename}"` : `form-data; name="${part.name}"`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${'filename' in part ? 'Content-Type: application/octet-stream\r\n' : ''}\r\n`));
    chunks.push('filename' in part ? part.data : Buffer.from(part.value));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const CSV = Buffer.from('phone,name\n081234567890,Budi\n');
const OTHER_CSV = Buffer.from('phone,name\n081234567891,Sari\n');
const XLS = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array<number>(64).fill(0)]);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
const file = (name: string, data: Buffer, filename = 'people.csv'): Part => ({ name, filename, data });

describe.each(databaseKinds(inject('postgresUrl')))('uploads leave nothing behind ($kind)', ({ create, skip }) => {
  let api: TestApi;
  let salesKey: string;

  beforeAll(async () => {
    if (skip) return;
    api = await startTestApi(await create(), { UPLOAD_MAX_BYTES: '4096' });
    const key = await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'sales', businessUnit: 'Sales' } });
    salesKey = key.json<{ secret: string }>().secret;
  });
  afterAll(async () => {
    if (!skip) await api.close();
  });

  /** Blobs and chunks in the database, staged ones included. */
  async function stored(): Promise<{ blobs: number; chunks: number }> {
    const db = api.runtime.database.db;
    const blobs = await db.selectFrom('blobs').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    const chunks = await db.selectFrom('blob_chunks').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return { blobs: Number(blobs.n), chunks: Number(chunks.n) };
  }
  const post = (url: string, parts: Part[], headers: Record<string, string> = asAdmin) => {
    const body = multipart(parts);
    return api.app.inject({ method: 'POST', url, payload: body.payload, headers: { ...headers, ...body.headers } });
  };

  it.skipIf(skip)('stores nothing for a refused list upload, whatever the order of its fields', async () => {
    const refusals: [string, Part[], Record<string, string>, number, string][] = [
      ['another unit (before the file)', [{ name: 'businessUnit', value: 'Clinic' }, file('file', CSV)], withKey(salesKey), 403, 'BUSINESS_UNIT_FORBIDDEN'],
      ['another unit (after the file)', [file('file', CSV), { name: 'businessUnit', value: 'Clinic' }], withKey(salesKey), 403, 'BUSINESS_UNIT_FORBIDDEN'],
      ['a bad country (after the file)', [file('file', CSV), { name: 'businessUnit', value: 'Sales' }, { name: 'defaultCountry', value: 'XX' }], asAdmin, 400, 'VALIDATION_FAILED'],
      ['an unknown field (after the file)', [file('file', CSV), { name: 'businessUnit', value: 'Sales' }, { name: 'colour', value: 'red' }], asAdmin, 400, 'VALIDATION_FAILED'],
      ['no unit at all', [file('file', CSV)], asAdmin, 400, 'VALIDATION_FAILED'],
      ['an old .xls', [{ name: 'businessUnit', value: 'Sales' }, file('file', XLS, 'old.xls')], asAdmin, 415, 'UNSUPPORTED_FILE_TYPE'],
      ['too large', [{ name: 'businessUnit', value: 'Sales' }, file('file', Buffer.alloc(10_000, 0x41))], asAdmin, 413, 'UPLOAD_TOO_LARGE'],
      ['two files', [{ name: 'businessUnit', value: 'Sales' }, file('file', CSV), file('file', OTHER_CSV)], asAdmin, 400, 'VALIDATION_FAILED'],
    ];
    for (const [what, parts, headers, status, code] of refusals) {
      const response = await post('/api/lists', parts, headers);
      expect({ what, status: response.statusCode, code: response.json<{ error?: { code: string } }>().error?.code }).toEqual({ what, status, code });
      expect({ what, ...(await stored()) }).toEqual({ what, blobs: 0, chunks: 0 });
    }
  });

  it.skipIf(skip)('stores nothing for a refused blast upload (recipients and media)', async () => {
    const files = [file('recipientsFile', CSV), file('media', PNG, 'photo.png')];
    const refusals: [string, Part[], Record<string, string>, number, string][] = [
      ['an unknown session (before the files)', [{ name: 'sessionId', value: 'nobody' }, { name: 'message', value: 'Hi' }, ...files], asAdmin, 404, 'SESSION_NOT_FOUND'],
      ['an unknown session (after the files)', [...files, { name: 'sessionId', value: 'nobody' }, { name: 'message', value: 'Hi' }], asAdmin, 404, 'SESSION_NOT_FOUND'],
      ['another unit (before the files)', [{ name: 'businessUnit', value: 'Clinic' }, ...files], withKey(salesKey), 403, 'BUSINESS_UNIT_FORBIDDEN'],
    ];
    for (const [what, parts, headers, status, code] of refusals) {
      const response = await post('/api/blasts', parts, headers);
      expect({ what, status: response.statusCode, code: response.json<{ error?: { code: string } }>().error?.code }).toEqual({ what, status, code });
      expect({ what, ...(await stored()) }).toEqual({ what, blobs: 0, chunks: 0 });
    }
  });

  it.skipIf(skip)("deletes a list's file with the list, once no other list importing has the same content", async () => {
    const upload = async () => {
      const response = await post('/api/lists', [{ name: 'businessUnit', value: 'Sales' }, file('file', CSV)]);
      expect(response.statusCode).toBe(202);
      return response.json<{ listId: string }>().listId;
    };
    const first = await upload();
    const second = await upload();
    expect(await stored()).toEqual({ blobs: 1, chunks: 1 });
    expect((await api.app.inject({ method: 'DELETE', url: `/api/lists/${first}`, headers: asAdmin })).statusCode).toBe(204);
    expect(await stored()).toEqual({ blobs: 1, chunks: 1 });
    expect((await api.app.inject({ method: 'DELETE', url: `/api/lists/${second}`, headers: asAdmin })).statusCode).toBe(204);
    expect(await stored()).toEqual({ blobs: 0, chunks: 0 });

    // An import that has ended needs its file no more (the worker deletes it then).
    const third = await upload();
    const { store } = api.runtime;
    const list = await store.lists.get(third);
    await store.lists.complete(third, { counts: { rows: 1, valid: 1, duplicates: 0, invalid: 0, blank: 0 } }, new Date().toISOString());
    expect(await store.blobs.deleteUnreferenced(list?.blobSha256 ?? '')).toBe(true);
    expect(await stored()).toEqual({ blobs: 0, chunks: 0 });
  });

  it.skipIf(skip)("sweeps an upload a crash left staged, and a blast's media once the blast has ended", async () => {
    const { store } = api.runtime;
    await store.blobs.stage(Readable.from([CSV]), { maxBytes: 4096, now: new Date().toISOString() });
    const media = await store.blobs.put(Readable.from([PNG]), { maxBytes: 4096, now: new Date().toISOString() });
    const listId = await (async () => {
      const response = await post('/api/lists', [{ name: 'businessUnit', value: 'Sales' }, file('file', OTHER_CSV)]);
      return response.json<{ listId: string }>().listId;
    })();
    const blastId = randomUUID();
    await store.blasts.create({
      id: blastId, name: 'b', businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', sessions: [{ id: 'desk', uid: randomUUID() }], checkNumbers: false, typing: false, pacing: null, scheduledAt: null,
      media: { sha256: media.sha256, kind: 'image', mimetype: 'image/png', fileName: 'photo.png' }, createdAt: new Date().toISOString(),
    });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    // The staged leftover goes; the media of an unfinished blast and the file of a list importing stay.
    expect(await store.blobs.sweep(later)).toEqual({ staged: 1, blobs: 0 });
    expect(await stored()).toEqual({ blobs: 2, chunks: 2 });

    await api.runtime.database.db.updateTable('blasts').set({ status: 'completed' }).where('id', '=', blastId).execute();
    await api.runtime.database.db.updateTable('lists').set({ status: 'ready' }).where('id', '=', listId).execute();
    expect(await store.blobs.sweep(later)).toEqual({ staged: 0, blobs: 2 });
    expect(await stored()).toEqual({ blobs: 0, chunks: 0 });
  });
  it.skipIf(skip)('keeps one copy of a file committed by two requests at the same moment, and fails neither', async () => {
    const { store } = api.runtime;
    const now = new Date().toISOString();
    const staged = await Promise.all([1, 2, 3].map(() => store.blobs.stage(Readable.from([CSV]), { maxBytes: 4096, now })));
    await Promise.all(staged.map((blob) => store.blobs.commit(blob, now)));
    expect(await stored()).toEqual({ blobs: 1, chunks: 1 });
    expect(await store.blobs.deleteUnreferenced(staged[0]?.sha256 ?? '')).toBe(true);
  });

  /**
   * A multipart body sent slowly: its files (and the boundary after them) first, then, once `held`
   * has run (the files are staged by then), the fields left.
   */
  async function postSlowly(url: string, files: Part[], rest: { name: string; value: string }[], held: () => Promise<void>) {
    const body = multipart([...files, ...rest]);
    const text = body.payload.toString('latin1');
    const boundary = body.headers['content-type']?.split('boundary=')[1] ?? '';
    const cut = Buffer.from(text.slice(0, text.indexOf(`--${boundary}\r\nContent-Disposition: form-data; name="${rest[0]?.name ?? ''}"`) + boundary.length + 4), 'latin1');
    const stream = new PassThrough();
    const response = api.app.inject({ method: 'POST', url, payload: stream, headers: { ...asAdmin, ...body.headers } });
    stream.write(cut);
    await held();
    stream.end(body.payload.subarray(cut.length));
    return response;
  }
  /** Waits until `count` uploads are staged, then sweeps them away as abandoned. */
  async function sweepOnceStaged(count: number): Promise<void> {
    const db = api.runtime.database.db;
    await expect.poll(async () => (await db.selectFrom('blob_chunks').select('sha256').distinct().where('sha256', 'like', 'staging-%').execute()).length, { timeout: 10_000 }).toBe(count);
    expect((await api.runtime.store.blobs.sweep(new Date(Date.now() + 3_600_000).toISOString())).staged).toBe(count);
  }

  it.skipIf(skip)('refuses, leaving nothing behind, an upload still coming when it was given up as abandoned', async () => {
    const { store } = api.runtime;
    const session = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'slow-desk', friendlyName: 'Slow desk', businessUnit: 'Sales', provider: 'sandbox' } });
    expect(session.statusCode).toBe(201);
    await store.sessions.markLinked('slow-desk', new Date().toISOString());
    const listId = randomUUID();
    const now = new Date().toISOString();
    await store.lists.create({ id: listId, name: 'Ready', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: now });
    await store.lists.complete(listId, { counts: { rows: 1, valid: 1, duplicates: 0, invalid: 0, blank: 0 }, columns: [] }, now);
    const blastsBefore = await api.app.inject({ method: 'GET', url: '/api/blasts', headers: asAdmin });
    const listsBefore = await api.app.inject({ method: 'GET', url: '/api/lists', headers: asAdmin });
    const sessionFields = [{ name: 'sessionId', value: 'slow-desk' }, { name: 'message', value: 'Hi' }];

    const attempts: [string, () => ReturnType<typeof postSlowly>][] = [
      ['a blast with media', () => postSlowly('/api/blasts', [file('media', PNG, 'photo.png')], [{ name: 'listId', value: listId }, ...sessionFields], () => sweepOnceStaged(1))],
      ['a list', () => postSlowly('/api/lists', [file('file', CSV)], [{ name: 'businessUnit', value: 'Sales' }], () => sweepOnceStaged(1))],
      ['a blast with a recipients file', () => postSlowly('/api/blasts', [file('recipientsFile', CSV)], sessionFields, () => sweepOnceStaged(1))],
      ['a blast with its recipients file and media', () => postSlowly('/api/blasts', [file('recipientsFile', OTHER_CSV), file('media', PNG, 'photo.png')], sessionFields, () => sweepOnceStaged(2))],
    ];
    for (const [what, attempt] of attempts) {
      const response = await attempt();
      expect({ what, status: response.statusCode, code: response.json<{ error?: { code: string } }>().error?.code }).toEqual({ what, status: 408, code: 'UPLOAD_TOO_SLOW' });
    }
    // No blast, no list, no file: as if the requests had never come.
    expect((await api.app.inject({ method: 'GET', url: '/api/blasts', headers: asAdmin })).json()).toEqual(blastsBefore.json());
    expect((await api.app.inject({ method: 'GET', url: '/api/lists', headers: asAdmin })).json()).toEqual(listsBefore.json());
    expect(await stored()).toEqual({ blobs: 0, chunks: 0 });
    await store.lists.delete(listId);
  });
});

// Many PostgreSQL servers sort text in a natural language (en_US.UTF-8), not byte by byte (C).
describe.skipIf(inject('postgresUrl') === '')('staged uploads on PostgreSQL sorting text in a natural language', () => {
  const log = createLogger('silent');

  it('sweeps an abandoned staged upload', async () => {
    const database = await postgresDatabase(inject('postgresUrl'), { icuLocale: NATURAL_LANGUAGE_COLLATION });
    const handle = createDatabase(database.target);
    try {
      await migrateToLatest(handle, log);
      // The database does sort the way that broke a byte-order range over staging ids.
      const probe = await sql<{ before: boolean }>`SELECT 'staging-1712345678901-x' < 'staging.' AS before`.execute(handle.db);
      expect(probe.rows[0]?.before).toBe(false);

      const store = createStore(handle);
      await store.blobs.stage(Readable.from([CSV]), { maxBytes: 4096, now: new Date().toISOString() });
      expect(await store.blobs.sweep(new Date(Date.now() + 3_600_000).toISOString())).toEqual({ staged: 1, blobs: 0 });
      const chunks = await handle.db.selectFrom('blob_chunks').select('sha256').execute();
      expect(chunks).toEqual([]);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
