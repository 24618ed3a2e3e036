import type { Redis } from '../infra/redis.js';
import type { Logger } from '../logging/logger.js';

/** Set when a key is revoked; longer-lived than any ticket or socket lease that could outlast the news. */
export const revokedKeyMarker = (keyId: string): string => `key-revoked:${keyId}`;
const MARKER_MS = 86_400_000;

export function keyRevocationsChannel(prefix: string): string {
  return `${prefix}:key-revocations`;
}

/**
 * Tells every api process that a key was revoked: a marker in Redis (which tickets and socket
 * leases check, so a process that missed the message still refuses the key within one heartbeat)
 * and a message on the revocations channel (so sockets close at once).
 */
export async function announceRevocation(redis: Redis, prefix: string, keyId: string): Promise<void> {
  await redis.set(revokedKeyMarker(keyId), '1', 'PX', MARKER_MS);
  await redis.publish(keyRevocationsChannel(prefix), keyId);
}

/** Listens for revocations on a connection of its own; returns the function that stops listening. */
export async function subscribeToRevocations(
  subscriber: Redis,
  prefix: string,
  log: Logger,
  onRevoked: (keyId: string) => void,
): Promise<() => Promise<void>> {
  const channel = keyRevocationsChannel(prefix);
  subscriber.on('message', (from: string, keyId: string) => {
    if (from !== channel) return;
    if (/^[0-9a-f-]{36}$/.test(keyId)) onRevoked(keyId);
    else log.warn({ channel }, 'ignored a malformed revocation');
  });
  await subscriber.subscribe(channel);
  return async () => {
    await subscriber.unsubscribe(channel);
  };
}
