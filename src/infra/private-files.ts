import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * What the product keeps on disk (the SQLite database with WhatsApp credentials, the admin key,
 * the private Redis's data and password, import scratch files) is its operator's alone: directories
 * 0700, files 0600, whatever the process's umask.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and missing parents) 0700; an existing one keeps its mode (see tightenModes). */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates an empty file 0600 unless it exists, so that a library opening it later (SQLite) finds it private. */
export function createPrivateFile(file: string): void {
  ensurePrivateDir(path.dirname(file));
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
}

/**
 * The secret kept in `file`, made (random, base64url) and written 0600 on the first call. Exclusive
 * creation: two processes starting at once agree on the first one written.
 */
export function readOrCreateSecret(file: string, bytes = 32): string {
  ensurePrivateDir(path.dirname(file));
  const secret = randomBytes(bytes).toString('base64url');
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = fs.readFileSync(file, 'utf8').trim();
  if (stored.length < bytes) throw new Error(`${file} holds no usable secret; delete it to have a new one made.`);
  return stored;
}

/**
 * Takes group and other permissions away from each path given that exists (directories
 * recursively when `recursive`), for an install made before files were created private.
 * Returns the paths it changed, for the start-up log.
 */
export function tightenModes(paths: readonly { path: string; recursive?: boolean }[]): string[] {
  const changed: string[] = [];
  // The paths given are followed (DATA_DIR may well be a link to a volume); links found inside are not.
  const visit = (target: string, recursive: boolean, given: boolean): void => {
    let stat: fs.Stats;
    try {
      stat = given ? fs.statSync(target) : fs.lstatSync(target);
    } catch {
      return;
    }
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) {
      fs.chmodSync(target, stat.mode & (stat.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE));
      changed.push(target);
    }
    if (recursive && stat.isDirectory()) {
      for (const entry of fs.readdirSync(target)) visit(path.join(target, entry), true, false);
    }
  };
  for (const { path: target, recursive = false } of paths) visit(target, recursive, true);
  return changed;
}
