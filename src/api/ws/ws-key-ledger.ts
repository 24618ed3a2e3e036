import { revokedKeyMarker } from '../../auth/key-revocations.js';
import type { Redis } from '../../infra/redis.js';

export const ticketKey = (ticket: string): string => `ws-ticket:${ticket}`;
const socketsKey = (keyId: string): string => `ws-key:${keyId}:sockets`;
const ticketsKey = (keyId: string): string => `ws-key:${keyId}:tickets`;

/** An api process renews its sockets every heartbeat; one that died stops counting after this. */
export const SOCKET_LEASE_MS = 90_000;

export type Outcome = 'ok' | 'full' | 'revoked';

const NOW = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** Drops expired sockets and tickets (KEYS[2], KEYS[3]); answers 'full' when they hold ARGV[1] already. Sets `now`. */
const ROOM = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
if redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[1]) then return 'full' end`;

/** KEYS: revoked marker, sockets, tickets, the ticket; ARGV: limit, ticket, ttl ms, grant. */
const RESERVE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'revoked' end
${ROOM}
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[3])
return 'ok'`;

/** KEYS: revoked marker, sockets, tickets; ARGV: limit, ticket redeemed, socket id, lease ms. */
const OPEN = `
redis.call('ZREM', KEYS[3], ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 1 then return 'revoked' end
${ROOM}
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 'ok'`;

/** KEYS: revoked marker, sockets; ARGV: lease ms, socket ids… */
const RENEW = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'revoked' end
${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 'ok'`;

/**
 * What each API key holds of the WebSocket gateway over every api process, in Redis: its unused
 * tickets and its open sockets, at most `maxPerKey` together. A revoked key (its marker set by
 * key-revocations) gets no ticket and opens no socket, whichever process it asks.
 */
export class WsKeyLedger {
  constructor(
    private readonly redis: Redis,
    readonly maxPerKey: number,
  ) {}

  /** Stores a ticket's grant for `ttlMs` if the key has room for one more socket. */
  async reserveTicket(keyId: string, ticket: string, grant: string, ttlMs: number): Promise<Outcome> {
    const keys = [revokedKeyMarker(keyId), socketsKey(keyId), ticketsKey(keyId), ticketKey(ticket)];
    return (await this.redis.eval(RESERVE, keys.length, ...keys, String(this.maxPerKey), ticket, String(ttlMs), grant)) as Outcome;
  }

  /** Counts a socket opened with a redeemed ticket (whose place it takes) if the key has room. */
  async openSocket(keyId: string, ticket: string, socketId: string): Promise<Outcome> {
    const keys = [revokedKeyMarker(keyId), socketsKey(keyId), ticketsKey(keyId)];
    return (await this.redis.eval(OPEN, keys.length, ...keys, String(this.maxPerKey), ticket, socketId, String(SOCKET_LEASE_MS))) as Outcome;
  }

  /** Keeps this process's open sockets counted; 'revoked' when their key was revoked meanwhile. */
  async renew(keyId: string, socketIds: readonly string[]): Promise<Outcome> {
    const keys = [revokedKeyMarker(keyId), socketsKey(keyId)];
    return (await this.redis.eval(RENEW, keys.length, ...keys, String(SOCKET_LEASE_MS), ...socketIds)) as Outcome;
  }

  async closeSocket(keyId: string, socketId: string): Promise<void> {
    await this.redis.zrem(socketsKey(keyId), socketId);
  }

  /** After a revocation: its unused tickets stop working and nothing of it is counted any more. */
  async forget(keyId: string): Promise<void> {
    const tickets = await this.redis.zrange(ticketsKey(keyId), 0, -1);
    await this.redis.del(...tickets.map(ticketKey), socketsKey(keyId), ticketsKey(keyId));
  }
}
