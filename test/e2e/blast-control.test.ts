import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { EventSocket, Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-control-admin-key-0123456789abcdefghi';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'blast-control');

const on = (event: string, blastId: string, extra: (frame: Frame) => boolean = () => true) => (frame: Frame): boolean =>
  frame.event === event && frame.data.blastId === blastId && extra(frame);

interface BlastView {
  status: string;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
  pause: { reason: string; detail: string | null } | null;
  sessions: { sessionId: string; pausedReason: string | null }[];
}

async function start(): Promise<{ url: string; call: Call; events: EventSocket }> {
  const { product, url } = await startApiProduct('all', await environment());
  track(product);
  return { url, call: apiClient(url, ADMIN), events: await openSocket(url) };
}

/** Figures that stopped moving: two reads of the blast a few progress intervals apart agree. */
async function settled(call: Call, blastId: string): Promise<BlastView> {
  for (;;) {
    const first = await call<BlastView>('GET', `/api/blasts/${blastId}`);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = await call<BlastView>('GET', `/api/blasts/${blastId}`);
    if (second.json.sent === first.json.sent) return second.json;
  }
}

describe('blast control', () => {
  it('pauses, resumes and cancels a running blast; cancelled recipients are skipped, none left pending', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['ctl-a'], { sandbox: { sendLatencyMs: 5, deliveryDelayMs: null } });
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'ctl-a', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(3_000) } });
    const blastId = String(created.json.blastId);
    await events.waitFor(on('blast:progress', blastId, (frame) => Number(frame.data.sent) > 0), 'sending');

    const paused = await call<BlastView>('POST', `/api/blasts/${blastId}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.json.status).toBe('paused');
    await events.waitFor(on('blast:paused', blastId, (frame) => frame.data.reason === 'PAUSED_BY_USER'), 'blast:paused');
    const stopped = await settled(call, blastId);
    expect(stopped.sent).toBeLessThan(3_000);
    expect((await outboxOf(call, 'ctl-a')).total).toBe(stopped.sent);
    expect((await call<{ error: { code: string } }>('POST', `/api/blasts/${blastId}/pause`)).json.error.code).toBe('BLAST_STATE_CONFLICT');

    expect((await call<BlastView>('POST', `/api/blasts/${blastId}/resume`)).json.status).toBe('running');
    await events.waitFor(on('blast:progress', blastId, (frame) => Number(frame.data.sent) > stopped.sent), 'sending again after resume');

    // Its list cannot be deleted under it.
    const listId = (await call<{ listId: string }>('GET', `/api/blasts/${blastId}`)).json.listId;
    const inUse = await call<{ error: { code: string } }>('DELETE', `/api/lists/${listId}`);
    expect([inUse.status, inUse.json.error.code]).toEqual([409, 'LIST_IN_USE']);

    const cancelled = await call<BlastView>('POST', `/api/blasts/${blastId}/cancel`);
    expect(cancelled.json.status).toBe('cancelled');
    const end = await events.waitFor(on('blast:completed', blastId), 'blast:completed (cancelled)');
    expect(end.data.status).toBe('cancelled');
    const final = await settled(call, blastId);
    expect(final.pending).toBe(0);
    expect(final.sent + final.skipped).toBe(3_000);
    expect((await outboxOf(call, 'ctl-a')).total).toBe(final.sent);
    const skipped = await call<{ items: { reason: string }[] }>('GET', `/api/blasts/${blastId}/recipients?status=skipped&limit=1`);
    expect(skipped.json.items[0]?.reason).toBe('CANCELLED');
  });

  it('starts a scheduled blast on time, and never starts one cancelled before its time', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['sched-a']);
    const at = new Date(Date.now() + 2_500).toISOString();
    const later = await postBlast(url, ADMIN, { fields: { sessionId: 'sched-a', message: 'Hi', scheduledAt: at }, recipientsFile: { name: 'r.csv', data: recipientsCsv(5) } });
    const never = await postBlast(url, ADMIN, { fields: { sessionId: 'sched-a', message: 'Hi', scheduledAt: at }, recipientsFile: { name: 'r.csv', data: recipientsCsv(5, 100) } });
    const laterId = String(later.json.blastId);
    const neverId = String(never.json.blastId);
    for (;;) {
      const view = await call<BlastView>('GET', `/api/blasts/${neverId}`);
      if (view.json.status === 'scheduled') break;
      expect(view.json.status).toBe('importing');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await call<BlastView>('POST', `/api/blasts/${neverId}/cancel`)).json.status).toBe('cancelled');

    const started = await events.waitFor(on('blast:started', laterId), 'the scheduled start', 20_000);
    expect(Date.parse(String(started.data.startedAt))).toBeGreaterThanOrEqual(Date.parse(at));
    await events.waitFor(on('blast:completed', laterId), 'the scheduled blast to complete');
    const outbox = await outboxOf(call, 'sched-a');
    expect(outbox.total).toBe(5);
    expect(outbox.items.every((item) => !item.to.endsWith('00000100'))).toBe(true);
    expect(events.frames.some(on('blast:started', neverId))).toBe(false);
    expect((await call<BlastView>('GET', `/api/blasts/${neverId}`)).json).toMatchObject({ status: 'cancelled', skipped: 5, sent: 0 });
  });

  it('skips opted-out and non-WhatsApp numbers, records STOP replies, and sends media uploaded once', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['care-a'], { sandbox: { notOnWhatsApp: { suffixes: ['0003'], numbers: [] } } });
    // Person 2 opted out earlier; person 3's number has no WhatsApp.
    await call('POST', '/api/suppressions', { businessUnit: 'Clinic', phones: ['+6281200000002'], reason: 'asked by phone' });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    const created = await postBlast(url, ADMIN, {
      fields: { sessionId: 'care-a', message: 'Your results, {name}', checkNumbers: 'true' },
      recipientsFile: { name: 'r.csv', data: recipientsCsv(10) },
      media: { name: 'results.png', data: png },
    });
    const blastId = String(created.json.blastId);
    const end = await events.waitFor(on('blast:completed', blastId), 'blast:completed');
    expect(end.data).toMatchObject({ status: 'completed', total: 10, sent: 8, skipped: 2, failed: 0 });
    const skipped = await call<{ items: { phone: string; reason: string }[] }>('GET', `/api/blasts/${blastId}/recipients?status=skipped`);
    expect(skipped.json.items.map((item) => [item.phone, item.reason])).toEqual([
      ['+6281200000002', 'SUPPRESSED'],
      ['+6281200000003', 'NOT_ON_WHATSAPP'],
    ]);
    const outbox = await outboxOf(call, 'care-a');
    expect(outbox.items.every((item) => item.mediaKind === 'image')).toBe(true);
    expect(new Set(outbox.items.map((item) => (item as { mediaRef?: string }).mediaRef)).size).toBe(1);

    await call('POST', '/api/sessions/care-a/sandbox/inbound', { from: '+6281200000004', text: ' Stop! ' });
    await call('POST', '/api/sessions/care-a/sandbox/inbound', { from: '+6281200000005', text: 'please do not stop' });
    let suppressed: { phone: string; source: string }[] = [];
    while (!suppressed.some((entry) => entry.phone === '+6281200000004')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      suppressed = (await call<{ items: { phone: string; source: string }[] }>('GET', '/api/suppressions?businessUnit=Clinic')).json.items;
    }
    expect(suppressed.find((entry) => entry.phone === '+6281200000004')?.source).toBe('reply');
    expect(suppressed.some((entry) => entry.phone === '+6281200000005')).toBe(false);
  });

  it('pauses a restricted account; the other account carries on and the blast completes, each recipient once', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['limited'], { sandbox: { restrictAfterSends: 30, sendLatencyMs: 1 } });
    await linkedSandboxSessions(call, events, ['healthy'], { sandbox: { sendLatencyMs: 1 } });
    const created = await postBlast(url, ADMIN, { fields: { sessionIds: 'limited,healthy', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(400) } });
    const blastId = String(created.json.blastId);
    await events.waitFor(on('blast:completed', blastId), 'blast:completed', 60_000);
    const view = await call<BlastView>('GET', `/api/blasts/${blastId}`);
    expect(view.json).toMatchObject({ status: 'completed', sent: 400, failed: 0 });
    expect(view.json.sessions).toContainEqual({ sessionId: 'limited', pausedReason: 'restricted:rate_limited' });
    const outboxes = await Promise.all(['limited', 'healthy'].map((id) => outboxOf(call, id)));
    expect(outboxes[0]?.total).toBe(30);
    const all = outboxes.flatMap((outbox) => outbox.items.map((item) => item.to));
    expect(new Set(all).size).toBe(400);
    expect(all).toHaveLength(400);

    // Alone, a restricted account pauses the blast with the reason shown.
    const alone = await postBlast(url, ADMIN, { fields: { sessionId: 'limited', message: 'Hi' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(5, 1_000) } });
    const pausedEvent = await events.waitFor(on('blast:paused', String(alone.json.blastId)), 'blast:paused SESSION_RESTRICTED');
    expect(pausedEvent.data.reason).toBe('SESSION_RESTRICTED');
    expect((await call<BlastView>('GET', `/api/blasts/${String(alone.json.blastId)}`)).json).toMatchObject({ status: 'paused', pending: 5, pause: { reason: 'SESSION_RESTRICTED' } });
  });
});
