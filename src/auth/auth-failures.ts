import { createHash } from 'node:crypto';
import { addressBucket } from '../core/client-address.js';
import { TooManyRequests } from '../errors/app-error.js';
import type { Redis } from '../infra/redis.js';

const WINDOW_MS = 60_000;
/** How long a key that authenticated from an address still gets in while that address is blocked. */
const TRUSTED_MS = 3_600_000;

const failuresKey = (bucket: string): string => `auth-failures:${bucket}`;
const pendingKey = (bucket: string): string => `auth-pending:${bucket}`;
const trustedKey = (bucket: string, secret: string): string =>
  `auth-trusted:${bucket}:${createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 32)}`;
/** A check still running after this (its process died mid-check) stops holding a place. */
const PENDING_TTL_MS = 10_000;
/** How long an attempt waits for the checks ahead of it when they alone could reach the limit. */
const WAIT_MS = 2_000;
const WAIT_STEP_MS = 25;

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
 * KEYS: the address's failures, its checks in progress, the credential's trust there (optional);
 * ARGV: limit, pending ttl ms. A credential trusted there is let through. Anything else takes a
 * place among the checks in progress, atomically, unless failures and checks in progress together
 * reach the limit: then it waits (a burst of concurrent guesses gets no more tries than the limit,
 * and a burst of first requests of a good key gets in as soon as the first one is known good).
 * Returns {admitted: 0 refused | 1 trusted | 2 checking | 3 wait, ms: time left of the window or the trust}.
 */
const ADMIT = `
if #KEYS > 2 then
  local trusted = redis.call('PTTL', KEYS[3])
  if trusted > 0 then return {1, trusted} end
end
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1])} end
if failures + tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[1]) then return {3, 0} end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {2, 0}`;

/**
 * KEYS: the address's failures, its checks in progress, the credential's trust there (optional);
 * ARGV: 'ok' | 'failed' | 'released' (the check itself broke), whether the attempt held a place (1 | 0), window ms, trust ms.
 * A failure counts (and a trusted credential that failed, a revoked key, is trusted no more).
 */
const SETTLE = `
if ARGV[2] == '1' and tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
if ARGV[1] == 'failed' then
  if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
  if #KEYS > 2 then redis.call('DEL', KEYS[3]) end
elseif ARGV[1] == 'ok' and #KEYS > 2 then
  redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
end
return 1`;

type Admission =
  | { as: 'refused'; windowLeftMs: number }
  | { as: 'trusted'; trustLeftMs: number }
  | { as: 'checking' }
  | { as: 'wait' }
  | { as: 'unknown' };

export function createAuthFailureLimiter(redis: Redis, options: { perMinute: number; onError: (error: unknown) => void }): AuthFailureLimiter {
  const { perMinute, onError } = options;
  const keysOf = (bucket: string, credential: string | undefined): string[] =>
    credential === undefined ? [failuresKey(bucket), pendingKey(bucket)] : [failuresKey(bucket), pendingKey(bucket), trustedKey(bucket, credential)];

  const admitOnce = async (keys: string[]): Promise<Admission> => {
    const [admitted, ms] = (await redis.eval(ADMIT, keys.length, ...keys, String(perMinute), String(PENDING_TTL_MS))) as [number, number];
    switch (admitted) {
      case 0:
        return { as: 'refused', windowLeftMs: ms > 0 ? ms : WINDOW_MS };
      case 1:
        return { as: 'trusted', trustLeftMs: ms };
      case 2:
        return { as: 'checking' };
      default:
        return { as: 'wait' };
    }
  };

  /** Waits while the checks in progress could reach the limit; past WAIT_MS the attempt is refused. */
  const admit = async (keys: string[]): Promise<Admission> => {
    for (let waited = 0; ; waited += WAIT_STEP_MS) {
      const admission = await admitOnce(keys);
      if (admission.as !== 'wait') return admission;
      if (waited >= WAIT_MS) return { as: 'refused', windowLeftMs: WINDOW_MS };
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  };

  const settle = async (keys: string[], outcome: 'ok' | 'failed' | 'released', heldPlace: boolean): Promise<void> => {
    await redis.eval(SETTLE, keys.length, ...keys, outcome, heldPlace ? '1' : '0', String(WINDOW_MS), String(TRUSTED_MS));
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
      let result: Awaited<ReturnType<typeof verify>>;
      try {
        result = await verify();
      } catch (error) {
        if (admission.as === 'checking') await settle(keys, 'released', true).catch(onError); // not a refusal: only the place is given back
        throw error;
      }
      if (admission.as === 'checking') {
        await settle(keys, result === undefined ? 'failed' : 'ok', true).catch(onError);
      } else if (admission.as === 'trusted' && (result === undefined || admission.trustLeftMs < TRUSTED_MS / 2)) {
        // Trust is renewed at most twice an hour per address and key, so a steady client never lapses.
        await settle(keys, result === undefined ? 'failed' : 'ok', false).catch(onError);
      }
      return result;
    },
  };
}
