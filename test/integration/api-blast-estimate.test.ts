import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextNewYorkSpringForward } from '../support/dst.js';
import { asAdmin, startTestApi, withKey, type TestApi } from '../support/harness.js';

let api: TestApi;
let clinicKey: string;
let listId: string;

type ErrorBody = { error: { code: string; message: string; details?: { field: string; message: string }[] } };
interface Estimate {
  recipients: number | null;
  startsAt: string;
  sessions: { sessionId: string; friendlyName: string; status: string; linked: boolean; pacing: Record<string, unknown>; ratePerHour: number; burstPerHour: number; perDay: number; dailyCapToday: number; openHoursPerDay: number }[];
  ratePerHour: number;
  estimatedSeconds: number | null;
  finishesAt: string | null;
}

const estimate = (payload: Record<string, unknown>, headers: Record<string, string> = asAdmin) =>
  api.app.inject({ method: 'POST', url: '/api/blasts/estimate', headers, payload });

beforeAll(async () => {
  api = await startTestApi();
  const session = async (id: string, businessUnit: string, pacing: Record<string, unknown>) => {
    const created = await api.app.inject({ method: 'POST', url: '/api/sessions/config', headers: asAdmin, payload: { id, friendlyName: `Desk ${id}`, businessUnit, provider: 'sandbox', pacing } });
    expect(created.statusCode).toBe(201);
  };
  await session('clinic-a', 'Clinic', { minDelayMs: 5_000, maxDelayMs: 15_000, hourlyCap: 1_000, dailyCap: 10_000 });
  await session('clinic-b', 'Clinic', { minDelayMs: 5_000, maxDelayMs: 15_000, hourlyCap: 1_000, dailyCap: 10_000, warmup: { initialDailyCap: 50, dailyIncrease: 50 } });
  await session('sales-a', 'Sales', {});
  const { store } = api.runtime;
  await store.sessions.markLinked('clinic-b', new Date(Date.now() - 86_400_000 - 60_000).toISOString());
  const now = new Date().toISOString();
  listId = randomUUID();
  await store.lists.create({ id: listId, name: 'October', purpose: 'recipients', businessUnit: 'Clinic', fileName: 'x.csv', fileSize: 1, blobSha256: 'x', phoneColumn: null, defaultCountry: 'ID', createdAt: now });
  await store.lists.complete(listId, { counts: { rows: 1_010, valid: 1_000, duplicates: 4, invalid: 6, blank: 0 }, columns: [] }, now);
  clinicKey = (await api.app.inject({ method: 'POST', url: '/api/keys', headers: asAdmin, payload: { name: 'clinic', businessUnit: 'Clinic' } })).json<{ secret: string }>().secret;
});
afterAll(async () => {
  await api.close();
});

describe('POST /api/blasts/estimate', () => {
  it("accounts for each session's health: a watch session at half pace, one held to existing chats sends none of the blast", async () => {
    const { store } = api.runtime;
    const stored = async (id: string, band: 'watch' | 'at_risk', score: number) => {
      const uid = (await store.sessions.get(id))?.uid ?? '';
      const at = new Date().toISOString();
      await store.health.put({ sessionUid: uid, sessionId: id, score, band, reasons: [], bandSince: at, assessedAt: at, unhealthyDays: 1, lastUnhealthyDay: null });
    };
    await stored('clinic-a', 'watch', 70);
    await stored('clinic-b', 'at_risk', 50);
    try {
      const body = (await estimate({ sessionIds: ['clinic-a', 'clinic-b'], recipients: 1_000 })).json<Estimate & { sessions: { health: { band: string; slowdown: number } | null }[] }>();
      expect(body.sessions[0]).toMatchObject({ health: { band: 'watch', score: 70, slowdown: 2 }, pacing: { minDelayMs: 10_000, maxDelayMs: 30_000, hourlyCap: 500 }, burstPerHour: 180 });
      expect(body.sessions[1]).toMatchObject({ health: { band: 'at_risk', slowdown: 4 }, burstPerHour: 0, perDay: 0 });
      // Only the watch session sends: 1,000 messages at a mean of 20 s.
      expect(body.ratePerHour).toBe(180);
      expect(body.estimatedSeconds).toBeGreaterThan(19_800);
      expect(body.estimatedSeconds).toBeLessThan(20_200);
    } finally {
      await api.runtime.database.db.deleteFrom('session_health').execute();
    }
  });

  it("counts a list's valid rows and gives each session's effective pace", async () => {
    const response = await estimate({ sessionIds: ['clinic-a'], listId }, withKey(clinicKey));
    expect(response.statusCode).toBe(200);
    const body = response.json<Estimate>();
    expect(body.recipients).toBe(1_000);
    expect(body.sessions).toMatchObject([
      { sessionId: 'clinic-a', friendlyName: 'Desk clinic-a', status: 'disconnected', linked: false, burstPerHour: 360, dailyCapToday: 10_000, pacing: { minDelayMs: 5_000, maxDelayMs: 15_000, hourlyCap: 1_000 } },
    ]);
    expect(body.ratePerHour).toBe(360);
    // 1,000 messages at a mean of 10 s: about 10,000 s.
    expect(body.estimatedSeconds).toBeGreaterThan(9_900);
    expect(body.estimatedSeconds).toBeLessThan(10_100);
    expect(Date.parse(body.finishesAt ?? '') - Date.parse(body.startsAt)).toBe((body.estimatedSeconds ?? 0) * 1000);
  });

  it("tightens with the blast's pacing, counts warm-up from the link, and spreads over two sessions", async () => {
    const response = await estimate({ sessionIds: ['clinic-a', 'clinic-b'], recipients: 200, pacing: { hourlyCap: 100, minDelayMs: 1_000 } });
    expect(response.statusCode).toBe(200);
    const body = response.json<Estimate>();
    expect(body.sessions.map((session) => session.pacing.hourlyCap)).toEqual([100, 100]);
    expect(body.sessions.map((session) => session.pacing.minDelayMs)).toEqual([5_000, 5_000]);
    expect(body.sessions[1]).toMatchObject({ linked: true, dailyCapToday: 100, perDay: 100 });
    expect(body.ratePerHour).toBeCloseTo((2_400 + 100) / 24, 0);
    // 100 from each session, at 360 an hour: about 1,000 s.
    expect(body.estimatedSeconds).toBeGreaterThan(950);
    expect(body.estimatedSeconds).toBeLessThan(1_050);
  });

  it('gives the pace without a duration when the recipients are not known yet', async () => {
    const body = (await estimate({ sessionIds: ['clinic-a'], typing: true, messageLength: 500 })).json<Estimate>();
    expect(body).toMatchObject({ recipients: null, estimatedSeconds: null, finishesAt: null });
  });

  it('answers 404 SESSION_NOT_FOUND for an unknown session or one of another unit', async () => {
    for (const [sessionIds, headers] of [[['nobody'], asAdmin], [['sales-a'], withKey(clinicKey)]] as const) {
      const response = await estimate({ sessionIds: [...sessionIds], recipients: 10 }, headers);
      expect(response.statusCode).toBe(404);
      expect(response.json<ErrorBody>().error.code).toBe('SESSION_NOT_FOUND');
    }
    const list = await estimate({ sessionIds: ['clinic-a'], listId: randomUUID() });
    expect(list.json<ErrorBody>().error.code).toBe('LIST_NOT_FOUND');
  });

  it('answers 400 VALIDATION_FAILED for a bad request', async () => {
    const bad: Record<string, unknown>[] = [
      {},
      { sessionIds: [] },
      { sessionIds: ['clinic-a'], recipients: -1 },
      { sessionIds: ['clinic-a'], recipients: 5, listId },
      { sessionIds: ['clinic-a'], pacing: { hourlyCap: 500, dailyCap: 100 } },
      { sessionIds: ['clinic-a'], pacing: { window: { startHour: 9, endHour: 17, timezone: 'Mars/Olympus' } } },
      { sessionIds: ['clinic-a'], pacing: { warmup: { initialDailyCap: 1, dailyIncrease: 1 } } },
      { sessionIds: ['clinic-a'], colour: 'red' },
    ];
    for (const payload of bad) {
      const response = await estimate(payload);
      expect({ payload, status: response.statusCode, code: response.json<Partial<ErrorBody>>().error?.code ?? response.body }).toEqual({ payload, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await api.app.inject({ method: 'POST', url: '/api/blasts/estimate', payload: { sessionIds: ['clinic-a'] } })).statusCode).toBe(401);
  });

  it('bounds scheduledAt as POST /api/blasts does: a year ahead at most (SCHEDULE_TOO_FAR), a day late counts as now, older is SCHEDULE_IN_PAST', async () => {
    const DAY = 86_400_000;
    const at = (offsetMs: number): string => new Date(Date.now() + offsetMs).toISOString();
    for (const [scheduledAt, code] of [
      [at(400 * DAY), 'SCHEDULE_TOO_FAR'],
      ['9999-12-31T23:59:59Z', 'SCHEDULE_TOO_FAR'],
      [at(-2 * DAY), 'SCHEDULE_IN_PAST'],
      ['1970-01-01T00:00:00Z', 'SCHEDULE_IN_PAST'],
    ] as const) {
      const response = await estimate({ sessionIds: ['clinic-a'], recipients: 10, scheduledAt });
      expect({ scheduledAt, status: response.statusCode, code: response.json<ErrorBody>().error.code }).toEqual({ scheduledAt, status: 400, code });
    }
    const late = await estimate({ sessionIds: ['clinic-a'], recipients: 10, scheduledAt: at(-60_000) });
    expect(late.statusCode).toBe(200);
    expect(Date.parse(late.json<Estimate>().startsAt)).toBeGreaterThan(Date.now() - 10_000);
    const later = await estimate({ sessionIds: ['clinic-a'], recipients: 10, scheduledAt: at(300 * DAY) });
    expect(later.statusCode).toBe(200);
  });

  it('a window whose start hour the clocks skip, on that night, with the most recipients: answered at once', async () => {
    const night = nextNewYorkSpringForward();
    const began = performance.now();
    const response = await estimate({
      sessionIds: ['clinic-a', 'clinic-b'],
      recipients: 100_000_000,
      scheduledAt: night.toISOString(),
      pacing: { window: { startHour: 2, endHour: 5, timezone: 'America/New_York' } },
    });
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(response.statusCode).toBe(200);
    // 03:00 to 05:00 EDT that night and 02:00 to 02:30 the next: 2.5 open hours in the first 24.
    expect(response.json<Estimate>().sessions.map((session) => session.openHoursPerDay)).toEqual([2.5, 2.5]);
  });
});
