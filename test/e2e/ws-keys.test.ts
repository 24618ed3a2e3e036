import { describe, expect, it } from 'vitest';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import { EventSocket, UpgradeRefused } from '../support/ws-client.js';

const ADMIN = 'e2e-ws-keys-admin-key-0123456789abcdefghij';
const { environment, track, keep } = e2eHarness(ADMIN, 'ws-keys');

const refusal = (url: string, ticket: string): Promise<number | undefined> =>
  EventSocket.open(url, ticket).then(
    (socket) => {
      socket.close();
      return undefined;
    },
    (error: unknown) => (error instanceof UpgradeRefused ? error.status : -1),
  );

describe('WebSockets per API key, over two api processes on one Redis', () => {
  it('revoking a key through one process closes its socket on the other and voids its tickets; the cap counts both processes', async () => {
    const env = await environment({ WS_MAX_SOCKETS_PER_KEY: '3' });
    const [one, two] = await Promise.all([startApiProduct('api', env), startApiProduct('api', env)]);
    track(one.product, two.product);
    const admin = apiClient(one.url, ADMIN);
    const created = await admin<{ key: { id: string }; secret: string }>('POST', '/api/keys', { name: 'dashboard', businessUnit: 'Clinic' });
    const key = apiClient(one.url, created.json.secret);
    const ticket = async (): Promise<{ status: number; json: { ticket: string; error?: { code: string } } }> =>
      key<{ ticket: string; error?: { code: string } }>('GET', '/api/ws-ticket');

    // Two sockets on process 1, one on process 2: the key's cap of 3 is reached over both.
    const sockets: EventSocket[] = [];
    for (const url of [one.url, one.url, two.url]) {
      const socket = await EventSocket.open(url, (await ticket()).json.ticket);
      keep(socket);
      sockets.push(socket);
    }
    const refused = await ticket();
    expect(refused.status).toBe(429);
    expect(refused.json.error?.code).toBe('WS_LIMIT_REACHED');
    // A socket closed on process 2 frees a place, seen by process 1.
    sockets[2]?.close();
    await sockets[2]?.closed;
    let unused = '';
    await expect
      .poll(async () => {
        unused = (await ticket()).json.ticket;
        return unused;
      }, { timeout: 5_000 })
      .toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Revoked through process 2: process 1 closes its sockets at once; the unused tickets open nothing anywhere.
    expect((await apiClient(two.url, ADMIN)('DELETE', `/api/keys/${created.json.key.id}`)).status).toBe(200);
    expect(await sockets[0]?.closed).toEqual({ code: 4403 });
    expect(await sockets[1]?.closed).toEqual({ code: 4403 });
    expect(await refusal(one.url, unused)).toBe(401);
    expect((await ticket()).status).toBe(401);
  });
});
