import { createLogger } from 'vite';
import { defineConfig } from 'vitest/config';

/** baileys ships source maps that name sources it does not ship: one warning per file, nothing to act on. */
const quietLogger = createLogger();
const warnOnce = quietLogger.warnOnce.bind(quietLogger);
quietLogger.warnOnce = (message, options) => {
  if (!message.includes('points to missing source files')) warnOnce(message, options);
};

// Five tiers, each runnable alone (`npm run test:unit` …); `npm test` runs them all.
export default defineConfig({
  customLogger: quietLogger,
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // A real baileys socket against a test "WhatsApp" (test/support/wa-wire.ts): its Noise layer
        // is replaced with vi.mock, which reaches baileys' own imports only when vitest transforms
        // baileys instead of leaving it to Node. Its own tier, so the others load baileys natively.
        test: {
          name: 'wire',
          include: ['test/wire/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          server: { deps: { inline: ['baileys'] } },
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The operator console in Debian's Chromium (playwright-core), against the built product.
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
