import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv, type Call } from '../support/blast-setup.js';
import { openProductDatabase } from '../support/databases.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { EventSocket, Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-reuse-admin-key-0123456789abcdefghijk';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'session-reuse');

const on = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;

/** An answer that may be an error (typed so, so a test that gets a 204 instead fails on its expectation). */
type ErrorBody<D = unknown> = { error?: { code: string; message: string; details?: D } } | undefined;

interface BlastView {
  status: string;
  sent: number;
  pending: number;
  error: { code: string } | null;
}

async function start(): Promise<{ url: string; call: Call; events: EventSocket; databaseUrl: string; stop: () => Promise<unknown> }> {
  const env = await environment({}, { postgres: false });
  const { product, url } = await startApiProduct('all', env);
  track(product);
  // A graceful stop: its import process closes the database before the files are removed.
  return { url, call: apiClient(url, ADMIN), events: await openSocket(url), databaseUrl: env.DATABASE_URL ?? '', stop: () => product.stop() };
}

/** A Sales blast from `sessionIds`, scheduled an hour ahead and paused before its time. */
async function pausedSalesBlast(url: string, call: Call, sessionIds: string[], recipients: number): Promise<string> {
  const created = await postBlast(url, ADMIN, {
    fields: { sessionIds: sessionIds.join(','), message: 'Sales offer for {name}', scheduledAt: new Date(Date.now() + 3_600_000).toISOString() },
    recipientsFile: { name: 'sales.csv', data: recipientsCsv(recipients) },
  });
  expect(created.status).toBe(202);
  const blastId = String(created.json.blastId);
  for (;;) {
    const view = await call<BlastView>('GET', `/api/blasts/${blastId}`);
    if (view.json.status === 'scheduled') break;
    expect(view.json.status).toBe('importing');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect((await call<BlastView>('POST', `/api/blasts/${blastId}/pause`)).json.status).toBe('paused');
  return blastId;
}

/** What a race between the in-use check and the delete, or a deletion from before the check existed, leaves behind. */
async function deleteBehindTheApi(databaseUrl: string, sessionId: string): Promise<void> {
  const database = openProductDatabase(databaseUrl);
  try {
    await database.db.deleteFrom('session_configs').where('id', '=', sessionId).execute();
  } finally {
    await database.close();
  }
}

describe('a deleted session and its id reused', () => {
  it('refuses to delete or move a session with unfinished blasts (409 SESSION_IN_USE), or cancels them when asked', async () => {
    const { url, call, events, stop } = await start();
    await linkedSandboxSessions(call, events, ['reuse-a'], { businessUnit: 'Sales' });
    const blastId = await pausedSalesBlast(url, call, ['reuse-a'], 20);

    const refused = await call<ErrorBody<{ blastIds: string[] }>>('DELETE', '/api/sessions/reuse-a');
    expect([refused.status, refused.json?.error?.code, refused.json?.error?.details?.blastIds]).toEqual([409, 'SESSION_IN_USE', [blastId]]);
    expect(refused.json?.error?.message).toContain(blastId);
    const moved = await call<ErrorBody>('PATCH', '/api/sessions/reuse-a', { businessUnit: 'Clinic' });
    expect([moved.status, moved.json?.error?.code]).toEqual([409, 'SESSION_IN_USE']);
    expect((await call('PATCH', '/api/sessions/reuse-a', { friendlyName: 'Renamed' })).status).toBe(200);
    expect((await call<BlastView>('GET', `/api/blasts/${blastId}`)).json.status).toBe('paused');

    // Asked explicitly, the delete cancels the blasts first.
    expect((await call('DELETE', '/api/sessions/reuse-a?cancelBlasts=true')).status).toBe(204);
    expect((await call<BlastView>('GET', `/api/blasts/${blastId}`)).json).toMatchObject({ status: 'cancelled', sent: 0, pending: 0 });

    // Clinic takes the id: it is a new session, with nothing of Sales' campaign.
    await linkedSandboxSessions(call, events, ['reuse-a'], { businessUnit: 'Clinic' });
    expect((await call<{ items: unknown[] }>('GET', '/api/blasts?sessionId=reuse-a&businessUnit=Clinic')).json.items).toEqual([]);
    expect((await outboxOf(call, 'reuse-a')).total).toBe(0);
    // With no blast of its own, it can be deleted.
    expect((await call('DELETE', '/api/sessions/reuse-a')).status).toBe(204);
    await stop();
  });

  it('never sends a blast from a session re-created with the id of one it was made with: its other session sends it all', async () => {
    const { url, call, events, databaseUrl, stop } = await start();
    await linkedSandboxSessions(call, events, ['reuse-a', 'reuse-b'], { businessUnit: 'Sales', sandbox: { sendLatencyMs: 2, deliveryDelayMs: null } });
    const blastId = await pausedSalesBlast(url, call, ['reuse-a', 'reuse-b'], 200);
    await deleteBehindTheApi(databaseUrl, 'reuse-a');
    await linkedSandboxSessions(call, events, ['reuse-a'], { businessUnit: 'Clinic', sandbox: { sendLatencyMs: 2, deliveryDelayMs: null } });

    expect((await call<BlastView>('POST', `/api/blasts/${blastId}/resume`)).json.status).toBe('running');
    const end = await events.waitFor(on('blast:completed', blastId), 'blast:completed', 60_000);
    expect(end.data).toMatchObject({ status: 'completed', sent: 200 });
    expect((await outboxOf(call, 'reuse-a')).total).toBe(0);
    expect((await outboxOf(call, 'reuse-b')).total).toBe(200);
    await stop();
  });

  it('fails a blast whose only session was deleted and re-created, instead of sending it from the new one', async () => {
    const { url, call, events, databaseUrl, stop } = await start();
    await linkedSandboxSessions(call, events, ['reuse-a'], { businessUnit: 'Sales' });
    const blastId = await pausedSalesBlast(url, call, ['reuse-a'], 20);
    await deleteBehindTheApi(databaseUrl, 'reuse-a');
    await linkedSandboxSessions(call, events, ['reuse-a'], { businessUnit: 'Clinic' });

    const resumed = await call<ErrorBody>('POST', `/api/blasts/${blastId}/resume`);
    expect([resumed.status, resumed.json?.error?.code]).toEqual([409, 'SESSION_DELETED']);
    const end = await events.waitFor(on('blast:completed', blastId), 'blast:completed', 30_000);
    expect(end.data).toMatchObject({ status: 'failed', sent: 0, error: { code: 'SESSION_DELETED' } });
    expect((await outboxOf(call, 'reuse-a')).total).toBe(0);
    await stop();
  });

  it('records a STOP reply in the unit its session belongs to now, not the one it was linked in', async () => {
    const { call, events, stop } = await start();
    await linkedSandboxSessions(call, events, ['moved-a'], { businessUnit: 'Sales' });
    expect((await call('PATCH', '/api/sessions/moved-a', { businessUnit: 'Clinic' })).status).toBe(200);
    expect((await call('POST', '/api/sessions/moved-a/sandbox/inbound', { from: '+6281200000004', text: 'STOP' })).status).toBe(202);
    const unitsWithIt = async (): Promise<string[]> => {
      const units: string[] = [];
      for (const unit of ['Sales', 'Clinic']) {
        const page = await call<{ items: { phone: string }[] }>('GET', `/api/suppressions?businessUnit=${unit}`);
        if (page.json.items.some((entry) => entry.phone === '+6281200000004')) units.push(unit);
      }
      return units;
    };
    let units = await unitsWithIt();
    while (units.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      units = await unitsWithIt();
    }
    expect(units).toEqual(['Clinic']);
    await stop();
  });
});
