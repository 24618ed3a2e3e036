import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { EventSocket, Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-capping-admin-key-0123456789abcdefghi';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'new-chat-cap');

const on = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;

interface NewChatCapView {
  state: string;
  quota: number | null;
  used: number | null;
  resetsAt: string | null;
  slowUntil: string | null;
}
interface BlastView {
  status: string;
  sent: number;
  pending: number;
  completedAt: string | null;
  pause: { reason: string; detail: string | null } | null;
  sessions: { sessionId: string; pausedReason: string | null }[];
}

async function start(): Promise<{ url: string; call: Call; events: EventSocket }> {
  const { product, url } = await startApiProduct('all', await environment());
  track(product);
  return { url, call: apiClient(url, ADMIN), events: await openSocket(url) };
}

/** Polls until `read` gives a value that passes `test` (the state is read by REST, as a console does). */
async function until<T>(read: () => Promise<T>, test: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (test(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${String(timeoutMs)} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const capOf = async (call: Call, id: string): Promise<NewChatCapView | null> =>
  (await call<{ newChatCap: NewChatCapView | null }>('GET', `/api/sessions/${id}`)).json.newChatCap;

describe("WhatsApp's new-chat cap, simulated by the sandbox (issue 15, item 2)", () => {
  it('a FIRST_WARNING is shown on the session and halves its hourly cap; the other session keeps its pace', async () => {
    const { url, call, events } = await start();
    const pacing = { minDelayMs: 0, maxDelayMs: 0, hourlyCap: 4, dailyCap: 100 };
    await linkedSandboxSessions(call, events, ['warned', 'calm'], { pacing, sandbox: { deliveryDelayMs: null } });
    expect(await capOf(call, 'warned')).toBeNull();

    const signalled = await call('POST', '/api/sessions/warned/sandbox/signal', { kind: 'capping', state: 'FIRST_WARNING', quota: 250, used: 201 });
    expect(signalled.status).toBe(202);
    const cap = await until(() => capOf(call, 'warned'), (value) => value?.state === 'FIRST_WARNING', 'the warning on the session');
    expect(cap).toMatchObject({ state: 'FIRST_WARNING', quota: 250, used: 201 });
    expect(Date.parse(cap?.slowUntil ?? '') - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const list = await call<{ items: { id: string; newChatCap: NewChatCapView | null }[] }>('GET', '/api/sessions');
    expect(list.json.items.find((item) => item.id === 'warned')?.newChatCap?.state).toBe('FIRST_WARNING');
    expect(list.json.items.find((item) => item.id === 'calm')?.newChatCap).toBeNull();

    const created = await postBlast(url, ADMIN, { fields: { sessionIds: 'warned,calm', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(10) } });
    expect(created.status).toBe(202);
    // The warned session sends half its hourly cap (2), the other its whole cap (4); the rest waits for the next hour.
    const counts = await until(
      async () => Promise.all(['warned', 'calm'].map(async (id) => (await outboxOf(call, id)).total)),
      ([warned, calm]) => warned === 2 && calm === 4,
      'two sent by the warned session, four by the other',
    );
    expect(counts).toEqual([2, 4]);
    const blast = await until(
      async () => (await call<BlastView>('GET', `/api/blasts/${String(created.json.blastId)}`)).json,
      (view) => view.sent === 6,
      'six sent',
    );
    expect(blast).toMatchObject({ status: 'running', pending: 4 });

    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toMatch(/wab_session_new_chat_cap_state\{[^}]*session="warned"[^}]*\} 1/);
    expect(metrics).toMatch(/wab_session_new_chat_quota\{[^}]*session="warned"[^}]*\} 250/);
    expect(metrics).toMatch(/wab_session_new_chat_used\{[^}]*session="warned"[^}]*\} 201/);
  });

  it('CAPPED stops that session within a message, while the blast goes on and completes on the other one', async () => {
    const { url, call, events } = await start();
    const pacing = { minDelayMs: 60, maxDelayMs: 90, hourlyCap: 1_000, dailyCap: 1_000 };
    await linkedSandboxSessions(call, events, ['capped', 'open'], { pacing, sandbox: { deliveryDelayMs: null } });
    const created = await postBlast(url, ADMIN, { fields: { sessionIds: 'capped,open', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(100) } });
    const blastId = String(created.json.blastId);
    await until(() => outboxOf(call, 'capped'), (outbox) => outbox.total >= 3, 'the session to be sending');

    await call('POST', '/api/sessions/capped/sandbox/signal', { kind: 'capping', state: 'CAPPED' });
    const cap = await until(() => capOf(call, 'capped'), (value) => value?.state === 'CAPPED', 'the cap on the session');
    expect(cap).toMatchObject({ state: 'CAPPED', quota: 250, used: 250 });
    expect(Date.parse(cap?.resetsAt ?? '') - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const sentWhenCapped = (await outboxOf(call, 'capped')).total;

    await events.waitFor(on('blast:completed', blastId), 'blast:completed', 60_000);
    const view = (await call<BlastView>('GET', `/api/blasts/${blastId}`)).json;
    expect(view).toMatchObject({ status: 'completed', sent: 100 });
    expect(view.sessions).toContainEqual({ sessionId: 'capped', pausedReason: 'new_chat_cap' });
    const [capped, open] = await Promise.all([outboxOf(call, 'capped'), outboxOf(call, 'open')]);
    // At most the message in hand when the cap was heard.
    expect(capped.total).toBeLessThanOrEqual(sentWhenCapped + 1);
    expect(capped.total + open.total).toBe(100);
    expect(new Set([...capped.items, ...open.items].map((item) => item.to)).size).toBe(100);
  });

  it('a blast whose only session is capped pauses with NEW_CHAT_CAP, and resumes and completes by itself when the quota resets', async () => {
    const { url, call, events } = await start();
    await linkedSandboxSessions(call, events, ['alone'], { sandbox: { deliveryDelayMs: null } });
    const resetsAt = new Date(Date.now() + 5_000).toISOString();
    await call('POST', '/api/sessions/alone/sandbox/signal', { kind: 'capping', state: 'CAPPED', quota: 100, resetsAt });
    await until(() => capOf(call, 'alone'), (value) => value?.state === 'CAPPED', 'the cap on the session');

    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'alone', message: 'Hi {name}' }, recipientsFile: { name: 'r.csv', data: recipientsCsv(5) } });
    const blastId = String(created.json.blastId);
    const paused = await events.waitFor(on('blast:paused', blastId), 'blast:paused NEW_CHAT_CAP');
    expect(paused.data.reason).toBe('NEW_CHAT_CAP');
    expect((await outboxOf(call, 'alone')).total).toBe(0);

    await events.waitFor(on('blast:completed', blastId), 'blast:completed after the reset', 30_000);
    const view = (await call<BlastView>('GET', `/api/blasts/${blastId}`)).json;
    expect(view).toMatchObject({ status: 'completed', sent: 5 });
    const outbox = await outboxOf(call, 'alone');
    expect(outbox.total).toBe(5);
    for (const item of outbox.items) expect(Date.parse(item.firstAt)).toBeGreaterThanOrEqual(Date.parse(resetsAt));
    // What WhatsApp (the sandbox) says after the reset: a new cycle.
    expect(await capOf(call, 'alone')).toMatchObject({ state: 'NONE', quota: 100, used: 0, resetsAt: null });
  });
});
