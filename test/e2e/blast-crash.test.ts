import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct, startProduct, type ProductProcess } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-crash-admin-key-0123456789abcdefghijk';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'crash');

const RECIPIENTS = 2_000;
const KILLS = 6;

describe('a blast survives its worker being killed', () => {
  it(`SIGKILLed ${KILLS} times mid-blast: every recipient ends with an outcome, none is sent twice, none is missing`, async () => {
    const env = await environment({ SESSION_LEASE_TTL_MS: '1500', SESSION_RECONCILE_INTERVAL_MS: '300' });
    const { product: api, url } = await startApiProduct('api', env);
    track(api);
    const startWorker = async (n: number): Promise<ProductProcess> => {
      const worker = startProduct('worker', { ...env, WORKER_ID: `crash-worker-${n}` });
      track(worker);
      await worker.waitForLog('worker started');
      return worker;
    };
    let worker = await startWorker(0);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    // Latency per message, so that the blast outlasts the kills: between a restart and its kill a
    // worker sends until its first progress frame and up to 400 ms more, ~200–250 messages over
    // two sessions at 10 ms (~1,250 over the six kills, short of 2,000); at 4 ms the sixth kill
    // once came after the last message.
    await linkedSandboxSessions(call, events, ['crash-a', 'crash-b'], { sandbox: { sendLatencyMs: 10, deliveryDelayMs: null } });

    const created = await postBlast(url, ADMIN, {
      fields: { sessionIds: 'crash-a,crash-b', message: 'Hello {name}' },
      recipientsFile: { name: 'big.csv', data: recipientsCsv(RECIPIENTS) },
    });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);
    const isProgress = (frame: Frame): boolean => frame.event === 'blast:progress' && frame.data.blastId === blastId;
    const sentSoFar = (): number => Math.max(0, ...events.frames.filter(isProgress).map((frame) => Number(frame.data.sent)));

    const kills: { afterMs: number; sentBefore: number }[] = [];
    for (let n = 1; n <= KILLS; n++) {
      // Wait until this worker is really sending, then kill it at a random moment.
      const before = sentSoFar();
      await events.waitFor((frame) => isProgress(frame) && Number(frame.data.sent) > before, `sending resumed (kill ${n})`, 30_000);
      const afterMs = Math.floor(Math.random() * 400);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      kills.push({ afterMs, sentBefore: sentSoFar() });
      await worker.stop('SIGKILL');
      worker = await startWorker(n);
    }
    console.log(`kills: ${JSON.stringify(kills)}`);
    expect(kills.every((kill) => kill.sentBefore < RECIPIENTS)).toBe(true);

    const completed = await events.waitFor(
      (frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId,
      'blast:completed after the crashes',
      120_000,
    );
    expect(completed.data).toMatchObject({ status: 'completed', total: RECIPIENTS, sent: RECIPIENTS, failed: 0, skipped: 0, pending: 0 });

    const outboxes = await Promise.all(['crash-a', 'crash-b'].map((id) => outboxOf(call, id)));
    const all = outboxes.flatMap((outbox) => outbox.items);
    const ids = all.map((item) => item.messageId);
    expect(new Set(ids).size).toBe(ids.length); // no message id accepted by both accounts
    expect(all).toHaveLength(RECIPIENTS); // one message per recipient, none missing
    expect(new Set(all.map((item) => item.to)).size).toBe(RECIPIENTS);
    const repeats = outboxes.reduce((sum, outbox) => sum + outbox.repeats, 0);
    console.log(`re-sent after a crash with the same id (shown once by WhatsApp): ${repeats}`);

    const pending = await call<{ total: number }>('GET', `/api/blasts/${blastId}/recipients?status=pending&limit=1`);
    expect(pending.json.total).toBe(0);
    const sent = await call<{ total: number }>('GET', `/api/blasts/${blastId}/recipients?status=sent&limit=1`);
    expect(sent.json.total).toBe(RECIPIENTS);
  });
});
