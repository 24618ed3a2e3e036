import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot, signInAs } from '../support/browser.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';

// Issue 22: a unit is chosen from the units there are, not typed again (where "marketing" became
// a second unit beside "Marketing"); admins name new ones there and manage them on a Units screen.

const ADMIN = 'browser-units-admin-key-0123456789abcdefgh';
const { environment, track } = e2eHarness(ADMIN, 'units');

type Unit = { id: string; name: string };

describe.skipIf(!browserAvailable())('business units in the console', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('picks a unit from the list, takes another spelling as that unit, renames it on the Units screen and refuses to delete it while used', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    await call('POST', '/api/units', { name: 'Marketing' });
    await call('POST', '/api/units', { name: 'Finance' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await signInAs(page, url, ADMIN);

      // The picker offers the units there are (and, to an admin, a new one).
      await page.getByRole('button', { name: 'Add account' }).click();
      const picker = page.getByLabel('Business unit', { exact: true });
      await expect.poll(() => picker.locator('option').allTextContents()).toEqual(['Choose a unit…', 'Finance', 'Marketing', 'New unit…']);
      await page.getByLabel('Session id', { exact: true }).fill('promo-1');
      await page.getByLabel('Friendly name', { exact: true }).fill('Promo One');
      await page.getByLabel('Provider', { exact: true }).selectOption('sandbox');
      // A "new" name that is an existing unit in another case is said to be that unit, and saved as it.
      await picker.selectOption({ label: 'New unit…' });
      await page.getByLabel('New unit name', { exact: true }).fill('marketing ');
      await page.getByText('That is the existing unit “Marketing”.').waitFor();
      await screenshot(page, 'units-01-picker');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await page.getByRole('row', { name: /Promo One/ }).getByText('Marketing', { exact: true }).waitFor();
      expect((await call<{ items: Unit[] }>('GET', '/api/units')).json.items.map((unit) => unit.name)).toEqual(['Finance', 'Marketing']);

      // Picking from the list: the second account goes to Finance, as chosen.
      await page.getByRole('button', { name: 'Add account' }).click();
      await page.getByLabel('Session id', { exact: true }).fill('fin-1');
      await page.getByLabel('Friendly name', { exact: true }).fill('Finance One');
      await page.getByLabel('Provider', { exact: true }).selectOption('sandbox');
      await page.getByLabel('Business unit', { exact: true }).selectOption('Finance');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      expect((await call<{ businessUnit: string }>('GET', '/api/sessions/fin-1')).json.businessUnit).toBe('Finance');

      // Units screen (admin): rename Marketing; the account shows the new name.
      await page.getByRole('link', { name: 'Units' }).click();
      await page.getByRole('button', { name: 'Rename Marketing' }).click();
      await page.getByLabel('New name', { exact: true }).fill('Growth');
      await page.getByRole('button', { name: 'Rename', exact: true }).click();
      await page.getByRole('button', { name: 'Rename Growth' }).waitFor();
      await screenshot(page, 'units-02-screen');
      expect((await call<{ businessUnit: string }>('GET', '/api/sessions/promo-1')).json.businessUnit).toBe('Growth');

      // Still used by an account: not deleted, and the page says why.
      await page.getByRole('button', { name: 'Delete Growth' }).click();
      await page.getByText(/still used by 1 sessions/).waitFor();
      expect((await call<{ items: Unit[] }>('GET', '/api/units')).json.items.map((unit) => unit.name)).toEqual(['Finance', 'Growth']);
    } catch (error) {
      await screenshot(page, 'units-failure').catch(() => undefined);
      throw error;
    } finally {
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  });
});
