import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot, signInAs } from '../support/browser.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';

// Issue 18 (console): a Webhooks screen — add an endpoint and see its secret once, send a test
// event and see it delivered in the log, retry a refused one, disable the endpoint.

const ADMIN = 'browser-webhooks-admin-key-0123456789abcdef';
const { environment, track, cleanups } = e2eHarness(ADMIN, 'webhooks');

interface Request { headers: http.IncomingHttpHeaders; body: string }

/** A receiver on 127.0.0.1 (an admin's endpoint may target it) that answers `answer` (200 with a short body at first). */
async function startReceiver(): Promise<{ url: string; next: () => Promise<Request>; answer: { status: number; body: string } }> {
  const answer = { status: 200, body: 'thanks from the receiver' };
  const received: Request[] = [];
  const waiting: ((request: Request) => void)[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const got = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8') };
      const waiter = waiting.shift();
      if (waiter === undefined) received.push(got);
      else waiter(got);
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => { resolve(); })));
  const { port } = server.address() as AddressInfo;
  return {
    answer,
    url: `http://127.0.0.1:${String(port)}/hooks/wa`,
    next: () => {
      const first = received.shift();
      return first !== undefined ? Promise.resolve(first) : new Promise<Request>((resolve) => waiting.push(resolve));
    },
  };
}

function signatureValid(secret: string, request: Request): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`;
  const expected = `v1,${createHmac('sha256', key).update(signed).digest('base64')}`;
  return String(request.headers['webhook-signature']).split(' ').includes(expected);
}

describe.skipIf(!browserAvailable())('webhooks in the console', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('adds an endpoint showing its secret once, delivers a test event it logs with the answer, retries a refused one, replays a window, and disables the endpoint', async () => {
    const receiver = await startReceiver();
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await signInAs(page, url, ADMIN);
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByText('No endpoints yet').waitFor();

      // Add: one event chosen (so no longer "all"), every unit.
      await page.getByLabel('URL', { exact: true }).fill(receiver.url);
      await page.getByLabel('Description', { exact: true }).fill('CRM');
      await page.getByLabel('webhook.test', { exact: true }).check();
      await expect.poll(() => page.getByLabel('All events', { exact: true }).isChecked()).toBe(false);
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const dialog = page.getByRole('dialog', { name: 'Endpoint added' });
      await dialog.waitFor();
      const secret = (await dialog.getByTestId('webhook-secret').textContent()) ?? '';
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{20,}$/);
      await screenshot(page, 'webhooks-01-secret');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'hidden' });

      // Listed, and the secret is nowhere on the page any more.
      const row = page.getByRole('row', { name: /127\.0\.0\.1/ });
      await row.getByText('webhook.test', { exact: true }).waitFor();
      await row.getByText('enabled', { exact: true }).waitFor();
      expect(await page.content()).not.toContain(secret);
      const listed = await call<{ items: { id: string; url: string; events: string[]; businessUnit: string | null; enabled: boolean }[] }>('GET', '/api/webhooks');
      expect(listed.json.items).toEqual([expect.objectContaining({ url: receiver.url, events: ['webhook.test'], businessUnit: null, enabled: true })]);
      const id = listed.json.items[0]?.id ?? '';

      // Send a test event: the receiver gets it, signed with the secret that was shown.
      const arriving = receiver.next();
      await row.getByRole('button', { name: `Send test event to ${receiver.url}` }).click();
      const delivered = await arriving;
      expect(JSON.parse(delivered.body)).toMatchObject({ type: 'webhook.test' });
      expect(signatureValid(secret, delivered)).toBe(true);

      // The endpoint's log shows the delivery: succeeded, 200, the answer's first bytes.
      await row.getByRole('link', { name: receiver.url }).click();
      await page.getByRole('heading', { name: receiver.url }).waitFor();
      const logged = page.getByRole('row', { name: /webhook\.test/ });
      await expect
        .poll(async () => {
          if ((await logged.count()) === 0 || !(await logged.getByText('succeeded').isVisible())) {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return 'waiting';
          }
          // Event, status, attempts, response code, (duration), response body.
          const cells = await logged.locator('td').allTextContents();
          return [cells[1], cells[2], cells[3], cells[4], cells[6]];
        }, { timeout: 15_000 })
        .toEqual(['webhook.test', 'succeeded', '1', '200', 'thanks from the receiver']);
      // Nothing failed: the failed-only filter shows an empty log.
      const failedOnly = page.getByLabel('Failed only', { exact: true });
      await failedOnly.check();
      await page.getByText('No failed deliveries').waitFor();

      // A final refusal (400) is logged as failed with its answer; Retry sends it again, now accepted.
      receiver.answer.status = 400;
      receiver.answer.body = 'no such hook';
      const refused = receiver.next();
      await page.getByRole('button', { name: 'Send test event', exact: true }).click();
      const first = await refused;
      const failedRow = page.getByRole('row', { name: /webhook\.test/ });
      await expect
        .poll(async () => {
          if ((await failedRow.count()) === 0) {
            await page.getByRole('button', { name: 'Refresh' }).click();
            return 'waiting';
          }
          const cells = await failedRow.locator('td').allTextContents();
          return [cells[2], cells[4], cells[6]];
        }, { timeout: 15_000 })
        .toEqual(['failed', '400', 'no such hook']);
      // The endpoint is now failing, and says since when.
      const failing = page.getByText(/^Failing since /);
      await expect
        .poll(async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return failing.isVisible();
        }, { timeout: 15_000 })
        .toBe(true);
      await screenshot(page, 'webhooks-02-failed');
      receiver.answer.status = 200;
      receiver.answer.body = 'thanks from the receiver';
      const retried = receiver.next();
      await failedRow.getByRole('button', { name: /^Retry webhook\.test/ }).click();
      expect((await retried).headers['webhook-id']).toBe(first.headers['webhook-id']);
      await expect
        .poll(async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return page.getByText('No failed deliveries').isVisible();
        }, { timeout: 15_000 })
        .toBe(true);
      // A success ends the failure streak.
      await expect.poll(() => failing.count(), { timeout: 15_000 }).toBe(0);
      await failedOnly.uncheck();
      await expect.poll(() => page.getByRole('row', { name: /webhook\.test/ }).count()).toBe(2);
      await screenshot(page, 'webhooks-03-log');

      // Replay: the window given in local time is accepted; test events are never replayed, and the page says so.
      const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
      const pad = (value: number) => String(value).padStart(2, '0');
      const local = `${String(twoHoursAgo.getFullYear())}-${pad(twoHoursAgo.getMonth() + 1)}-${pad(twoHoursAgo.getDate())}T${pad(twoHoursAgo.getHours())}:${pad(twoHoursAgo.getMinutes())}`;
      await page.getByLabel('From', { exact: true }).fill(local);
      await page.getByRole('button', { name: 'Replay', exact: true }).click();
      await page.getByText('Nothing to replay in that window (test events are never replayed)').waitFor();

      // Disable: the page says so, and so does the API.
      await page.getByRole('button', { name: 'Disable', exact: true }).click();
      await page.getByRole('button', { name: 'Enable', exact: true }).waitFor();
      await page.getByText('Events are not sent to it until it is enabled again.').waitFor();
      expect((await call<{ enabled: boolean }>('GET', `/api/webhooks/${id}`)).json.enabled).toBe(false);
      await page.getByRole('link', { name: '← Webhooks' }).click();
      await page.getByRole('row', { name: /127\.0\.0\.1/ }).getByText('disabled', { exact: true }).waitFor();
    } catch (error) {
      await screenshot(page, 'webhooks-failure').catch(() => undefined);
      throw error;
    } finally {
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  });
});
