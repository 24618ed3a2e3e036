import type { Redis } from '../infra/redis.js';

export interface Lease {
  sessionId: string;
  workerId: string;
  /** Fencing token: grows with every acquisition, so a stale owner can be told apart. */
  token: number;
}

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * One owner per session: a Redis key with a TTL that the owner renews. A worker that dies
 * stops renewing, the key expires, and another worker may take the session. Works across any
 * number of workers and hosts sharing one Redis (keys under the deployment's prefix).
 */
export class SessionLeases {
  constructor(
    private readonly redis: Redis,
    readonly workerId: string,
    readonly ttlMs: number,
  ) {}

  static key(sessionId: string): string {
    return `session:${sessionId}:lease`;
  }

  async acquire(sessionId: string): Promise<Lease | undefined> {
    const token = await this.redis.incr(`session:${sessionId}:fence`);
    const lease: Lease = { sessionId, workerId: this.workerId, token };
    const ok = await this.redis.set(SessionLeases.key(sessionId), encode(lease), 'PX', this.ttlMs, 'NX');
    return ok === 'OK' ? lease : undefined;
  }

  /** False when the lease was lost (expired and possibly taken by another worker). */
  async renew(lease: Lease): Promise<boolean> {
    const result = await this.redis.eval(RENEW, 1, SessionLeases.key(lease.sessionId), encode(lease), String(this.ttlMs));
    return result === 1;
  }

  async release(lease: Lease): Promise<void> {
    await this.redis.eval(RELEASE, 1, SessionLeases.key(lease.sessionId), encode(lease));
  }

  /** The worker holding the session now, if any. */
  async owner(sessionId: string): Promise<string | undefined> {
    const value = await this.redis.get(SessionLeases.key(sessionId));
    return value === null ? undefined : value.slice(0, value.lastIndexOf('|'));
  }

  async holds(lease: Lease): Promise<boolean> {
    return (await this.redis.get(SessionLeases.key(lease.sessionId))) === encode(lease);
  }
}

function encode(lease: Lease): string {
  return `${lease.workerId}|${lease.token}`;
}
