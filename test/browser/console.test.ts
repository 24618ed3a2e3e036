import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkedSandboxSessions, outboxOf, postBlast, recipientsCsv } from '../support/blast-setup.js';
import { browserAvailable, launchBrowser, screenshot, signInAs } from '../support/browser.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';

// The operator console as a person uses it, in Debian's Chromium against the built product:
// every step goes through the page; REST is only used to arrange what is not under test and to
// check what the page claims. Screenshots of each screen: test-artifacts/console/.

const ADMIN = 'browser-console-admin-key-0123456789abcdef';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'console');
const FAST_PACING = { minDelayMs: 40, maxDelayMs: 120, hourlyCap: 100_000, dailyCap: 1_000_000 };

/** 22 rows: 20 valid, one invalid number (sheet row 12), one duplicate of row 3 (sheet row 23). */
function customersCsv(): Buffer {
  const lines = ['Name,Phone,City'];
  for (let i = 1; i <= 20; i++) {
    if (i === 11) lines.push('Broken,12345,Nowhere');
    lines.push(`Customer ${i},+6281${String(300_000_000 + i)},City ${i % 3}`);
  }
  lines.push(`Again,+6281${String(300_000_002)},City 2`);
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function statValue(page: Page, label: string): Promise<string> {
  const text = await page.locator('.stat', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').textContent();
  return (text ?? '').trim();
}

describe.skipIf(!browserAvailable())('operator console in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('links an account by QR, imports a sheet, runs a blast over two sessions to 100 %, downloads its report; a unit key sees only its unit', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await story(page, url);
    } catch (error) {
      // What the page showed when a step failed: test-artifacts/console/failure.png.
      await screenshot(page, 'failure').catch(() => undefined);
      throw error;
    } finally {
      expect(pageErrors).toEqual([]);
      await context.close();
    }
  });

  it('works from the keyboard alone, with a visible focus ring, and every form control has a label', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await page.goto(url);
      // The key field takes the focus when the app has rendered: type only then, as a person would.
      await page.waitForFunction(`document.activeElement?.id === 'api-key'`);
      await page.keyboard.type(ADMIN);
      await page.keyboard.press('Enter');
      await page.getByRole('navigation', { name: 'Main' }).waitFor();

      // Tab through the page until "Add account" has the focus; Enter opens its form, focus inside.
      let reached = false;
      for (let presses = 0; presses < 25 && !reached; presses++) {
        await page.keyboard.press('Tab');
        reached = (await page.evaluate(`document.activeElement?.textContent?.trim() === 'Add account'`)) === true;
      }
      expect(reached).toBe(true);
      // (In-page code as strings: this project's tests are typed for Node, not the DOM.)
      const ring = await page.evaluate<{ style: string; width: number }>(
        `(() => { const style = getComputedStyle(document.activeElement); return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) }; })()`,
      );
      expect(ring.style).not.toBe('none');
      expect(ring.width).toBeGreaterThanOrEqual(2);
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      expect(await page.evaluate(`document.activeElement?.closest('dialog') !== null`)).toBe(true);

      // Every input, select and textarea on each screen is labelled (by <label>, aria-label or aria-labelledby).
      for (const route of ['#/accounts', '#/lists', '#/blasts', '#/blasts/new', '#/keys']) {
        await page.keyboard.press('Escape');
        await page.goto(`${url}/${route}`);
        await page.getByRole('heading', { level: 1 }).first().waitFor();
        const unlabelled = await page.evaluate(`
          Array.from(document.querySelectorAll('input, select, textarea'))
            .filter((element) => element.type !== 'hidden')
            .filter((element) => (element.labels === null || element.labels.length === 0) && !element.getAttribute('aria-label') && !element.getAttribute('aria-labelledby'))
            .map((element) => element.outerHTML.slice(0, 120))
        `);
        expect(unlabelled, route).toEqual([]);
      }
      await screenshot(page, '10-keys-keyboard');
    } finally {
      await page.close();
    }
  });

  it('shows what blasts did: a cancelled one not at 100 %, a failed one with its reason, a paused one not sending, an ended one with its pace and a one-point chart', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['slow-1'], { businessUnit: 'Sales', pacing: { minDelayMs: 300, maxDelayMs: 300, hourlyCap: 100_000, dailyCap: 1_000_000 } });
    const slow = await postBlast(url, ADMIN, { fields: { name: 'Stopped early', sessionId: 'slow-1', message: 'Hello {name}' }, recipientsFile: { name: 'people.csv', data: recipientsCsv(40) } });
    const slowId = String(slow.json.blastId);
    await events.waitFor((frame) => frame.event === 'blast:progress' && frame.data.blastId === slowId && Number(frame.data.sent) >= 2, 'a few sent');
    // Paused, its session is not shown sending.
    expect((await call('POST', `/api/blasts/${slowId}/pause`)).status).toBe(200);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signInAs(page, url, ADMIN);
    await page.goto(`${url}/#/blasts/${slowId}`);
    const sessionsList = page.locator('.blast-sessions');
    await expect.poll(() => sessionsList.textContent()).toContain('paused with the blast');
    expect(await sessionsList.textContent()).not.toContain('sending');
    expect((await call('POST', `/api/blasts/${slowId}/cancel`)).status).toBe(200);
    const broken = await postBlast(url, ADMIN, { fields: { name: 'Bad column', sessionId: 'slow-1', message: 'Hello {nickname}' }, recipientsFile: { name: 'people.csv', data: recipientsCsv(3) } });
    const brokenId = String(broken.json.blastId);
    await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === brokenId, 'the blast to fail');
    const cancelled = (await call<{ sent: number; failed: number; total: number }>('GET', `/api/blasts/${slowId}`)).json;

    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Blasts' }).click();
      const bar = page.getByRole('progressbar', { name: 'Progress of Stopped early' });
      await bar.waitFor();
      expect(await bar.getAttribute('aria-valuenow')).toBe(String(Math.floor(((cancelled.sent + cancelled.failed) / cancelled.total) * 100)));
      expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(100);
      const failedRow = page.getByRole('row', { name: /Bad column/ });
      await expect.poll(() => failedRow.textContent()).toContain('TEMPLATE_UNKNOWN_VARIABLES');
      await screenshot(page, '11-blasts-cancelled-failed');

      // A blast whose timeline is one point: its time axis spans minutes around it, not years.
      const single = await postBlast(url, ADMIN, { fields: { name: 'Just one', sessionId: 'slow-1', message: 'Hello {name}' }, recipientsFile: { name: 'one.csv', data: recipientsCsv(1) } });
      const singleId = String(single.json.blastId);
      await events.waitFor((frame) => frame.event === 'blast:completed' && frame.data.blastId === singleId, 'the one-recipient blast');
      const startedAt = Date.parse((await call<{ startedAt: string }>('GET', `/api/blasts/${singleId}`)).json.startedAt) / 1_000;
      await page.goto(`${url}/#/blasts/${singleId}`);
      const plot = page.locator('.blast-plot[data-time-span]');
      await plot.waitFor();
      const [min = Number.NaN, max = Number.NaN] = ((await plot.getAttribute('data-time-span')) ?? '').split('/').map(Number);
      expect(max - min).toBeGreaterThan(0);
      expect(max - min).toBeLessThanOrEqual(3_600);
      expect(Math.abs(min - startedAt)).toBeLessThan(3_600);
      // Ended: how long it took and its average pace.
      expect(await page.locator('.blast-facts').textContent()).toMatch(/Took(under a second|\d+ s · [\d.]+ \/ min on average)Business unit/);
      await screenshot(page, '12-blast-one-point-chart');

      // The files uploaded with those blasts became lists of their own: the picker leaves them out unless asked.
      await page.goto(`${url}/#/blasts/new`);
      const picker = page.getByLabel('List', { exact: true });
      await expect.poll(() => picker.textContent()).toContain('No ready list');
      await page.getByLabel('Also lists uploaded with a blast').check();
      await expect.poll(() => picker.locator('option').allTextContents()).toContain('Just one — 1 valid · Sales · from a blast');
    } finally {
      await page.close();
    }
  });

  it('asks before revoking a key or removing an opt-out, then does it and says so', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    await call('POST', '/api/suppressions', { businessUnit: 'Sales', phones: ['+6281300000001'], reason: 'asked by phone' });
    const key = await call<{ secret: string }>('POST', '/api/keys', { name: 'Old script', businessUnit: 'Sales' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const questions: string[] = [];
    let answer = false;
    page.on('dialog', (dialog) => {
      questions.push(dialog.message());
      void (answer ? dialog.accept() : dialog.dismiss());
    });
    try {
      await signInAs(page, url, ADMIN);
      await page.getByRole('link', { name: 'Lists' }).click();
      const remove = page.getByRole('button', { name: 'Remove +6281300000001 from the opt-outs' });
      // Declined: nothing happens.
      await remove.click();
      await expect.poll(() => questions.length).toBe(1);
      expect(questions[0]).toContain('It may be messaged again');
      expect((await call<{ total: number }>('GET', '/api/suppressions?businessUnit=Sales')).json.total).toBe(1);
      // Accepted: removed, said, and gone from the table.
      answer = true;
      await remove.click();
      await page.getByText('+6281300000001 may be messaged again').waitFor();
      await remove.waitFor({ state: 'detached' });
      expect((await call<{ total: number }>('GET', '/api/suppressions?businessUnit=Sales')).json.total).toBe(0);

      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('button', { name: 'Revoke Old script' }).click();
      await page.getByText('Revoked “Old script”').waitFor();
      expect(questions[2]).toContain('stops working at once');
      expect((await apiClient(url, key.json.secret)('GET', '/api/me')).status).toBe(401);
    } finally {
      await page.close();
    }
  });
});

async function story(page: Page, url: string): Promise<void> {
  const call = apiClient(url, ADMIN);

  // Sign-in: a wrong key is refused with a clear message, the right one gets in.
  await page.goto(url);
  await screenshot(page, '01-sign-in');
  await page.getByLabel('API key', { exact: true }).fill('not-a-real-key-0000000000000000000000');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('not valid');
  await signInAs(page, url, ADMIN);

  // Accounts: add a sandbox account, connect, see the QR, simulate the scan, see it connected.
  await page.getByRole('button', { name: 'Add account' }).click();
  await page.getByLabel('Session id', { exact: true }).fill('sales-1');
  await page.getByLabel('Friendly name', { exact: true }).fill('Sales One');
  // An empty install has no units: an admin names a new one in the unit picker.
  await page.getByLabel('Business unit', { exact: true }).selectOption({ label: 'New unit…' });
  await page.getByLabel('New unit name', { exact: true }).fill('Sales');
  await page.getByLabel('Provider', { exact: true }).selectOption('sandbox');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Connect Sales One', exact: true }).click();
  const qr = page.getByRole('img', { name: /^QR code/ });
  await qr.waitFor();
  expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  await screenshot(page, '02-accounts-qr');
  // Not linked yet: its status says what it waits for, and there is nothing to log out of.
  const row = page.getByRole('row', { name: /Sales One/ });
  await row.getByText('Waiting for scan', { exact: true }).waitFor();
  expect(await row.getByRole('button', { name: 'Log out Sales One' }).count()).toBe(0);
  await page.getByRole('button', { name: 'Simulate scan' }).click();
  await page.getByText('Connected', { exact: true }).first().waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  await row.getByRole('button', { name: 'Log out Sales One' }).waitFor();

  // Pacing is typed in seconds, as in the blast form (decimals allowed); the API gets milliseconds.
  await page.getByRole('button', { name: 'Edit Sales One' }).click();
  await page.getByLabel('Maximum delay (s)', { exact: true }).fill('4');
  await page.getByLabel('Minimum delay (s)', { exact: true }).fill('2.5');
  await page.getByText('= 2.5 s').waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('dialog').waitFor({ state: 'hidden' });
  expect((await call<{ pacing: { minDelayMs: number; maxDelayMs: number } }>('GET', '/api/sessions/sales-1')).json.pacing).toMatchObject({ minDelayMs: 2_500, maxDelayMs: 4_000 });
  await screenshot(page, '03-accounts-connected');
  expect((await call<{ status: string }>('GET', '/api/sessions/sales-1')).json.status).toBe('connected');

  // A second linked account, and pacing slow enough to watch, arranged over REST.
  const events = await openSocket(url);
  await linkedSandboxSessions(call, events, ['sales-2'], { businessUnit: 'Sales', pacing: FAST_PACING });
  await call('PATCH', '/api/sessions/sales-1', { pacing: FAST_PACING });

  // Lists: upload a sheet, see its counts and its rejects with the sheet's row numbers.
  await page.getByRole('link', { name: 'Lists' }).click();
  const sheet = customersCsv();
  await page.getByLabel('Spreadsheet (.xlsx or .csv)', { exact: true }).setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: sheet });
  await page.getByLabel('Business unit', { exact: true }).selectOption('Sales');
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.getByRole('button', { name: 'Delete list' }).waitFor();
  await expect.poll(() => statValue(page, 'Valid'), { timeout: 20_000 }).toBe('20');
  expect(await statValue(page, 'Rows')).toBe('22');
  expect(await statValue(page, 'Invalid')).toBe('1');
  expect(await statValue(page, 'Duplicates')).toBe('1');
  const rejects = page.getByRole('table', { name: 'Rejects' });
  await expect.poll(() => rejects.textContent()).toContain('INVALID_PHONE');
  const rejectsText = (await rejects.textContent()) ?? '';
  expect(rejectsText).toContain('12345');
  expect(rejectsText).toContain('DUPLICATE');
  // Each reject shows whose row it was: the sheet's own columns beside the bad number.
  expect(await rejects.getByRole('columnheader', { name: 'Name' }).count()).toBe(1);
  expect(await rejects.getByRole('row').filter({ hasText: '12345' }).textContent()).toMatch(/Broken.*Nowhere/);
  expect(await rejects.getByRole('row').filter({ hasText: '+6281300000002' }).textContent()).toMatch(/Again.*DUPLICATE/);
  await screenshot(page, '04-list-detail');

  // New blast from that list: both sessions, a template with a variable, a preview of real rows.
  await page.getByRole('link', { name: 'New blast with this list' }).click();
  const sessions = page.getByRole('group', { name: 'Sessions' });
  await sessions.getByLabel('Sales One', { exact: true }).check();
  await sessions.getByLabel('Sandbox sales-2', { exact: true }).check();
  await page.getByLabel('Message', { exact: true }).fill('Hello {name} from {nope}');
  await expect.poll(() => page.getByText('Unknown variable').count()).toBeGreaterThan(0);
  // The unknown variable shows as a marked placeholder in the preview, not as an empty gap (issue 22).
  const preview = page.getByRole('region', { name: 'Preview' });
  await expect.poll(() => preview.locator('mark.nb-var-unknown').first().textContent()).toBe('‹nope›');
  expect(await preview.textContent()).toMatch(/Hello Customer 1 from ‹nope›/);
  // An attached image shows in each sample above its caption.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==', 'base64');
  await page.getByLabel('Media (optional)', { exact: true }).setInputFiles({ name: 'promo.png', mimeType: 'image/png', buffer: png });
  await expect.poll(() => preview.getByRole('img', { name: 'Attached image promo.png' }).count()).toBeGreaterThan(0);
  await page.getByLabel('Media (optional)', { exact: true }).setInputFiles([]);
  await page.getByLabel('Message', { exact: true }).fill('{Hi|Hello} {name}, see you in {city}!');
  await expect.poll(() => page.getByRole('region', { name: 'Preview' }).textContent()).toMatch(/(Hi|Hello) Customer 1, see you in City 1!/);
  expect(await page.getByText('Unknown variable').count()).toBe(0);
  await page.getByLabel('Blast name', { exact: true }).fill('November promo');
  await expect.poll(() => page.getByRole('region', { name: 'Estimate' }).textContent()).toContain('Estimated duration');
  await screenshot(page, '05-new-blast');
  await page.getByRole('button', { name: 'Start blast' }).click();

  // Blast detail: the progress bar reaches 100 % from the live stream, then the report downloads.
  await page.waitForURL(/#\/blasts\/(?!new)[^/?]+$/);
  const blastId = decodeURIComponent(new URL(page.url()).hash.split('/').pop() ?? '');
  const progress = page.getByRole('progressbar', { name: 'Blast progress' });
  await expect.poll(() => progress.getAttribute('aria-valuenow'), { timeout: 60_000 }).toBe('100');
  await page.getByText('completed', { exact: true }).first().waitFor();
  expect(await statValue(page, 'Sent')).toBe('20');
  expect(await statValue(page, 'Pending')).toBe('0');
  // The recipients table names each row's person (the list's first columns) beside the number and outcome.
  const recipientsTable = page.getByRole('table', { name: 'Recipients' });
  expect(await recipientsTable.getByRole('columnheader', { name: 'Name' }).count()).toBe(1);
  await expect.poll(() => recipientsTable.getByRole('row').filter({ hasText: '+6281300000001' }).textContent()).toContain('Customer 1');
  await screenshot(page, '06-blast-detail');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  const report = fs.readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  // One line per row of the sheet (22) under the header: the two rejected rows in their places.
  expect(report).toHaveLength(23);
  expect(report[0]).toMatch(/^row,phone,Name,City,status,/);
  expect(report[11]).toMatch(/^12,12345,Broken,Nowhere,rejected,INVALID_PHONE,/);
  expect(report[22]).toMatch(/^23,\+6281300000002,Again,City 2,rejected,DUPLICATE,duplicate of row 3,/);
  const outbox = await outboxOf(call, 'sales-1');
  const sent = outbox.total + (await outboxOf(call, 'sales-2')).total;
  expect(sent).toBe(20);

  // A recipient answers: Replied and its rate show live, and the Replies tab lists the text.
  const answering = outbox.items[0]?.to ?? '';
  expect((await call('POST', '/api/sessions/sales-1/sandbox/inbound', { from: answering, text: 'Count me in' })).status).toBe(202);
  // The cell reads the count (1) then its share of those sent (5.0 %): "15.0 %" as text.
  await expect.poll(() => statValue(page, 'Replied'), { timeout: 20_000 }).toBe('15.0 %');
  await page.getByRole('tab', { name: /Replies/ }).click();
  await page.getByRole('tabpanel').getByText('Count me in').waitFor();
  expect(await page.getByRole('tabpanel').getByText(answering).count()).toBe(1);
  await screenshot(page, '06b-blast-replies');
  // Follow up the ended blast, to those who did not reply: the segment sizes first, then the message with the list's columns; it starts at once.
  await page.getByRole('button', { name: 'Follow up' }).click();
  const dialog = page.getByRole('dialog', { name: 'Follow up' });
  await expect.poll(() => dialog.getByText('Did not reply').locator('..').textContent()).toContain('19 recipients');
  await dialog.getByLabel('Did not reply').check();
  await dialog.getByRole('button', { name: 'Insert {name}' }).click();
  await dialog.getByLabel('Message', { exact: true }).fill('Last call, {name}!');
  await screenshot(page, '06b-follow-up');
  await dialog.getByRole('button', { name: 'Create follow-up' }).click();
  await page.waitForURL((address) => !address.hash.endsWith(encodeURIComponent(blastId)) && /#\/blasts\/[^/?]+$/.test(address.hash));
  await page.getByText('A follow-up of').first().waitFor();
  await expect.poll(() => page.getByRole('progressbar', { name: 'Blast progress' }).getAttribute('aria-valuenow'), { timeout: 60_000 }).toBe('100');
  const followUps = [...(await outboxOf(call, 'sales-1')).items, ...(await outboxOf(call, 'sales-2')).items].filter((item) => item.text.startsWith('Last call'));
  expect(followUps).toHaveLength(19);
  expect(followUps.some((item) => item.to === answering)).toBe(false);
  expect(followUps.every((item) => /^Last call, Customer \d+!$/.test(item.text))).toBe(true);

  // Keys (admin): create a unit-scoped key; the secret is shown once.
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByLabel('Name', { exact: true }).fill('marketing team');
  await page.getByLabel('Business unit', { exact: true }).selectOption({ label: 'New unit…' });
  await page.getByLabel('New unit name', { exact: true }).fill('Marketing');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = ((await page.getByTestId('new-key-secret').textContent()) ?? '').trim();
  expect(secret.length).toBeGreaterThan(30);
  await screenshot(page, '07-keys');
  await page.getByRole('button', { name: 'Done' }).click();
  await call('POST', '/api/sessions/config', { id: 'mkt-1', friendlyName: 'Marketing One', businessUnit: 'Marketing', provider: 'sandbox' });

  // The unit key, on a phone-sized screen: its own account only; Sales' list and blast are invisible.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.setViewportSize({ width: 390, height: 800 });
  await signInAs(page, url, secret);
  await page.getByText('Marketing One').first().waitFor();
  expect(await page.getByText('Sales One').count()).toBe(0);
  expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
  await screenshot(page, '08-unit-key-accounts-390');
  await page.getByRole('link', { name: 'Blasts' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  expect(await page.getByText('November promo').count()).toBe(0);
  await page.getByRole('link', { name: 'Lists' }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  expect(await page.getByText('customers.csv').count()).toBe(0);
  await page.goto(`${url}/#/blasts/${encodeURIComponent(blastId)}`);
  await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/not found|BLAST_NOT_FOUND/i);
  await screenshot(page, '09-unit-key-foreign-blast-390');
}
