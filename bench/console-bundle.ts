// `npm run bench:console`: the operator console's weight as a browser downloads it. Builds the
// console (vite) and prints the gzipped size of its JavaScript and CSS (gzip -9, as served
// compressed by a proxy; the api itself sends them as they are, cached for a year).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'dist', 'web');
execFileSync(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '-c', path.join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });

const assets = path.join(outDir, 'assets');
const sizes = { js: { raw: 0, gzip: 0 }, css: { raw: 0, gzip: 0 } };
for (const name of fs.readdirSync(assets)) {
  const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : undefined;
  if (kind === undefined) continue;
  const data = fs.readFileSync(path.join(assets, name));
  sizes[kind].raw += data.length;
  sizes[kind].gzip += gzipSync(data, { level: 9 }).length;
}
const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
console.log(`JavaScript: ${kb(sizes.js.raw)} kB, ${kb(sizes.js.gzip)} kB gzipped; CSS: ${kb(sizes.css.raw)} kB, ${kb(sizes.css.gzip)} kB gzipped`);
console.log(`RESULT console JavaScript gzipped: ${kb(sizes.js.gzip)} kB (target < 150 kB)`);
