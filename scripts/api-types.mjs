// `npm run web:api-types`: regenerates web/src/api/schema.d.ts (the console's types of the REST
// API) from the OpenAPI document of the built product. It starts `node dist/main.js api` on a free
// port against REDIS_URL (default redis://127.0.0.1:6379, a private key prefix) with a throwaway
// SQLite database, reads /api/docs/json, and stops it. test/e2e/console-api-types.test.ts fails
// when the committed file is out of date.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureBuilt, root } from './lib.mjs';
import { renderApiTypes } from './api-types-render.mjs';

ensureBuilt();
const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-api-types-'));
const child = spawn(process.execPath, [path.join(root, 'dist', 'main.js'), 'api'], {
  env: {
    ...process.env,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `api-types-${process.pid}`,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_API_KEY: 'api-types-admin-key-0123456789abcdef',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  let document;
  for (let attempt = 0; attempt < 100 && document === undefined; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/docs/json`);
      if (response.ok) document = await response.json();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  if (document === undefined) throw new Error('the api did not start');
  const file = path.join(root, 'web', 'src', 'api', 'schema.d.ts');
  fs.writeFileSync(file, await renderApiTypes(document));
  console.log(`wrote ${path.relative(root, file)}`);
} finally {
  child.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
