import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { linkedSandboxSessions, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import { WebhookReceiver, type Received } from '../support/webhook-receiver.js';

const ADMIN = 'e2e-webhooks-admin-key-0123456789abcdefgh';
const { environment, openSocket, track, cleanups } = e2eHarness(ADMIN, 'webhooks');

const RECIPIENTS = 40;

interface Endpoint {
  id: string;
  secret: string;
  businessUnit: string | null;
}

async function receiver(): Promise<WebhookReceiver> {
  const started = new WebhookReceiver(tempDir('receiver'));
  await started.start();
  cleanups.push(() => started.stop());
  return started;
}

const acked = (received: Received[]): Received[] => received.filter((entry) => entry.acked);
const itemsOf = (received: Received[], type: string): { phone: string; blastId: string; row: number | null; messageId: string | null }[] =>
  received.filter((entry) => entry.envelope.type === type).flatMap((entry) => (entry.envelope.data as { items: { phone: string; blastId: string; row: number | null; messageId: string | null }[] }).items);

describe('outbound webhooks', () => {
  it('a blast’s events reach a receiver that fails, goes down and is slow exactly once each by id, all signed; units see only their own', async () => {
    const env = await environment({
      // Short retries and timeout, so that the schedule's pattern plays out in seconds; the rule is lifted for the unit endpoints on 127.0.0.1.
      WEBHOOK_RETRY_SCHEDULE: '0,100ms,200ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms,300ms',
      WEBHOOK_TIMEOUT_MS: '700',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_PROGRESS_INTERVAL_MS: '1000',
    });
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const admin = apiClient(url, ADMIN);
    const flaky = await receiver();
    const steady = await receiver();
    flaky.answer(500);

    const everything = await admin<Endpoint>('POST', '/api/webhooks', { url: flaky.url('/all'), events: ['*'], description: 'warehouse' });
    expect(everything.status).toBe(201);
    expect(everything.json.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(everything.json.businessUnit).toBeNull();
    flaky.trust(everything.json.secret);

    const clinicKey = await admin<{ secret: string }>('POST', '/api/keys', { name: 'clinic crm', businessUnit: 'Clinic' });
    const labKey = await admin<{ secret: string }>('POST', '/api/keys', { name: 'lab crm', businessUnit: 'Lab' });
    const clinic = apiClient(url, clinicKey.json.secret);
    const lab = apiClient(url, labKey.json.secret);
    const clinicHook = await clinic<Endpoint>('POST', '/api/webhooks', { url: steady.url('/clinic'), events: ['blast.started', 'blast.completed', 'message.sent', 'webhook.test'] });
    const labHook = await lab<Endpoint>('POST', '/api/webhooks', { url: steady.url('/lab'), events: ['*'] });
    expect([clinicHook.status, labHook.status]).toEqual([201, 201]);
    expect(clinicHook.json.businessUnit).toBe('Clinic');
    steady.trust(clinicHook.json.secret);
    steady.trust(labHook.json.secret);
    // A unit's key sees its own endpoints only; another unit's and the admin's are not there for it.
    expect((await clinic<{ items: Endpoint[] }>('GET', '/api/webhooks')).json.items.map((item) => item.id)).toEqual([clinicHook.json.id]);
    expect((await clinic('GET', `/api/webhooks/${labHook.json.id}`)).status).toBe(404);
    expect((await clinic('GET', `/api/webhooks/${everything.json.id}`)).status).toBe(404);
    expect((await lab('DELETE', `/api/webhooks/${clinicHook.json.id}`)).status).toBe(404);
    expect((await lab('POST', '/api/webhooks', { url: steady.url('/x'), events: ['*'], businessUnit: 'Clinic' })).status).toBe(403);

    const events = await openSocket(url);
    await linkedSandboxSessions(admin, events, ['hook-a'], { businessUnit: 'Clinic', sandbox: { sendLatencyMs: 5, deliveryDelayMs: 50, readDelayMs: 100 }, pacing: { minDelayMs: 40, maxDelayMs: 60 } });
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'hook-a', message: 'Hello {name}' }, recipientsFile: { name: 'people.csv', data: recipientsCsv(RECIPIENTS) } });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);

    // 500 for a while…
    await flaky.waitFor((received) => received.filter((entry) => entry.status === 500).length >= 5, 'five 500s');
    // …then down…
    await flaky.stop();
    await events.waitFor((frame) => frame.event === 'blast:progress' && frame.data.blastId === blastId && Number(frame.data.sent) >= 10, 'ten sent while the receiver is down');
    // …then slow (answers after the product gave up: not acknowledged)…
    flaky.answer(200, 1_500);
    await flaky.start();
    await flaky.waitFor((received) => received.filter((entry) => entry.status === 200 && !entry.acked).length >= 2, 'two answers too late');
    // …then well.
    flaky.answer(200);
    await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === blastId, 'blast completed', 60_000);

    const done = (received: Received[]): boolean => {
      const ok = acked(received);
      return (
        ok.some((entry) => entry.envelope.type === 'blast.completed') &&
        new Set(itemsOf(ok, 'message.sent').map((item) => item.phone)).size === RECIPIENTS &&
        new Set(itemsOf(ok, 'message.read').map((item) => item.phone)).size === RECIPIENTS
      );
    };
    const all = await flaky.waitFor(done, 'every event acknowledged', 90_000);
    expect(all.every((entry) => entry.valid && entry.idMatches)).toBe(true);
    const ok = acked(all);
    const ids = ok.map((entry) => entry.id);
    expect(new Set(ids).size).toBe(ids.length); // exactly once by id
    // Every attempt of one event carries the same id and the same body.
    const bodies = new Map<string, string>();
    for (const entry of all) {
      const body = JSON.stringify(entry.envelope);
      expect(bodies.get(entry.id) ?? body).toBe(body);
      bodies.set(entry.id, body);
    }
    const types = ok.map((entry) => entry.envelope.type);
    for (const type of ['blast.created', 'blast.started', 'blast.completed', 'session.status']) expect(types).toContain(type);
    expect(types.filter((type) => type === 'blast.completed')).toHaveLength(1);
    // One blast's events arrive in order: created, started … completed.
    const ofBlast = ok.filter((entry) => entry.envelope.type.startsWith('blast.') && entry.envelope.type !== 'blast.progress').map((entry) => entry.envelope.type);
    expect(ofBlast).toEqual(['blast.created', 'blast.started', 'blast.completed']);
    const sent = itemsOf(ok, 'message.sent');
    expect(sent).toHaveLength(RECIPIENTS); // each recipient once (in the batches the sender recorded them in)
    expect(sent[0]).toMatchObject({ blastId, row: expect.any(Number) as number, messageId: expect.any(String) as string });
    expect(ok.every((entry) => entry.envelope.businessUnit === 'Clinic')).toBe(true);

    // The unit's endpoints: Clinic's got what it subscribed to, Lab's nothing of Clinic's blast.
    const clinicSeen = await steady.waitFor((received) => received.some((entry) => entry.path === '/clinic' && entry.envelope.type === 'blast.completed'), 'clinic endpoint got the end');
    expect(clinicSeen.every((entry) => entry.valid)).toBe(true);
    expect(new Set(clinicSeen.filter((entry) => entry.path === '/clinic').map((entry) => entry.envelope.type))).toEqual(new Set(['blast.started', 'blast.completed', 'message.sent']));
    expect(clinicSeen.filter((entry) => entry.path === '/lab')).toEqual([]);

    // The delivery log shows the failed attempts of the admin's endpoint, with codes and bodies.
    const deliveryLog = await admin<{ items: { id: string; status: string; log: { outcome: string; statusCode: number | null; responseBody: string | null; error: string | null }[] }[] }>(
      'GET',
      `/api/webhooks/${everything.json.id}/deliveries?limit=1000`,
    );
    expect(deliveryLog.status).toBe(200);
    const attempts = deliveryLog.json.items.flatMap((item) => item.log);
    expect(attempts.some((attempt) => attempt.outcome === 'retry' && attempt.statusCode === 500 && attempt.responseBody === 'receiver says no')).toBe(true);
    expect(attempts.some((attempt) => attempt.outcome === 'retry' && attempt.statusCode === null && attempt.error !== null)).toBe(true);
    expect(deliveryLog.json.items.every((item) => item.status === 'succeeded')).toBe(true);
    // Nothing failed for good, nothing still being retried.
    expect((await admin<{ total: number }>('GET', `/api/webhooks/${everything.json.id}/deliveries?failed=true`)).json.total).toBe(0);

    // A delivery retried by hand, a window replayed, a test event: same ids, signed, to the asking endpoint only.
    const clinicLog = await clinic<{ items: { id: string; eventId: string; eventType: string }[] }>('GET', `/api/webhooks/${clinicHook.json.id}/deliveries?limit=1000`);
    const completedDelivery = clinicLog.json.items.find((item) => item.eventType === 'blast.completed');
    expect(completedDelivery).toBeDefined();
    expect((await lab('POST', `/api/webhooks/${clinicHook.json.id}/deliveries/${completedDelivery?.id ?? ''}/retry`)).status).toBe(404);
    expect((await clinic('POST', `/api/webhooks/${clinicHook.json.id}/deliveries/${completedDelivery?.id ?? ''}/retry`)).status).toBe(202);
    await steady.waitFor((received) => received.filter((entry) => entry.id === completedDelivery?.eventId).length === 2, 'the retried delivery');
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const replay = await clinic<{ queued: number }>('POST', `/api/webhooks/${clinicHook.json.id}/replay`, { since, events: ['blast.started'] });
    expect(replay.status).toBe(202);
    expect(replay.json.queued).toBe(1);
    await steady.waitFor((received) => received.filter((entry) => entry.path === '/clinic' && entry.envelope.type === 'blast.started').length === 2, 'the replayed window');
    expect((await clinic('POST', `/api/webhooks/${clinicHook.json.id}/test`)).status).toBe(202);
    const tested = await steady.waitFor((received) => received.some((entry) => entry.envelope.type === 'webhook.test'), 'the test event');
    expect(tested.filter((entry) => entry.envelope.type === 'webhook.test').map((entry) => entry.path)).toEqual(['/clinic']);
    expect(tested.every((entry) => entry.valid)).toBe(true);
  });

  it('keeps unit endpoints off private addresses, bounds every field, and rotates secrets with an overlap', async () => {
    const env = await environment();
    const { product, url } = await startApiProduct('all', env);
    track(product);
    const admin = apiClient(url, ADMIN);
    const key = await admin<{ secret: string }>('POST', '/api/keys', { name: 'clinic', businessUnit: 'Clinic' });
    const clinic = apiClient(url, key.json.secret);
    for (const target of ['http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://169.254.169.254/latest', 'http://10.1.2.3/', 'http://0.0.0.0/']) {
      const refused = await clinic<{ error: { code: string } }>('POST', '/api/webhooks', { url: target, events: ['*'] });
      expect([target, refused.status, refused.json.error.code]).toEqual([target, 400, 'WEBHOOK_URL_PRIVATE']);
    }
    // An admin endpoint (no unit) may target anything.
    expect((await admin('POST', '/api/webhooks', { url: 'http://127.0.0.1:9/x', events: ['*'] })).status).toBe(201);
    const bad = [
      { url: 'ftp://example.com/', events: ['*'] },
      { url: 'https://user:pw@example.com/', events: ['*'] },
      { url: `https://example.com/${'a'.repeat(2100)}`, events: ['*'] },
      { url: 'https://example.com/', events: ['nope'] },
      { url: 'https://example.com/', events: [] },
      { url: 'https://example.com/', events: ['*', 'blast.started'] },
      { url: 'https://example.com/', events: ['*'], description: 'x'.repeat(501) },
      { url: 'https://example.com/', events: ['*'], extra: 1 },
    ];
    for (const body of bad) {
      const answer = await clinic<{ error: { code: string } }>('POST', '/api/webhooks', body);
      expect(answer.status).toBe(400);
      expect(answer.json.error.code).toMatch(/^(VALIDATION_FAILED|WEBHOOK_URL_INVALID|WEBHOOK_EVENTS_INVALID)$/);
    }
    const made: Endpoint[] = [];
    for (let n = 0; n < 20; n++) made.push((await clinic<Endpoint>('POST', '/api/webhooks', { url: `https://93.184.215.14/${n}`, events: ['*'] })).json);
    const over = await clinic<{ error: { code: string } }>('POST', '/api/webhooks', { url: 'https://93.184.215.14/over', events: ['*'] });
    expect([over.status, over.json.error.code]).toEqual([409, 'WEBHOOK_LIMIT_REACHED']);
    const first = made[0];
    if (!first) throw new Error('no endpoint');
    expect((await clinic('PATCH', `/api/webhooks/${first.id}`, { url: 'http://192.168.1.1/' })).status).toBe(400);
    const rotated = await clinic<{ secret: string; previousSecretExpiresAt: string }>('POST', `/api/webhooks/${first.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(first.secret);
    expect(Date.parse(rotated.json.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    const shown = await clinic<Record<string, unknown>>('GET', `/api/webhooks/${first.id}`);
    expect(shown.json).not.toHaveProperty('secret');
    const tooLong = await clinic<{ error: { code: string } }>('POST', `/api/webhooks/${first.id}/replay`, { since: '2020-01-01T00:00:00Z' });
    expect([tooLong.status, tooLong.json.error.code]).toEqual([400, 'WEBHOOK_REPLAY_WINDOW_INVALID']);
    expect((await clinic('DELETE', `/api/webhooks/${first.id}`)).status).toBe(204);
    expect((await clinic('GET', `/api/webhooks/${first.id}`)).status).toBe(404);
  });
});
