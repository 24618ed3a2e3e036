import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiProduct } from '../test/support/product.js';

/**
 * Starts the built product (`all` role, SQLite, its own redis-server) as a user would, uploads
 * the file, and asks GET /api/lists/:id over and over until the import ends: the api must stay
 * quick while the worker in the same process reads a million rows.
 */
export async function measureApiDuringImport(file: string): Promise<{ samples: number; p50: number; p99: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-bench-api-'));
  const key = 'bench-admin-key-0123456789abcdefghijklmnop';
  const { product, url } = await startApiProduct('all', { DATA_DIR: dataDir, ADMIN_API_KEY: key, LOG_LEVEL: 'info' });
  try {
    const form = new FormData();
    form.append('businessUnit', 'Bench');
    form.append('file', new Blob([fs.readFileSync(file)]), path.basename(file));
    const created = (await (await fetch(`${url}/api/lists`, { method: 'POST', headers: { 'x-api-key': key }, body: form })).json()) as { listId: string };
    const latencies: number[] = [];
    for (;;) {
      const started = performance.now();
      const response = await fetch(`${url}/api/lists/${created.listId}`, { headers: { 'x-api-key': key } });
      const list = (await response.json()) as { status: string };
      latencies.push(performance.now() - started);
      if (list.status !== 'importing') {
        if (list.status !== 'ready') throw new Error(`import ended ${list.status}`);
        break;
      }
    }
    latencies.sort((a, b) => a - b);
    const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
    return { samples: latencies.length, p50: at(0.5), p99: at(0.99) };
  } finally {
    await product.stop('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
