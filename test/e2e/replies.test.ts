import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-replies-admin-key-0123456789abcdefghij';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'replies');

const blastEvent = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;
const phone = (n: number): string => `+6281${String(200_000_000 + n)}`;

interface ReplyItem {
  seq: number;
  rowNumber: number | null;
  phone: string;
  vars: Record<string, string>;
  sessionId: string;
  messageId: string;
  kind: string;
  text: string | null;
  receivedAt: string;
  optOut: boolean;
}

describe('replies end to end (sandbox)', () => {
  it('attributes replies to the blast and row that messaged the number, once each, with figures, rows, reports and live events', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['desk']);

    const created = await postBlast(url, ADMIN, {
      fields: { name: 'Check-up reminder', sessionId: 'desk', message: 'Hi {name}, see you in {city}?' },
      recipientsFile: { name: 'patients.csv', data: recipientsCsv(5) },
    });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);
    const completed = await events.waitFor(blastEvent('blast:completed', blastId), 'blast:completed', 60_000);
    expect(completed.data).toMatchObject({ sent: 5, replied: 0, replyRate: 0 });
    const watcher = await openSocket(url, `?blastId=${blastId}`);

    const inbound = (body: Record<string, unknown>) => call('POST', '/api/sessions/desk/sandbox/inbound', body);
    const repliedFrame = (messageText: string) => (frame: Frame): boolean => blastEvent('message:replied', blastId)(frame) && frame.data.text === messageText;

    expect((await inbound({ from: phone(1), text: 'Yes I will come', messageId: '3EB0R1' })).status).toBe(202);
    const first = await watcher.waitFor(repliedFrame('Yes I will come'), 'message:replied for the first reply');
    expect(first.data).toMatchObject({ blastId, seq: 1, row: 2, phone: phone(1), sessionId: 'desk', kind: 'text', optOut: false });
    // The same message again (WhatsApp redelivers it): the same message, heard once.
    expect((await inbound({ from: phone(1), text: 'Yes I will come', messageId: '3EB0R1' })).status).toBe(202);
    // By the number's LID: the product still sees the number.
    expect((await inbound({ from: phone(2), text: 'See you there', messageId: '3EB0R2', viaLid: true })).status).toBe(202);
    expect((await inbound({ from: phone(3), text: 'STOP', messageId: '3EB0R3' })).status).toBe(202);
    expect((await inbound({ from: phone(4), kind: 'image', text: 'my ticket', messageId: '3EB0R4' })).status).toBe(202);
    // Someone the blast never messaged: kept, but nobody's reply.
    expect((await inbound({ from: '+6289900000001', text: 'Who is this', messageId: '3EB0R5' })).status).toBe(202);
    expect((await inbound({ from: phone(1), text: 'And my wife too', messageId: '3EB0R6' })).status).toBe(202);

    const lid = await watcher.waitFor(repliedFrame('See you there'), 'message:replied via LID');
    expect(lid.data).toMatchObject({ seq: 2, row: 3, phone: phone(2) });
    const stop = await watcher.waitFor(repliedFrame('STOP'), 'message:replied for STOP');
    expect(stop.data).toMatchObject({ seq: 3, phone: phone(3), optOut: true });
    const image = await watcher.waitFor(repliedFrame('my ticket'), 'message:replied for a picture');
    expect(image.data).toMatchObject({ seq: 4, kind: 'image' });
    await watcher.waitFor(repliedFrame('And my wife too'), 'message:replied for a second reply');
    const progress = await watcher.waitFor((frame) => blastEvent('blast:progress', blastId)(frame) && frame.data.replied === 4, 'blast:progress with replied 4');
    expect(progress.data).toMatchObject({ sent: 5, replied: 4, replyRate: 0.8 });

    const blast = await call<Record<string, unknown>>('GET', `/api/blasts/${blastId}`);
    expect(blast.json).toMatchObject({ sent: 5, replied: 4, replyRate: 0.8 });
    const listed = await call<{ items: Record<string, unknown>[] }>('GET', '/api/blasts?limit=10');
    expect(listed.json.items.find((item) => item.id === blastId)).toMatchObject({ replied: 4, replyRate: 0.8 });

    const rows = await call<{ items: Record<string, unknown>[]; total: number }>('GET', `/api/blasts/${blastId}/recipients?replied=true`);
    expect(rows.json.total).toBe(4);
    expect(rows.json.items.map(({ seq, replyText }) => ({ seq, replyText }))).toEqual([
      { seq: 1, replyText: 'Yes I will come' },
      { seq: 2, replyText: 'See you there' },
      { seq: 3, replyText: 'STOP' },
      { seq: 4, replyText: 'my ticket' },
    ]);
    expect(rows.json.items.every((row) => typeof row.repliedAt === 'string')).toBe(true);
    const silent = await call<{ items: Record<string, unknown>[] }>('GET', `/api/blasts/${blastId}/recipients?replied=false`);
    expect(silent.json.items).toEqual([expect.objectContaining({ seq: 5, repliedAt: null, replyText: null })]);

    const replies = await call<{ items: ReplyItem[]; total: number }>('GET', `/api/blasts/${blastId}/replies`);
    expect(replies.json.total).toBe(5);
    const byId = new Map(replies.json.items.map((item) => [item.messageId, item]));
    expect([...byId.keys()].sort()).toEqual(['3EB0R1', '3EB0R2', '3EB0R3', '3EB0R4', '3EB0R6']);
    expect(byId.get('3EB0R1')).toMatchObject({ seq: 1, rowNumber: 2, phone: phone(1), vars: { name: 'Person 1', city: 'City 0' }, sessionId: 'desk', kind: 'text', optOut: false });
    expect(byId.get('3EB0R3')).toMatchObject({ seq: 3, text: 'STOP', optOut: true });
    expect(byId.get('3EB0R4')).toMatchObject({ kind: 'image', text: 'my ticket' });
    const paged = await call<{ items: ReplyItem[]; total: number }>('GET', `/api/blasts/${blastId}/replies?limit=2&offset=4`);
    expect(paged.json).toMatchObject({ total: 5 });
    expect(paged.json.items).toHaveLength(1);

    // The opt-out still works as before: the number is on the unit's list, from a reply.
    const suppressed = await call<{ items: { phone: string; source: string }[] }>('GET', `/api/suppressions?phone=${encodeURIComponent(phone(3))}`);
    expect(suppressed.json.items).toEqual([expect.objectContaining({ phone: phone(3), source: 'reply' })]);

    const report = await fetch(`${url}/api/blasts/${blastId}/report.csv`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const lines = (await report.text()).replace(/^\uFEFF/, '').trim().split('\r\n').map((line) => line.split(','));
    expect(lines[0]?.slice(-2)).toEqual(['replied_at (UTC)', 'reply_text']);
    expect(lines[1]?.at(-1)).toBe('Yes I will come');
    expect(lines[5]?.slice(-2)).toEqual(['', '']);

    const timeline = await call<{ points: { replied: number }[] }>('GET', `/api/blasts/${blastId}/timeline`);
    expect(timeline.json.points.reduce((total, point) => total + point.replied, 0)).toBe(4);
    // One event per stored reply: the redelivery and the stranger's message made none.
    expect(watcher.frames.filter(blastEvent('message:replied', blastId))).toHaveLength(5);
  });

  it('hears a reply that arrived while the socket was down, by LID and as media without caption, in the offline backlog', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['front']);
    const created = await postBlast(url, ADMIN, {
      fields: { name: 'Forms', sessionId: 'front', message: 'Hi {name}, please send the form' },
      recipientsFile: { name: 'patients.csv', data: recipientsCsv(2) },
    });
    const blastId = String(created.json.blastId);
    await events.waitFor(blastEvent('blast:completed', blastId), 'blast:completed', 60_000);

    const queued = await call('POST', '/api/sessions/front/sandbox/inbound', { from: phone(2), kind: 'document', messageId: 'OFF1', viaLid: true, whileDisconnected: true });
    expect(queued.status).toBe(202);
    const heard = await events.waitFor(blastEvent('message:replied', blastId), 'message:replied from the backlog', 30_000);
    expect(heard.data).toMatchObject({ seq: 2, phone: phone(2), kind: 'document', text: null, optOut: false });
    const rows = await call<{ items: Record<string, unknown>[] }>('GET', `/api/blasts/${blastId}/recipients?replied=true`);
    expect(rows.json.items).toEqual([expect.objectContaining({ seq: 2, replyText: null })]);
    expect((await call<Record<string, unknown>>('GET', `/api/blasts/${blastId}`)).json).toMatchObject({ replied: 1, replyRate: 0.5 });
  });
});
