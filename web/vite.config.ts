import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The operator console: built into dist/web, which the api serves at `/` (assets under /assets/
// with content hashes, so they are cached for good). `npm run build` runs this after tsc.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: process.env.WEB_OUT_DIR || fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
  },
});
