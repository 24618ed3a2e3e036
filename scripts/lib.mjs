// Helpers for the npm scripts: they bring what the product needs (a build, a redis-server)
// so that `npm ci && npm start` and `npm ci && npm test` work on a machine with only Node.js.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Compiles TypeScript and the console (dist/web) when dist/ is missing or older than src/ or web/. */
export function ensureBuilt() {
  const entry = path.join(root, 'dist', 'main.js');
  const page = path.join(root, 'dist', 'web', 'index.html');
  const newestInput = Math.max(
    newestMtime(path.join(root, 'src')),
    newestMtime(path.join(root, 'web')),
    fs.statSync(path.join(root, 'package.json')).mtimeMs,
    fs.statSync(path.join(root, 'tsconfig.build.json')).mtimeMs,
  );
  if (fs.existsSync(entry) && fs.existsSync(page) && newestMtime(path.join(root, 'dist')) >= newestInput) return;
  console.log('Building (tsc, then the console with vite)…');
  const steps = [
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'],
  ];
  for (const step of steps) {
    const result = spawnSync(process.execPath, step, { stdio: 'inherit', cwd: root });
    if (result.status !== 0) {
      console.error('The build failed.');
      process.exit(result.status ?? 1);
    }
  }
}

export function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v "${bin}"`], { encoding: 'utf8' }).status === 0;
}

/**
 * Installs a Debian package when this runs as root on a machine with apt-get (from the package
 * lists already there, else after refreshing them). Returns whether apt-get said it succeeded.
 */
export function aptInstall(pkg, why) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !onPath('apt-get')) return false;
  console.log(`${pkg} is not installed; installing Debian's package ${why} (apt-get install ${pkg})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env }).status === 0;
  if (install()) return true;
  return spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env }).status === 0 && install();
}

/**
 * A redis-server binary is needed when REDIS_URL is unset (the product, or the tests, start a
 * private one). On the PATH: fine. Else, as root with apt-get: install Debian's package.
 * Else: say exactly what to run.
 */
export function ensureRedisServer({ needed = !process.env.REDIS_URL } = {}) {
  const bin = process.env.REDIS_SERVER_BIN || 'redis-server';
  if (!needed || onPath(bin)) return;
  if (!process.env.REDIS_SERVER_BIN && aptInstall('redis-server', 'for the private Redis') && onPath(bin)) return;
  console.error(
    [
      'redis-server was not found, and it is needed when REDIS_URL is unset.',
      'Install it, then run the command again:',
      '    Debian/Ubuntu: sudo apt-get install -y redis-server',
      '    macOS:         brew install redis',
      'or use a Redis you already run: REDIS_URL=redis://127.0.0.1:6379',
    ].join('\n'),
  );
  process.exit(1);
}

/**
 * The console's browser tests drive Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 * Missing: as root with apt-get, install it; else say how, and those tests are skipped.
 */
export function ensureChromium() {
  const bin = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (fs.existsSync(bin)) return true;
  return !process.env.CHROMIUM_PATH && aptInstall('chromium', 'for the console tests') && fs.existsSync(bin);
}
