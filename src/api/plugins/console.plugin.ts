import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { ApiServer } from '../server-types.js';

/**
 * The console page may only load its own code; QR codes arrive as data: URLs. It replaces the
 * CSP every response has (security-headers.ts), so it repeats `frame-ancestors 'none'`.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export interface ConsolePage {
  send(reply: FastifyReply): FastifyReply;
}

/**
 * The operator console (web/, built by Vite into `webDir`): hashed files under /assets/ are
 * cached for a year, the page itself is never cached so a new build is picked up at once.
 * Without a build (a bare `tsc`), there is no page and `/` keeps answering with JSON.
 */
export async function registerConsole(app: ApiServer, webDir: string | undefined): Promise<ConsolePage | undefined> {
  if (webDir === undefined) return undefined;
  const indexFile = path.join(webDir, 'index.html');
  if (!fs.existsSync(indexFile)) return undefined;
  const html = await fs.promises.readFile(indexFile, 'utf8');
  const assets = path.join(webDir, 'assets');
  if (fs.existsSync(assets)) {
    await app.register(fastifyStatic, {
      root: assets,
      prefix: '/assets/',
      decorateReply: false,
      immutable: true,
      maxAge: '365d',
      index: false,
      list: false,
      schemaHide: true,
    });
  }
  return {
    send: (reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .send(html),
  };
}
