import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAdminKey } from '../../../src/app/admin-key.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wab-admin-key-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('resolveAdminKey', () => {
  it('uses ADMIN_API_KEY when given and writes nothing', () => {
    const dir = dataDir();
    expect(resolveAdminKey('a'.repeat(40), dir)).toEqual({ key: 'a'.repeat(40), source: 'environment' });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('generates a key on the first start, keeps it mode 0600, and reuses it later', () => {
    const dir = dataDir();
    const first = resolveAdminKey(undefined, dir);
    expect(first.source).toBe('generated');
    expect(first.key.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, 'admin-api-key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = resolveAdminKey(undefined, dir);
    expect(second).toEqual({ key: first.key, source: 'file', file });
  });

  it('refuses a kept key that was truncated', () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, 'admin-api-key'), 'too-short\n');
    expect(() => resolveAdminKey(undefined, dir)).toThrow(/no valid admin key/);
  });
});
