import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import { isStatus, type EventSocket, type Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-backlog-admin-key-0123456789abcdefghi';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'sandbox-backlog');

/** The first frame from now on that passes the test (not one already received). */
function next(events: EventSocket, test: (frame: Frame) => boolean, what: string): Promise<Frame> {
  const mark = events.frames.length;
  return events.waitFor((frame) => test(frame) && events.frames.indexOf(frame) >= mark, what);
}

async function suppressedPhones(call: Call): Promise<{ phone: string; source: string }[]> {
  return (await call<{ items: { phone: string; source: string }[] }>('GET', '/api/suppressions?businessUnit=Clinic')).json.items;
}

/** Waits (on the product's own answers, not a sleep) until `phone` is on the Clinic opt-out list. */
async function untilSuppressed(call: Call, phone: string): Promise<{ phone: string; source: string }> {
  for (let tries = 0; tries < 200; tries++) {
    const found = (await suppressedPhones(call)).find((entry) => entry.phone === phone);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${phone} was never suppressed`);
}

describe('sandbox: a message that arrived while the socket was down (issue 15, item 3)', () => {
  it('a STOP sent to a disconnected session opts the sender out at its next connect; a connected one drops and reconnects to hear it; a redelivered id is heard once', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['backlog-a']);

    // Disconnected: the message waits, durably, for the next connect.
    const down = next(events, isStatus('backlog-a', 'disconnected'), 'backlog-a disconnected');
    expect((await call('POST', '/api/sessions/backlog-a/disconnect')).status).toBe(202);
    await down;
    const queued = await call('POST', '/api/sessions/backlog-a/sandbox/inbound', { from: '+6281200000004', text: 'STOP', whileDisconnected: true, messageId: '3EB0STOP0001' });
    expect(queued.status).toBe(202);
    expect((await suppressedPhones(call)).some((entry) => entry.phone === '+6281200000004')).toBe(false);

    const up = next(events, isStatus('backlog-a', 'connected'), 'backlog-a connected again');
    expect((await call('POST', '/api/sessions/backlog-a/connect')).status).toBe(202);
    await up;
    expect(await untilSuppressed(call, '+6281200000004')).toMatchObject({ source: 'reply' });

    // Connected: the link drops and comes back, and the message comes in its backlog.
    const dropped = next(events, (frame) => isStatus('backlog-a', 'disconnected')(frame) && frame.data.reason === 'connection_lost', 'the simulated drop');
    const back = next(events, isStatus('backlog-a', 'connected'), 'backlog-a back');
    expect((await call('POST', '/api/sessions/backlog-a/sandbox/inbound', { from: '+6281200000005', text: 'stop', whileDisconnected: true })).status).toBe(202);
    await dropped;
    await back;
    expect(await untilSuppressed(call, '+6281200000005')).toMatchObject({ source: 'reply' });

    // WhatsApp redelivers the first message (same id): heard once, so the opt-out an operator lifted stays lifted.
    expect((await call('DELETE', '/api/suppressions/%2B6281200000004?businessUnit=Clinic')).status).toBe(204);
    expect((await call('POST', '/api/sessions/backlog-a/sandbox/inbound', { from: '+6281200000004', text: 'STOP', messageId: '3EB0STOP0001' })).status).toBe(202);
    expect((await call('POST', '/api/sessions/backlog-a/sandbox/inbound', { from: '+6281200000006', text: 'STOP', messageId: '3EB0STOP0002' })).status).toBe(202);
    await untilSuppressed(call, '+6281200000006');
    expect((await suppressedPhones(call)).some((entry) => entry.phone === '+6281200000004')).toBe(false);
  });

  it('a burst of 20 whileDisconnected messages to a connected session: every one heard, by one or two reconnects, not twenty', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['backlog-b']);
    const mark = events.frames.length;

    const phones = Array.from({ length: 20 }, (_, n) => `+62812000011${String(n).padStart(2, '0')}`);
    const answers = await Promise.all(phones.map((from) => call('POST', '/api/sessions/backlog-b/sandbox/inbound', { from, text: 'STOP', whileDisconnected: true })));
    expect(answers.map((answer) => answer.status)).toEqual(phones.map(() => 202));
    for (const phone of phones) await untilSuppressed(call, phone);

    const drops = events.frames.slice(mark).filter((frame) => isStatus('backlog-b', 'disconnected')(frame) && frame.data.reason === 'connection_lost');
    expect(drops.length).toBeGreaterThanOrEqual(1);
    expect(drops.length).toBeLessThanOrEqual(2);
  });

  it('a live message is never lost: one written while the session is down, or while its worker is busy reconnecting, is heard once it is connected', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['backlog-c']);

    // Written without whileDisconnected while the link is down (a reconnect, a worker taking over): WhatsApp holds it.
    const down = next(events, isStatus('backlog-c', 'disconnected'), 'backlog-c disconnected');
    expect((await call('POST', '/api/sessions/backlog-c/disconnect')).status).toBe(202);
    await down;
    expect((await call('POST', '/api/sessions/backlog-c/sandbox/inbound', { from: '+6281200000007', text: 'STOP' })).status).toBe(202);
    expect((await suppressedPhones(call)).some((entry) => entry.phone === '+6281200000007')).toBe(false);
    expect((await call('POST', '/api/sessions/backlog-c/connect')).status).toBe(202);
    expect(await untilSuppressed(call, '+6281200000007')).toMatchObject({ source: 'reply' });

    // Connected: heard at once, with no simulated drop (it is a live message, not a backlog).
    const mark = events.frames.length;
    expect((await call('POST', '/api/sessions/backlog-c/sandbox/inbound', { from: '+6281200000008', text: 'STOP' })).status).toBe(202);
    await untilSuppressed(call, '+6281200000008');
    expect(events.frames.slice(mark).some((frame) => isStatus('backlog-c', 'disconnected')(frame))).toBe(false);
  });
});
