import { describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast } from '../support/blast-setup.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';
import type { Frame } from '../support/ws-client.js';

const ADMIN = 'e2e-limits-admin-key-0123456789abcdefghij';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'limits');

const blastEvent = (event: string, blastId: string) => (frame: Frame): boolean => frame.event === event && frame.data.blastId === blastId;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
/** Excel's longest cell. */
const LONGEST_CELL = 32_767;

type ErrorBody = { error: { code: string; details: { limit: number; longest: number; variables?: { name: string; longest: number }[] } } };

describe('message size limits', () => {
  it('sends the rows that fit and fails the one whose message passes 65,536 characters; then refuses that list at creation and preview', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['limits-a']);

    // Three uses of a note: two short notes fit, a 32,767-character one makes 98,301+ characters.
    const csv = `phone,name,notes\n+6281200000001,Ani,short\n+6281200000002,Budi,${'n'.repeat(LONGEST_CELL)}\n+6281200000003,Citra,also short\n`;
    const message = 'Hi {name}: {notes} / {notes} / {notes}';
    const created = await postBlast(url, ADMIN, { fields: { sessionId: 'limits-a', message }, recipientsFile: { name: 'notes.csv', data: Buffer.from(csv) } });
    expect(created.status).toBe(202);
    const blastId = String(created.json.blastId);

    const completed = await events.waitFor(blastEvent('blast:completed', blastId), 'the blast to complete', 60_000);
    expect(completed.data).toMatchObject({ status: 'completed', total: 3, sent: 2, failed: 1, pending: 0 });
    const failed = await call<{ items: { rowNumber: number; reason: string; detail: string }[] }>('GET', `/api/blasts/${blastId}/recipients?status=failed`);
    expect(failed.json.items).toEqual([expect.objectContaining({ rowNumber: 3, reason: 'MESSAGE_TOO_LONG' })]);
    expect(failed.json.items[0]?.detail.length).toBeLessThan(500);
    const outbox = await outboxOf(call, 'limits-a');
    expect(outbox.items.map((item) => item.to).sort()).toEqual(['+6281200000001', '+6281200000003']);
    const report = await fetch(`${url}/api/blasts/${blastId}/report.csv`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await report.text()).toMatch(/\r\n3,\+6281200000002,Budi,n{32767},failed,MESSAGE_TOO_LONG,/);

    // The list is known now: its longest note makes any blast of this message too long, so it is refused at once.
    const { json: blast } = await call<{ listId: string }>('GET', `/api/blasts/${blastId}`);
    const byList = await call<ErrorBody>('POST', '/api/blasts', { sessionId: 'limits-a', message, listId: blast.listId });
    expect(byList.status).toBe(422);
    expect(byList.json.error.code).toBe('MESSAGE_TOO_LONG');
    expect(byList.json.error.details).toMatchObject({ limit: 65_536, variables: [{ name: 'notes', longest: LONGEST_CELL }, { name: 'name', longest: 5 }] });
    expect(byList.json.error.details.longest).toBe('Hi :  /  / '.length + 5 + 3 * LONGEST_CELL);
    expect((await call('POST', '/api/blasts', { sessionId: 'limits-a', message: 'Hi {name}: {notes}', listId: blast.listId })).status).toBe(202);

    const preview = await call<ErrorBody>('POST', '/api/templates/preview', { message, listId: blast.listId, count: 20 });
    expect([preview.status, preview.json.error.code]).toEqual([422, 'MESSAGE_TOO_LONG']);
    // The preview: one variable 21,000 times over 32,767-character cells (688 MB) is refused, not built.
    const repeated = await call<ErrorBody>('POST', '/api/templates/preview', { message: '{notes}'.repeat(9_000), listId: blast.listId, count: 20 });
    expect([repeated.status, repeated.json.error.code]).toEqual([422, 'MESSAGE_TOO_LONG']);
    const fits = await call<{ samples: { text: string }[] }>('POST', '/api/templates/preview', { message: 'Hi {name}: {notes}', listId: blast.listId, count: 20 });
    expect(fits.status).toBe(200);
    expect(fits.json.samples.map((sample) => sample.text.length).sort((a, b) => a - b)).toEqual([13, 20, 'Hi Budi: '.length + LONGEST_CELL]);

    // With media the message is a caption: 1,024 characters.
    const caption = await postBlast(url, ADMIN, { fields: { sessionId: 'limits-a', message: 'c'.repeat(1_025) }, recipientsFile: { name: 'notes.csv', data: Buffer.from(csv) }, media: { name: 'a.png', data: PNG } });
    expect([caption.status, caption.json.error?.code]).toEqual([400, 'TEMPLATE_TOO_LONG']);
    const captionByList = await postBlast(url, ADMIN, { fields: { sessionId: 'limits-a', message: 'Hi {name}: {notes}', listId: blast.listId }, media: { name: 'a.png', data: PNG } });
    expect([captionByList.status, captionByList.json.error?.code]).toEqual([422, 'MESSAGE_TOO_LONG']);
    expect(product.output).not.toContain('unhandled error');
  });
});
