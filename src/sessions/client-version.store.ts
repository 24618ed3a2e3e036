import type { Redis } from '../infra/redis.js';

/** The WhatsApp Web client version a worker's sessions announce, as /ready shows it. */
export interface ClientVersionRecord {
  version: string;
  source: 'pinned' | 'fetched' | 'bundled';
  /** Why the current version could not be fetched, when the bundled one is used. */
  error?: string;
  workerId: string;
  at: string;
}

const KEY = 'whatsapp:client-version';

/** Workers write it once resolved (the last one to start wins: they normally agree); the api reads it. */
export async function recordClientVersion(redis: Redis, record: ClientVersionRecord): Promise<void> {
  await redis.set(KEY, JSON.stringify(record));
}

export async function readClientVersion(redis: Redis): Promise<ClientVersionRecord | undefined> {
  const raw = await redis.get(KEY);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as ClientVersionRecord;
  } catch {
    return undefined;
  }
}
