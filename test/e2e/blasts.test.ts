import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { parseLog, startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-blasts-admin-key-0123456789abcdefghij';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'blasts');

const blastEvent = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;

/** The CSV report as rows of cells (the product's report has no quoted newlines in these cells). */
function parseCsv(text: string): string[][] {
  return text
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\r\n')
    .map((line) => line.split(','));
}

describe('blasts end to end (sandbox)', () => {
  it('sends 1,000 recipients over two sessions exactly once, with live progress and a full report', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['clinic-a', 'clinic-b']);

    const created = await postBlast(url, ADMIN, {
      fields: { name: 'October reminder', sessionIds: 'clinic-a,clinic-b', message: '{Hi|Hello} {name} from {city}!' },
      recipientsFile: { name: 'patients.csv', data: recipientsCsv(1_000) },
    }, { 'x-request-id': 'e2e-october-reminder' });
    expect(created.status).toBe(202);
    expect(created.json.status).toBe('importing');
    const blastId = String(created.json.blastId);
    const watcher = await openSocket(url, `?blastId=${blastId}`);
    // The file became a list of this blast's own, kept out of the lists a picker offers.
    const made = await call<{ items: { id: string; createdForBlast: string | null }[] }>('GET', '/api/lists?origin=blast');
    expect(made.json.items).toEqual([expect.objectContaining({ createdForBlast: blastId })]);
    expect((await call<{ total: number }>('GET', '/api/lists?origin=upload')).json.total).toBe(0);

    const completed = await events.waitFor(blastEvent('blast:completed', blastId), 'blast:completed', 60_000);
    expect(completed.data).toMatchObject({ status: 'completed', total: 1_000, sent: 1_000, failed: 0, skipped: 0, pending: 0 });
    expect(events.frames.some(blastEvent('blast:started', blastId))).toBe(true);
    await watcher.waitFor(blastEvent('blast:completed', blastId), 'blast:completed on the blast ticket');
    const progress = events.frames.filter(blastEvent('blast:progress', blastId));
    expect(progress.length).toBeGreaterThan(0);
    // Coalesced: far fewer frames than messages.
    expect(progress.length).toBeLessThan(200);

    const outboxes = await Promise.all(['clinic-a', 'clinic-b'].map((id) => outboxOf(call, id)));
    const all = outboxes.flatMap((outbox) => outbox.items);
    expect(all).toHaveLength(1_000);
    expect(new Set(all.map((item) => item.to)).size).toBe(1_000);
    expect(new Set(all.map((item) => item.messageId)).size).toBe(1_000);
    // Both accounts carried part of the load.
    for (const outbox of outboxes) expect(outbox.total).toBeGreaterThan(0);
    const first = all.find((item) => item.to === '+6281200000001');
    expect(first?.text).toMatch(/^(Hi|Hello) Person 1 from City 0!$/);

    // Receipts arrive after sending: delivered and read catch up.
    await events.waitFor(
      (frame) => blastEvent('blast:progress', blastId)(frame) && frame.data.read === 1_000,
      'every read receipt counted',
      30_000,
    );
    const blast = await call<Record<string, unknown>>('GET', `/api/blasts/${blastId}`);
    expect(blast.json).toMatchObject({ status: 'completed', total: 1_000, sent: 1_000, delivered: 1_000, read: 1_000, pending: 0 });
    // An ended blast's frames (its end, then receipts that follow) carry figures, never a rate or an ETA.
    const ended = events.frames.filter((frame) => blastEvent('blast:progress', blastId)(frame) && frame.data.status === 'completed');
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.map((frame) => [frame.data.ratePerMinute, frame.data.eta])).toEqual(ended.map(() => [null, null]));
    expect(completed.data).toMatchObject({ ratePerMinute: null, eta: null });

    const report = await fetch(`${url}/api/blasts/${blastId}/report.csv`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(report.headers.get('content-type')).toContain('text/csv');
    const rows = parseCsv(await report.text());
    expect(rows[0]).toEqual(['row', 'phone', 'Name', 'City', 'status', 'reason', 'detail', 'session', 'message_id', 'attempts', 'sent_at (UTC)', 'delivered_at (UTC)', 'read_at (UTC)', 'replied_at (UTC)', 'reply_text']);
    expect(rows).toHaveLength(1_001);
    expect(rows.slice(1).every((row) => row[4] === 'read')).toBe(true);
    expect(rows[1]?.slice(0, 4)).toEqual(['2', '+6281200000001', 'Person 1', 'City 0']); // a phone number is not escaped as a formula

    const xlsx = await fetch(`${url}/api/blasts/${blastId}/report.xlsx`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(xlsx.status).toBe(200);
    expect(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');

    // The request's id follows the work into the worker's jobs (the import and the preparation).
    const jobLogs = product.lines.map((line) => parseLog(line)).filter((line) => line?.msg === 'job started' && line.requestId === 'e2e-october-reminder');
    expect(jobLogs.map((line) => line?.job).sort()).toEqual(['import-list', 'prepare-blast']);

    // Metrics count every outcome, by session.
    const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    const sentBySession = [...metrics.matchAll(/^wab_messages_total\{[^}]*outcome="sent"[^}]*\} (\d+)$/gm)].map((match) => Number(match[1]));
    expect(sentBySession).toHaveLength(2);
    expect(sentBySession.reduce((sum, count) => sum + count, 0)).toBe(1_000);

    const page = await call<{ items: { status: string; sentAt: string | null }[]; total: number }>('GET', `/api/blasts/${blastId}/recipients?status=read&limit=5`);
    expect(page.json.total).toBe(1_000);
    expect(page.json.items[0]?.sentAt).not.toBeNull();

    // The chart's timeline counts every send and receipt once, in round buckets from the start.
    type Timeline = { bucketSeconds: number; from: string; to: string; points: { at: string; sent: number; failed: number; delivered: number; read: number }[] };
    const timeline = await call<Timeline>('GET', `/api/blasts/${blastId}/timeline`);
    expect(timeline.status).toBe(200);
    const { bucketSeconds, from, to, points } = timeline.json;
    expect(points.length).toBeGreaterThan(0);
    expect(points.length).toBeLessThanOrEqual(120);
    expect((Date.parse(from) / 1_000) % bucketSeconds).toBe(0);
    expect(points[0]?.at).toBe(from);
    expect(Date.parse(to)).toBe(Date.parse(from) + points.length * bucketSeconds * 1_000);
    expect(Date.parse(from)).toBeLessThanOrEqual(Date.parse((blast.json as { startedAt: string }).startedAt));
    const sum = (key: 'sent' | 'failed' | 'delivered' | 'read'): number => points.reduce((total, point) => total + point[key], 0);
    expect({ sent: sum('sent'), failed: sum('failed'), delivered: sum('delivered'), read: sum('read') }).toEqual({ sent: 1_000, failed: 0, delivered: 1_000, read: 1_000 });
    const fine = await call<Timeline>('GET', `/api/blasts/${blastId}/timeline?bucket=1`);
    expect(fine.json.bucketSeconds).toBe(1);
    expect(fine.json.points.reduce((total, point) => total + point.sent, 0)).toBe(1_000);
    expect((await call('GET', `/api/blasts/${blastId}/timeline?bucket=0`)).status).toBe(400);
    expect((await call('GET', '/api/blasts/00000000-0000-4000-8000-000000000000/timeline')).status).toBe(404);
  });

  it('refuses what cannot be sent before anything is, with a code for each case', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['clinic-a']);
    await call('POST', '/api/sessions/config', { id: 'sales-a', friendlyName: 'Sales', businessUnit: 'Sales', provider: 'sandbox' });
    await call('POST', '/api/sessions/config', { id: 'clinic-unlinked', friendlyName: 'New', businessUnit: 'Clinic', provider: 'sandbox' });
    const file = { name: 'patients.csv', data: recipientsCsv(3) };

    const cases: [Record<string, string>, number, string][] = [
      [{ sessionId: 'nobody', message: 'Hi' }, 404, 'SESSION_NOT_FOUND'],
      [{ sessionId: 'clinic-unlinked', message: 'Hi' }, 409, 'SESSION_NOT_LINKED'],
      [{ sessionIds: 'clinic-a,sales-a', message: 'Hi' }, 422, 'SESSION_OTHER_UNIT'],
      [{ sessionId: 'clinic-a', message: 'Hi {name' }, 400, 'TEMPLATE_SYNTAX'],
      [{ sessionId: 'clinic-a', message: 'Hi', scheduledAt: '2020-01-01T00:00:00Z' }, 400, 'SCHEDULE_IN_PAST'],
      [{ sessionId: 'clinic-a', message: 'Hi', checkNumbers: 'maybe' }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [fields, status, code] of cases) {
      const refused = await postBlast(url, ADMIN, { fields, recipientsFile: file });
      expect({ fields, status: refused.status, code: refused.json.error?.code }).toEqual({ fields, status, code });
    }
    const noRecipients = await postBlast(url, ADMIN, { fields: { sessionId: 'clinic-a', message: 'Hi' } });
    expect([noRecipients.status, noRecipients.json.error?.code]).toEqual([400, 'RECIPIENTS_REQUIRED']);
    const exe = await postBlast(url, ADMIN, { fields: { sessionId: 'clinic-a', message: 'Hi' }, recipientsFile: file, media: { name: 'cat.jpg', data: Buffer.from('MZ\x90\x00 this is a program') } });
    expect([exe.status, exe.json.error?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);

    // With a file, the variables are checked once it is imported: the blast fails before sending.
    const unknown = await postBlast(url, ADMIN, { fields: { sessionId: 'clinic-a', message: 'Hi {name}, your {voucher}' }, recipientsFile: file });
    expect(unknown.status).toBe(202);
    const failed = await events.waitFor(blastEvent('blast:completed', String(unknown.json.blastId)), 'the blast to fail');
    expect(failed.data).toMatchObject({ status: 'failed', sent: 0, error: { code: 'TEMPLATE_UNKNOWN_VARIABLES' } });
    const outbox = await outboxOf(call, 'clinic-a');
    expect(outbox.total).toBe(0);

    // With a ready list, at once.
    const blast = await call<{ listId: string }>('GET', `/api/blasts/${String(unknown.json.blastId)}`);
    const byList = await call<{ error: { code: string; details: { unknown: string[] } } }>('POST', '/api/blasts', {
      sessionId: 'clinic-a',
      message: 'Hi {name}, your {voucher}',
      listId: blast.json.listId,
    });
    expect(byList.status).toBe(422);
    expect(byList.json.error.code).toBe('TEMPLATE_UNKNOWN_VARIABLES');
    expect(byList.json.error.details.unknown).toEqual(['voucher']);
  });
});
