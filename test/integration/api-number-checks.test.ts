import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asAdmin, startTestApi, type TestApi } from '../support/harness.js';

let api: TestApi;
let listId: string;

const post = (url: string, payload: Record<string, unknown>) => api.app.inject({ method: 'POST', url, headers: asAdmin, payload });

beforeAll(async () => {
  api = await startTestApi();
  const { store } = api.runtime;
  const sessions: Record<string, unknown>[] = [
    { id: 'real-a', provider: 'baileys' },
    { id: 'real-quiet', provider: 'baileys', checkNumbers: false },
    { id: 'sbx-a', provider: 'sandbox' },
  ];
  for (const session of sessions) {
    expect((await post('/api/sessions/config', { friendlyName: 'Desk', businessUnit: 'Clinic', ...session })).statusCode).toBe(201);
    await store.sessions.markLinked(String(session.id), new Date().toISOString());
  }
  const now = new Date().toISOString();
  listId = randomUUID();
  await store.lists.create({ id: listId, name: 'October', purpose: 'recipients', businessUnit: 'Clinic', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: now });
  await store.lists.complete(listId, { counts: { rows: 1, valid: 1, duplicates: 0, invalid: 0, blank: 0 }, columns: [] }, now);
});
afterAll(async () => {
  await api.close();
});

describe('number checks: on by default for real WhatsApp accounts (issue 15, item 7)', () => {
  it("shows each session's default: on for baileys unless turned off, off for the sandbox", async () => {
    const list = await api.app.inject({ method: 'GET', url: '/api/sessions?businessUnit=Clinic', headers: asAdmin });
    expect(list.json<{ items: { id: string; checkNumbers: boolean }[] }>().items.map(({ id, checkNumbers }) => [id, checkNumbers])).toEqual([
      ['real-a', true],
      ['real-quiet', false],
      ['sbx-a', false],
    ]);
  });

  it.each([
    [['real-a'], undefined, true],
    [['real-a'], false, false],
    [['real-quiet'], undefined, false],
    [['sbx-a'], undefined, false],
    [['sbx-a'], true, true],
  ] as const)('a blast from %j with checkNumbers %s checks numbers: %s', async (sessionIds, checkNumbers, expected) => {
    const created = await post('/api/blasts', { sessionIds, message: 'Hi', listId, ...(checkNumbers === undefined ? {} : { checkNumbers }) });
    expect(created.statusCode).toBe(202);
    const { blastId } = created.json<{ blastId: string }>();
    const blast = await api.app.inject({ method: 'GET', url: `/api/blasts/${blastId}`, headers: asAdmin });
    expect(blast.json<{ checkNumbers: boolean }>().checkNumbers).toBe(expected);
  });
});
