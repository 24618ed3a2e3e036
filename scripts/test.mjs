// `npm test`: build (the end-to-end tests start the built product), make sure Redis can be had,
// run the three tiers (unit, integration, e2e), and say plainly what was skipped.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt, ensureChromium, ensureRedisServer, root } from './lib.mjs';

ensureBuilt();
// The tests use TEST_REDIS_URL, else a Redis on 127.0.0.1:6379, else a private redis-server.
ensureRedisServer({ needed: !process.env.TEST_REDIS_URL });
const haveChromium = ensureChromium();

const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const args = process.argv.slice(2);
let result = spawnSync(process.execPath, [vitest, 'run', ...args], { stdio: 'inherit', cwd: root });

// With PostgreSQL at hand, the end-to-end tier runs a second time with the product on it.
if (result.status === 0 && args.length === 0 && process.env.TEST_POSTGRES_URL) {
  console.log('\nEnd-to-end tests again, with the product on PostgreSQL (E2E_DATABASE=postgres):');
  result = spawnSync(process.execPath, [vitest, 'run', '--project', 'e2e'], {
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
