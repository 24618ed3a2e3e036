import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../infra/private-files.js';

export const ADMIN_KEY_FILE = 'admin-api-key';

export interface AdminKey {
  key: string;
  /** Where it came from, for the start-up line; `generated` means it was made just now. */
  source: 'environment' | 'file' | 'generated';
  file?: string;
}

/**
 * ADMIN_API_KEY when set; otherwise the key kept in DATA_DIR/admin-api-key, made on the first
 * start (mode 0600). Two processes starting at once agree: the file is created exclusively and
 * the loser reads the winner's key.
 */
export function resolveAdminKey(fromEnv: string | undefined, dataDir: string): AdminKey {
  if (fromEnv !== undefined) return { key: fromEnv, source: 'environment' };
  const file = path.join(dataDir, ADMIN_KEY_FILE);
  ensurePrivateDir(dataDir);
  const key = `wab_admin_${randomBytes(32).toString('base64url')}`;
  try {
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return { key, source: 'generated', file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = readWhenWritten(file);
  if (stored.length < 32) {
    throw new Error(`${file} holds no valid admin key (at least 32 characters). Delete it to have a new one made.`);
  }
  return { key: stored, source: 'file', file };
}

/** The winner may not have finished writing when the loser first looks. */
function readWhenWritten(file: string): string {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const content = fs.readFileSync(file, 'utf8');
    if (content.endsWith('\n') || Date.now() > deadline) return content.trim();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}
