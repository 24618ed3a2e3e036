import {
  BufferJSON,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from 'baileys';
import type { AuthStateStore } from '../auth-state.store.js';
import { createBoundedCache } from './bounded-cache.js';

/**
 * baileys' `AuthenticationState` kept in the database through AuthStateStore, so that a worker on
 * another host can take a session over from the database alone (no files). Every signal key type
 * is stored the same way, by category name, so types a future baileys adds need no change here.
 */
/** baileys' logger interface (not exported from its entry point by name). */
export type BaileysLogger = NonNullable<Parameters<typeof makeCacheableSignalKeyStore>[1]>;

export interface DbAuthState {
  state: AuthenticationState;
  /** Writes the current creds (after baileys changed them; it says so with `creds.update`). */
  saveCreds(): Promise<void>;
  /** Resolves once every save asked for so far has finished (failed ones included). */
  flush(): Promise<void>;
}

/**
 * The signal keys kept in memory in front of the database: baileys' own time to live
 * (Defaults/index.js DEFAULT_CACHE_TTLS.SIGNAL_STORE, 5 minutes) and a size bound its default
 * lacks. A key that left is read again from the database when needed.
 */
export const KEY_CACHE = { maxEntries: 1_000, ttlMs: 5 * 60_000 };

const serialise = (value: unknown): string => JSON.stringify(value, BufferJSON.replacer);
const deserialise = (raw: string): unknown => JSON.parse(raw, BufferJSON.reviver) as unknown;

export async function loadDbAuthState(store: AuthStateStore, sessionId: string, logger?: BaileysLogger): Promise<DbAuthState> {
  const stored = await store.readCreds(sessionId);
  const creds = stored === undefined ? initAuthCreds() : (deserialise(stored) as AuthenticationCreds);
  const keys = makeCacheableSignalKeyStore(dbKeyStore(store, sessionId), logger, createBoundedCache(KEY_CACHE));
  // Saves run one after another so an older snapshot can never overwrite a newer one.
  let saving: Promise<void> = Promise.resolve();
  return {
    state: { creds, keys },
    saveCreds() {
      const value = serialise(creds);
      saving = saving.catch(() => undefined).then(() => store.writeCreds(sessionId, value));
      return saving;
    },
    flush: () => saving.catch(() => undefined),
  };
}

/** Forgets a session's creds and keys (after logout, or when a link is beyond repair). */
export function clearAuthState(store: AuthStateStore, sessionId: string): Promise<void> {
  return store.clear(sessionId);
}

function dbKeyStore(store: AuthStateStore, sessionId: string): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const rows = await store.readKeys(sessionId, type, ids);
      const found: Record<string, SignalDataTypeMap[T]> = {};
      for (const [id, raw] of rows) found[id] = revive(type, deserialise(raw));
      return found;
    },
    async set(data: SignalDataSet) {
      const entries: { category: string; id: string; value: string | null }[] = [];
      for (const [category, values] of Object.entries(data)) {
        for (const [id, value] of Object.entries(values)) {
          entries.push({ category, id, value: value === null || value === undefined ? null : serialise(value) });
        }
      }
      await store.writeKeys(sessionId, entries);
    },
  };
}

function revive<T extends keyof SignalDataTypeMap>(type: T, value: unknown): SignalDataTypeMap[T] {
  // JSON loses the protobuf class, and baileys calls its methods on app-state keys.
  if (type === 'app-state-sync-key') {
    return proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>) as unknown as SignalDataTypeMap[T];
  }
  return value as SignalDataTypeMap[T];
}

/**
 * baileys' expiry rule for privacy tokens (Utils/tc-token-utils.js isTcTokenExpired, not exported
 * from its entry point): time is cut in 7-day buckets and a token lives in the current bucket and
 * the 3 before it (~28 days). A missing or unreadable timestamp is expired.
 */
const TC_TOKEN_BUCKET_S = 604_800;
const TC_TOKEN_BUCKETS = 4;

export function isTcTokenExpired(timestamp: string | number | null | undefined, now: Date): boolean {
  if (timestamp === null || timestamp === undefined) return true;
  const ts = typeof timestamp === 'string' ? Number.parseInt(timestamp, 10) : timestamp;
  if (Number.isNaN(ts)) return true;
  const currentBucket = Math.floor(Math.floor(now.getTime() / 1000) / TC_TOKEN_BUCKET_S);
  return ts < (currentBucket - (TC_TOKEN_BUCKETS - 1)) * TC_TOKEN_BUCKET_S;
}

/** Where baileys keeps the list of jids that hold a token (Utils/tc-token-utils.js TC_TOKEN_INDEX_KEY). */
const TC_TOKEN_INDEX = '__index';

type TcToken = SignalDataTypeMap['tctoken'];

/**
 * Drops the privacy tokens (`tctoken` keys, one per contact who wrote or was written to) that
 * have expired, by baileys' own rules (Socket/messages-recv.js pruneExpiredTcTokens): a key whose
 * token and our sender timestamp are both expired goes; one whose token expired but whose sender
 * timestamp lives keeps only that timestamp. baileys runs this only when the account goes online,
 * which this product never does (markOnlineOnConnect is off), so without it every contact ever
 * heard stays in the database and in baileys' index. Reads every key of the category (including
 * ones baileys' index missed); writes through `keys` (the cached store the socket uses), so its
 * cache does not keep what is deleted. Returns how many keys were deleted and how many remain.
 */
export async function pruneExpiredTcTokens(store: AuthStateStore, sessionId: string, keys: SignalKeyStore, now: Date): Promise<{ deleted: number; kept: number }> {
  const rows = await store.readCategory(sessionId, 'tctoken');
  const writes: Record<string, TcToken | null> = {};
  const survivors: string[] = [];
  let deleted = 0;
  let mutated = false;
  for (const [jid, raw] of rows) {
    if (jid === TC_TOKEN_INDEX) continue;
    const entry = deserialise(raw) as Partial<TcToken> | null;
    const hasToken = (entry?.token?.length ?? 0) > 0;
    const tokenLives = hasToken && !isTcTokenExpired(entry?.timestamp, now);
    const senderLives = entry?.senderTimestamp !== undefined && !isTcTokenExpired(entry.senderTimestamp, now);
    if (!tokenLives && !senderLives) {
      writes[jid] = null;
      deleted += 1;
      mutated = true;
    } else {
      survivors.push(jid);
      if (hasToken && !tokenLives && entry?.senderTimestamp !== undefined) {
        writes[jid] = { token: Buffer.alloc(0), senderTimestamp: entry.senderTimestamp };
        mutated = true;
      }
    }
  }
  if (mutated) {
    writes[TC_TOKEN_INDEX] = { token: Buffer.from(JSON.stringify(survivors)) };
    await keys.set({ tctoken: writes });
  }
  return { deleted, kept: survivors.length };
}
