import path from 'node:path';
import type { Config } from '../config/config.js';
import { ensurePrivateDir, tightenModes } from '../infra/private-files.js';
import { ADMIN_KEY_FILE } from './admin-key.js';

/** What the product keeps under DATA_DIR, besides the SQLite database (config.database). */
export function dataPaths(dataDir: string): { redisDir: string; tmpDir: string; adminKeyFile: string } {
  return {
    redisDir: path.join(dataDir, 'redis'),
    tmpDir: path.join(dataDir, 'tmp'),
    adminKeyFile: path.join(dataDir, ADMIN_KEY_FILE),
  };
}

/**
 * Makes DATA_DIR (0700) and takes group and other permissions away from everything the product
 * keeps there, and from a SQLite database kept elsewhere, as an install made before they were
 * created private left them (0644: anyone on the machine could read the WhatsApp credentials).
 * Returns the paths it changed.
 */
export function preparePrivateData(config: Config): string[] {
  ensurePrivateDir(config.dataDir);
  const { redisDir, tmpDir, adminKeyFile } = dataPaths(config.dataDir);
  const database = config.database.kind === 'sqlite' && config.database.file !== ':memory:' ? config.database.file : undefined;
  return tightenModes([
    { path: config.dataDir },
    ...(database === undefined ? [] : ['', '-wal', '-shm', '-journal', '.migrate-lock', '.migrate-lock-journal'].map((suffix) => ({ path: `${database}${suffix}` }))),
    { path: adminKeyFile },
    { path: redisDir, recursive: true },
    { path: tmpDir, recursive: true },
  ]);
}
