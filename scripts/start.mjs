// `npm start` (role all), `npm run start:api`, `npm run start:worker`: build if needed, make sure a
// redis-server can be started when REDIS_URL is unset, then run the product in this process.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, ensureRedisServer, root } from './lib.mjs';

const role = process.argv[2] ?? process.env.ROLE ?? 'all';
ensureBuilt();
ensureRedisServer({ needed: role === 'all' && !process.env.REDIS_URL });

const { main } = await import(pathToFileURL(path.join(root, 'dist', 'main.js')).href);
await main([role, ...process.argv.slice(3)], process.env);
