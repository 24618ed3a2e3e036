import { readFile } from 'node:fs/promises';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * baileys ships source maps naming sources it does not ship: once inlined, vite would warn for
 * each of its files. Its code is read without the map comment instead (stack traces show the
 * JavaScript, which is what runs).
 */
const baileysWithoutSourceMaps: Plugin = {
  name: 'baileys-without-source-maps',
  enforce: 'pre',
  async load(id) {
    if (!id.includes('/node_modules/baileys/lib/') || !id.endsWith('.js')) return null;
    const code = await readFile(id, 'utf8');
    return code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
  },
};

/**
 * How many test files run at once. vitest's default on this 2-core machine is one, so every file
 * waited for the one before. The in-process tiers (unit, integration, wire) are measured faster
 * two at a time and run first; then the tiers that start the built product (e2e, browser) run one
 * file at a time, as before: their pacing, crash and lease checks time what the product does, and
 * two of them side by side on two cores failed on time (measured, see the commit message).
 */
const IN_PROCESS = { maxWorkers: 2, sequence: { groupOrder: 0 } };
const PRODUCT_PROCESSES = { maxWorkers: 1, sequence: { groupOrder: 1 } };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          ...IN_PROCESS,
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          ...IN_PROCESS,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        plugins: [baileysWithoutSourceMaps],
        // A real baileys socket against a test "WhatsApp" (test/support/wa-wire.ts): its Noise layer
        // is replaced with vi.mock, which reaches baileys' own imports only when vitest transforms
        // baileys instead of leaving it to Node. Its own tier, so the others load baileys natively.
        test: {
          name: 'wire',
          ...IN_PROCESS,
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
          ...PRODUCT_PROCESSES,
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
          ...PRODUCT_PROCESSES,
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
