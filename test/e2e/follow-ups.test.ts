import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-follow-ups-admin-key-0123456789abcdefgh';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'follow-ups');

const blastEvent = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;
const phone = (n: number): string => `+6281${String(200_000_000 + n)}`;

interface BlastView {
  status: string;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  replied: number;
  scheduledAt: string | null;
  completedAt: string | null;
  startedAt: string | null;
  stopOnReply: boolean;
  followUp: { of: string; segment: string; after: string | null; waitingForParent: boolean } | null;
  error: { code: string } | null;
}
type Recipient = { seq: number; phone: string; status: string; reason: string | null };

async function recipientsOf(call: Call, blastId: string): Promise<Recipient[]> {
  return (await call<{ items: Recipient[] }>('GET', `/api/blasts/${blastId}/recipients?limit=100`)).json.items;
}

/** Eight recipients: the 7th is not on WhatsApp (skipped), the 8th's notes make the message too long (failed). */
function parentCsv(): Buffer {
  const rows = recipientsCsv(8).toString().trim().split('\n');
  const long = 'x'.repeat(22_000);
  const lines = rows.map((line, index) => `${line},${index === 0 ? 'Note,More,Extra' : index === 8 ? `${long},${long},${long}` : 'ok,ok,ok'}`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Asks until the answer is defined (state no event announces), for at most 10 s. */
async function until<T>(ask: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await ask();
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('follow-ups end to end (sandbox)', () => {
  it('follows up the people who did not reply, after the parent ends, and skips one who replies before their turn', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['clinic-a'], { sandbox: { notOnWhatsApp: { numbers: [phone(7)] } } });

    const parent = await postBlast(url, ADMIN, {
      fields: { name: 'Reminder', sessionId: 'clinic-a', message: 'Hi {name}, see you in {city} {note}{more}{extra}', pacing: JSON.stringify({ minDelayMs: 100, maxDelayMs: 100 }) },
      recipientsFile: { name: 'patients.csv', data: parentCsv() },
    });
    expect(parent.status).toBe(202);
    const parentId = String(parent.json.blastId);

    // Made at once, while the parent imports: it waits for the parent's end, its segment not taken yet.
    const created = await call<{ blastId: string }>('POST', '/api/blasts', {
      name: 'Nudge',
      sessionId: 'clinic-a',
      message: 'Still coming, {name}?',
      followUpOf: parentId,
      segment: 'not_replied',
      after: 'PT4S',
      stopOnReply: true,
      pacing: { minDelayMs: 1_500, maxDelayMs: 1_500 },
    });
    expect(created.status).toBe(202);
    const followUpId = created.json.blastId;
    const waiting = await call<BlastView>('GET', `/api/blasts/${followUpId}`);
    expect(waiting.json).toMatchObject({ total: 0, scheduledAt: null, stopOnReply: true, followUp: { of: parentId, segment: 'not_replied', after: 'PT4S' } });
    expect(['importing', 'scheduled']).toContain(waiting.json.status);

    const ended = await events.waitFor(blastEvent('blast:completed', parentId), 'the parent to complete', 30_000);
    expect(ended.data).toMatchObject({ status: 'completed', total: 8, sent: 6, failed: 1, skipped: 1 });
    // Two reply after the parent ended, before the follow-up starts: they leave the segment taken at its start.
    for (const n of [1, 2]) expect((await call('POST', '/api/sessions/clinic-a/sandbox/inbound', { from: phone(n), text: `Yes, ${String(n)}` })).status).toBe(202);
    for (const n of [1, 2]) await events.waitFor((frame) => blastEvent('message:replied', parentId)(frame) && frame.data.phone === phone(n), `reply ${String(n)} attributed`);

    const parentView = await call<BlastView & { completedAt: string }>('GET', `/api/blasts/${parentId}`);
    const scheduled = await call<BlastView>('GET', `/api/blasts/${followUpId}`);
    expect(scheduled.json).toMatchObject({ status: 'scheduled', followUp: { waitingForParent: false } });
    expect(scheduled.json.scheduledAt).toBe(new Date(Date.parse(parentView.json.completedAt) + 4_000).toISOString());
    const sizes = await call<{ segments: Record<string, number> }>('GET', `/api/blasts/${parentId}/segments`);
    expect(sizes.json.segments).toEqual({ not_delivered: expect.any(Number) as number, not_read: expect.any(Number) as number, not_replied: 4, replied: 2, failed: 1, delivered: expect.any(Number) as number });

    const started = await events.waitFor(blastEvent('blast:started', followUpId), 'the follow-up to start', 20_000);
    expect(started.data.total).toBe(4);
    expect(Date.parse(String(started.data.startedAt))).toBeGreaterThanOrEqual(Date.parse(String(scheduled.json.scheduledAt)));
    // Its first message went (to the 3rd); the 6th replies before their turn comes (1.5 s apart).
    await events.waitFor((frame) => blastEvent('blast:progress', followUpId)(frame) && Number(frame.data.sent) >= 1, 'the first follow-up message');
    expect((await call('POST', '/api/sessions/clinic-a/sandbox/inbound', { from: phone(6), text: 'Already booked' })).status).toBe(202);

    const done = await events.waitFor(blastEvent('blast:completed', followUpId), 'the follow-up to complete', 30_000);
    expect(done.data).toMatchObject({ status: 'completed', total: 4, sent: 3, skipped: 1, failed: 0 });
    expect((await recipientsOf(call, followUpId)).map((row) => [row.phone, row.status === 'skipped' ? row.reason : 'sent'])).toEqual([
      [phone(3), 'sent'],
      [phone(4), 'sent'],
      [phone(5), 'sent'],
      [phone(6), 'REPLIED'],
    ]);
    // Exactly the ones who had not replied got it, once each, with the parent's list columns.
    const nudges = (await outboxOf(call, 'clinic-a')).items.filter((item) => item.text.startsWith('Still coming'));
    expect(nudges.map((item) => item.to).sort()).toEqual([phone(3), phone(4), phone(5)]);
    expect(nudges.find((item) => item.to === phone(3))?.text).toBe('Still coming, Person 3?');
    expect((await call<BlastView>('GET', `/api/blasts/${parentId}`)).json.replied).toBe(3);
  });

  it('ends a follow-up whose segment is empty at its start with SEGMENT_EMPTY, and keeps other units out', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['clinic-a']);
    await linkedSandboxSessions(call, events, ['sales-a'], { businessUnit: 'Sales' });

    const parent = await postBlast(url, ADMIN, { fields: { sessionId: 'clinic-a', message: 'Hi {name}' }, recipientsFile: { name: 'p.csv', data: recipientsCsv(3) } });
    const parentId = String(parent.json.blastId);
    await events.waitFor(blastEvent('blast:completed', parentId), 'the parent to complete', 30_000);

    // Nobody failed: a follow-up to `failed` of an ended parent starts at once, and ends.
    const created = await call<{ blastId: string }>('POST', '/api/blasts', { sessionId: 'clinic-a', message: 'Sorry {name}', followUpOf: parentId, segment: 'failed' });
    expect(created.status).toBe(202);
    const ended = await events.waitFor(blastEvent('blast:completed', created.json.blastId), 'the empty follow-up to end');
    expect(ended.data).toMatchObject({ status: 'failed', total: 0, error: { code: 'SEGMENT_EMPTY' } });
    expect((await outboxOf(call, 'clinic-a')).total).toBe(3);

    // A key of another unit sees no such parent, by any route, and cannot follow it up from its own session.
    const key = await call<{ secret: string }>('POST', '/api/keys', { name: 'sales', businessUnit: 'Sales' });
    const sales = apiClient(url, key.json.secret);
    const refused = await sales<{ error: { code: string } }>('POST', '/api/blasts', { sessionId: 'sales-a', message: 'Hi {name}', followUpOf: parentId, segment: 'delivered' });
    expect([refused.status, refused.json.error.code]).toEqual([404, 'PARENT_NOT_FOUND']);
    expect((await sales('GET', `/api/blasts/${parentId}/segments`)).status).toBe(404);
    // The admin cannot send a Clinic follow-up from a Sales session either.
    const otherUnit = await call<{ error: { code: string } }>('POST', '/api/blasts', { sessionId: 'sales-a', message: 'Hi', followUpOf: parentId, segment: 'delivered' });
    expect([otherUnit.status, otherUnit.json.error.code]).toEqual([422, 'SESSION_OTHER_UNIT']);
    // The parent's list stays while a follow-up waits for its time.
    const later = await call<{ blastId: string }>('POST', '/api/blasts', { sessionId: 'clinic-a', message: 'Later {name}', followUpOf: parentId, segment: 'delivered', after: 'P1D' });
    expect(later.status).toBe(202);
    const parentView = (await call<BlastView & { listId: string; completedAt: string }>('GET', `/api/blasts/${parentId}`)).json;
    const listId = parentView.listId;
    // Prepared by the worker (no event says so): waiting, with its start known.
    const waiting = await until(async () => {
      const view = (await call<BlastView>('GET', `/api/blasts/${later.json.blastId}`)).json;
      return view.scheduledAt === null ? undefined : view;
    }, 'the later follow-up to be scheduled');
    expect(waiting).toMatchObject({ status: 'scheduled', total: 0, scheduledAt: new Date(Date.parse(parentView.completedAt) + 86_400_000).toISOString() });
    const deleted = await call<{ error: { code: string } }>('DELETE', `/api/lists/${listId}`);
    expect([deleted.status, deleted.json.error.code]).toEqual([409, 'LIST_IN_USE']);
    const paused = await call<{ error: { code: string } }>('POST', `/api/blasts/${later.json.blastId}/pause`);
    expect([paused.status, paused.json.error.code]).toEqual([409, 'FOLLOW_UP_NOT_STARTED']);
    expect((await call('POST', `/api/blasts/${later.json.blastId}/cancel`)).status).toBe(200);
  });
});
