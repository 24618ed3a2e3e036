import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AttemptResult } from '../core/webhook-retry.js';
import { isPrivateAddress } from '../core/private-address.js';

/** What one attempt sends. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Refuse loopback, link-local, private… addresses (a unit-scoped endpoint without WEBHOOK_ALLOW_PRIVATE). */
  publicOnly: boolean;
  /** How a host name is resolved for `publicOnly` (the system resolver; replaceable to test a resolver that hangs). */
  resolve?: Resolve;
}

/** Resolves a host name to all its addresses, as `dns.lookup(hostname, { all: true })` does. */
export type Resolve = (hostname: string, family: number, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

const systemResolve: Resolve = (hostname, family, callback) => {
  dnsLookup(hostname, { all: true, family }, callback);
};

/**
 * How long the name lookup of one attempt may take, at most (within the request's own timeout). A
 * resolver that never answers fails the attempt as a timeout, retried like any other; it never
 * holds a delivery slot. (The system resolver's thread may stay busy until the OS gives up; no
 * slot waits for it.)
 */
export const LOOKUP_TIMEOUT_MS = 5_000;

export class LookupTimeoutError extends Error {
  constructor(hostname: string, ms: number) {
    super(`DNS lookup of ${hostname} took longer than ${String(ms)} ms`);
  }
}

export interface WebhookResponse {
  result: AttemptResult;
  /** The first 1 KB of the response body, as text. */
  body: string | null;
  durationMs: number;
}

const RESPONSE_BODY_BYTES = 1024;

/**
 * Connections are reused per host. An agent pools sockets by host and port, not by how the address
 * was looked up: requests that must reach a public address only have agents of their own, so none
 * reuses a socket an admin's endpoint opened to a private address under the same name.
 */
const agentPair = () => ({
  http: new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }),
});
const agents = { any: agentPair(), publicOnly: agentPair() };

export class PrivateAddressError extends Error {
  constructor(address: string) {
    super(`refused: ${address} is a loopback, link-local or private address (WEBHOOK_ALLOW_PRIVATE=true allows it)`);
  }
}

/**
 * Resolves the host and hands the socket a checked address only: the address connected to is the
 * one that was checked, so a DNS answer that changes between check and connect (DNS rebinding)
 * cannot reach a private address. The lookup is bounded by `timeoutMs`.
 */
function publicLookup(resolve: Resolve, timeoutMs: number): LookupFunction {
  return (hostname, options, callback) => {
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      callback(new LookupTimeoutError(hostname, timeoutMs), '', 0);
    }, timeoutMs);
    resolve(hostname, options.family === 4 || options.family === 6 ? options.family : 0, (error, addresses) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      if (error) {
        callback(error, '', 0);
        return;
      }
      const allowed = addresses.filter((entry) => !isPrivateAddress(entry.address));
      const first = allowed[0];
      if (!first) {
        callback(new PrivateAddressError(addresses[0]?.address ?? hostname), '', 0);
        return;
      }
      if (options.all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

/** One POST, never following a redirect, cut off at `timeoutMs`; never throws. */
export function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const started = performance.now();
  const done = (result: AttemptResult, body: string | null = null): WebhookResponse => ({ result, body, durationMs: performance.now() - started });
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve(done({ kind: 'refused', message: 'not a valid URL' }));
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (request.publicOnly && isIP(host) !== 0 && isPrivateAddress(host)) {
      resolve(done({ kind: 'refused', message: new PrivateAddressError(host).message }));
      return;
    }
    const secure = url.protocol === 'https:';
    const client = secure ? https : http;
    let settled = false;
    const finish = (response: WebhookResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(response);
    };
    const req = client.request(url, {
      method: 'POST',
      agent: (request.publicOnly ? agents.publicOnly : agents.any)[secure ? 'https' : 'http'],
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)), 'user-agent': 'wa-blaster-webhooks/1' },
      ...(request.publicOnly ? { lookup: publicLookup(request.resolve ?? systemResolve, Math.min(LOOKUP_TIMEOUT_MS, request.timeoutMs)) } : {}),
    });
    const timer = setTimeout(() => {
      finish(done({ kind: 'timeout' }));
      req.destroy();
    }, request.timeoutMs);
    req.on('error', (error) => {
      if (error instanceof LookupTimeoutError) finish(done({ kind: 'timeout' }));
      else finish(done(error instanceof PrivateAddressError ? { kind: 'refused', message: error.message } : { kind: 'network', message: error.message.slice(0, 300) }));
    });
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const status = response.statusCode ?? 0;
      const retryAfter = typeof response.headers['retry-after'] === 'string' ? response.headers['retry-after'] : null;
      const end = (): void => {
        // Kept as text in the log: a NUL (a binary or compressed answer) is replaced, PostgreSQL refuses it in text.
        const body = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_BYTES).toString('utf8').replaceAll('\u0000', '\uFFFD');
        finish(done({ kind: 'response', status, retryAfter }, body));
      };
      response.on('data', (chunk: Buffer) => {
        if (size >= RESPONSE_BODY_BYTES) return;
        chunks.push(chunk);
        size += chunk.length;
        // Enough read: the rest is not kept, and a receiver streaming for ever must not hold the attempt.
        if (size >= RESPONSE_BODY_BYTES) {
          end();
          response.destroy();
        }
      });
      response.on('end', end);
      response.on('error', end);
    });
    req.end(request.body);
  });
}
