import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBlastControl } from '../../src/blasts/blast-control.js';
import type { NewChatCapReading } from '../../src/core/new-chat-cap.js';
import type { SessionRef } from '../../src/core/session-config.js';
import type { Clock } from '../../src/infra/clock.js';
import { createLogger } from '../../src/logging/logger.js';
import { createBlastSignals } from '../../src/sending/blast-signals.js';
import { NewChatCapGuard } from '../../src/sending/new-chat-cap-guard.js';
import type { OwnedSessions } from '../../src/sending/sender-host.js';
import { createSessionRestrictions } from '../../src/sending/session-restrictions.js';
import { asAdmin, startTestApi, type TestApi } from '../support/harness.js';

let api: TestApi;
const guards: NewChatCapGuard[] = [];

beforeAll(async () => {
  api = await startTestApi();
});
afterEach(() => {
  for (const guard of guards.splice(0)) guard.stop();
});
afterAll(async () => {
  await api.close();
});

const HOUR_MS = 3_600_000;
const capped = (resetsAt: string): NewChatCapReading => ({ state: 'CAPPED', quota: 250, used: 250, resetsAt });
const newCycle: NewChatCapReading = { state: 'NONE', quota: 250, used: 0, resetsAt: null };

/**
 * The pauses the product makes by itself (a session's restriction, its new-chat cap) and their
 * ends: a blast paused for want of a session that may send runs again as soon as one may, and the
 * end of one session's pause never ends another's (review of issue 15, findings 1, 2, 5, 10).
 */
describe('automatic pauses of a blast and their ends', () => {
  const setup = async (ids: string[], options: { clock?: Clock; newChatCap?: () => Promise<NewChatCapReading | null> } = {}) => {
    const { runtime } = api;
    const { store } = runtime;
    const sessions: SessionRef[] = [];
    for (const id of ids) {
      const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id, friendlyName: id, businessUnit: 'Sales', provider: 'sandbox' } });
      expect(created.statusCode).toBe(201);
      sessions.push({ id, uid: (await store.sessions.get(id))?.uid ?? '' });
    }
    const at = new Date().toISOString();
    const listId = randomUUID();
    await store.lists.create({ id: listId, name: 'People', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: at });
    const blast = async (with_: SessionRef[]): Promise<string> => {
      const id = randomUUID();
      await store.blasts.create({
        id, name: 'b', businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', media: null, sessions: with_,
        checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: at,
      });
      expect(await store.blasts.transition(id, ['importing'], 'running', at)).toBe(true);
      return id;
    };
    const signals = createBlastSignals(runtime.redis.client, runtime.redis.prefix);
    const control = createBlastControl({ store, events: runtime.events, signals, clock: runtime.clock, queues: runtime.queues });
    const restrictions = createSessionRestrictions({ store, control, signals, clock: runtime.clock, log: createLogger('silent') });
    const read = options.newChatCap ?? (() => Promise.resolve(null));
    const owned: OwnedSessions = { owned: () => ({ provider: { newChatCap: read } }) as unknown as ReturnType<OwnedSessions['owned']> };
    const guard = new NewChatCapGuard({ store, sessions: owned, control, signals, clock: options.clock ?? runtime.clock, log: createLogger('silent'), changed: () => undefined });
    guards.push(guard);
    return { store, sessions, blast, restrictions, guard };
  };
  const inAnHour = (): string => new Date(Date.now() + HOUR_MS).toISOString();

  it('a blast whose only session was capped, then time-locked, runs again once both ended (cap reset first)', async () => {
    const { store, sessions, blast, restrictions, guard } = await setup(['auto-a']);
    const [a] = sessions as [SessionRef];
    const id = await blast([a]);
    await guard.apply(a, capped(inAnHour()));
    expect((await store.blasts.get(id))?.pause?.reason).toBe('NEW_CHAT_CAP');
    await restrictions.restrict(a, { reason: 'reachout_timelock', code: '463', until: inAnHour() });

    await guard.apply(a, newCycle);
    expect((await store.blasts.get(id))?.status).toBe('paused'); // still time-locked
    await restrictions.lift(a, { reason: 'reachout_timelock' });
    expect(await store.blasts.get(id)).toMatchObject({ status: 'running', pause: null, sessions: [{ sessionId: 'auto-a', pausedReason: null }] });
  });

  it('a blast whose only session was capped, then time-locked, runs again once both ended (time-lock first)', async () => {
    const { store, sessions, blast, restrictions, guard } = await setup(['auto-b']);
    const [b] = sessions as [SessionRef];
    const id = await blast([b]);
    await guard.apply(b, capped(inAnHour()));
    await restrictions.restrict(b, { reason: 'reachout_timelock', code: '463', until: inAnHour() });

    await restrictions.lift(b, { reason: 'reachout_timelock' });
    // Still capped: it sends nothing yet.
    expect(await store.blasts.get(id)).toMatchObject({ status: 'paused', sessions: [{ sessionId: 'auto-b', pausedReason: 'new_chat_cap' }] });
    await guard.apply(b, newCycle);
    expect(await store.blasts.get(id)).toMatchObject({ status: 'running', pause: null, sessions: [{ sessionId: 'auto-b', pausedReason: null }] });
  });

  it("one session's cap reset resumes a blast paused SESSION_RESTRICTED, and the other session stays time-locked", async () => {
    const { store, sessions, blast, restrictions, guard } = await setup(['auto-c1', 'auto-c2']);
    const [s1, s2] = sessions as [SessionRef, SessionRef];
    const id = await blast([s1, s2]);
    await guard.apply(s1, capped(inAnHour()));
    expect((await store.blasts.get(id))?.status).toBe('running'); // s2 sends the rest
    const until = inAnHour();
    await restrictions.restrict(s2, { reason: 'reachout_timelock', code: '463', until });
    expect((await store.blasts.get(id))?.pause?.reason).toBe('SESSION_RESTRICTED');

    await guard.apply(s1, newCycle);
    expect(await store.blasts.get(id)).toMatchObject({
      status: 'running',
      pause: null,
      sessions: [
        { sessionId: 'auto-c1', pausedReason: null },
        { sessionId: 'auto-c2', pausedReason: 'restricted:reachout_timelock' },
      ],
    });
    const view = await api.app.inject({ method: 'GET', url: '/api/sessions/auto-c2', headers: asAdmin });
    expect(view.json()).toMatchObject({ restriction: { reason: 'reachout_timelock', code: '463', until } });
    // What the sender of each session is handed: s2 sends nothing of it.
    expect((await store.blasts.activeForSession(s1)).map((entry) => entry.id)).toEqual([id]);
    expect(await store.blasts.activeForSession(s2)).toEqual([]);
  });

  it("a cap reset does not erase another session's time-lock (blast paused NEW_CHAT_CAP)", async () => {
    const { store, sessions, blast, restrictions, guard } = await setup(['auto-d1', 'auto-d2']);
    const [d1, d2] = sessions as [SessionRef, SessionRef];
    const id = await blast([d1, d2]);
    const until = inAnHour();
    await restrictions.restrict(d2, { reason: 'reachout_timelock', code: '463', until });
    await guard.apply(d1, capped(inAnHour()));
    expect((await store.blasts.get(id))?.pause?.reason).toBe('NEW_CHAT_CAP');

    await guard.apply(d1, newCycle);
    expect((await store.blasts.get(id))?.status).toBe('running');
    expect(await store.sessions.restriction(d2)).toEqual({ reason: 'reachout_timelock', code: '463', until });
    expect(await store.blasts.activeForSession(d2)).toEqual([]);
  });

  it('a stale reading (read at connect, answered after a CAPPED notification) does not lift the cap', async () => {
    let answer: (reading: NewChatCapReading) => void = () => undefined;
    const newChatCap = () => new Promise<NewChatCapReading | null>((resolve) => (answer = resolve));
    const { store, sessions, blast, guard } = await setup(['auto-e'], { newChatCap });
    const [e] = sessions as [SessionRef];
    const id = await blast([e]);

    const reading = guard.refresh(e); // the read at connect, answered late
    const notified = guard.apply(e, capped(inAnHour()));
    // Known before anything is stored: no send slips in meanwhile.
    expect(guard.cappedUntilMs(e.id)).toBeDefined();
    await notified;
    answer({ state: 'NONE', quota: 250, used: 10, resetsAt: null });
    await reading;

    expect((await store.newChatCaps.get(e))?.state).toBe('CAPPED');
    expect(guard.cappedUntilMs(e.id)).toBeDefined();
    expect((await store.blasts.get(id))?.pause?.reason).toBe('NEW_CHAT_CAP');
  });

  it('a timer woken before the reset (no reading to be had) waits on rather than lifting the cap', async () => {
    let nowMs = Date.now();
    const clock: Clock = { now: () => new Date(nowMs) };
    let reads = 0;
    const newChatCap = () => {
      reads += 1;
      return Promise.resolve(null); // WhatsApp cannot say (the session is away)
    };
    const { store, sessions, blast, guard } = await setup(['auto-f'], { clock, newChatCap });
    const [f] = sessions as [SessionRef];
    const id = await blast([f]);
    const resetMs = nowMs + 30;
    await guard.apply(f, capped(new Date(resetMs).toISOString()));
    expect((await store.blasts.get(id))?.pause?.reason).toBe('NEW_CHAT_CAP');
    // The timer will fire while the clock still says the reset is ahead (as one capped at ~24.8 days does).
    nowMs = resetMs - 20;

    await vi.waitFor(() => { expect(reads).toBeGreaterThanOrEqual(2); }, { timeout: 5_000 }); // woke, read nothing, armed again, woke again
    expect((await store.newChatCaps.get(f))?.state).toBe('CAPPED');
    expect((await store.blasts.get(id))?.pause?.reason).toBe('NEW_CHAT_CAP');

    nowMs = resetMs + 1;
    await vi.waitFor(async () => { expect((await store.blasts.get(id))?.status).toBe('running'); }, { timeout: 5_000 });
    expect((await store.newChatCaps.get(f))?.state).toBe('NONE');
  });
});
