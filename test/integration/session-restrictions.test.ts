import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlastControl } from '../../src/blasts/blast-control.js';
import type { SessionRef } from '../../src/core/session-config.js';
import { createLogger } from '../../src/logging/logger.js';
import { BlastEngine } from '../../src/sending/blast-engine.js';
import { createBlastSignals } from '../../src/sending/blast-signals.js';
import type { PacingGate } from '../../src/sending/pacing-gate.js';
import { createSessionRestrictions } from '../../src/sending/session-restrictions.js';
import { liftEndedRestrictions } from '../../src/worker/maintenance.processor.js';
import { asAdmin, startTestApi, type TestApi } from '../support/harness.js';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

/** A restriction WhatsApp put on an account (a 463 ack, a time-lock) as the store and the blasts keep it (issue 15, item 1). */
describe('session restrictions', () => {
  const setup = async (ids: string[]) => {
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
    const control = createBlastControl({ store, events: runtime.events, signals: createBlastSignals(runtime.redis.client, runtime.redis.prefix), clock: runtime.clock, queues: runtime.queues });
    const restrictions = createSessionRestrictions({ store, control, signals: createBlastSignals(runtime.redis.client, runtime.redis.prefix), clock: runtime.clock, log: createLogger('silent') });
    return { store, sessions, blast, control, restrictions };
  };

  it('stops the session on all its blasts, is shown on the session, keeps new blasts from it, and the sweep lifts it once its window ended', async () => {
    const { store, sessions, blast, restrictions } = await setup(['lock-a', 'lock-b']);
    const [a, b] = sessions as [SessionRef, SessionRef];
    const shared = await blast([a, b]);
    const alone = await blast([a]);

    await restrictions.restrict(a, { reason: 'reachout_timelock', code: '463', detail: 'error 463' });
    // The time-lock's answer follows the 463: its end joins the code already stored.
    const until = new Date(Date.now() + 60_000).toISOString();
    await restrictions.restrict(a, { reason: 'reachout_timelock', until, detail: 'reachout timelock' });
    expect(await store.sessions.restriction(a)).toEqual({ reason: 'reachout_timelock', code: '463', until });
    const view = await api.app.inject({ method: 'GET', url: '/api/sessions/lock-a', headers: asAdmin });
    expect(view.json()).toMatchObject({ restriction: { reason: 'reachout_timelock', code: '463', until } });
    expect((await api.app.inject({ method: 'GET', url: '/api/sessions', headers: asAdmin })).json()).toMatchObject({ items: [{ id: 'lock-a', restriction: { code: '463' } }, { id: 'lock-b', restriction: null }] });

    expect((await store.blasts.get(shared))?.status).toBe('running');
    expect((await store.blasts.get(alone))?.pause?.reason).toBe('SESSION_RESTRICTED');
    // A blast made now with the restricted session is not one it sends.
    const later = await blast([a]);
    expect((await store.blasts.activeForSession(a)).map((entry) => entry.id)).toEqual([]);
    expect((await store.blasts.activeForSession(b)).map((entry) => entry.id)).toEqual([shared]);

    const sweep = (at: Date) => liftEndedRestrictions({ store, clock: { now: () => at }, restrictions, log: createLogger('silent') });
    expect(await sweep(new Date(Date.parse(until) - 1_000))).toBe(0);
    expect(await sweep(new Date(Date.parse(until) + 1))).toBe(1);
    expect(await store.sessions.restriction(a)).toBeNull();
    expect((await store.blasts.get(alone))).toMatchObject({ status: 'running', pause: null });
    expect((await store.blasts.activeForSession(a)).map((entry) => entry.id).sort()).toEqual([shared, alone, later].sort());
    expect(await sweep(new Date(Date.parse(until) + 1))).toBe(0);
  });

  it('an operator resuming a blast clears the restriction of its sessions before its end', async () => {
    const { store, sessions, blast, control, restrictions } = await setup(['lock-c']);
    const [c] = sessions as [SessionRef];
    const id = await blast([c]);
    await restrictions.restrict(c, { reason: 'reachout_timelock', code: '463', until: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await store.blasts.get(id))?.status).toBe('paused');
    expect(await control.resume(id)).toBe(true);
    expect(await store.sessions.restriction(c)).toBeNull();
    expect((await store.blasts.activeForSession(c)).map((entry) => entry.id)).toEqual([id]);
  });

  it('an operator resuming one blast of a restricted session lets it send on all its blasts (review #3)', async () => {
    const { store, sessions, blast, control, restrictions } = await setup(['lock-x']);
    const [s] = sessions as [SessionRef];
    const x = await blast([s]);
    const y = await blast([s]);
    await restrictions.restrict(s, { reason: 'reachout_timelock', code: '463', until: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await store.blasts.get(y))?.pause?.reason).toBe('SESSION_RESTRICTED');
    expect(await control.resume(x)).toBe(true);
    expect(await store.sessions.restriction(s)).toBeNull();
    // Not stuck on the other blast: the session sends on both, and both run.
    expect((await store.blasts.activeForSession(s)).map((entry) => entry.id).sort()).toEqual([x, y].sort());
    expect(await store.blasts.get(y)).toMatchObject({ status: 'running', pause: null });
  });

  it('a fresh 463 is not lifted by the end of an earlier time-lock already past (review #4)', async () => {
    const { store, sessions, blast, restrictions } = await setup(['lock-p']);
    const [p] = sessions as [SessionRef];
    const id = await blast([p]);
    const past = new Date(Date.now() - 60_000).toISOString();
    await restrictions.restrict(p, { reason: 'reachout_timelock', code: '463', until: past });
    // A new 463, with no end known yet: the old end does not carry over.
    await restrictions.restrict(p, { reason: 'reachout_timelock', code: '463', detail: 'error 463' });
    expect(await store.sessions.restriction(p)).toEqual({ reason: 'reachout_timelock', code: '463', until: null });
    const sweep = liftEndedRestrictions({ store, clock: { now: () => new Date() }, restrictions, log: createLogger('silent') });
    expect(await sweep).toBe(0);
    expect((await store.blasts.get(id))?.pause?.reason).toBe('SESSION_RESTRICTED');
  });

  it('a restriction whose write fails is written again, the session halted until it holds (review #7)', async () => {
    const { store, sessions, blast, control } = await setup(['lock-w']);
    const [w] = sessions as [SessionRef];
    const id = await blast([w]);
    const { runtime } = api;
    const seen: { engine?: BlastEngine } = {};
    const halting: boolean[] = [];
    let failures = 1;
    // The real store, whose first write of the restriction fails (a database hiccup).
    const sessionStore = new Proxy(store.sessions, {
      get: (target, key, receiver): unknown => {
        if (key !== 'setRestriction') return Reflect.get(target, key, receiver) as unknown;
        return (...args: Parameters<typeof store.sessions.setRestriction>) => {
          halting.push(seen.engine?.isHalting(w.id) ?? false);
          if (failures-- > 0) return Promise.reject(new Error('connection reset'));
          return target.setRestriction(...args);
        };
      },
    });
    const written: string[] = [];
    const engine = new BlastEngine({
      store: { ...store, sessions: sessionStore },
      sessions: { owned: () => undefined, onSessionEvent: () => undefined, restrictionWritten: (sessionId) => written.push(sessionId), ownedConfigs: () => [] },
      gate: {} as unknown as PacingGate, // not used to record a restriction
      control,
      signals: createBlastSignals(runtime.redis.client, runtime.redis.prefix),
      subscriber: runtime.redis.client,
      prefix: runtime.redis.prefix,
      clock: runtime.clock,
      log: createLogger('silent'),
      optOutKeywords: [],
      retryDelaysMs: [5],
    });
    seen.engine = engine;
    await engine.restricted(w, { reason: 'reachout_timelock', code: '463', detail: 'error 463' });
    // The second write held; the sender claimed nothing while it was being retried.
    expect(halting).toEqual([true, true]);
    expect(engine.isHalting(w.id)).toBe(false);
    expect(written).toEqual([w.id]);
    expect(await store.sessions.restriction(w)).toMatchObject({ reason: 'reachout_timelock', code: '463' });
    expect((await store.blasts.get(id))?.pause?.reason).toBe('SESSION_RESTRICTED');
  });

  it('a passing restriction (rate-overlimit) pauses the blasts of the moment but is not kept on the session', async () => {
    const { store, sessions, blast, restrictions } = await setup(['lock-d']);
    const [d] = sessions as [SessionRef];
    const id = await blast([d]);
    await restrictions.restrict(d, { reason: 'rate_limited', detail: 'rate-overlimit' });
    expect(await store.sessions.restriction(d)).toBeNull();
    expect((await store.blasts.get(id))?.sessions).toEqual([{ sessionId: 'lock-d', sessionUid: d.uid, pausedReason: 'restricted:rate_limited' }]);
  });
});
