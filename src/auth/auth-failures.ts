import { createHash } from 'node:crypto';
import { addressBucket } from '../core/client-address.js';
import { TooManyRequests } from '../errors/app-error.js';
import type { Redis } from '../infra/redis.js';

const WINDOW_MS = 60_000;
/** How long a key that authenticated from an address still gets in while that address is blocked. */
const TRUSTED_MS = 3_600_000;

const failuresKey = (bucket: string): string => `auth-failures:${bucket}`;
const trustedKey = (bucket: string, secret: string): string =>
  `auth-trusted:${bucket}:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 32)}`;

export interface AuthFailureLimiter {
  /**
   * Checks a credential with `verify` (undefined: refused), counting refusals per client address
   * in Redis, so every api process shares the count. Past `perMinute` refusals the address gets
   * 429 AUTH_RATE_LIMITED (Retry-After: until its minute ends) before `verify` runs, so guesses
   * cost nothing more than a Redis read, except when `credential` is a key that authenticated
   * from that address in the last hour: clients behind one proxy are not locked out by another's
   * guesses. Redis unreachable: nothing is counted (authentication itself needs no Redis).
   */
  attempt<T>(ip: string, credential: string | undefined, verify: () => Promise<T | undefined>): Promise<T | undefined>;
}

/**
 * KEYS: the address's failures, the credential's trust there (optional); ARGV: limit, window ms.
 * A credential trusted there is let through (and counted only if it fails). Anything else is
 * counted as a failure as it comes in, atomically, so a burst of concurrent guesses cannot all
 * pass the check before the first one is counted; a success gives its count back.
 * Returns {admitted: 0 refused | 1 trusted | 2 counted, ms: time left of the window or the trust}.
 */
const ADMIT = `
if #KEYS > 1 then
  local trusted = redis.call('PTTL', KEYS[2])
  if trusted > 0 then return {1, trusted} end
end
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1])} end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {2, 0}`;

/** KEYS: the address's failures, the credential's trust there (optional); ARGV: trust ms. */
const SUCCEEDED = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
if #KEYS > 1 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[1]) end
return 1`;

type Admission = { as: 'refused'; windowLeftMs: number } | { as: 'trusted'; trustLeftMs: number } | { as: 'counted' } | { as: 'unknown' };

export function createAuthFailureLimiter(redis: Redis, options: { perMinute: number; onError: (error: unknown) => void }): AuthFailureLimiter {
  const { perMinute, onError } = options;
  const keysOf = (bucket: string, credential: string | undefined): string[] =>
    credential === undefined ? [failuresKey(bucket)] : [failuresKey(bucket), trustedKey(bucket, credential)];

  const admit = async (keys: string[]): Promise<Admission> => {
    const [admitted, ms] = (await redis.eval(ADMIT, keys.length, ...keys, String(perMinute), String(WINDOW_MS))) as [number, number];
    if (admitted === 0) return { as: 'refused', windowLeftMs: ms > 0 ? ms : WINDOW_MS };
    return admitted === 1 ? { as: 'trusted', trustLeftMs: ms } : { as: 'counted' };
  };

  /** A trusted credential that failed (a revoked key) counts, and is trusted no more. */
  const recordFailure = async (keys: string[]): Promise<void> => {
    const [failures = '', trusted] = keys;
    const transaction = redis.multi().set(failures, 0, 'PX', WINDOW_MS, 'NX').incr(failures);
    if (trusted !== undefined) transaction.del(trusted);
    await transaction.exec();
  };

  return {
    async attempt(ip, credential, verify) {
      const keys = keysOf(addressBucket(ip), credential);
      const admission = await admit(keys).catch((error: unknown): Admission => {
        onError(error);
        return { as: 'unknown' };
      });
      if (admission.as === 'refused') {
        const seconds = Math.max(1, Math.ceil(admission.windowLeftMs / 1000));
        throw new TooManyRequests(
          'AUTH_RATE_LIMITED',
          `Too many failed authentications from this address (at most ${perMinute} a minute). Try again in ${seconds} s.`,
          seconds,
          { limit: perMinute, retryAfterSeconds: seconds },
        );
      }
      const result = await verify();
      if (result === undefined) {
        if (admission.as === 'trusted') await recordFailure(keys).catch(onError);
      } else if (admission.as === 'counted' || (admission.as === 'trusted' && admission.trustLeftMs < TRUSTED_MS / 2)) {
        // Trust is renewed at most twice an hour per address and key, so a steady client never lapses.
        await redis.eval(SUCCEEDED, keys.length, ...keys, String(TRUSTED_MS)).catch(onError);
      }
      return result;
    },
  };
}
