import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { linkedSandboxSessions, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct, startProduct, type ProductProcess } from '../support/product.js';
import { WebhookReceiver, type Received } from '../support/webhook-receiver.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-webhook-crash-admin-key-0123456789abc';
const { environment, openSocket, track, cleanups } = e2eHarness(ADMIN, 'webhook-crash');

const RECIPIENTS = 300;

type Item = { phone: string; blastId: string };
const itemsOf = (received: Received[], type: string): Item[] =>
  received.filter((entry) => entry.envelope.type === type).flatMap((entry) => (entry.envelope.data as { items: Item[] }).items);

describe('webhooks survive their worker being killed', () => {
  it('the worker SIGKILLed mid-blast while the receiver is down: a new worker delivers every event the blast produced, once each by id, signed', async () => {
    const env = await environment({
      SESSION_LEASE_TTL_MS: '1500',
      SESSION_RECONCILE_INTERVAL_MS: '300',
      // Short retries, so that the down receiver is asked again within seconds once it is back.
      WEBHOOK_RETRY_SCHEDULE: '0,100ms,200ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms',
      WEBHOOK_TIMEOUT_MS: '700',
      WEBHOOK_PROGRESS_INTERVAL_MS: '1000',
    });
    const { product: api, url } = await startApiProduct('api', env);
    track(api);
    const startWorker = async (n: number): Promise<ProductProcess> => {
      const worker = startProduct('worker', { ...env, WORKER_ID: `webhook-crash-worker-${n}` });
      track(worker);
      await worker.waitForLog('worker started');
      return worker;
    };
    let worker = await startWorker(0);
    const admin = apiClient(url, ADMIN);

    const receiver = new WebhookReceiver(tempDir('receiver'));
    await receiver.start();
    cleanups.push(() => receiver.stop());
    const endpoint = await admin<{ id: string; secret: string }>('POST', '/api/webhooks', { url: receiver.url('/hook'), events: ['*'] });
    expect(endpoint.status).toBe(201);
    receiver.trust(endpoint.json.secret);
    // Down before anything happens: every event of the blast waits in the outbox.
    await receiver.stop();

    const events = await openSocket(url);
    await linkedSandboxSessions(admin, events, ['wh-crash'], { sandbox: { sendLatencyMs: 10, deliveryDelayMs: null } });
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'wh-crash', message: 'Hello {name}' }, recipientsFile: { name: 'people.csv', data: recipientsCsv(RECIPIENTS) } });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);
    const isProgress = (frame: Frame): boolean => frame.event === 'blast:progress' && frame.data.blastId === blastId;

    // Killed while messages are being sent (state changed, its events written, none delivered).
    await events.waitFor((frame) => isProgress(frame) && Number(frame.data.sent) >= 50, 'fifty sent', 60_000);
    await worker.stop('SIGKILL');
    const sentAtKill = Math.max(0, ...events.frames.filter(isProgress).map((frame) => Number(frame.data.sent)));
    expect(sentAtKill).toBeLessThan(RECIPIENTS);
    expect(receiver.received()).toEqual([]);
    worker = await startWorker(1);
    await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId, 'blast completed after the crash', 120_000);

    // Back up: everything arrives.
    receiver.answer(200);
    await receiver.start();
    const done = (received: Received[]): boolean => {
      const ok = received.filter((entry) => entry.acked);
      return ok.some((entry) => entry.envelope.type === 'blast.completed') && new Set(itemsOf(ok, 'message.sent').map((item) => item.phone)).size === RECIPIENTS;
    };
    // The receiver was down at the kill, so an attempt in flight then is rare; if there was one, its
    // delivery is claimable again once its lock lapses (two minutes).
    const all = await receiver.waitFor(done, 'every event of the blast', 180_000);
    expect(all.every((entry) => entry.valid && entry.idMatches)).toBe(true);
    const ok = all.filter((entry) => entry.acked);
    const ids = ok.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length); // once each by webhook-id
    const lifecycle = ok.filter((entry) => ['blast.created', 'blast.started', 'blast.completed'].includes(entry.envelope.type)).map((entry) => entry.envelope.type);
    expect(lifecycle).toEqual(['blast.created', 'blast.started', 'blast.completed']);
    const sent = itemsOf(ok, 'message.sent');
    expect(sent).toHaveLength(RECIPIENTS); // every recipient exactly once
    expect(new Set(sent.map((item) => item.phone)).size).toBe(RECIPIENTS);
    expect(sent.every((item) => item.blastId === blastId)).toBe(true);

    // The delivery log agrees once it has recorded every answer: each delivery succeeded and reached the receiver, none failed.
    type Log = { total: number; items: { eventId: string; status: string }[] };
    const deadline = Date.now() + 30_000;
    let log = await admin<Log>('GET', `/api/webhooks/${endpoint.json.id}/deliveries?limit=1000`);
    while (!log.json.items.every((item) => item.status === 'succeeded')) {
      if (Date.now() > deadline) throw new Error(`deliveries not all succeeded: ${JSON.stringify(log.json.items.filter((item) => item.status !== 'succeeded'))}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      log = await admin<Log>('GET', `/api/webhooks/${endpoint.json.id}/deliveries?limit=1000`);
    }
    expect(log.json.total).toBe(log.json.items.length);
    const finalIds = receiver.received().filter((entry) => entry.acked).map((entry) => entry.id);
    expect(new Set(finalIds).size).toBe(finalIds.length);
    expect(new Set(log.json.items.map((item) => item.eventId))).toEqual(new Set(finalIds));
    expect((await admin<{ total: number }>('GET', `/api/webhooks/${endpoint.json.id}/deliveries?failed=true`)).json.total).toBe(0);
  }, 300_000); // an attempt in flight at the kill waits out its two-minute claim lock
});
