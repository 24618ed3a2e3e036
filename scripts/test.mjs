// `npm test`: build (the end-to-end tests start the built product), make sure Redis can be had,
// run the tiers (unit, integration, wire, e2e, browser), and say plainly what was skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureBuilt, ensureChromium, ensureRedisServer, root } from './lib.mjs';

/**
 * The end-to-end files whose product behaves the same whatever DATABASE_URL says, and so are not
 * run a second time on PostgreSQL. Every other file in test/e2e is (a new one by default).
 */
const SAME_ON_EVERY_DATABASE = {
  'multi-host.test.ts': 'always runs on PostgreSQL (several hosts need it), so the first pass already did',
  'quick-start.test.ts': 'starts its own products: the SQLite quick start, then one database of each kind side by side',
  'private-files.test.ts': "is about DATA_DIR's file modes with the default SQLite file in it, and sets no DATABASE_URL",
  'start-stop.test.ts': 'starts `npm start` and the product with their defaults (the SQLite file), whatever E2E_DATABASE says',
  'console-api-types.test.ts': 'compares the OpenAPI document, built from route schemas, with the committed types; no query runs',
};

/** The e2e files the PostgreSQL pass runs; an entry above that names no file is an error, not a silent no-op. */
function postgresE2eFiles() {
  const dir = path.join(root, 'test', 'e2e');
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.test.ts'));
  const stale = Object.keys(SAME_ON_EVERY_DATABASE).filter((name) => !files.includes(name));
  if (stale.length > 0) throw new Error(`scripts/test.mjs names e2e files that do not exist: ${stale.join(', ')}`);
  return files.filter((name) => !(name in SAME_ON_EVERY_DATABASE)).map((name) => path.join('test', 'e2e', name));
}

ensureBuilt();
// The tests use TEST_REDIS_URL, else a Redis on 127.0.0.1:6379, else a private redis-server.
ensureRedisServer({ needed: !process.env.TEST_REDIS_URL });
const haveChromium = ensureChromium();

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = process.argv.slice(2);
let result = spawnSync(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit', cwd: root });

// With PostgreSQL at hand, the end-to-end files that store anything run a second time with the
// product on it (the others, listed above with the reason, would only repeat the first pass).
if (result.status === 0 && args.length === 0 && process.env.TEST_POSTGRES_URL) {
  console.log('\nEnd-to-end tests again, with the product on PostgreSQL (E2E_DATABASE=postgres); not repeated:');
  for (const [file, reason] of Object.entries(SAME_ON_EVERY_DATABASE)) console.log(`  ${file}: ${reason}`);
  result = spawnSync(process.execPath, [vitest, 'run', '--project', 'e2e', ...postgresE2eFiles()], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, E2E_DATABASE: 'postgres' },
  });
}
if (!process.env.TEST_POSTGRES_URL) {
  console.log(
    '\nNOTE: the PostgreSQL tests were SKIPPED (TEST_POSTGRES_URL is unset).\n' +
      '      To run them: TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres npm test\n' +
      '      (a role that may CREATE DATABASE; each test makes and drops its own database).',
  );
}
if (!haveChromium) {
  console.log(
    '\nNOTE: the console\'s browser tests were SKIPPED (no Chromium at /usr/bin/chromium or CHROMIUM_PATH).\n' +
      '      To run them: apt-get install chromium (Debian), or CHROMIUM_PATH=/path/to/chromium npm test.',
  );
}
process.exit(result.status ?? 1);
