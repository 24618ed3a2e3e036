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
 * waited for the one before. The in-process tiers (unit, integration, wire) run two at a time,
 * first; then the tiers that start the built product (e2e, browser) run one file at a time, as
 * before: their pacing, crash and lease checks time what the product does, and three e2e files
 * side by side failed on time (blast-crash, blast-pacing, fuzz; measured under load).
 */
const IN_PROCESS = { maxWorkers: 2, sequence: { groupOrder: 0 } };
const PRODUCT_PROCESSES = { maxWorkers: 1, sequence: { groupOrder: 1 } };
/**
 * unit and integration files share a worker's modules instead of importing src again for each
 * file (the import phase of those tiers went from 170 s to 25 s): none of them mocks a module, and
 * each test already makes its own database and Redis prefix. The wire tier keeps isolation, for
 * its vi.mock of baileys' Noise layer.
 */
const SHARED_MODULES = { isolate: false };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          ...IN_PROCESS,
          ...SHARED_MODULES,
          include: ['test/unit/**/*.test.ts', 'src/**/*.test.ts'],
          // A unit test takes milliseconds alone; two files at a time on a loaded 2-core machine once took a 1 s test past 5 s.
          testTimeout: 15_000,
        },
      },
      {
        test: {
          name: 'integration',
          ...IN_PROCESS,
          ...SHARED_MODULES,
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
