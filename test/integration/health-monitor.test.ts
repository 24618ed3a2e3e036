import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlastControl } from '../../src/blasts/blast-control.js';
import { DEFAULT_HEALTH_MODEL } from '../../src/core/health.js';
import type { SessionConfig } from '../../src/core/session-config.js';
import type { EventCatalogue } from '../../src/events/event-catalogue.js';
import { createLogger } from '../../src/logging/logger.js';
import { createBlastSignals } from '../../src/sending/blast-signals.js';
import { HealthMonitor } from '../../src/sending/health-monitor.js';
import { asAdmin, startTestApi, type TestApi } from '../support/harness.js';

/**
 * The health monitor over the real store and Redis (issue 17): what it does to a blast when its
 * only session may open no new chat, and when it may again; and that a band change is announced.
 */
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

const HOUR_MS = 3_600_000;

describe('the health monitor', () => {
  it('pauses a blast whose only session is held to existing chats, with the reason, and lets it run again once it may open new chats', async () => {
    const { runtime } = api;
    const { store } = runtime;
    const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id: 'lone', friendlyName: 'Lone', businessUnit: 'Sales', provider: 'sandbox' } });
    expect(created.statusCode).toBe(201);
    const config = (await store.sessions.get('lone')) as SessionConfig;
    const at = new Date().toISOString();
    const listId = randomUUID();
    await store.lists.create({ id: listId, name: 'People', purpose: 'recipients', businessUnit: 'Sales', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: 'Phone', defaultCountry: 'ID', createdAt: at });
    await store.lists.insertRecipients(listId, [1, 2, 3].map((seq) => ({ seq, rowNumber: seq + 1, phone: `+62812000000${String(seq)}`, values: [] })));
    await store.lists.complete(listId, { counts: { rows: 3, valid: 3, duplicates: 0, invalid: 0, blank: 0 }, columns: [] }, at);
    const blastId = randomUUID();
    await store.blasts.create({ id: blastId, name: 'b', businessUnit: 'Sales', status: 'importing', listId, message: 'Hi', media: null, sessions: [config], checkNumbers: false, typing: false, pacing: null, scheduledAt: null, createdAt: at });
    await store.blasts.populate(blastId, listId, at);
    expect(await store.blasts.transition(blastId, ['importing'], 'running', at, { startedAt: at })).toBe(true);

    let nowMs = Date.now();
    const clock = { now: () => new Date(nowMs) };
    const signals = createBlastSignals(runtime.redis.client, runtime.redis.prefix);
    const control = createBlastControl({ store, events: runtime.events, signals, clock, queues: runtime.queues });
    const announced: EventCatalogue['session:health'][] = [];
    const events = {
      publish: (event: string, data: unknown) => {
        if (event === 'session:health') announced.push(data as EventCatalogue['session:health']);
        return Promise.resolve();
      },
    };
    const monitor = new HealthMonitor({ store, control, signals, events, clock, log: createLogger('silent'), model: DEFAULT_HEALTH_MODEL, owned: () => [], changed: () => undefined });

    // Two 463s in this hour: 60 points, score 40, at risk: existing chats only, and nobody in the list wrote to it.
    await store.health.addCounts([{ sessionUid: config.uid, hour: Math.floor(nowMs / HOUR_MS), kind: 'ack_error_463', count: 2 }]);
    expect(await monitor.assess(config)).toMatchObject({ score: 40, band: 'at_risk', announcedBand: null });
    expect(announced).toEqual([expect.objectContaining({ sessionId: 'lone', band: 'at_risk', previousBand: 'healthy', score: 40 })]);
    expect((await store.health.get(config.uid))?.announcedBand).toBe('at_risk');
    const paused = await store.blasts.get(blastId);
    expect(paused).toMatchObject({ status: 'paused', pause: { reason: 'SESSION_HEALTH' } });
    expect(paused?.pause?.detail).toContain('No session of this blast may open a new chat');
    // Assessed again with nothing new: nothing more is announced.
    await monitor.assess(config);
    expect(announced).toHaveLength(1);

    // Two days on, the window is empty: healthy again, and the blast runs by itself.
    nowMs += 48 * HOUR_MS;
    expect(await monitor.assess(config)).toMatchObject({ score: 100, band: 'healthy' });
    expect(announced.at(-1)).toMatchObject({ band: 'healthy', previousBand: 'at_risk' });
    expect((await store.blasts.get(blastId))?.status).toBe('running');
  });
});
