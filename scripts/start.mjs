// `npm start` (role all), `npm run start:api`, `npm run start:worker`: build if needed, make sure a
// redis-server can be started when REDIS_URL is unset, then run the product in this process.
import path from 'node:path';
import { clearInterval, setInterval } from 'node:timers';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ensureRedisServer, root } from './lib.mjs';

const role = process.argv[2] ?? process.env.ROLE ?? 'all';
ensureBuilt();
ensureRedisServer({ needed: role === 'all' && !process.env.REDIS_URL });

// npm runs this through `sh -c`, and a signal to npm ends that shell without reaching us: we would
// be left running, holding the port and the private redis-server. So when npm started us and our
// parent goes away (we are handed to another parent), we stop as if told to (SIGTERM: the
// product's own graceful shutdown, which also stops its redis-server). Started some other way
// (`node scripts/start.mjs` under nohup, setsid, a supervisor), it is left to run.
if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  const watchdog = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watchdog);
    process.kill(process.pid, 'SIGTERM');
  }, 500);
  watchdog.unref();
}

const { main } = await import(pathToFileURL(path.join(root, 'dist', 'main.js')).href);
await main([role, ...process.argv.slice(3)], process.env);
