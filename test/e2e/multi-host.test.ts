import { describe, expect, inject, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct, startProduct, type ProductProcess } from '../support/product.js';
import { EventSocket, type Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-multihost-admin-key-0123456789abcdef';
const { environment, track, keep } = e2eHarness(ADMIN, 'multi-host');

const on = (event: string, blastId: string, extra: (frame: Frame) => boolean = () => true) => (frame: Frame): boolean =>
  frame.event === event && frame.data.blastId === blastId && extra(frame);

async function exactlyOnce(call: Call, sessions: string[], expected: number): Promise<void> {
  const items = (await Promise.all(sessions.map((id) => outboxOf(call, id)))).flatMap((outbox) => outbox.items);
  expect(new Set(items.map((item) => item.messageId)).size).toBe(items.length);
  expect(new Set(items.map((item) => item.to)).size).toBe(expected);
  expect(items).toHaveLength(expected);
}

describe.skipIf(inject('postgresUrl') === '')('several hosts: two apis and two workers on one Redis prefix and one PostgreSQL', () => {
  it('runs a blast across both, survives a killed worker, and a SIGTERM releases everything within 10 s', async () => {
    const env = await environment({ SESSION_LEASE_TTL_MS: '1500', SESSION_RECONCILE_INTERVAL_MS: '300' }, { postgres: true });
    const [one, two] = await Promise.all([startApiProduct('api', env), startApiProduct('api', env)]);
    track(one.product, two.product);
    expect(one.url).not.toBe(two.url);
    const startWorker = async (id: string): Promise<ProductProcess> => {
      const worker = startProduct('worker', { ...env, WORKER_ID: id });
      track(worker);
      await worker.waitForLog('worker started');
      return worker;
    };
    const [firstWorker, secondWorker] = await Promise.all([startWorker('host-1'), startWorker('host-2')]);

    // A ticket from one api opens the socket on the other.
    const call = apiClient(one.url, ADMIN);
    const ticket = await call<{ ticket: string }>('GET', '/api/ws-ticket');
    const events = await EventSocket.open(two.url, ticket.json.ticket);
    keep(events);
    await linkedSandboxSessions(call, events, ['host-a', 'host-b'], { sandbox: { sendLatencyMs: 3, deliveryDelayMs: null } });

    const first = await postBlast(one.url, ADMIN, { fields: { sessionIds: 'host-a,host-b', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(1_500) } });
    const firstId = String(first.json.blastId);
    await events.waitFor(on('blast:progress', firstId, (frame) => Number(frame.data.sent) >= 200), 'the first blast under way', 30_000);
    await firstWorker.stop('SIGKILL');
    const done = await events.waitFor(on('blast:completed', firstId), 'the first blast completed on the other worker', 60_000);
    expect(done.data).toMatchObject({ status: 'completed', sent: 1_500, failed: 0, pending: 0 });
    await exactlyOnce(call, ['host-a', 'host-b'], 1_500);

    // Graceful: SIGTERM the last worker mid-blast; it finishes what it holds, lets go, exits 0.
    const second = await postBlast(two.url, ADMIN, { fields: { sessionIds: 'host-a,host-b', message: 'Bye {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(1_000, 5_000) } });
    const secondId = String(second.json.blastId);
    await events.waitFor(on('blast:progress', secondId, (frame) => Number(frame.data.sent) > 0), 'the second blast under way', 30_000);
    const termAt = Date.now();
    const exit = await secondWorker.stop('SIGTERM');
    const shutdownMs = Date.now() - termAt;
    console.log(`graceful shutdown of a sending worker: ${shutdownMs} ms`);
    expect(exit).toMatchObject({ code: 0 });
    expect(shutdownMs).toBeLessThan(10_000);

    // Leases were released: a new worker takes the sessions at once (no TTL wait) and finishes.
    const restartAt = Date.now();
    await startWorker('host-3');
    const end = await events.waitFor(on('blast:completed', secondId), 'the second blast completed', 60_000);
    expect(end.data).toMatchObject({ status: 'completed', sent: 1_000, pending: 0 });
    console.log(`second blast finished ${Date.now() - restartAt} ms after the new worker started`);
    await exactlyOnce(call, ['host-a', 'host-b'], 2_500);
  });
});
