import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct, startProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-pacing-admin-key-0123456789abcdefghij';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'pacing');

const MIN_DELAY_MS = 150;
const MAX_DELAY_MS = 300;
const HOURLY_CAP = 12;
/** Timer and scheduling slack on a busy CI machine, above the drawn delay. */
const SLACK_MS = 250;

describe('pacing holds across workers', () => {
  it('keeps the gaps of one account within [min, max] and never exceeds its hourly cap, with two workers', async () => {
    const env = await environment();
    const { product: api, url } = await startApiProduct('api', env);
    track(api);
    for (const n of [1, 2]) {
      const worker = startProduct('worker', { ...env, WORKER_ID: `pacing-worker-${n}` });
      track(worker);
      await worker.waitForLog('worker started');
    }
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['paced'], {
      pacing: { minDelayMs: MIN_DELAY_MS, maxDelayMs: MAX_DELAY_MS, hourlyCap: HOURLY_CAP, dailyCap: 100 },
      sandbox: { deliveryDelayMs: null },
    });

    const created = await postBlast(url, ADMIN, {
      fields: { sessionId: 'paced', message: 'Hi {name}' },
      recipientsFile: { name: 'few.csv', data: recipientsCsv(20) },
    });
    const blastId = String(created.json.blastId);
    const isProgress = (frame: Frame): boolean => frame.event === 'blast:progress' && frame.data.blastId === blastId;
    await events.waitFor((frame) => isProgress(frame) && frame.data.sent === HOURLY_CAP, 'the hourly cap reached', 30_000);

    // The cap holds: watch for a while (longer than several max delays) that nothing more goes out.
    const capReachedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 6 * MAX_DELAY_MS));
    const outbox = await outboxOf(call, 'paced');
    expect(outbox.total).toBe(HOURLY_CAP);
    const blast = await call<{ sent: number; pending: number; status: string }>('GET', `/api/blasts/${blastId}`);
    expect(blast.json).toMatchObject({ status: 'running', sent: HOURLY_CAP, pending: 20 - HOURLY_CAP });
    expect(Date.now() - capReachedAt).toBeGreaterThanOrEqual(6 * MAX_DELAY_MS);

    const times = outbox.items.map((item) => Date.parse(item.firstAt)).sort((a, b) => a - b);
    const gaps = times.slice(1).map((time, i) => time - (times[i] ?? time));
    console.log(`gaps (ms): ${gaps.join(', ')}`);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(MIN_DELAY_MS - 2);
      expect(gap).toBeLessThanOrEqual(MAX_DELAY_MS + SLACK_MS);
    }
    // Random, not a fixed beat.
    expect(new Set(gaps).size).toBeGreaterThan(3);
  });
});
