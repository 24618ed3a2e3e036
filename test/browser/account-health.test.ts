import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkedSandboxSessions, type Call } from '../support/blast-setup.js';
import { browserAvailable, launchBrowser, screenshot, signInAs } from '../support/browser.js';
import { e2eHarness } from '../support/e2e.js';
import { apiClient } from '../support/http.js';
import { startApiProduct } from '../support/product.js';

// Account health (issue 17) in the console's Accounts screen, in Chromium against the built
// product: the health column's badge, its detail panel with the reasons, and both following a
// band change live (a sandbox signal puts the account in `watch`) without reloading the page.

const ADMIN = 'browser-health-admin-key-0123456789abcdef';
const { environment, openSocket, track } = e2eHarness(ADMIN, 'console-health');

interface HealthView {
  score: number;
  band: string;
  assessedAt: string | null;
}

async function healthUntil(call: Call, sessionId: string, test: (view: HealthView) => boolean, what: string): Promise<HealthView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = (await call<HealthView>('GET', `/api/sessions/${sessionId}/health`)).json;
    if (test(view)) return view;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(view)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!browserAvailable())('account health in the console', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser.close();
  });

  it('shows each account\'s score and band, opens its reasons, and follows a band change live', async () => {
    const { product, url } = await startApiProduct('all', await environment());
    track(product);
    const call = apiClient(url, ADMIN);
    const events = await openSocket(url);
    await linkedSandboxSessions(call, events, ['clinic-1'], { pacing: { minDelayMs: 1_500, maxDelayMs: 3_000, hourlyCap: 600, dailyCap: 5_000 } });
    // Linked just now: a new number (5 points off), healthy.
    expect(await healthUntil(call, 'clinic-1', (view) => view.assessedAt !== null, 'clinic-1 assessed')).toMatchObject({ score: 95, band: 'healthy' });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await signInAs(page, url, ADMIN);
      const row = page.getByRole('row', { name: /Sandbox clinic-1/ });
      const badge = row.getByRole('button', { name: /^Health of Sandbox clinic-1/ });
      await expect.poll(() => badge.getAttribute('aria-label'), { timeout: 10_000 }).toBe('Health of Sandbox clinic-1: 95, healthy');
      expect(await badge.textContent()).toBe('95 · healthy');
      expect(await badge.getAttribute('class')).toContain('badge-ok');

      // The panel: score, band, the reason with its figure and points, the pace in force, the model.
      await badge.click();
      const panel = page.getByRole('dialog', { name: 'Health of Sandbox clinic-1' });
      await panel.waitFor();
      const reasons = panel.getByRole('table', { name: 'Reasons, worst first' });
      await expect.poll(() => reasons.getByRole('row').allTextContents(), { timeout: 10_000 }).toEqual(['ReasonWhat was seenPoints', 'New numberNEW_NUMBERlinked 0 days ago: still warming up−5']);
      const panelText = async (): Promise<string> => (await panel.textContent()) ?? '';
      expect(await panelText()).toContain('95 / 100');
      expect(await panelText()).toContain('healthy: as configured');
      expect(await panelText()).toContain('1.5 s–3 s apart');
      expect(await panelText()).toContain('600/h');
      expect(await panelText()).toContain('healthy from 80 · watch from 60 · at risk from 40 · stop below 40');
      await screenshot(page, '20-account-health-healthy');

      // WhatsApp's second warning on new chats (25 points): watch. The open panel and the row follow the band change.
      expect((await call('POST', '/api/sessions/clinic-1/sandbox/signal', { kind: 'capping', state: 'SECOND_WARNING', quota: 250, used: 225 })).status).toBe(202);
      const change = await events.waitFor((frame) => frame.event === 'session:health' && frame.data.sessionId === 'clinic-1', 'a band change of clinic-1');
      expect(change.data).toMatchObject({ band: 'watch', previousBand: 'healthy', score: 70 });
      await expect.poll(() => reasons.getByRole('row').allTextContents(), { timeout: 10_000 }).toEqual([
        'ReasonWhat was seenPoints',
        "New-chat cap: second warningNEW_CHAT_CAP_SECOND_WARNINGWhatsApp's new-chat cap says SECOND_WARNING−25",
        'New numberNEW_NUMBERlinked 0 days ago: still warming up−5',
      ]);
      expect(await panelText()).toContain('70 / 100');
      // Delays doubled (shown in seconds, as the pacing column shows them); the hourly cap halved by the band, and halved
      // again by WhatsApp's warning itself (README "WhatsApp's cap on new chats"); WhatsApp's cap and its state.
      expect(await panelText()).toContain('watch: 2× slower than configured');
      expect(await panelText()).toContain('3 s–6 s apart');
      expect(await panelText()).toContain('150/h');
      expect(await panelText()).toContain("WhatsApp's cap225/250 · second warning");
      expect(await panel.locator('.badge-warn', { hasText: 'watch' }).count()).toBe(1);
      await screenshot(page, '21-account-health-watch');

      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
      expect(await badge.textContent()).toBe('70 · watch');
      expect(await badge.getAttribute('class')).toContain('badge-warn');
      await screenshot(page, '22-accounts-health-column');
      // And after a reload, from GET /api/sessions.
      await page.reload();
      await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('70 · watch');
    } catch (error) {
      await screenshot(page, 'health-failure').catch(() => undefined);
      throw error;
    } finally {
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  });
});
