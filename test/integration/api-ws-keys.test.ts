import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_KEY_REVOKED } from '../../src/api/ws/ws-gateway.js';
import { WsKeyLedger } from '../../src/api/ws/ws-key-ledger.js';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';
import { EventSocket, UpgradeRefused } from '../support/ws-client.js';

const CAP = 3;
let api: TestApi;
let url: string;
beforeAll(async () => {
  api = await startTestApi(undefined, { WS_MAX_SOCKETS_PER_KEY: String(CAP) });
  url = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api.close();
});

async function newKey(name: string): Promise<{ id: string; secret: string }> {
  const created = (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name } })).json<{ key: { id: string }; secret: string }>();
  return { id: created.key.id, secret: created.secret };
}

async function ticketFor(secret: string): Promise<{ status: number; ticket: string; code: string | undefined }> {
  const response = await api.app.inject({ method: 'GET', url: '/api/ws-ticket', headers: withKey(secret) });
  const body = response.json<{ ticket?: string; error?: { code: string } }>();
  return { status: response.statusCode, ticket: body.ticket ?? '', code: body.error?.code };
}

const refusal = (ticket: string): Promise<number | undefined> =>
  EventSocket.open(url, ticket).then(
    (socket) => {
      socket.close();
      return undefined;
    },
    (error: unknown) => (error instanceof UpgradeRefused ? error.status : -1),
  );

describe('WebSockets per API key', () => {
  it('caps a key\'s sockets and unused tickets together; a closed socket frees its place; other keys are not affected', async () => {
    const key = await newKey('dashboard');
    const sockets: EventSocket[] = [];
    for (let i = 0; i < CAP - 1; i++) sockets.push(await EventSocket.open(url, (await ticketFor(key.secret)).ticket));
    const unused = await ticketFor(key.secret);
    expect(unused.status).toBe(200);
    expect(await ticketFor(key.secret)).toMatchObject({ status: 429, code: 'WS_LIMIT_REACHED' });

    // The unused ticket still opens its socket (its place was kept), and nothing more.
    sockets.push(await EventSocket.open(url, unused.ticket));
    expect(await ticketFor(key.secret)).toMatchObject({ status: 429, code: 'WS_LIMIT_REACHED' });
    expect((await ticketFor((await newKey('another')).secret)).status).toBe(200);

    sockets[0]?.close();
    await sockets[0]?.closed;
    await expect.poll(async () => (await ticketFor(key.secret)).status, { timeout: 5_000 }).toBe(200);
    for (const socket of sockets) socket.close();
  });

  it('revoking a key closes its open sockets and voids its unused tickets', async () => {
    const key = await newKey('to revoke');
    const socket = await EventSocket.open(url, (await ticketFor(key.secret)).ticket);
    const unused = (await ticketFor(key.secret)).ticket;
    expect((await api.app.inject({ method: 'DELETE', url: `/api/keys/${key.id}`, headers: asAdmin })).statusCode).toBe(200);
    expect(await socket.closed).toEqual({ code: CLOSE_KEY_REVOKED });
    expect(await refusal(unused)).toBe(401);
    expect((await ticketFor(key.secret)).status).toBe(401);
  });

  it('refuses, at the upgrade too, a socket past the cap or of a revoked key (the ledger, over every process)', async () => {
    const ledger = new WsKeyLedger(api.runtime.redis.client, 2);
    const keyId = '00000000-0000-4000-8000-0000000000a1';
    expect(await ledger.reserveTicket(keyId, 't1', '{}', 30_000)).toBe('ok');
    expect(await ledger.openSocket(keyId, 't1', 's1')).toBe('ok');
    expect(await ledger.openSocket(keyId, 'never-issued', 's2')).toBe('ok');
    expect(await ledger.openSocket(keyId, 'never-issued', 's3')).toBe('full');
    expect(await ledger.reserveTicket(keyId, 't2', '{}', 30_000)).toBe('full');
    await ledger.closeSocket(keyId, 's1');
    expect(await ledger.reserveTicket(keyId, 't2', '{}', 30_000)).toBe('ok');
    await api.runtime.redis.client.set(`key-revoked:${keyId}`, '1', 'PX', 10_000);
    expect(await ledger.openSocket(keyId, 't2', 's4')).toBe('revoked');
    expect(await ledger.renew(keyId, ['s2'])).toBe('revoked');
  });
});
