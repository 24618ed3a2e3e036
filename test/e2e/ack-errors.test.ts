import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { EventSocket, Frame } from '../support/ws-client.js';

/**
 * WhatsApp's verdict on a message (issue 15, item 1), as the sandbox simulates it: an ack with an
 * error code after the message was accepted. 463 restricts the account, 479 fails the message.
 */
const ADMIN = 'e2e-acks-admin-key-0123456789abcdefghijkl';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'ack-errors');

interface BlastView {
  status: string;
  sent: number;
  failed: number;
  pending: number;
  pause: { reason: string } | null;
}
interface Recipient {
  phone: string;
  status: string;
  reason: string | null;
  detail: string | null;
  sessionId: string | null;
  messageId: string | null;
}
interface SessionView {
  status: string;
  statusReason: string | null;
  restriction: { reason: string; code: string | null; until: string | null } | null;
}

const on = (event: string, blastId: string, extra: (frame: Frame) => boolean = () => true) => (frame: Frame): boolean =>
  frame.event === event && frame.data.blastId === blastId && extra(frame);
const sessionStatus = (sessionId: string, test: (data: Frame['data']) => boolean) => (frame: Frame): boolean =>
  frame.event === 'session:status' && frame.data.sessionId === sessionId && test(frame.data);

async function start(): Promise<{ url: string; call: Call; events: EventSocket }> {
  const { product, url } = await startApiProduct('all', await environment());
  track(product);
  return { url, call: apiClient(url, ADMIN), events: await openSocket(url) };
}

async function recipients(call: Call, blastId: string, status?: string): Promise<Recipient[]> {
  const query = status === undefined ? '' : `&status=${status}`;
  return (await call<{ items: Recipient[] }>('GET', `/api/blasts/${blastId}/recipients?limit=1000${query}`)).json.items;
}

/** The session's restriction once the worker has written it (it follows the ack by a moment). */
async function restrictionOf(call: Call, sessionId: string, test: (view: SessionView) => boolean): Promise<SessionView> {
  for (let tries = 0; ; tries++) {
    const view = (await call<SessionView>('GET', `/api/sessions/${sessionId}`)).json;
    if (test(view) || tries > 200) return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const signal = async (call: Call, sessionId: string, body: Record<string, unknown>): Promise<void> => {
  const answer = await call('POST', `/api/sessions/${sessionId}/sandbox/signal`, body);
  expect(answer.status).toBe(202);
};

describe('error acks', () => {
  it('463: the account stops within one message, the other sends the rest, the row fails with 463, and the account resumes when its time-lock ends', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['acked', 'steady'], { sandbox: { sendLatencyMs: 1 } });
    await signal(call, 'acked', { kind: 'ack_error', code: '463' });

    const created = await postBlast(url, ADMIN, { fields: { sessionIds: 'acked,steady', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(300) } });
    const blastId = String(created.json.blastId);
    await events.waitFor(on('blast:completed', blastId), 'blast:completed', 60_000);
    // The failure may follow the completion by a moment: its progress frame says so.
    await events.waitFor(on('blast:progress', blastId, (frame) => frame.data.failed === 1), 'the 463 counted as failed');

    // The acked message is the first the account sent; at most the one already on its way followed it.
    const acked = await outboxOf(call, 'acked');
    expect(acked.total).toBeGreaterThanOrEqual(1);
    expect(acked.total).toBeLessThanOrEqual(2);
    const steady = await outboxOf(call, 'steady');
    expect(steady.total).toBe(300 - acked.total);
    expect(new Set([...acked.items, ...steady.items].map((item) => item.to)).size).toBe(300);

    const failed = await recipients(call, blastId, 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ sessionId: 'acked', reason: 'WHATSAPP_REJECTED', messageId: acked.items[0]?.messageId });
    expect(failed[0]?.detail).toContain('463');
    expect((await call<BlastView>('GET', `/api/blasts/${blastId}`)).json).toMatchObject({ status: 'completed', sent: 299, failed: 1, pending: 0 });

    // Restricted, for all to see: the window is the sandbox's default hour (no timelock signal set one).
    const restricted = await restrictionOf(call, 'acked', (view) => view.restriction?.until != null);
    expect(restricted.restriction).toMatchObject({ reason: 'reachout_timelock', code: '463' });
    expect(Date.parse(restricted.restriction?.until ?? '') - Date.now()).toBeGreaterThan(50 * 60_000);
    expect(restricted).toMatchObject({ status: 'paused', statusReason: 'restricted:reachout_timelock' });
    await events.waitFor(sessionStatus('acked', (data) => data.status === 'paused' && data.reason === 'restricted:reachout_timelock'), 'acked paused');

    // A blast made now with the restricted account alone does not send from it until the time-lock ends.
    const later = await postBlast(url, ADMIN, { fields: { sessionId: 'acked', message: 'Later {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(3, 1_000) } });
    const laterId = String(later.json.blastId);
    await events.waitFor(on('blast:started', laterId), 'blast:started');
    const endsAt = new Date(Date.now() + 2_000).toISOString();
    await signal(call, 'acked', { kind: 'timelock', until: endsAt });
    const shortened = await restrictionOf(call, 'acked', (view) => view.restriction?.until === endsAt);
    expect(shortened.restriction).toMatchObject({ reason: 'reachout_timelock', code: '463', until: endsAt });

    const resumed = await events.waitFor(
      sessionStatus('acked', (data) => data.status === 'connected' && String(data.reason).startsWith('restriction_ended')),
      'acked connected again when the time-lock ended',
    );
    expect(Date.parse(String(resumed.data.at))).toBeGreaterThanOrEqual(Date.parse(endsAt));
    // The stored restriction is cleared by the same event (the status frame may come a moment first).
    expect((await restrictionOf(call, 'acked', (view) => view.restriction === null)).restriction).toBeNull();
    await events.waitFor(on('blast:completed', laterId), 'the later blast completed', 30_000);
    const sentLater = (await outboxOf(call, 'acked')).items.filter((item) => item.text.startsWith('Later'));
    expect(sentLater).toHaveLength(3);
    for (const item of sentLater) expect(Date.parse(item.firstAt)).toBeGreaterThanOrEqual(Date.parse(endsAt));
  });

  it('463 on a blast\'s only account pauses it with SESSION_RESTRICTED; it resumes by itself when the time-lock ends', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['alone'], { sandbox: { sendLatencyMs: 1 } });
    await signal(call, 'alone', { kind: 'timelock', until: new Date(Date.now() - 1_000).toISOString() });
    await signal(call, 'alone', { kind: 'ack_error', code: '463' });
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'alone', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(20) } });
    const blastId = String(created.json.blastId);
    const paused = await events.waitFor(on('blast:paused', blastId), 'blast:paused');
    expect(paused.data.reason).toBe('SESSION_RESTRICTED');
    const sentBefore = (await outboxOf(call, 'alone')).total;
    expect(sentBefore).toBeLessThanOrEqual(2);

    const endsAt = new Date(Date.now() + 2_000).toISOString();
    await signal(call, 'alone', { kind: 'timelock', until: endsAt });
    const resumedFrame = await events.waitFor(on('blast:resumed', blastId), 'blast:resumed', 30_000);
    expect(Date.parse(String(resumedFrame.data.at))).toBeGreaterThanOrEqual(Date.parse(endsAt));
    await events.waitFor(on('blast:completed', blastId), 'blast:completed', 30_000);
    await events.waitFor(on('blast:progress', blastId, (frame) => frame.data.failed === 1), 'the 463 counted as failed');
    const outbox = await outboxOf(call, 'alone');
    expect(outbox.total).toBe(20);
    expect(outbox.items.filter((item) => Date.parse(item.firstAt) < Date.parse(endsAt))).toHaveLength(sentBefore);
    expect((await call<BlastView>('GET', `/api/blasts/${blastId}`)).json).toMatchObject({ status: 'completed', sent: 19, failed: 1 });
  });

  it('an operator resuming the blast lifts the restriction before its end: the account sends again and shows connected', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['operator'], { sandbox: { sendLatencyMs: 1 } });
    await signal(call, 'operator', { kind: 'ack_error', code: '463' });
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'operator', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(10) } });
    const blastId = String(created.json.blastId);
    await events.waitFor(on('blast:paused', blastId), 'blast:paused');
    expect((await restrictionOf(call, 'operator', (view) => view.restriction?.until != null)).restriction).toMatchObject({ code: '463' });

    expect((await call<BlastView>('POST', `/api/blasts/${blastId}/resume`)).json.status).toBe('running');
    await events.waitFor(on('blast:completed', blastId), 'blast:completed', 30_000);
    expect((await outboxOf(call, 'operator')).total).toBe(10);
    expect((await call<SessionView>('GET', '/api/sessions/operator')).json.restriction).toBeNull();
    await events.waitFor(sessionStatus('operator', (data) => data.status === 'connected' && data.reason === 'restriction_cleared'), 'operator shown connected again');
  });

  it('479 fails only its message: the account goes on and is not restricted', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['smax'], { sandbox: { sendLatencyMs: 1 } });
    await signal(call, 'smax', { kind: 'ack_error', code: '479' });
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'smax', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(10) } });
    const blastId = String(created.json.blastId);
    await events.waitFor(on('blast:completed', blastId), 'blast:completed', 30_000);
    await events.waitFor(on('blast:progress', blastId, (frame) => frame.data.failed === 1), 'the 479 counted as failed');
    const outbox = await outboxOf(call, 'smax');
    expect(outbox.total).toBe(10);
    const failed = await recipients(call, blastId, 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: 'WHATSAPP_REJECTED', messageId: outbox.items[0]?.messageId });
    expect(failed[0]?.detail).toContain('479');
    const view = (await call<SessionView>('GET', '/api/sessions/smax')).json;
    expect(view).toMatchObject({ status: 'connected', restriction: null });
    expect(events.frames.some(sessionStatus('smax', (data) => data.status === 'paused'))).toBe(false);
  });

  it('a simulated disconnect ends as baileys\' would: 402 restricts until the ban ends, 405 fails with advice, 401 forgets the link', async () => {
    const { call, events } = await start();
    await linkedSandboxSessions(call, events, ['banned-402', 'old-405', 'gone-401'], { sandbox: { sendLatencyMs: 1 } });

    await signal(call, 'banned-402', { kind: 'disconnect', code: 402 });
    const banned = await restrictionOf(call, 'banned-402', (view) => view.restriction !== null);
    expect(banned.restriction).toMatchObject({ reason: 'temporarily_banned', code: '402' });
    expect(Date.parse(banned.restriction?.until ?? '')).toBeGreaterThan(Date.now());

    await signal(call, 'old-405', { kind: 'disconnect', code: 405 });
    const failed = await events.waitFor(sessionStatus('old-405', (data) => data.status === 'failed'), 'old-405 failed');
    expect(String(failed.data.reason)).toContain('client_outdated');
    expect((await call<{ lastError: string; desiredState: string }>('GET', '/api/sessions/old-405')).json).toMatchObject({ desiredState: 'disconnected' });

    await signal(call, 'gone-401', { kind: 'disconnect', code: 401 });
    await events.waitFor(sessionStatus('gone-401', (data) => data.status === 'logged_out'), 'gone-401 logged out');
    // Its credentials are gone: connecting again shows a QR code to scan, not a silent relink.
    const before = new Set(events.frames);
    expect((await call('POST', '/api/sessions/gone-401/connect')).status).toBe(202);
    await events.waitFor((frame) => !before.has(frame) && sessionStatus('gone-401', (data) => data.status === 'qr')(frame), 'gone-401 showing a QR code again');
  });
});
