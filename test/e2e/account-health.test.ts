import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

/**
 * Account health (issue 17) on the sandbox: a session that starts getting error acks and opt-outs
 * is slowed, held to existing chats, then stopped, by the documented default thresholds
 * (README "Account health": a number linked less than a week ago costs 5 points, a 479 costs 10,
 * opt-outs up to 40 by rate over at least 50 sends; watch below 80, at risk below 60, stop below
 * 40), while the other session is never slowed and finishes the blast.
 */
const ADMIN = 'e2e-health-admin-key-0123456789abcdefghijk';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'account-health');

interface HealthView {
  score: number;
  band: string;
  reasons: { code: string; points: number; figure: number }[];
  enforcement: { pace: string; slowdown: number; paused: boolean; existingChatsOnly: boolean; minDelayMs: number; maxDelayMs: number; hourlyCap: number };
  newContacts: { budget: number; used: number; left: number } | null;
}

const health = async (call: Call, sessionId: string): Promise<HealthView> => (await call<HealthView>('GET', `/api/sessions/${sessionId}/health`)).json;

async function until<T>(what: string, read: () => Promise<T>, test: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const bandFrame = (sessionId: string, band: string) => (frame: Frame): boolean => frame.event === 'session:health' && frame.data.sessionId === sessionId && frame.data.band === band;

/** The gaps (ms) between consecutive messages of a session sent from `sinceMs` on. */
function gapsSince(items: { firstAt: string }[], sinceMs: number): number[] {
  const times = items.map((item) => Date.parse(item.firstAt)).filter((at) => at >= sinceMs).sort((a, b) => a - b);
  return times.slice(1).map((at, index) => at - (times[index] ?? at));
}

describe('account health', () => {
  it('error acks then opt-outs move a session watch → at risk → stop: slower, then existing chats only, then paused; the blast finishes on the healthy one, never slowed', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    const sandbox = { sendLatencyMs: 1, deliveryDelayMs: 20, readDelayMs: 40 };
    await linkedSandboxSessions(call, events, ['sick'], { sandbox, pacing: { minDelayMs: 400, maxDelayMs: 400, hourlyCap: 1_000 } });
    await linkedSandboxSessions(call, events, ['well'], { sandbox, pacing: { minDelayMs: 100, maxDelayMs: 100, hourlyCap: 1_000 } });
    // Linked just now: still warming up (5 points), healthy.
    expect(await until('sick assessed', () => health(call, 'sick'), (view) => view.score === 95)).toMatchObject({
      band: 'healthy',
      reasons: [{ code: 'NEW_NUMBER', points: 5 }],
      enforcement: { slowdown: 1, minDelayMs: 400, hourlyCap: 1_000 },
      newContacts: null,
    });

    const created = await postBlast(url, ADMIN, { fields: { sessionIds: 'sick,well', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(200) } });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);

    // Two messages refused with 479, one after another: 10 points each (75: watch).
    for (let refused = 1; refused <= 2; refused++) {
      expect((await call('POST', '/api/sessions/sick/sandbox/signal', { kind: 'ack_error', code: '479' })).status).toBe(202);
      await until(`the ${String(refused)}th 479 counted`, () => health(call, 'sick'), (view) => view.reasons.some((reason) => reason.code === 'ACK_ERROR_479' && reason.figure === refused));
    }
    const watch = await events.waitFor(bandFrame('sick', 'watch'), 'sick in watch');
    expect(watch.data).toMatchObject({ score: 75, previousBand: 'healthy' });
    const watchAtMs = Date.parse(String(watch.data.at));
    // Watch: the delays doubled and the hourly cap halved, for every worker (the gate's policy).
    expect((await health(call, 'sick')).enforcement).toMatchObject({ pace: 'watch', slowdown: 2, minDelayMs: 800, maxDelayMs: 800, hourlyCap: 500, paused: false });
    // The owning worker drops its paces at once; a message already booked at the old pace may still go.
    const slowed = await until('three messages from sick in watch', () => outboxOf(call, 'sick'), (outbox) => gapsSince(outbox.items, watchAtMs + 500).length >= 2);
    // At least 800 ms apart, twice the 400 before.
    for (const gap of gapsSince(slowed.items, watchAtMs + 500)) expect(gap).toBeGreaterThanOrEqual(790);

    // Two people the sick session wrote to answer STOP: 4 % opt-outs over 50 sends cost 30 points: at risk (45).
    const refused = new Set((await call<{ items: { phone: string }[] }>('GET', `/api/blasts/${blastId}/recipients?status=failed`)).json.items.map((row) => row.phone));
    const messaged = [...new Set(slowed.items.map((item) => item.to))].filter((phone) => !refused.has(phone));
    for (const phone of messaged.slice(0, 2)) {
      expect((await call('POST', '/api/sessions/sick/sandbox/inbound', { from: phone, text: 'STOP' })).status).toBe(202);
    }
    const atRisk = await events.waitFor(bandFrame('sick', 'at_risk'), 'sick at risk');
    expect(atRisk.data).toMatchObject({ score: 45, previousBand: 'watch' });
    const atRiskView = await until('sick held to existing chats', () => health(call, 'sick'), (view) => view.enforcement.existingChatsOnly);
    expect(atRiskView.enforcement).toMatchObject({ pace: 'at_risk', slowdown: 4, minDelayMs: 1_600, hourlyCap: 250 });
    // Existing chats only: nobody in this list wrote to it before, so it opens no new chat (one already booked may still go).
    const heldAtMs = Date.parse(String(atRisk.data.at)) + 500;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, heldAtMs - Date.now()) + 2_000));
    const held = await outboxOf(call, 'sick');
    expect(held.items.filter((item) => Date.parse(item.firstAt) >= heldAtMs)).toEqual([]);

    // A third STOP: 6 % opt-outs cost the whole 40: stop (35). The session is paused on the blast; the blast goes on without it.
    expect((await call('POST', '/api/sessions/sick/sandbox/inbound', { from: messaged[2], text: 'STOP' })).status).toBe(202);
    const stop = await events.waitFor(bandFrame('sick', 'stop'), 'sick stopped');
    expect(stop.data).toMatchObject({ score: 35, previousBand: 'at_risk' });
    expect((stop.data.reasons as { code: string }[]).map((reason) => reason.code)).toEqual(['OPT_OUT_RATE', 'ACK_ERROR_479', 'NEW_NUMBER']);
    await until(
      'sick paused on the blast by its health',
      async () => (await call<{ sessions: { sessionId: string; pausedReason: string | null }[] }>('GET', `/api/blasts/${blastId}`)).json.sessions,
      (sessions) => sessions.some((entry) => entry.sessionId === 'sick' && entry.pausedReason === 'health_stop'),
    );

    await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId, 'blast:completed', 60_000);
    const [sick, well] = [await outboxOf(call, 'sick'), await outboxOf(call, 'well')];
    expect(new Set([...sick.items, ...well.items].map((item) => item.to)).size).toBe(200);
    expect(sick.total + well.total).toBe(200);
    const blast = (await call<{ status: string; sent: number; failed: number; replied: number }>('GET', `/api/blasts/${blastId}`)).json;
    expect(blast).toMatchObject({ status: 'completed', failed: 2, sent: 198, replied: 3 });

    // The healthy session was never slowed: healthy throughout, its gaps those of its own pace.
    const wellView = await health(call, 'well');
    expect(wellView).toMatchObject({ band: 'healthy', score: 95, enforcement: { slowdown: 1, minDelayMs: 100, hourlyCap: 1_000 } });
    expect(events.frames.some((frame) => frame.event === 'session:health' && frame.data.sessionId === 'well')).toBe(false);
    const wellGaps = gapsSince(well.items, 0).sort((a, b) => a - b);
    expect(wellGaps[Math.floor(wellGaps.length / 2)]).toBeLessThan(200);
    // The bands, in order, each once; and the list of sessions shows the stop.
    expect(events.frames.filter((frame) => frame.event === 'session:health').map((frame) => frame.data.band)).toEqual(['watch', 'at_risk', 'stop']);
    const listed = (await call<{ items: { id: string; health: { band: string; score: number } }[] }>('GET', '/api/sessions')).json.items;
    expect(listed.find((session) => session.id === 'sick')?.health).toMatchObject({ band: 'stop', score: 35 });
  });
});
